"""What a running termserver reads from: settings, the loaded store, the search index.

Built once per process by `open_services`; the HTTP app and the CLI's read commands
share it, which is how `--json` output stays identical to the HTTP body.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .search import OpenedIndex, SearchIndex, open_search
from .settings import Settings
from .store import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    _search: SearchIndex | None = None
    cache: dict[Any, Any] = field(default_factory=dict)
    """Per-process memo for immutable derived data (rendered bodies, expansions)."""
    loaded_at: float = field(default_factory=time.time)
    """When this store was loaded (a reload replaces the whole Services)."""
    opened_index: OpenedIndex | None = None
    """How the search index was opened (current, repaired, private), once it is."""

    @property
    def search(self) -> SearchIndex:
        if self._search is None:
            self.opened_index = open_search(
                self.settings.data_dir, self.settings.search_backend, self.store
            )
            self._search = self.opened_index.index
        return self._search


def open_services(settings: Settings, *, with_search: bool = True) -> Services:
    services = Services(settings=settings, store=Store.open(settings.data_dir))
    if with_search:
        _ = services.search
    return services
