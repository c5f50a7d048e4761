"""What gets indexed: one pre-analysed document per (scheme, version, code).

Both backends index exactly these fields, each a list of tokens from `analysis`, so the
engines only store and intersect postings; every language decision is made here once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import NotFound
from ..model import Concept
from ..store import Store
from . import analysis, facets

SKIPPED_KINDS = ("overlay", "mappings")
"""Release kinds that carry no concepts of their own to find (their labels are merged)."""

DOCS_FILE = "docs.json"
"""Side file mapping the index's document number to (scheme, version, code)."""

FORMAT = "termserver-search-10"
"""Changes whenever analysis or fields change, so older indexes are rebuilt on open."""

TEXT_FIELDS = (
    "pref", "pref_pfx", "alt", "alt_pfx", "defn", "words", "code_pfx", "roots", "defn_roots",
)
"""Whitespace-separated token fields."""

KEY_FIELDS = ("code", "pref_exact", "alt_exact", "scheme", "version", "latest", "lang",
              "kind", "area", "law", "current", "offer")
"""Fields whose every value is one whole term (codes, label keys, filters). `current` is
"1" for a concept that is neither deprecated nor retired, `offer` for one that is current
and in its scheme's latest release (what a search offers by default, as one term)."""

CODE_FIELDS = ("code", "code_pfx", "scheme", "version", "latest", "lang", "kind", "area",
               "law", "current", "offer")
"""What an alias (the same concept under a second code, `alias_leaders`) is indexed with:
found by its own code, never by the words its leader is already found by, so every
concept is one document for words and the engine's count is the number of concepts."""


@dataclass(slots=True)
class SearchDoc:
    n: int
    scheme: str
    version: str
    code: str
    fields: dict[str, list[str]]


