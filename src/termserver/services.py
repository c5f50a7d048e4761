"""What a running termserver reads from: settings, the loaded store, the search index.

Built once per process by `open_services`; the HTTP app and the CLI's read commands
share it, which is how `--json` output stays identical to the HTTP body.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .caching import BoundedCache
from .resources import Resources
from .search import OpenedIndex, SearchIndex, open_search
from .settings import Settings
from .store import Store
from .workers import Workers


@dataclass
class Services:
    settings: Settings
    store: Store
    _search: SearchIndex | None = None
    cache: BoundedCache = field(default=None)  # type: ignore[assignment]
    """Per-process memo for immutable derived data (rendered bodies, expansions), bounded
    by the settings `cache_max_entries` and `cache_max_bytes`."""
    loaded_at: float = field(default_factory=time.time)
    """When this store was loaded (a reload replaces the whole Services)."""
    opened_index: OpenedIndex | None = None
    """How the search index was opened (current, repaired, private), once it is."""
    _workers: Workers | None = field(default=None, repr=False)
    _resources: Resources | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.cache is None:
            self.cache = BoundedCache(self.settings.cache_max_entries,
                                      self.settings.cache_max_bytes)

    @property
    def workers(self) -> Workers:
        """Worker processes and limits for CPU-heavy requests over this store (`workers`)."""
        if self._workers is None:
            self._workers = Workers(self)
        return self._workers

    def close(self) -> None:
        """Stop this store's worker processes (a reload replaces the whole Services)."""
        if self._workers is not None:
            self._workers.close()

    @property
    def resources(self) -> Resources:
        """The published value sets and concept maps (loaded with the store by
        `open_services`; on first use for a Services built over a store in memory)."""
        if self._resources is None:
            self._resources = Resources.open(self.settings.data_dir)
        return self._resources

    @property
    def search(self) -> SearchIndex:
        if self._search is None:
            self.opened_index = open_search(
                self.settings.data_dir, self.settings.search_backend, self.store
            )
            self._search = self.opened_index.index
            self._search.bound_caches(  # type: ignore[attr-defined]
                self.settings.cache_max_entries, self.settings.cache_max_bytes)
        return self._search


def open_services(settings: Settings, *, with_search: bool = True) -> Services:
    services = Services(settings=settings, store=Store.open(settings.data_dir),
                        _resources=Resources.open(settings.data_dir))
    if with_search:
        _ = services.search
    return services
