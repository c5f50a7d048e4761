"""Checks every imported release passes before anything is written.

Parsers report duplicates themselves (a dict would silently keep the last); these
checks cover what all formats share: parents exist, and the hierarchy has no cycles.
"""

from __future__ import annotations

from ..errors import ImportRefused
from ..model import MAPPING_RELATIONS, Release


def check_release(release: Release, source: str) -> None:
    _check_codes(release, source)
    _check_parents(release, source)
    _check_cycles(release, source)
    _check_mappings(release, source)


def _check_codes(release: Release, source: str) -> None:
    for code in release.concepts:
        if not code or code != code.strip():
            raise ImportRefused(
                f"{source}: concept code {code!r} is empty or has surrounding spaces. "
                "Fix the code in the source file.",
                details={"file": source, "code": code},
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
