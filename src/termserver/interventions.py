"""Interventions by ICF code: which catalogue entries address a functioning problem.

An entry matches an ICF code in one of four ways, ranked in this order:
`exact` (the entry names the code), `narrower` (it names a more specific code, d4500 for
d450), `crosswalk` (it names an FFB/FSIII tilstand our crosswalk maps to the code), or
`broader` (it names a more general code, the chapter d4 for d450). Each result carries
the path that led to it, so a caseworker can see why it is there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from .bodies import label_source_body
from .errors import BadRequest, NotFound
from .model import Concept, Release
from .namespaces import concept_iri, parse_concept_iri
from .search.facets import ICF as ICF_KIND
from .search.facets import MAALGRUPPE, NOT_CURRENT, TILSTAND, kind_of
from .store import Store

CATALOGUE = "catalogue"
ICF = "icf"
MATCH_ORDER = ("exact", "narrower", "crosswalk", "broader")
MATCH_EXPLAINED = {
    "exact": "Indsatsen er knyttet direkte til koden.",
    "narrower": "Indsatsen er knyttet til en mere specifik kode under den søgte.",
    "crosswalk": "Indsatsen er knyttet til en FFB- eller FSIII-tilstand, som svarer til koden.",
    "broader": "Indsatsen er knyttet til en bredere kode over den søgte.",
}
_ICF_INPUT = re.compile(
    r"^(?P<code>[bsde](?:[0-9]{1,5})?(?:-[bsde][0-9]{1,5})?)(?P<qualifier>[.+][0-9]{1,5}|\+)?$",
    re.ASCII,
)
FIRST_QUALIFIER_VALUES = frozenset("0123489")
"""The first qualifier is always a 0–4 scale, 8 not specified or 9 not applicable."""


@dataclass(slots=True)
class IcfQuery:
    code: str
    qualifier: str


def parse_icf(text: str) -> IcfQuery:
    """`d450.2` → code d450, qualifier .2; `e310+2` → e310, +2. Raises BadRequest.

    One qualifier group as ICF writes it (`d4500.23`, `s7300.421`, `e310+2`); its first
    digit must be a value of the first qualifier's scale, and `+` (facilitator) is only
    for environmental factors.
    """
    cleaned = text.strip().lower().replace(" ", "")
    match = _ICF_INPUT.match(cleaned)
    if not match:
        raise BadRequest(
            f"{text!r} is not an ICF code. ICF codes are a component letter (b, s, d, e) and "
            "digits, optionally with qualifiers: d450, d4500, d450.2, e310+2.",
            details={"icf": text},
        )
    code, qualifier = match.group("code"), match.group("qualifier") or ""
    if len(qualifier) > 1 and qualifier[1] not in FIRST_QUALIFIER_VALUES:
        raise BadRequest(
            f"{text!r}: {qualifier[1]} is not a value of an ICF qualifier. The first qualifier "
            "is 0 (no problem) to 4 (complete problem), 8 (not specified) or 9 (not "
            "applicable): d450.2.",
            details={"icf": text, "qualifier": qualifier},
        )
    if qualifier.startswith("+") and not code.startswith("e"):
        raise BadRequest(
            f"{text!r}: only environmental factors (e codes) take a facilitator qualifier "
            "(+); other components use a dot: d450.2.",
            details={"icf": text, "qualifier": qualifier},
        )
    return IcfQuery(code, qualifier)


@dataclass
class InterventionIndex:
    """Built once per store: ICF code / tilstand IRI → catalogue entries that name them."""

    store: Store
    catalogue: Release | None
    icf: Release | None
    by_icf: dict[str, list[str]] = field(default_factory=dict)
    by_condition: dict[str, list[str]] = field(default_factory=dict)
    by_target_group: dict[str, list[str]] = field(default_factory=dict)
    _answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Answers per existing ICF code (so at most one per ICF concept), without qualifier."""

    @classmethod
    def build(cls, store: Store) -> InterventionIndex:
        catalogue = store.latest(CATALOGUE) if CATALOGUE in store.schemes() else None
        icf = store.latest(ICF) if ICF in store.schemes() else None
        index = cls(store, catalogue, icf)
        if catalogue is None:
            return index
        for entry in catalogue.concepts.values():
            if entry.status in NOT_CURRENT:  # a withdrawn entry is never offered
                continue
            for iri in entry.properties.get("targetGroup", ()):
                index.by_target_group.setdefault(iri, []).append(entry.code)
            for iri in entry.properties.get("addressesIcf", ()):
                parsed = parse_concept_iri(iri)
                if parsed and parsed[0] == ICF:
                    index.by_icf.setdefault(parsed[1], []).append(entry.code)
            for iri in entry.properties.get("addressesCondition", ()):
                index.by_condition.setdefault(iri, []).append(entry.code)
        return index

    # -- ICF → interventions ---------------------------------------------------------------
    def for_icf(self, text: str) -> dict[str, Any]:
        query = parse_icf(text)
        answer = self._answers.get(query.code)
        if answer is None:
            answer = self._answers[query.code] = self._for_code(query.code)
        return {**answer, "qualifier": query.qualifier or None}

    def _for_code(self, code: str) -> dict[str, Any]:
        icf = self._icf()
        concept = icf.concepts.get(code)
        if concept is None:
            raise NotFound(
                f"ICF code {code!r} does not exist in ICF {icf.version}.",
                details={"icf": code, "suggestions": self.suggest(code)},
            )
        origin = self._step(ICF, concept)
        results: list[dict[str, Any]] = []
        seen: set[str] = set()

        def add(entry_code: str, match: str, path: list[dict[str, Any]]) -> None:
            if entry_code in seen or self.catalogue is None:
                return
            seen.add(entry_code)
            entry = self.catalogue.concepts[entry_code]
            results.append({
                "scheme": CATALOGUE,
                "code": entry_code,
                "label": entry.label(),
                "match": match,
                "path": [*path, self._step(CATALOGUE, entry, "addresses")],
                "area": _first(entry.properties.get("area")),
                "legal_basis": entry.properties.get("legalBasis", []),
                "in_force_from": _first(entry.properties.get("inForceFrom")),
            })

        for entry_code in self.by_icf.get(code, ()):
            add(entry_code, "exact", [origin])
        for narrower in self.store.descendants(icf, code):
            for entry_code in self.by_icf.get(narrower.code, ()):
                add(entry_code, "narrower", [origin, self._step(ICF, narrower, "narrower")])
        for view in self.store.mappings(concept_iri(ICF, code)):
            target = self.store.resolve_uri(view.target)
            if target is None:
                continue
            tilstand = self.store.concept(*target)
            if tilstand is None:
                continue
            step = {**self._step(target[0], tilstand, view.relation), "note": view.note}
            for entry_code in self.by_condition.get(view.target, ()):
                add(entry_code, "crosswalk", [origin, step])
        for broader in self.store.ancestors(icf, code):
            for entry_code in self.by_icf.get(broader.code, ()):
                add(entry_code, "broader", [origin, self._step(ICF, broader, "broader")])
        return {
            "icf": code,
            "qualifier": None,
            "label": concept.label(),
            "label_source": label_source_body(self.store, concept.label_source()),
            "version": icf.version,
            "total": len(results),
            "results": results,
        }

    # -- intervention → ICF codes and tilstande ---------------------------------------------
    def for_entry(self, code: str) -> dict[str, Any]:
        if self.catalogue is None or code not in self.catalogue.concepts:
            raise NotFound(
                f"No catalogue entry {code!r}. Browse the catalogue at "
                "/api/v1/schemes/catalogue/concepts or search with /api/v1/search.",
                details={"code": code},
            )
        entry = self.catalogue.concepts[code]
        return {
            "scheme": CATALOGUE,
            "code": code,
            "label": entry.label(),
            "definition": entry.definition(),
            "status": entry.status,
            "status_reason": retirement_reason(entry),
            "replaced_by": [self._ref(concept_iri(CATALOGUE, c)) for c in entry.replaced_by],
            "area": _first(entry.properties.get("area")),
            "legal_basis": entry.properties.get("legalBasis", []),
            "in_force_from": _first(entry.properties.get("inForceFrom")),
            "icf": [self._ref(iri) for iri in entry.properties.get("addressesIcf", [])],
            "conditions": [self._ref(iri) for iri in entry.properties.get("addressesCondition",
                                                                          [])],
            "target_groups": [self._ref(iri) for iri in entry.properties.get("targetGroup", [])],
            "official": [
                {"relation": v.relation, **self._ref(v.target)}
                for v in self.store.mappings(entry.uri)
            ],
        }

    # -- tilstand, målgruppe → interventions -------------------------------------------------
    def for_condition(self, scheme: str, code: str) -> list[dict[str, Any]]:
        """Current catalogue entries that name an FFB/FSIII tilstand, in catalogue order."""
        return self._entries(self.by_condition, scheme, code)

    def for_target_group(self, scheme: str, code: str) -> list[dict[str, Any]]:
        """Current catalogue entries for an FFB målgruppe (or a group above it: an entry for
        "Psykisk funktionsnedsættelse" is also for "Angst" under it), nearest first."""
        found: list[dict[str, Any]] = []
        seen: set[str] = set()
        release = self.store.latest(scheme) if scheme in self.store.schemes() else None
        chain = [code]
        if release is not None and code in release.concepts:
            chain += [a.code for a in self.store.ancestors(release, code)]
        for position, group in enumerate(chain):
            for entry in self._entries(self.by_target_group, scheme, group):
                if entry["code"] not in seen:
                    seen.add(entry["code"])
                    found.append({**entry, "via": None if position == 0 else
                                  {"scheme": scheme, "code": group,
                                   "label": release.concepts[group].label()
                                   if release is not None else group}})
        return found

    def icf_codes_of(self, scheme: str, code: str) -> list[dict[str, Any]]:
        """The ICF codes our crosswalks relate a tilstand to, with the relation."""
        concept = self.store.concept(scheme, code)
        iris = [concept_iri(scheme, code)] + ([concept.uri] if concept is not None else [])
        out: dict[str, dict[str, Any]] = {}
        for iri in dict.fromkeys(iris):
            for view in self.store.mappings(iri):
                target = self.store.resolve_uri(view.target)
                if target is None or target[0] != ICF or target[1] in out:
                    continue
                icf = self.store.concept(ICF, target[1])
                out[target[1]] = {"scheme": ICF, "code": target[1],
                                  "label": icf.label() if icf is not None else target[1],
                                  "relation": view.relation}
        return list(out.values())

    def for_tilstand(self, scheme: str, code: str) -> dict[str, Any]:
        """A tilstand's way on: the entries that name it, else those that address the ICF
        codes it corresponds to (directly or by a more specific code)."""
        icf = self.icf_codes_of(scheme, code)
        direct = self.for_condition(scheme, code)
        via_icf: list[dict[str, Any]] = []
        if not direct and self.icf is not None:
            seen: set[str] = set()
            for ref in icf:
                for hit in self.for_icf(ref["code"])["results"]:
                    if hit["match"] in ("exact", "narrower") and hit["code"] not in seen:
                        seen.add(hit["code"])
                        via_icf.append({**hit, "via": {"scheme": ICF, "code": ref["code"],
                                                       "label": ref["label"]}})
        return {"icf": icf, "interventions": direct or via_icf,
                "match": "direct" if direct else "icf"}

    def for_concept(self, scheme: str, code: str) -> dict[str, Any]:
        """The interventions for any concept a caseworker lands on: an ICF code's (as
        `for_icf`), a målgruppe's, a tilstand's (`for_tilstand`), or the catalogue entries
        that match an official ydelse or indsats. Raises NotFound for an unknown code."""
        release = self.store.latest(scheme)
        concept = release.concepts.get(code)
        if concept is None:
            raise NotFound(f"No concept {code!r} in the latest {scheme}.",
                           details={"scheme": scheme, "code": code})
        kind = kind_of(self.store, release, concept)
        icf: list[dict[str, Any]] = []
        if kind == ICF_KIND and scheme == ICF:
            found = [{**self._summary(self.catalogue.concepts[hit["code"]]),
                      "match": hit["match"]} for hit in self.for_icf(code)["results"]
                     ] if self.catalogue is not None else []
            match = "icf"
        elif kind == MAALGRUPPE:
            found, match = self.for_target_group(scheme, code), "target_group"
        elif kind == TILSTAND:
            answer = self.for_tilstand(scheme, code)
            icf, match = answer["icf"], answer["match"]
            found = [{key: hit.get(key) for key in
                      ("scheme", "code", "label", "area", "legal_basis", "in_force_from", "via")}
                     for hit in answer["interventions"]]
        else:
            found, match = self._matching_entries(concept), "direct"
        return {"scheme": scheme, "code": code, "label": concept.label(), "kind": kind,
                "icf": icf, "match": match if found else "none", "total": len(found),
                "interventions": found}

    def _matching_entries(self, concept: Concept) -> list[dict[str, Any]]:
        """Current catalogue entries stated as the same as an official ydelse or indsats."""
        if self.catalogue is None:
            return []
        out = []
        for view in self.store.mappings(concept.uri):
            target = self.store.resolve_uri(view.target)
            if target is not None and target[0] == CATALOGUE and view.relation == "exactMatch":
                entry = self.catalogue.concepts.get(target[1])
                if entry is not None and entry.status not in NOT_CURRENT:
                    out.append(self._summary(entry))
        return out

    def _entries(self, table: dict[str, list[str]], scheme: str,
                 code: str) -> list[dict[str, Any]]:
        if self.catalogue is None:
            return []
        concept = self.store.concept(scheme, code)
        iris = {concept_iri(scheme, code), *([concept.uri] if concept is not None else [])}
        codes = dict.fromkeys(c for iri in iris for c in table.get(iri, ()))
        return [self._summary(self.catalogue.concepts[c]) for c in codes]

    @staticmethod
    def _summary(entry: Concept) -> dict[str, Any]:
        return {"scheme": CATALOGUE, "code": entry.code, "label": entry.label(),
                "area": _first(entry.properties.get("area")),
                "legal_basis": entry.properties.get("legalBasis", []),
                "in_force_from": _first(entry.properties.get("inForceFrom"))}

    # -- helpers -----------------------------------------------------------------------------
    def suggest(self, code: str, limit: int = 5) -> list[dict[str, str]]:
        """Existing codes close to an unknown one: its nearest existing broader code, then
        codes at the same level sharing the longest prefix, numerically nearest first
        (d459 → d455, d450, d460; d4505 → d450, d4503…)."""
        icf = self._icf()
        ordered: list[str] = []
        for end in range(len(code) - 1, 3, -1):
            if code[:end] in icf.concepts:
                ordered.append(code[:end])
                break
        if "-" in code:  # a block such as d450-d469
            blocks = [c for c in icf.concepts if "-" in c]
            ordered += get_close_matches(code, blocks, n=limit, cutoff=0.6)
        else:
            same = [c for c in icf.concepts if c[:1] == code[:1] and c[1:].isdigit()]
            same.sort(key=lambda c: (
                abs(len(c) - len(code)) - _shared_prefix(c, code),
                abs(_as_number(c) - _as_number(code)), c))
            ordered += same[: limit + 1]
        ordered = [c for c in dict.fromkeys(ordered) if c != code][:limit]
        return [{"code": c, "label": icf.concepts[c].label()} for c in ordered]

    def _icf(self) -> Release:
        if self.icf is None:
            raise NotFound(
                "ICF is not imported. Import WHO's ICF first: "
                "termserver import ICF_1.0.2_2012-08-05.owl",
                details={"scheme": ICF},
            )
        return self.icf

    def _ref(self, iri: str) -> dict[str, Any]:
        found = self.store.resolve_uri(iri)
        if found is None:
            return {"scheme": None, "code": None, "label": None, "uri": iri}
        concept = self.store.concept(*found)
        return {"scheme": found[0], "code": found[1],
                "label": concept.label() if concept else None, "uri": iri}

    @staticmethod
    def _step(scheme: str, concept: Concept, relation: str | None = None) -> dict[str, Any]:
        step: dict[str, Any] = {"scheme": scheme, "code": concept.code, "label": concept.label()}
        if relation:
            step["relation"] = relation
        return step


def retirement_reason(concept: Concept) -> str | None:
    """Why a concept was withdrawn, as its publisher wrote it (a history or change note),
    for a deprecated or retired concept; None for a current one."""
    if concept.status not in NOT_CURRENT:
        return None
    for kind in ("history", "change", "editorial"):
        for note in concept.notes:
            if note.kind == kind and note.text:
                return note.text
    return None


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _as_number(code: str) -> int:
    """d45 → 450000, d4505 → 450500: codes of any level on one numeric line."""
    return int(code[1:7].ljust(6, "0"))


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def intervention_index(services: Any) -> InterventionIndex:
    """The index for this process's store, built on first use."""
    index = services.cache.get("interventions")
    if index is None:
        index = services.cache["interventions"] = InterventionIndex.build(services.store)
    return index
