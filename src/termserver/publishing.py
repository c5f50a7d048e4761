"""Publishing releases: parse and check everything, write atomically, then reindex.

The one path every import takes (CLI `import`, `serve` publishing vocab/, tests), so
the guarantees hold everywhere: nothing half-imported, conflicts refused before any
write, and the search index rebuilt only when something new was published.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from .atomic import data_dir_lock
from .importers import ImportOptions, load_files
from .releases import PublishResult, ReleaseRepository
from .search import rebuild_index
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)


def import_paths(
    settings: Settings,
    paths: Sequence[Path],
    options: ImportOptions,
    progress: Callable[[Path], None] | None = None,
) -> list[PublishResult]:
    releases = load_files(paths, options, progress)
    with data_dir_lock(settings.data_dir):
        results = ReleaseRepository(settings.data_dir).publish_many(releases)
        del releases  # reindexing loads the store afresh; don't hold two copies
        if any(r.outcome == "created" for r in results):
            reindex(settings)
    return results


def reindex(settings: Settings) -> None:
    store = Store.open(settings.data_dir)
    rebuild_index(settings.data_dir, settings.search_backend, store)


def publish_vocab(settings: Settings) -> list[PublishResult]:
    """Publish our own SKOS sources from vocab/ (a no-op when nothing changed)."""
    vocab = Path(settings.vocab_dir)
    sources = sorted(p for p in vocab.glob("*.ttl")) if vocab.is_dir() else []
    if not sources:
        return []
    return import_paths(settings, sources, ImportOptions(format="skos"))
