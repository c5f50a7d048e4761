"""The change feed: published releases in the order they were published here.

Domain systems and replicas follow it to learn of new releases without listing every
scheme: each release with its content checksum, the SHA-256 of its exports and the links
to fetch them and its diff. Ordered by publication time (`ReleaseInfo.imported_at`,
seconds, UTC), then scheme, then version; `since` is exclusive, and a page never ends
inside a group of releases published in the same second (an import of several files
publishes them together), so a client that passes the page's `until` as the next
`since` misses nothing that was there when it asked.

Pure functions over the store; the HTTP routes (`api/changes.py`) add the export hashes,
which are computed in worker processes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from .errors import BadRequest
from .model import Release
from .store import Store
from .versions import version_key

NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)
"""The publication time of a release that has none (built in memory, never on disk)."""


def published_at(release: Release) -> dt.datetime:
    """When the release was published in this data directory (UTC)."""
    text = release.info.imported_at
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:  # none (a release never written to disk), or not ours
        return NEVER
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def parse_since(text: str | None) -> dt.datetime | None:
    """`since` as a UTC datetime: an ISO 8601 date or timestamp; without a zone, UTC."""
    if text is None or text == "":
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise BadRequest(
            f"since: {text!r} is not an ISO 8601 timestamp. Give the `published_at` (or the "
            "page's `until`) of the newest release you have, e.g. "
            "since=2026-03-01T08:00:00Z, or a date such as since=2026-03-01.",
            details={"field": "since", "value": text}) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def iso(moment: dt.datetime) -> str | None:
    """RFC 3339 in UTC with a Z, as Atom wants it; None for NEVER."""
    if moment == NEVER:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def ordered(store: Store) -> list[Release]:
    """Every release, oldest publication first; ties by scheme, then version order."""
    return sorted(store.releases(),
                  key=lambda r: (published_at(r), r.scheme, version_key(r.version)))


def page(store: Store, since: dt.datetime | None, limit: int) -> tuple[list[Release], bool]:
    """Up to `limit` releases published after `since`, oldest first, and whether more
    follow. Releases published in the same second stay together: the page grows past
    `limit` rather than split them."""
    after = [r for r in ordered(store) if since is None or published_at(r) > since]
    cut = min(limit, len(after))
    while 0 < cut < len(after) and published_at(after[cut]) == published_at(after[cut - 1]):
        cut += 1
    return after[:cut], cut < len(after)


def newest_first(store: Store, limit: int) -> list[Release]:
    """The `limit` most recently published releases, newest first (the Atom feed)."""
    return list(reversed(ordered(store)))[:limit]


def previous_version(store: Store, release: Release) -> str | None:
    """The scheme's version before this one (version order), which its diff starts from."""
    versions = [r.version for r in store.versions(release.scheme)]
    at = versions.index(release.version)
    return versions[at - 1] if at > 0 else None


def has_fhir(release: Release) -> bool:
    """Whether the release has a FHIR CodeSystem export (a crosswalk has none)."""
    return release.info.kind != "mappings"


def links(store: Store, release: Release) -> dict[str, str | None]:
    """Paths (under this server) of the release, its exports and its diff."""
    scheme = quote(release.scheme, safe="")
    base = f"/api/v1/schemes/{scheme}"

    def export(fmt: str) -> str:
        return f"{base}/export?{urlencode({'format': fmt, 'version': release.version})}"

    before = previous_version(store, release)
    return {
        "scheme": base,
        "skos": export("ttl"),
        "fhir": export("fhir") if has_fhir(release) else None,
        "diff": (f"{base}/diff?{urlencode({'from': before, 'to': release.version})}"
                 if before is not None else None),
    }


def release_entry(store: Store, release: Release,
                  sha256: dict[str, str | None]) -> dict[str, Any]:
    """One release as the feed lists it; `sha256` holds its exports' hashes."""
    info = release.info
    draft = info.extra.get("draft")
    return {
        "scheme": info.scheme,
        "version": info.version,
        "title": info.title,
        "kind": info.kind,
        "status": info.status,
        "issued": info.issued,
        "published_at": iso(published_at(release)),
        "checksum": info.checksum,
        "concepts": len(release.concepts),
        "previous": previous_version(store, release),
        "sha256": sha256,
        "links": links(store, release),
        "release_notes": info.extra.get("release_notes") or None,
        "draft": int(draft) if draft and draft.isdigit() else None,
    }


def next_link(releases: list[Release], more: bool, limit: int) -> str | None:
    """The next page's path: `since` the last publication time on this page."""
    if not more or not releases:
        return None
    since = iso(published_at(releases[-1]))
    return f"/api/v1/changes?{urlencode({'since': since or NEVER.isoformat(), 'limit': limit})}"
