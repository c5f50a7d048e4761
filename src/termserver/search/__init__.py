"""Search over labels, codes and definitions of every loaded release.

The index lives in `<data_dir>/index/<backend>/<generation>/`; a `CURRENT` file names
the generation in use and is replaced atomically after a rebuild, so a crash while
reindexing leaves the previous index in service. Each generation lists the releases it
was built from (`generations`), so a release published without its index is noticed
and repaired by the next process that opens the data directory.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from .. import atomic
from ..errors import BadRequest
from ..store import Store
from . import facets, generations
from .base import MAX_RESULTS, NO_FILTERS, Filters, Hit, SearchBackend, SearchIndex, SearchResults

log = logging.getLogger(__name__)

BACKENDS = ("tantivy", "whoosh")

__all__ = [
    "BACKENDS",
    "MAX_RESULTS",
    "NO_FILTERS",
    "Filters",
    "Hit",
    "OpenedIndex",
    "SearchBackend",
    "SearchIndex",
    "SearchResults",
    "check_filters",
    "get_backend",
    "open_index",
    "open_search",
    "rebuild_index",
    "search_filters",
]


def check_filters(store: Store, scheme: str | None, version: str | None) -> None:
    """An unknown scheme or version is a 404 naming what exists; a version without its
    scheme is a 400 (version strings are the publishers' own: `2001` is ICF's, but
    nothing stops another scheme from using it)."""
    if scheme is not None:
        store.release(scheme, version)
    elif version is not None:
        raise BadRequest(
            f"version={version!r} needs scheme=…: version strings belong to one scheme. "
            "Give both, e.g. scheme=icf&version=2001.",
            details={"version": version},
        )


def search_filters(store: Store, schemes: list[str] | None = None, version: str | None = None,
                   kinds: list[str] | None = None, area: str | None = None,
                   law: str | None = None, include_retired: bool = False) -> Filters:
    """A search's filters from a caller's parameters, each checked: an unknown scheme or
    version is a 404 naming what exists, an unknown kind, area or law a 400 naming the ones
    there are. `schemes` may repeat and each may hold several names separated by commas."""
    names = [name.strip() for value in schemes or () for name in value.split(",")]
    if version is not None and len(names) != 1:
        check_filters(store, None, version)  # the version-without-scheme 400
        raise BadRequest(
            f"version={version!r} needs exactly one scheme; {len(names)} were given.",
            details={"version": version, "schemes": names})
    for name in dict.fromkeys(names):
        check_filters(store, name, version)
    chosen = []
    for word in [k.strip() for value in kinds or () for k in value.split(",") if k.strip()]:
        kind = facets.kind_name(word)
        if kind is None:
            raise BadRequest(
                f"kind={word!r} is not a kind. Use tilstand, indsats (or ydelse), icf, "
                "maalgruppe or andet; several separated by commas.",
                details={"kind": word, "kinds": list(facets.KINDS)})
        chosen.append(kind)
    if area is not None and area not in facets.AREAS:
        raise BadRequest(f"area={area!r} is not an area of the catalogue. Use one of "
                         f"{', '.join(facets.AREAS)}.",
                         details={"area": area, "areas": list(facets.AREAS)})
    law_name = None
    if law is not None:
        laws = facets.known_laws(store)
        law_name = laws.get(facets.law_key(law))
        if law_name is None:
            raise BadRequest(f"law={law!r} is no legal basis in the catalogue. Laws: "
                             f"{'; '.join(sorted(laws.values()))}.",
                             details={"law": law, "laws": sorted(laws.values())})
    if not (names or version or chosen or area or law_name or include_retired):
        return NO_FILTERS
    return Filters(tuple(dict.fromkeys(names)), version, tuple(dict.fromkeys(chosen)), area,
                   law_name, include_retired)


def get_backend(name: str) -> SearchBackend:
    if name == "tantivy":
        from .tantivy_backend import TantivyBackend

        return TantivyBackend()
    if name == "whoosh":
        from .whoosh_backend import WhooshBackend

        return WhooshBackend()
    raise BadRequest(
        f"Unknown search backend {name!r}. Set TERMSERVER_SEARCH_BACKEND to one of "
        f"{', '.join(BACKENDS)}.",
        details={"backend": name},
    )


def rebuild_index(data_dir: Path, backend_name: str, store: Store) -> Path:
    """Build a fresh index generation from `store` and switch to it; older generations
    are removed. The caller holds the data directory's lock."""
    backend = get_backend(backend_name)
    base = generations.root(data_dir, backend_name)
    base.mkdir(parents=True, exist_ok=True)
    atomic.remove_stale_staging(base)
    generation = uuid.uuid4().hex[:12]
    with atomic.staging_dir(base) as staging:
        backend.build(store, staging)
        generations.write_manifest(staging, (r.info for r in store.releases()))
        generations.open_up(staging)
        final = base / generation
        staging.rename(final)
    atomic.write_bytes(base / "CURRENT", generation.encode())
    for entry in base.iterdir():
        if entry.is_dir() and entry.name != generation and not entry.name.startswith("."):
            shutil.rmtree(entry, ignore_errors=True)
    return final


@dataclass(slots=True)
class OpenedIndex:
    """An open index and how it came to be open, for /readyz, /metrics and check-data."""

    index: SearchIndex
    state: str
    """`current` (as published), `repaired` (was stale or missing, rebuilt in the data
    directory) or `private` (read-only data directory: built in a scratch directory)."""
    found: generations.Generation
    """What was on disk before opening."""


def open_index(data_dir: Path, backend_name: str, store: Store) -> SearchIndex:
    return open_search(data_dir, backend_name, store).index


def open_search(data_dir: Path, backend_name: str, store: Store) -> OpenedIndex:
    """Open the generation that covers the store's releases, repairing what does not.

    A missing, outdated or stale index (an import interrupted between its release and
    its index) is rebuilt under the data directory's lock, re-checked after waiting (the
    interrupted writer's successor may be rebuilding it). A read-only data directory is
    never written: its current index is read from a private copy, and a stale one is
    built privately, with a warning naming the fix.
    """
    backend = get_backend(backend_name)
    data_dir = Path(data_dir)
    infos = [r.info for r in store.releases()]
    found = generations.current(data_dir, backend_name, infos)
    if found.status == generations.CURRENT and found.directory is not None:
        directory = found.directory
        if backend_name == "tantivy" and not atomic.is_writable(directory):
            directory = generations.private_copy(directory)
        return OpenedIndex(backend.open(store, directory), generations.CURRENT, found)
    if atomic.is_writable(data_dir):
        with atomic.data_dir_lock(data_dir):
            again = generations.current(data_dir, backend_name, infos)
            if again.status == generations.CURRENT and again.directory is not None:
                return OpenedIndex(backend.open(store, again.directory),
                                   generations.CURRENT, found)
            if found.status != generations.MISSING:
                log.warning("%s: %s; rebuilding it.", data_dir, found.describe())
            directory = rebuild_index(data_dir, backend_name, store)
        return OpenedIndex(backend.open(store, directory), "repaired", found)
    log.warning("%s: %s, and the data directory is read-only, so this process built a "
                "private index. Run `termserver reindex` where the data directory is "
                "writable.", data_dir, found.describe())
    directory = generations.private_scratch() / "index"
    directory.mkdir()
    backend.build(store, directory)
    return OpenedIndex(backend.open(store, directory), "private", found)
