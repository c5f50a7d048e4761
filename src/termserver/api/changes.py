"""GET /api/v1/changes and /feed.atom: the published releases, for systems that follow them.

Each release carries the SHA-256 of its SKOS (Turtle) and FHIR CodeSystem exports, the
bytes `GET /api/v1/schemes/{scheme}/export` sends, so a replica or a domain system can
fetch an export and check it. Exporting is seconds of CPU for a large release, so the
hashes are computed in the export worker processes (`workers.run`, as the export
endpoint does) and memoised per (scheme, version, checksum): a release never changes, so
neither do they.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from .. import atom, changes
from ..model import Release
from .export import export_job
from .responses import json_response
from .schemas import ERROR_RESPONSES, ErrorOut, _Open

if TYPE_CHECKING:
    from ..services import Services

router = APIRouter(tags=["versions"])
feed_router = APIRouter(tags=["versions"])

_BUSY: dict[int | str, dict] = {503: {
    "model": ErrorOut, "description": "Every export worker is busy computing export hashes "
    "(`overloaded`, with Retry-After)"}}


class ReleaseLinksOut(_Open):
    scheme: str = Field(description="The scheme with all its versions.")
    skos: str = Field(description="The release as SKOS Turtle.")
    fhir: str | None = Field(description="The release as a FHIR CodeSystem (null for a "
                             "crosswalk, kind mappings).")
    diff: str | None = Field(description="Its diff against the previous version (null for "
                             "the first).")


class ExportHashesOut(_Open):
    skos: str = Field(description="SHA-256 (hex) of the SKOS Turtle export's bytes.")
    fhir: str | None = Field(description="SHA-256 (hex) of the FHIR CodeSystem export's "
                             "bytes; null for kind mappings.")


class ReleaseEntryOut(_Open):
    scheme: str
    version: str
    title: str
    kind: str = Field(description="vocabulary, mappings (a crosswalk) or overlay.")
    status: str
    issued: str | None = Field(description="The publisher's release date.")
    published_at: str | None = Field(description="When it was published on this server "
                                     "(UTC, seconds): the feed's order and `since`.")
    checksum: str = Field(description="SHA-256 of the release's canonical N-Triples.")
    concepts: int
    previous: str | None = Field(description="The scheme's version before it.")
    sha256: ExportHashesOut
    links: ReleaseLinksOut
    release_notes: str | None = Field(description="Danish release notes (releases "
                                      "published from a draft).")
    draft: int | None = Field(description="The draft it was published from.")


class ChangesOut(_Open):
    since: str | None = Field(description="The `since` asked for (UTC), exclusive.")
    limit: int
    releases: list[ReleaseEntryOut] = Field(description="Oldest publication first; may hold "
                                            "more than `limit` so that releases published "
                                            "in the same second stay on one page.")
    until: str | None = Field(description="The newest `published_at` on this page: pass it "
                              "as `since` to continue (null on an empty page).")
    next: str | None = Field(description="The next page, while more releases follow.")


def export_hashes_job(services: Services, scheme: str, version: str) -> dict[str, str | None]:
    """In a worker process: the SHA-256 of the release's SKOS Turtle and FHIR exports."""
    release = services.store.release(scheme, version)
    return {"skos": _sha256(export_job(services, scheme, version, "ttl")),
            "fhir": (_sha256(export_job(services, scheme, version, "fhir"))
                     if changes.has_fhir(release) else None)}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def export_hashes(services: Services, releases: list[Release]
                        ) -> list[dict[str, str | None]]:
    """The export hashes of each release, from the memo or computed in the workers (as
    many at once as there are worker processes)."""
    slots = asyncio.Semaphore(max(1, services.settings.worker_processes))

    async def one(release: Release) -> dict[str, str | None]:
        key = ("export-sha256", release.scheme, release.version, release.info.checksum)
        known = services.cache.get(key)
        if known is not None:
            return known
        exported = [services.cache.get(("export", release.scheme, release.version, fmt))
                    for fmt in ("ttl", "fhir")]
        if exported[0] is not None and (exported[1] is not None
                                        or not changes.has_fhir(release)):
            found = {"skos": _sha256(exported[0]),
                     "fhir": _sha256(exported[1]) if changes.has_fhir(release) else None}
        else:
            async with slots:
                found = await services.workers.run(export_hashes_job, release.scheme,
                                                   release.version)
        services.cache[key] = found
        return found

    return list(await asyncio.gather(*(one(r) for r in releases)))


@router.get("/changes", response_model=ChangesOut, responses={**ERROR_RESPONSES, **_BUSY},
            summary="Published releases in publication order, for systems that follow them")
async def get_changes(
    request: Request,
    since: Annotated[str | None, Query(description="Only releases published after this "
                                       "ISO 8601 time (exclusive; without a zone: UTC), "
                                       "e.g. the previous page's `until`.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Releases per page (a page "
                                "keeps releases of the same second together).")] = 100,
) -> Response:
    services = request.app.state.services
    store = services.store
    after = changes.parse_since(since)
    releases, more = changes.page(store, after, limit)
    hashes = await export_hashes(services, releases)
    entries = [changes.release_entry(store, r, h) for r, h in zip(releases, hashes,
                                                                   strict=True)]
    return json_response({
        "since": changes.iso(after) if after is not None else None,
        "limit": limit,
        "releases": entries,
        "until": entries[-1]["published_at"] if entries else None,
        "next": changes.next_link(releases, more, limit),
    })


@feed_router.get("/feed.atom", response_class=Response, responses={
    **_BUSY, 200: {"description": "An Atom 1.0 feed of the newest releases",
                   "content": {atom.MEDIA_TYPE: {}}}},
    summary="Atom feed of published releases, newest first (Danish titles)")
async def get_feed(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500, description="Newest releases to list.")] = 50,
) -> Response:
    services = request.app.state.services
    store = services.store
    releases = changes.newest_first(store, limit)
    hashes = await export_hashes(services, releases)
    entries = [changes.release_entry(store, r, h) for r, h in zip(releases, hashes,
                                                                   strict=True)]
    stamps = [e["published_at"] for e in entries if e["published_at"]]
    updated = max(stamps) if stamps else _loaded(services)
    body = atom.feed(entries, base_url=str(request.base_url), self_path=request.url.path
                     + (f"?{request.url.query}" if request.url.query else ""),
                     updated=updated)
    return Response(body, media_type=atom.MEDIA_TYPE)


def _loaded(services: Services) -> str:
    """When the store was loaded: the feed's `updated` while it lists no release."""
    import datetime as dt

    moment = dt.datetime.fromtimestamp(services.loaded_at, dt.UTC)
    return changes.iso(moment) or ""
