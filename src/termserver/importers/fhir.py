"""FHIR R4 CodeSystem JSON (KL's kl-term releases) → Release.

Nested `concept` lists become the hierarchy (FHIR `hierarchyMeaning: is-a`); a
`parent` property adds further parents. KL's code systems carry Danish text without
declaring a language, so untagged text is taken as the CodeSystem's `language`, or
Danish when it has none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import orjson

from ..errors import ImportRefused
from ..model import Concept, Release, ReleaseInfo
from ..namespaces import concept_iri
from .decoding import read_text

DEFAULT_LANGUAGE = "da"
_STATUS_PROPERTIES = {"status", "inactive", "deprecated", "deprecationDate", "retirementDate"}


def sniff(path: Path, head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"{") and b'"resourceType"' in head and b'"CodeSystem"' in head


def scheme_id(resource: dict[str, Any]) -> str:
    """Our scheme id: the CodeSystem's id (or name), lower-cased: FSIII → fsiii."""
    raw = resource.get("id") or resource.get("name") or ""
    return str(raw).strip().lower()


def parse(path: Path, data: bytes, options: Any) -> list[Release]:
    text = read_text(path, data, options.encoding)
    try:
        resource = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise ImportRefused(
                f"{path.name}: the JSON nests deeper than 1024 levels (about 510 levels of "
                "nested concepts), more than can be read. Nothing was imported. State a "
                "hierarchy that deep with `parent` properties on top-level concepts instead "
                "of nesting, as termserver's own FHIR export does.",
                details={"file": path.name},
            ) from None
        raise ImportRefused(
            f"{path.name}: not valid JSON ({exc}). Fix the file; nothing was imported.",
            details={"file": path.name, "line": getattr(exc, "lineno", None),
                     "column": getattr(exc, "colno", None)},
        ) from None
    if not isinstance(resource, dict) or resource.get("resourceType") != "CodeSystem":
        kind = resource.get("resourceType") if isinstance(resource, dict) else type(resource)
        raise ImportRefused(
            f"{path.name}: expected a FHIR CodeSystem, found {kind!r}. termserver imports "
            "CodeSystem, ValueSet and ConceptMap resources, and FHIR packages (.tgz).",
            details={"file": path.name, "resourceType": str(kind)},
        )
    for key in ("id", "name", "title", "url", "date", "description", "language"):
        _text_or_none(path, resource.get(key), key)
    scheme = options.scheme or scheme_id(resource)
    version = resource.get("version")
    if not isinstance(version, (str, int, float, type(None))) or isinstance(version, bool):
        _refuse_type(path, "version", version, "a string")
    if not scheme or not (version or options.version):
        raise ImportRefused(
            f"{path.name}: the CodeSystem has no {'id' if not scheme else 'version'}. "
            "Give one with --scheme / --version.",
            details={"file": path.name},
        )
    language = resource.get("language") or DEFAULT_LANGUAGE
    info = ReleaseInfo(
        scheme=scheme,
        version=str(options.version or version),
        title=str(resource.get("title") or resource.get("name") or scheme),
        uri=str(resource.get("url") or ""),
        issued=resource.get("date"),
        description=str(resource.get("description") or ""),
        identifiers=[
            str(i["value"]) for i in _list(path, resource.get("identifier"), "identifier")
            if isinstance(i, dict) and i.get("value") and i.get("value") != resource.get("url")
        ],
        languages=[language],
        extra={
            k: str(resource[k])
            for k in ("name", "status", "hierarchyMeaning", "content", "caseSensitive",
                      "experimental", "publisher")
            if k in resource
        },
    )
    concepts: dict[str, Concept] = {}
    _walk(path, scheme, _list(path, resource.get("concept"), "concept"), concepts, language)
    _apply_parent_properties(path, concepts)
    return [Release(info=info, concepts=concepts)]


def _walk(
    path: Path,
    scheme: str,
    items: list[Any],
    concepts: dict[str, Concept],
    language: str,
) -> None:
    """Every nested concept in document order, each under the concept it is nested in.

    An explicit stack of (list, parent, where) iterators rather than recursion, so the
    depth JSON parsing allows never meets Python's recursion limit.
    """
    stack = [(enumerate(items), None, "concept")]
    while stack:
        entries, parent, where = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        index, item = entry
        here = f"{where}[{index}]"
        concept = _concept(path, scheme, item, here, concepts, language)
        if parent is not None:
            concept.broader.append(parent)
        concepts[concept.code] = concept
        children = _list(path, item.get("concept"), f"{here}.concept")
        if children:
            stack.append((enumerate(children), concept.code, f"{here}.concept"))


