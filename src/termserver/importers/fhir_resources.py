"""FHIR ValueSet and ConceptMap JSON (KL's published value sets) → `StoredResource`.

They are kept as the publisher wrote them; only what identifies them is checked (a
canonical `url` and a `version`, a FHIR `id`) and the parts our operations read must have
the right shape, so a bad file is refused here and not when a client expands it.
A value set without a version (KL's IG source files carry none: the IG publisher stamps
the guide's version on them) takes the version given: `--version`, or its package's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from ..errors import ImportRefused
from ..resources import KINDS, ResourceInfo, StoredResource
from .checks import VERSION
from .decoding import read_text

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def resource_type(head: bytes) -> str | None:
    """`ValueSet` or `ConceptMap` when the JSON file's start says it is one, else None."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{") or b'"resourceType"' not in head:
        return None
    match = re.search(rb'"resourceType"\s*:\s*"([A-Za-z]+)"', head)
    kind = match.group(1).decode() if match else None
    return kind if kind in KINDS else None


def load_json(name: str, data: bytes, encoding: str | None = None) -> Any:
    text = read_text(Path(name), data, encoding)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ImportRefused(
            f"{name}: not valid JSON ({exc}). Fix the file; nothing was imported.",
            details={"file": name}) from None


def parse(name: str, resource: Any, version: str | None = None,
          default_version: str | None = None, package: str = "") -> StoredResource:
    """One ValueSet or ConceptMap, checked. `version` (`--version`) wins over the
    resource's own, as for code systems; `default_version` (its package's) is used only
    when it declares none."""
    if not isinstance(resource, dict) or resource.get("resourceType") not in KINDS:
        kind = resource.get("resourceType") if isinstance(resource, dict) else type(resource)
        raise ImportRefused(f"{name}: expected a FHIR ValueSet or ConceptMap, found {kind!r}.",
                            details={"file": name})
    kind = resource["resourceType"]
    url = resource.get("url")
    if not isinstance(url, str) or not url.strip() or "|" in url:
        raise ImportRefused(
            f"{name}: the {kind} has no canonical `url` (or one with '|'). Every published "
            f"{kind} needs one: it is how clients name it. Fix the file.",
            details={"file": name})
    declared = resource.get("version")
    if declared is not None and not isinstance(declared, str):
        raise ImportRefused(f"{name}: `version` must be a string. Fix the file.",
                            details={"file": name})
    chosen = version or declared or default_version
    if not chosen:
        raise ImportRefused(
            f"{name}: the {kind} {url} has no version. Give the version it was published "
            "as with --version (a package's own version is used for the value sets in it).",
            details={"file": name, "url": url})
    if not VERSION.fullmatch(chosen):
        raise ImportRefused(
            f"{name}: version {chosen!r} cannot be used: a version is 1-100 letters, digits, "
            "'.', '_', '~', '+', ':' or '-', starting with a letter or digit.",
            details={"file": name, "version": chosen})
    resource_id = resource.get("id") or resource.get("name") or url.rstrip("/").rsplit("/", 1)[-1]
    if not isinstance(resource_id, str) or not FHIR_ID.fullmatch(resource_id):
        raise ImportRefused(
            f"{name}: id {resource_id!r} is not a FHIR id (1-64 letters, digits, '-', '.').",
            details={"file": name})
    _check_shape(name, kind, resource)
    resource = {**resource, "version": chosen}
    info = ResourceInfo(kind=kind, url=url, version=chosen, id=resource_id,
                        source=name, package=package)
    return StoredResource(info, resource)


def _check_shape(name: str, kind: str, resource: dict[str, Any]) -> None:
    """The parts `$expand`, `$validate-code` and `$translate` read are lists of objects."""
    if kind == "ValueSet":
        compose = resource.get("compose")
        if compose is None:
            return
        _object(name, compose, "compose")
        for part in ("include", "exclude"):
            for index, item in enumerate(_list(name, compose.get(part), f"compose.{part}")):
                where = f"compose.{part}[{index}]"
                _object(name, item, where)
                for key in ("concept", "filter"):
                    for number, entry in enumerate(_list(name, item.get(key), f"{where}.{key}")):
                        _object(name, entry, f"{where}.{key}[{number}]")
                for number, url in enumerate(_list(name, item.get("valueSet"),
                                                   f"{where}.valueSet")):
                    if not isinstance(url, str):
                        _refuse(name, f"{where}.valueSet[{number}]", "a canonical URL string")
        return
    for index, group in enumerate(_list(name, resource.get("group"), "group")):
        _object(name, group, f"group[{index}]")
        for number, element in enumerate(_list(name, group.get("element"),
                                               f"group[{index}].element")):
            _object(name, element, f"group[{index}].element[{number}]")


def _list(name: str, value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        _refuse(name, where, "a list")
    return value


def _object(name: str, value: Any, where: str) -> None:
    if not isinstance(value, dict):
        _refuse(name, where, "an object")


def _refuse(name: str, where: str, expected: str) -> None:
    raise ImportRefused(f"{name}: {where} must be {expected}. Fix the file (FHIR R4); "
                        "nothing was imported.", details={"file": name, "path": where})


__all__ = ["load_json", "parse", "resource_type"]
