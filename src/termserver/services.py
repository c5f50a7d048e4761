"""What a running termserver reads from: settings, the loaded store, the search index.

Built once per process by `open_services`; the HTTP app and the CLI's read commands
share it, which is how `--json` output stays identical to the HTTP body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .search import SearchIndex, open_index
from .settings import Settings
from .store import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    _search: SearchIndex | None = None
    cache: dict[Any, Any] = field(default_factory=dict)
    """Per-process memo for immutable derived data (rendered bodies, expansions)."""

    @property
    def search(self) -> SearchIndex:
        if self._search is None:
            self._search = open_index(
                self.settings.data_dir, self.settings.search_backend, self.store
            )
        return self._search


def open_services(settings: Settings, *, with_search: bool = True) -> Services:
    services = Services(settings=settings, store=Store.open(settings.data_dir))
    if with_search:
        _ = services.search
    return services