def _concept(
    path: Path, scheme: str, item: Any, here: str, concepts: dict[str, Concept], language: str,
) -> Concept:
    """One concept item's own content (not its children), refused with its JSON path."""
    if not isinstance(item, dict) or not isinstance(item.get("code"), str):
        raise ImportRefused(
            f"{path.name}: {here} has no code. Every concept needs a string `code`.",
            details={"file": path.name, "path": here},
        )
    code = item["code"]
    if code in concepts:
        existing = concepts[code]
        raise ImportRefused(
            f"{path.name}: code {code!r} occurs twice (at {here}, and earlier as "
            f"{existing.label()!r}). Codes must be unique within a CodeSystem; fix the "
            "file or ask the publisher.",
            details={"file": path.name, "path": here, "code": code},
        )
    concept = Concept(code=code, uri=concept_iri(scheme, code), order=len(concepts))
    display = _text_or_none(path, item.get("display"), f"{here}.display")
    if display:
        concept.labels[language] = display
    definition = _text_or_none(path, item.get("definition"), f"{here}.definition")
    if definition:
        concept.definitions[language] = definition
    designations = _list(path, item.get("designation"), f"{here}.designation")
    for number, designation in enumerate(designations):
        where_d = f"{here}.designation[{number}]"
        if not isinstance(designation, dict):
            _refuse_type(path, where_d, designation, "an object")
        value = _text_or_none(path, designation.get("value"), f"{where_d}.value")
        if value:
            lang = (_text_or_none(path, designation.get("language"), f"{where_d}.language")
                    or language)
            concept.alt_labels.setdefault(lang, []).append(value)
    for number, prop in enumerate(_list(path, item.get("property"), f"{here}.property")):
        if not isinstance(prop, dict):
            _refuse_type(path, f"{here}.property[{number}]", prop, "an object")
        _apply_property(concept, prop)
    return concept


def _refuse_type(path: Path, where: str, value: Any, expected: str) -> NoReturn:
    found = "a list" if isinstance(value, list) else "an object" if isinstance(
        value, dict) else repr(value)[:40]
    raise ImportRefused(
        f"{path.name}: {where} must be {expected}, found {found}. Fix the file (FHIR R4 "
        "CodeSystem); nothing was imported.",
        details={"file": path.name, "path": where, "expected": expected},
    )


def _text_or_none(path: Path, value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    _refuse_type(path, where, value, "a string")


def _list(path: Path, value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        _refuse_type(path, where, value, "a list")
    return value


def _property_value(prop: dict[str, Any]) -> str | None:
    for key, value in prop.items():
        if key.startswith("value"):
            if isinstance(value, dict):  # valueCoding: the code is what identifies it
                value = value.get("code")
                return value if isinstance(value, str) else None
            return str(value).lower() if isinstance(value, bool) else str(value)
    return None


def _apply_property(concept: Concept, prop: dict[str, Any]) -> None:
    name = prop.get("code")
    value = _property_value(prop)
    if not name or value is None:
        return
    concept.properties.setdefault(name, []).append(value)
    if (
        (name == "status" and value in {"retired", "deprecated"})
        or (name == "inactive" and value == "true")
        or name in {"deprecated", "deprecationDate", "retirementDate"}
    ):
        concept.status = "deprecated"


def _apply_parent_properties(path: Path, concepts: dict[str, Concept]) -> None:
    """`parent` properties are hierarchy, kept as broader only (not also as a property).

    Nesting and `parent` properties are two spellings of one is-a link, so a concept
    reads the same either way: our own export writes a very deep hierarchy flat with
    `parent` properties, and it must import back as the release it came from.
    """
    for concept in concepts.values():
        for parent in concept.properties.pop("parent", []):
            if parent not in concept.broader:
                concept.broader.append(parent)
        replaced = concept.properties.get("replacedBy") or concept.properties.get("replaced-by")
        if replaced:
            concept.replaced_by = list(replaced)


__all__ = ["parse", "scheme_id", "sniff"]
