"""Search over labels, codes and definitions of every loaded release.

The index lives in `<data_dir>/index/<backend>/<generation>/`; a `CURRENT` file names
the generation in use and is replaced atomically after a rebuild, so a crash while
reindexing leaves the previous index in service.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from .. import atomic
from ..errors import BadRequest
from ..store import Store
from . import documents
from .base import Hit, SearchBackend, SearchIndex, SearchResults

BACKENDS = ("tantivy", "whoosh")

__all__ = [
    "BACKENDS",
    "Hit",
    "SearchBackend",
    "SearchIndex",
    "SearchResults",
    "check_filters",
    "get_backend",
    "open_index",
    "rebuild_index",
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


def _root(data_dir: Path, backend: str) -> Path:
    return Path(data_dir) / "index" / backend


def rebuild_index(data_dir: Path, backend_name: str, store: Store) -> Path:
    """Build a fresh index generation and switch to it; older generations are removed."""
    backend = get_backend(backend_name)
    root = _root(data_dir, backend_name)
    root.mkdir(parents=True, exist_ok=True)
    atomic.remove_stale_staging(root)
    generation = uuid.uuid4().hex[:12]
    with atomic.staging_dir(root) as staging:
        backend.build(store, staging)
        final = root / generation
        staging.rename(final)
    atomic.write_bytes(root / "CURRENT", generation.encode())
    for entry in root.iterdir():
        if entry.is_dir() and entry.name != generation and not entry.name.startswith("."):
            shutil.rmtree(entry, ignore_errors=True)
    return final


def open_index(data_dir: Path, backend_name: str, store: Store) -> SearchIndex:
    """Open the current index, building it first when there is none (fresh data dir) or
    when it was built by an older analysis."""
    backend = get_backend(backend_name)
    directory = _current(data_dir, backend_name)
    if directory is None:
        with atomic.data_dir_lock(Path(data_dir)):
            # another process may have rebuilt it while this one waited for the lock
            directory = _current(data_dir, backend_name) or rebuild_index(
                data_dir, backend_name, store)
    return backend.open(store, directory)


def _current(data_dir: Path, backend_name: str) -> Path | None:
    """The index generation in use, if there is one built by today's analysis."""
    root = _root(data_dir, backend_name)
    current = root / "CURRENT"
    directory = root / current.read_text().strip() if current.is_file() else None
    if directory is None or not directory.is_dir() or not documents.is_current(directory):
        return None
    return directory