def _label_texts(concept: Concept) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(language, text) of the preferred labels (an overlay's too: our Danish ICF working
    labels), and of the alternative and hidden ones. A preferred label in the alternative
    fields instead would count twice beside the publisher's own in another language (a
    typed `ga` is the prefix of both *Gait* and *Gangmønster*)."""
    prefs = [(lang, t) for lang, t in concept.labels.items() if t]
    others = [(lang, t) for lang, ts in concept.alt_labels.items() for t in ts if t]
    others += [(lang, t) for lang, ts in concept.hidden_labels.items() for t in ts if t]
    return prefs, others


COMPOUND_MIN = 6
"""Shortest label word looked at as a compound."""


def danish_label_words(store: Store) -> frozenset[str]:
    """Every folded word of a Danish (or untagged) label in the store: the words a label
    compound may be made of."""
    words: set[str] = set()
    for release in store.releases():
        for concept in release.concepts.values():
            prefs, others = _label_texts(concept)
            for lang, text in prefs + others:
                if analysis.is_danish(lang):
                    words.update(analysis.words(text))
    return frozenset(words)


def _compound_tokens(texts: list[tuple[str, str]], vocabulary: frozenset[str]) -> list[str]:
    """Stems of the last parts of Danish compound label words, so `pleje` finds
    "Kropspleje" (the first part, `krop`, already finds it by prefix)."""
    out = []
    for lang, text in texts:
        if analysis.is_danish(lang):
            for word in analysis.words(text):
                if len(word) >= COMPOUND_MIN:
                    parts = analysis.split_compound(word, vocabulary.__contains__)
                    if parts and parts[1] not in analysis.STOPWORDS:
                        out.append(analysis.stem(parts[1]))
    return out


def _content_tokens(texts: list[tuple[str, str]]) -> list[str]:
    """Danish (and untagged) text is stemmed, function words left out; other languages
    keep their folded words, marked as foreign.

    Otherwise German and English words meet Danish stems: `demens` stems to `dem`, the
    German article in hundreds of ICF's German labels. A query reaches foreign words as
    typed (`plan`), and the word still being typed by prefix.
    """
    return [token for lang, text in texts
            for token in (analysis.content_stems(text) if analysis.is_danish(lang)
                          else [analysis.foreign(w) for w in analysis.words(text)])]


def _root_tokens(texts: list[tuple[str, str]]) -> list[str]:
    """Roots (`analysis.root`) of the Danish texts' words where they differ from the stems:
    `koncentration` is also found by `koncentrere`, `glemsomhed` by `glemmer`."""
    return [r for lang, text in texts if analysis.is_danish(lang)
            for r in analysis.content_roots(text)]


def _prefix_tokens(texts: list[tuple[str, str]]) -> list[str]:
    seen: dict[str, None] = {}
    for _lang, text in texts:
        for word in analysis.words(text):
            for prefix in analysis.prefixes(word):
                seen[prefix] = None
    return list(seen)


def concept_fields(concept: Concept,
                   vocabulary: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    prefs, others = _label_texts(concept)
    definitions = [(lang, t) for lang, t in concept.definitions.items() if t]
    words = [w for _lang, t in prefs + others for w in analysis.words(t)]
    return {
        "code": [analysis.code_key(concept.code)],
        "code_pfx": analysis.code_prefixes(concept.code),
        "pref": _content_tokens(prefs) + _compound_tokens(prefs, vocabulary),
        "pref_pfx": _prefix_tokens(prefs),
        "pref_exact": sorted({analysis.key(t) for _lang, t in prefs} - {""}),
        "alt": _content_tokens(others) + _compound_tokens(others, vocabulary),
        "alt_pfx": _prefix_tokens(others),
        "alt_exact": sorted({analysis.key(t) for _lang, t in others} - {""}),
        "defn": _content_tokens(definitions),
        "roots": _root_tokens(prefs + others),
        "defn_roots": _root_tokens(definitions),
        "words": sorted(set(words)),
        # the nudge for Danish is for publishers' Danish: among equally good matches KL's
        # concept comes before the ICF code our working label names
        "lang": ["da"] if concept.labels.get("da") and "da" not in concept.label_sources
        else [],
    }


def iter_documents(store: Store) -> Iterator[SearchDoc]:
    """Every concept of every vocabulary release, numbered in a stable order."""
    n = 0
    vocabulary = danish_label_words(store)
    found = facets.catalogue_facets(store)
    for release in store.releases():
        if release.info.kind in SKIPPED_KINDS:
            continue
        latest = store.latest(release.scheme) is release
        rows = [(release.scheme, release.version, c.code, c) for c in release.concepts.values()]
        leaders = alias_leaders(rows)
        for i, concept in enumerate(release.concepts.values()):
            fields = concept_fields(concept, vocabulary)
            if leaders[i] != i:
                fields = {name: fields[name] for name in CODE_FIELDS if name in fields}
            current = facets.is_current(concept)
            fields["scheme"] = [release.scheme]
            fields["version"] = [release.version]
            fields["latest"] = ["1" if latest else "0"]
            fields["kind"] = [facets.kind_of(store, release, concept)]
            fields["area"] = found.area_of(release.scheme, concept.code)
            fields["law"] = [facets.law_key(name)
                             for name in found.laws_of(release.scheme, concept.code)]
            fields["current"] = ["1"] if current else []
            fields["offer"] = ["1"] if current and latest else []
            yield SearchDoc(n, release.scheme, release.version, concept.code, fields)
            n += 1


def write_doc_table(directory: Path, table: list[tuple[str, str, str]],
                    kinds: list[str] | None = None) -> None:
    body = {"format": FORMAT, "docs": table, "kinds": kinds or []}
    (Path(directory) / DOCS_FILE).write_text(json.dumps(body, ensure_ascii=False))


def read_doc_kinds(directory: Path) -> list[str]:
    """Document number → its kind (`facets`), as worked out when the index was built."""
    return json.loads((Path(directory) / DOCS_FILE).read_text()).get("kinds", [])


def is_current(directory: Path) -> bool:
    """Was this index built with today's analysis? An index from an older termserver is
    rebuilt on open instead of answering with tokens the queries no longer produce."""
    try:
        with (Path(directory) / DOCS_FILE).open(encoding="utf-8") as f:
            head = f.read(64)
    except OSError:
        return False
    return head.startswith(f'{{"format": "{FORMAT}"')


def read_doc_table(
    directory: Path, store: Store
) -> list[tuple[str, str, str, Concept | None]]:
    """Document number → (scheme, version, concept) for cheap hit assembly."""
    table = json.loads((Path(directory) / DOCS_FILE).read_text())["docs"]
    cache: dict[tuple[str, str], dict[str, Concept]] = {}
    out: list[tuple[str, str, str, Concept | None]] = []
    for scheme, version, code in table:
        concepts = cache.get((scheme, version))
        if concepts is None:
            try:
                concepts = store.release(scheme, version).concepts
            except NotFound:  # a release gone since the build: its hits show codes only
                concepts = {}
            cache[(scheme, version)] = concepts
        out.append((scheme, version, code, concepts.get(code)))
    return out


def alias_leaders(table: list[tuple[str, str, str, Concept | None]]) -> list[int]:
    """For each document, the first document of the same release that is the same concept
    under another code (same label, definition and parent labels), else itself.

    FSIII publishes each concept twice, under its UUID and its older letter code (`I12.2`),
    both active; without this every FSIII hit would take two of the five places a
    caseworker looks at. The first in the release (the UUID in KL's files) leads.
    """
    leaders = list(range(len(table)))
    same_label: dict[tuple[str, str, str], list[int]] = {}
    for n, (scheme, version, _code, concept) in enumerate(table):
        if concept is not None:
            same_label.setdefault((scheme, version, concept.label()), []).append(n)
    shared = [(key, numbers) for key, numbers in same_label.items() if len(numbers) > 1]
    by_release: dict[tuple[str, str], dict[str, Concept]] = {
        (scheme, version): {} for (scheme, version, _), _ in shared}
    for scheme, version, code, concept in table:
        concepts = by_release.get((scheme, version))
        if concepts is not None and concept is not None:
            concepts[code] = concept
    for (scheme, version, _label), numbers in shared:
        concepts = by_release[(scheme, version)]
        first: dict[tuple, int] = {}
        for n in numbers:
            concept = table[n][3]
            assert concept is not None
            parents = tuple(sorted(concepts[b].label() if b in concepts else b
                                   for b in concept.broader))
            leaders[n] = first.setdefault((concept.definition(), parents), n)
    return leaders
