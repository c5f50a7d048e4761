"""Integrity rules for a draft, read as the release it would publish.

Each rule has a stable id and says in Danish which concept is at fault and how to fix
it. Targets in other schemes (mappings, and catalogue properties that name a concept by
IRI, such as `addressesIcf`) must exist in the latest release of the scheme they name; a
target found only in older releases has been withdrawn (a warning: map to its successor).

Every rule here has a test that fails without it (tests/authoring/test_checks.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Concept, Release
from ..namespaces import ID_BASE, parse_concept_iri
from ..store import Store
from .concepts import RETIREMENT_NOTE
from .findings import ERROR, WARNING, Finding, named

RULES: dict[str, tuple[str, str]] = {
    "pref-label-missing": (ERROR, "Et begreb har ingen foretrukken betegnelse."),
    "pref-label-unique": (ERROR, "To aktive begreber under samme overbegreb har samme "
                          "foretrukne betegnelse på samme sprog."),
    "pref-label-ambiguous": (WARNING, "To aktive begreber andre steder i begrebssystemet har "
                             "samme foretrukne betegnelse på samme sprog."),
    "broader-cycle": (ERROR, "Overbegreberne går i ring."),
    "broader-target-missing": (ERROR, "Et overbegreb findes ikke i kladden."),
    "replaced-by-missing": (ERROR, "Et afløsende begreb findes ikke i kladden."),
    "replaced-by-retired": (WARNING, "Et afløsende begreb er selv udgået."),
    "mapping-target-missing": (ERROR, "Målet for en mapning findes ikke i den udgave, den "
                               "peger på."),
    "mapping-target-retired": (WARNING, "Målet for en mapning findes kun i ældre udgaver."),
    "mapping-target-unknown": (WARNING, "Målet for en mapning er ikke et begreb, termserver "
                               "kender, og kan ikke kontrolleres."),
    "property-target-missing": (ERROR, "En egenskab (fx addressesIcf) peger på et begreb, "
                                "der ikke findes."),
    "property-target-retired": (WARNING, "En egenskab peger på et begreb, der kun findes i "
                                "ældre udgaver."),
    "notation-unique": (ERROR, "To begreber har samme kode, når der ses bort fra store og "
                        "små bogstaver og mellemrum."),
    "uri-unique": (ERROR, "To begreber har samme IRI."),
    "active-under-retired": (ERROR, "Et aktivt begreb ligger under et udgået overbegreb."),
    "retired-without-reason": (ERROR, "Et udgået begreb mangler en begrundelse."),
    "retired-without-replacement": (WARNING, "Et udgået begreb peger ikke på et afløsende "
                                    "begreb."),
}
"""Rule id → (severity, what it checks): the rule list docs/authoring.md shows."""

_SPACES = re.compile(r"\s+")


def check(release: Release, store: Store, changed: set[str]) -> list[Finding]:
    """Every integrity finding of `release` (a draft as a release), its severity as the
    rule says; `changed` (the codes the draft touched) picks which concept of a pair a
    finding is told about."""
    rules = _Rules(release, store, changed)
    return [*rules.labels(), *rules.hierarchy(), *rules.cycles(), *rules.retirement(),
            *rules.identity(), *rules.targets()]


@dataclass
class _Target:
    """Where an IRI leads: `ok`, `missing`, `retired` (only in older releases) or
    `unknown` (not one of ours and not in any release)."""

    state: str
    scheme: str | None = None
    code: str | None = None
    where: str = ""
    """The release named, for messages: "icf 2001"."""
    last: str | None = None


class _Rules:
    def __init__(self, release: Release, store: Store, changed: set[str]) -> None:
        self.release = release
        self.store = store
        self.changed = changed
        self.concepts = release.concepts
        self.by_uri = {c.uri: code for code, c in release.concepts.items()}

    def _finding(self, rule: str, code: str | None, message: str,
                 related: tuple[str, ...] = (), **extra: object) -> Finding:
        return Finding(rule, RULES[rule][0], code, message, related=related, extra=dict(extra))

    def _name(self, code: str) -> str:
        return named(code, self.concepts.get(code))

    def _subject(self, codes: list[str]) -> tuple[str, tuple[str, ...]]:
        """The concept to tell about (a changed one if any) and the others."""
        first = next((c for c in codes if c in self.changed), codes[0])
        return first, tuple(c for c in codes if c != first)

    # -- labels ------------------------------------------------------------------------------
    def labels(self) -> Iterator[Finding]:
        groups: dict[tuple[str, str], list[str]] = {}
        for code, concept in self.concepts.items():
            if not any(text.strip() for text in concept.labels.values()):
                yield self._finding(
                    "pref-label-missing", code,
                    f"{self._name(code)} har ingen foretrukken betegnelse. Giv det en, fx "
                    '"labels": {"da": "…"}.')
            if concept.status != "active":
                continue
            for lang, text in concept.labels.items():
                key = _SPACES.sub(" ", text.casefold()).strip()
                if key:
                    groups.setdefault((lang, key), []).append(code)
        for (lang, _), codes in groups.items():
            if len(codes) < 2:
                continue
            by_parent: dict[str, list[str]] = {}
            for code in codes:
                for parent in self.concepts[code].broader or [""]:
                    by_parent.setdefault(parent, []).append(code)
            siblings = [group for group in by_parent.values() if len(group) > 1]
            for group in siblings or [codes]:
                code, others = self._subject(group)
                label = self.concepts[code].labels[lang]
                same = f"{self._name(code)} har samme foretrukne betegnelse «{label}» " \
                       f"({lang or 'uden sprog'}) som {_listed(others)}"
                if siblings:
                    yield self._finding(
                        "pref-label-unique", code,
                        f"{same}, under samme overbegreb. Giv begreberne hver sin betegnelse, "
                        "så de kan skelnes, eller lad det ene udgå.", others)
                else:
                    yield self._finding(
                        "pref-label-ambiguous", code,
                        f"{same} et andet sted i begrebssystemet. Overvej en betegnelse, der "
                        "skelner dem, fx med området i parentes.", others)

    # -- hierarchy ---------------------------------------------------------------------------
    def hierarchy(self) -> Iterator[Finding]:
        for code, concept in self.concepts.items():
            for parent in concept.broader:
                target = self.concepts.get(parent)
                if target is None:
                    yield self._finding(
                        "broader-target-missing", code,
                        f"{self._name(code)} har overbegrebet «{parent}», som ikke findes i "
                        f"kladden. Flyt {self._name(code)} til et eksisterende overbegreb, "
                        f"eller opret «{parent}».", (parent,))
                elif concept.status == "active" and target.status in ("retired", "deprecated"):
                    yield self._finding(
                        "active-under-retired", code,
                        f"{self._name(code)} er aktivt, men dets overbegreb {self._name(parent)} "
                        f"er udgået. Flyt {self._name(code)} til et aktivt overbegreb, eller "
                        f"lad det udgå sammen med «{parent}».", (parent,))

    def cycles(self) -> Iterator[Finding]:
        for cycle in _cycles(self.concepts):
            code, others = self._subject(cycle)
            start = cycle.index(code)
            path = [*cycle[start:], *cycle[:start], code]
            yield self._finding(
                "broader-cycle", code,
                f"{self._name(code)} ligger under sig selv: "
                f"{' → '.join(path)} (overbegreber). Fjern et af overbegreberne, så "
                "hierarkiet ikke går i ring.", others)

    # -- retirement --------------------------------------------------------------------------
    def retirement(self) -> Iterator[Finding]:
        for code, concept in self.concepts.items():
            for target in concept.replaced_by:
                successor = self.concepts.get(target)
                if successor is None:
                    yield self._finding(
                        "replaced-by-missing", code,
                        f"{self._name(code)} er erstattet af «{target}», som ikke findes i "
                        f"kladden. Ret replaced_by til et eksisterende begreb, eller opret "
                        f"«{target}».", (target,))
                elif successor.status != "active":
                    yield self._finding(
                        "replaced-by-retired", code,
                        f"{self._name(code)} er erstattet af {self._name(target)}, som selv er "
                        f"udgået. Henvis til det begreb, der afløser «{target}».", (target,))
            if concept.status not in ("retired", "deprecated"):
                continue
            if not any(n.kind == RETIREMENT_NOTE and n.text.strip() for n in concept.notes):
                yield self._finding(
                    "retired-without-reason", code,
                    f"{self._name(code)} er udgået uden begrundelse. Angiv hvorfor (reason, "
                    'gemt som historiknote), fx "Slået sammen med …".')
            if not concept.replaced_by:
                yield self._finding(
                    "retired-without-replacement", code,
                    f"{self._name(code)} er udgået uden et afløsende begreb. Angiv det med "
                    "replaced_by, hvis der er et, så brugerne ved, hvad de skal bruge i stedet.")

    # -- identity ----------------------------------------------------------------------------
    def identity(self) -> Iterator[Finding]:
        notations: dict[str, list[str]] = {}
        uris: dict[str, list[str]] = {}
        for code, concept in self.concepts.items():
            notations.setdefault(_SPACES.sub("", code.casefold()), []).append(code)
            uris.setdefault(concept.uri, []).append(code)
        for codes in notations.values():
            if len(codes) > 1:
                code, others = self._subject(codes)
                yield self._finding(
                    "notation-unique", code,
                    f"{self._name(code)} har samme kode som {_listed(others)}, når der ses bort "
                    "fra store og små bogstaver og mellemrum. Giv det ene begreb en anden kode, "
                    "eller slet det, hvis det er oprettet ved en fejl.", others)
        for uri, codes in uris.items():
            if len(codes) > 1:
                code, others = self._subject(codes)
                yield self._finding(
                    "uri-unique", code,
                    f"{self._name(code)} har samme IRI ({uri}) som {_listed(others)}; hvert "
                    "begreb skal have sin egen. Opret begrebet uden uri, så får det sin egen.",
                    others)

    # -- targets in this and other schemes ---------------------------------------------------
    def targets(self) -> Iterator[Finding]:
        for mapping in self.release.mappings:
            code = self.by_uri.get(mapping.source)
            if code is None:
                continue
            target = self._resolve(mapping.target)
            what = f"{self._name(code)} har en {mapping.relation}-mapning til"
            yield from self._target_finding("mapping", code, what, mapping.target, target,
                                            "Ret eller fjern mapningen.")
        for code, concept in self.concepts.items():
            for key, values in concept.properties.items():
                for value in values:
                    if not value.startswith(ID_BASE):
                        continue
                    target = self._resolve(value)
                    what = f"{self._name(code)} har {key} ="
                    yield from self._target_finding("property", code, what, value, target,
                                                    f"Ret eller fjern værdien af {key}.")

    def _target_finding(self, kind: str, code: str, what: str, iri: str, target: _Target,
                        fix: str) -> Iterator[Finding]:
        related = (target.code,) if target.scheme == self.release.scheme and target.code \
            else ()
        if target.state == "missing":
            yield self._finding(
                f"{kind}-target-missing", code,
                f"{what} {iri}, men {target.where} har ikke koden «{target.code}». {fix}",
                related, target=iri)
        elif target.state == "retired":
            yield self._finding(
                f"{kind}-target-retired", code,
                f"{what} {iri}, som er udgået af {target.where} (sidst med i "
                f"{target.scheme} {target.last}). Peg på det begreb, der afløser det.",
                related, target=iri)
        elif target.state == "unknown" and kind == "mapping":
            yield self._finding(
                "mapping-target-unknown", code,
                f"{what} {iri}, som ikke er et begreb i nogen udgave, termserver har. "
                "Kontrollér adressen, eller importér det kodesystem, den hører til.",
                target=iri)

    def _resolve(self, iri: str) -> _Target:
        own = self.by_uri.get(iri)
        if own is not None:
            return _Target("ok", self.release.scheme, own)
        found = self.store.resolve_uri(iri) or parse_concept_iri(iri)
        if found is None:
            return _Target("unknown")
        scheme, code = found
        if scheme == self.release.scheme:
            return _Target("missing", scheme, code, f"kladden ({scheme})")
        if scheme not in self.store.schemes():
            return _Target("missing", scheme, code,
                           f"{scheme} (som ikke har nogen udgivet udgave)")
        latest = self.store.latest(scheme)
        where = f"{scheme} {latest.version}"
        if code in latest.concepts:
            return _Target("ok", scheme, code, where)
        seen = self.store.release_appearances(scheme, code)
        if seen:
            return _Target("retired", scheme, code, where, last=seen[-1])
        return _Target("missing", scheme, code, where)


def _listed(codes: tuple[str, ...]) -> str:
    names = [f"«{c}»" for c in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def _cycles(concepts: dict[str, Concept]) -> list[list[str]]:
    """Each cycle of broader links once (as the codes in order, child before parent),
    found by an iterative depth-first walk: a 20,000-concept scheme needs no recursion."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    for start in concepts:
        if start in state:
            continue
        path: list[str] = [start]
        stack = [iter(concepts[start].broader)]
        state[start] = 1
        while stack:
            parent = next(stack[-1], None)
            if parent is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if parent not in concepts:
                continue
            if state.get(parent) == 1:
                cycle = path[path.index(parent):]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    found.append(cycle)
            elif parent not in state:
                state[parent] = 1
                path.append(parent)
                stack.append(iter(concepts[parent].broader))
    return found
