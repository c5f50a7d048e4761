"""The one small interface every search engine implements.

The API, CLI and web page only see `SearchIndex`; tantivy (default) and whoosh are two
implementations that pass the same tests (docs/decisions/0002-search-engine.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..store import Store
from .analysis import QueryTerms


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
    status: str = "active"
    kind: str = ""
    """tilstand | indsats | icf | maalgruppe | andet (`facets`)."""
    marks: Sequence[tuple[int, int]] = ()
    """[start, end) of the query's words in `matched`, set by `matching.highlight`."""
    terms: QueryTerms | None = dataclasses.field(default=None, repr=False, compare=False)
    """The analysed query, until `matching.highlight` has used it."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What a search is narrowed to. Every field is a filter on the index; empty means any.

    `schemes` several at once; `kinds` from `facets.KINDS`; `area` a catalogue area
    (social, employment, family, health); `law` a law's name as `facets.law_name` gives it;
    `include_retired` also finds deprecated and retired concepts (never offered otherwise).
    """

    schemes: tuple[str, ...] = ()
    version: str | None = None
    kinds: tuple[str, ...] = ()
    area: str | None = None
    law: str | None = None
    include_retired: bool = False


NO_FILTERS = Filters()


def filters_of(scheme: str | Sequence[str] | None, version: str | None,
               filters: Filters | None) -> Filters:
    """One `Filters` from a search's arguments; `scheme`/`version` given beside `filters`
    replace its fields."""
    if filters is None and scheme is None and version is None:
        return NO_FILTERS
    base = filters or NO_FILTERS
    if scheme is not None:
        base = dataclasses.replace(
            base, schemes=(scheme,) if isinstance(scheme, str) else tuple(scheme))
    if version is not None:
        base = dataclasses.replace(base, version=version)
    return base


MAX_RESULTS = 1000
"""Results a search pages through at most: `total` never says more than can be reached."""


@dataclass(slots=True)
class SearchResults:
    query: str
    total: int
    """How many results there are to page through with `offset` (at most MAX_RESULTS)."""
    hits: list[Hit] = dataclasses.field(default_factory=list)
    offset: int = 0


class SearchIndex(Protocol):
    def search(
        self,
        query: str,
        *,
        scheme: str | Sequence[str] | None = None,
        version: str | None = None,
        limit: int = 10,
        offset: int = 0,
        filters: Filters | None = None,
    ) -> SearchResults:
        """Ranked hits: exact and code matches first; `version=None` means latest only.

        `scheme` and `version` are shorthands for the same fields of `filters` (which
        win when given); `offset` skips that many results, for paging."""
        ...


class SearchBackend(Protocol):
    name: str

    def build(self, store: Store, directory: Path) -> None:
        """Write a complete index of every release in `store` into an empty directory."""
        ...

    def open(self, store: Store, directory: Path) -> SearchIndex:
        ...
