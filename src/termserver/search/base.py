"""The one small interface every search engine implements.

The API, CLI and web page only see `SearchIndex`; tantivy (default) and whoosh are two
implementations that pass the same tests (docs/decisions/0002-search-engine.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..store import Store


@dataclass(slots=True)
class Hit:
    scheme: str
    version: str
    code: str
    label: str
    matched: str
    """The label, code or definition text that matched, as the user should see it."""
    score: float
    field: str = ""
    """Which field matched: code | label | alt_label | hidden_label | definition."""
    other_codes: list[str] = dataclasses.field(default_factory=list)
    """The same concept under other codes in this release (FSIII's older letter codes),
    folded into this hit."""
    label_source: str | None = None
    """The overlay scheme that supplied `label` (our Danish ICF working labels), if any."""


@dataclass(slots=True)
class SearchResults:
    query: str
    total: int
    hits: list[Hit] = dataclasses.field(default_factory=list)


class SearchIndex(Protocol):
    def search(
        self,
        query: str,
        *,
        scheme: str | None = None,
        version: str | None = None,
        limit: int = 10,
    ) -> SearchResults:
        """Ranked hits: exact and code matches first; `version=None` means latest only."""
        ...


class SearchBackend(Protocol):
    name: str

    def build(self, store: Store, directory: Path) -> None:
        """Write a complete index of every release in `store` into an empty directory."""
        ...

    def open(self, store: Store, directory: Path) -> SearchIndex:
        ...
