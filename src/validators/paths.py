"""A small FHIRPath-like resolver for the declared profile paths.

Paths are dotted element names as in StructureDefinition ids: `activity.detail.code`,
`value[x]` (any `valueXxx`), `extension:Name` (extensions whose url ends in `/Name`).
`resolve` yields (FHIRPath-style location, value) pairs, one per list item, e.g.
`Bundle.entry[2].resource.activity[0].detail.code`; `values` yields the values only and
is what the checks use first, so locations are formatted only when there is a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

Step = tuple[str, str]
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def element(name: str) -> str:
    """A JSON key as a FHIRPath step: plain when it is an identifier, else `delimited`."""
    if IDENTIFIER.fullmatch(name):
        return name
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


@cache
def compile_path(path: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    for name in path.split(".") if path else ():
        if name.endswith("[x]"):
            steps.append(("choice", name[:-3]))
        elif name.startswith("extension:"):
            steps.append(("ext", "/" + name[len("extension:"):]))
        else:
            steps.append(("key", name))
    return tuple(steps)


def _children(node: dict, step: Step) -> Iterator[tuple[str, Any]]:
    """(key or key[i], value) for one step; list items flattened."""
    kind, name = step
    if kind == "key":
        value = node.get(name)
        if value is None:
            return
        if type(value) is list:
            for index, item in enumerate(value):
                yield f".{name}[{index}]", item
        else:
            yield f".{name}", value
    elif kind == "choice":
        for key, value in node.items():
            if key.startswith(name) and len(key) > len(name) and key[len(name)].isupper():
                step = element(key)
                if type(value) is list:
                    for index, item in enumerate(value):
                        yield f".{step}[{index}]", item
                else:
                    yield f".{step}", value
    else:
        extensions = node.get("extension")
        if type(extensions) is list:
            for index, ext in enumerate(extensions):
                if type(ext) is dict and str(ext.get("url", "")).endswith(name):
                    yield f".extension[{index}]", ext


def _values(node: dict, step: Step) -> list[Any]:
    kind, name = step
    if kind == "key":
        value = node.get(name)
        if value is None:
            return []
        return value if type(value) is list else [value]
    return [value for _, value in _children(node, step)]


def values(node: dict, path: str) -> list[Any]:
    if "." not in path and "[" not in path and ":" not in path:  # the common case
        value = node.get(path)
        return [] if value is None else value if type(value) is list else [value]
    current: list[Any] = [node]
    for step in compile_path(path):
        current = [hit for value in current if type(value) is dict
                   for hit in _values(value, step)]
        if not current:
            break
    return current


def resolve(node: dict, where: str, path: str) -> list[tuple[str, Any]]:
    current: list[tuple[str, Any]] = [(where, node)]
    for step in compile_path(path):
        current = [(loc + rel, hit) for loc, value in current if type(value) is dict
                   for rel, hit in _children(value, step)]
    return current


def present(value: Any) -> bool:
    return value not in (None, "", [], {})


def missing(node: dict, where: str, path: str) -> list[str]:
    """Locations where `path` is required but absent: in every present parent."""
    if "." not in path and "[" not in path and ":" not in path:  # the common case
        if node.get(path) not in (None, "", [], {}):
            return []
        return [f"{where}.{path}"]
    steps = compile_path(path)
    parent_path, _, last = path.rpartition(".")
    last_step = steps[-1]
    parents = values(node, parent_path) if parent_path else [node]
    if all(any(present(v) for v in _values(p, last_step)) for p in parents
           if type(p) is dict):
        return []
    located = resolve(node, where, parent_path) if parent_path else [(where, node)]
    name = last.split(":")[0].removesuffix("[x]")
    return [f"{loc}.{name}" for loc, value in located
            if type(value) is dict and not any(present(v) for v in _values(value, last_step))]


def codings(value: Any) -> list[tuple[str, dict]]:
    """The codings of a CodeableConcept (or the Coding itself), with their relative paths."""
    if type(value) is not dict:
        return []
    if "coding" in value:
        items = value.get("coding")
        return [(f".coding[{i}]", c) for i, c in enumerate(items if type(items) is list else [])
                if type(c) is dict]
    if "code" in value or "system" in value:
        return [("", value)]
    return []
