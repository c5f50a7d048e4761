"""Checks every imported release passes before anything is written.

Parsers report duplicates themselves (a dict would silently keep the last); these
checks cover what all formats share: parents exist, and the hierarchy has no cycles.
"""

from __future__ import annotations

import re

from ..errors import ImportRefused
from ..model import MAPPING_RELATIONS, Concept, Release

SCHEME_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
"""Scheme ids are URL path segments and directory names: `ffb`, `icf-de`, `crosswalk-ffb-icf`."""
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~+:-]{0,99}")
"""Versions: the publisher's string (`20240530`, `2001`, `1.2.0`), `~tag` for re-publications."""
CONCEPT_STATUSES = ("active", "deprecated", "retired", "draft")


def check_release(release: Release, source: str) -> None:
    _check_identity(release, source)
    _check_codes(release, source)
    _check_types(release, source)
    _check_parents(release, source)
    _check_cycles(release, source)
    _check_mappings(release, source)


def _check_identity(release: Release, source: str) -> None:
    """Scheme id and version name directories and URLs: refuse what cannot be either."""
    scheme, version = release.info.scheme, release.info.version
    if not isinstance(scheme, str) or not SCHEME_ID.fullmatch(scheme):
        suggestion = re.sub(r"[^a-z0-9._-]+", "-", str(scheme).lower()).strip("-._")[:64]
        raise ImportRefused(
            f"{source}: scheme id {scheme!r} cannot be used: a scheme id is 1-64 lower-case "
            "letters, digits, '-', '.' or '_', starting with a letter or digit. Give one with "
            f"--scheme{f' (e.g. --scheme {suggestion})' if suggestion else ''}.",
            details={"file": source, "scheme": str(scheme)},
        )
    if version == "latest":
        raise ImportRefused(
            f"{source}: 'latest' cannot be a version: it is the name every reader uses for "
            "the newest release. Give the real version with --version.",
            details={"file": source, "scheme": scheme, "version": version},
        )
    if not isinstance(version, str) or not VERSION.fullmatch(version):
        raise ImportRefused(
            f"{source}: version {version!r} cannot be used: a version is 1-100 letters, "
            "digits, '.', '_', '~', '+', ':' or '-', starting with a letter or digit. Give "
            "one with --version.",
            details={"file": source, "scheme": scheme, "version": str(version)},
        )


def _check_codes(release: Release, source: str) -> None:
    for code in release.concepts:
        if not code or code != code.strip():
            raise ImportRefused(
                f"{source}: concept code {code!r} is empty or has surrounding spaces. "
                "Fix the code in the source file.",
                details={"file": source, "code": code},
            )


def _bad_type(source: str, concept: Concept, field: str) -> ImportRefused:
    return ImportRefused(
        f"{source}: concept {concept.code!r} has a {field} that is not text. Fix the source "
        "file; nothing was imported.",
        details={"file": source, "code": concept.code, "field": field},
    )


def _texts_ok(table: dict, many: bool) -> bool:
    for lang, value in table.items():
        if not isinstance(lang, str):
            return False
        values = value if many else [value]
        if many and not isinstance(value, list):
            return False
        if not all(isinstance(v, str) for v in values):
            return False
    return True


def _check_types(release: Release, source: str) -> None:
    """Every field holds what storage and the API expect, whatever the importer read."""
    for concept in release.concepts.values():
        for field, table, many in (("label", concept.labels, False),
                                   ("definition", concept.definitions, False),
                                   ("alternative label", concept.alt_labels, True),
                                   ("hidden label", concept.hidden_labels, True),
                                   ("property", concept.properties, True)):
            if not _texts_ok(table, many):
                raise _bad_type(source, concept, field)
        if concept.status not in CONCEPT_STATUSES:
            raise ImportRefused(
                f"{source}: concept {concept.code!r} has status {concept.status!r}; use one "
                f"of {', '.join(CONCEPT_STATUSES)}.",
                details={"file": source, "code": concept.code, "status": str(concept.status)},
            )
        if not isinstance(concept.order, int) or not -2**63 <= concept.order < 2**63:
            raise ImportRefused(
                f"{source}: concept {concept.code!r} has order {concept.order!r}; an order "
                "is a whole number (ts:order) that fits in 64 bits.",
                details={"file": source, "code": concept.code},
            )


def _check_parents(release: Release, source: str) -> None:
    for concept in release.concepts.values():
        for parent in concept.broader:
            if parent not in release.concepts:
                raise ImportRefused(
                    f"{source}: concept {concept.code!r} has parent {parent!r}, which is not "
                    "in the file. Add the parent concept or remove the broader link.",
                    details={"file": source, "code": concept.code, "parent": parent},
                )


def _check_cycles(release: Release, source: str) -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in release.concepts:
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            code, index = stack.pop()
            parents = release.concepts[code].broader
            if index == 0:
                state[code] = 1
                path.append(code)
            if index < len(parents):
                stack.append((code, index + 1))
                parent = parents[index]
                if state.get(parent) == 1:
                    cycle = [*path[path.index(parent) :], parent]
                    raise ImportRefused(
                        f"{source}: the hierarchy has a cycle: {' → '.join(cycle)}. "
                        "A concept cannot be its own ancestor; remove one of these broader "
                        "links.",
                        details={"file": source, "cycle": cycle},
                    )
                if not state.get(parent):
                    stack.append((parent, 0))
            else:
                state[code] = 2
                path.pop()


def _check_mappings(release: Release, source: str) -> None:
    for mapping in release.mappings:
        if mapping.relation not in MAPPING_RELATIONS:
            raise ImportRefused(
                f"{source}: unknown mapping relation {mapping.relation!r} on "
                f"{mapping.source}. Use one of {', '.join(MAPPING_RELATIONS)}.",
                details={"file": source, "relation": mapping.relation},
            )
