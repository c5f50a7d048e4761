"""FHIR's XML form of the resources we read and write, and the choice between it and JSON.

FHIR defines one mapping between its JSON and XML (https://hl7.org/fhir/R4/xml.html):
the resource type is the root element (namespace `http://hl7.org/fhir`), a primitive is
an element with a `value` attribute (its JSON `_name` twin's `id` and `extension` go on
that element), an array is the element repeated, a nested resource (`Parameters.
parameter.resource`, `Bundle.entry.resource`, `contained`) sits inside an element of its
type's name, an extension's `url` and an element's `id` are attributes, and the narrative
`div` is XHTML in its own namespace. JSON needs what XML leaves unsaid — which elements
repeat, which primitives are booleans or numbers — so reading XML uses the names the
resources we read and write use (`_ARRAYS`, `_BOOLEANS`, `_INTEGERS`) and `value[x]`'s
type suffix.

Request bodies are read with lxml after the same refusal of entity declarations as every
XML import (`importers.xmlsafety`), and without fetching DTDs or network resources.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import ImportRefused
from ..importers.xmlsafety import refuse_entities
from .outcome import FhirError

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"
FHIR_JSON = "application/fhir+json"
FHIR_XML = "application/fhir+xml"

_ARRAYS = frozenset((
    "extension", "modifierExtension", "parameter", "part", "entry", "link", "coding",
    "concept", "designation", "property", "include", "exclude", "filter", "contains",
    "group", "element", "target", "dependsOn", "product", "issue", "location",
    "expression", "contact", "telecom", "useContext", "jurisdiction", "contained",
    "instantiates", "imports", "format", "patchFormat", "implementationGuide", "rest",
    "interaction", "searchParam", "operation", "compartment", "codeSystem", "valueSet",
    "identifier", "supportedProfile", "profile", "given", "prefix", "suffix", "line",
    "searchInclude", "searchRevInclude", "referencePolicy", "fixture",
))
"""Elements that repeat wherever the resources we read and write have them."""
_SINGLE_IN = {("expansion", "identifier"), ("entry", "resource"), ("parameter", "resource"),
              ("group", "target"),
              ("part", "resource"), ("CodeSystem", "valueSet")}
"""(parent, element) pairs where an otherwise repeating name is single."""
_ARRAY_IN = {("codeSystem", "version"), ("rest", "resource"), ("filter", "op"),
             ("filter", "operator")}
"""(parent, element) pairs where an otherwise single name repeats."""
_BOOLEANS = frozenset((
    "caseSensitive", "compositional", "versionNeeded", "experimental", "abstract",
    "inactive", "immutable", "lockedDate", "isDefault", "hierarchical", "paging",
    "incomplete", "translations", "needsMap", "translation", "readHistory", "updateCreate",
    "conditionalCreate", "conditionalUpdate", "conditionalDelete", "multipleAnd",
    "multipleOr", "active", "userSelected", "subsumption",
))
_INTEGERS = frozenset(("count", "total", "offset", "rank"))
_DECIMALS = frozenset(("valueDecimal",))
_VALUE_INTEGERS = frozenset(("valueInteger", "valueUnsignedInt", "valuePositiveInt",
                             "valueInteger64"))
_RESOURCE_HOLDERS = frozenset(("resource", "contained", "outcome", "return"))
_RESOURCE_FIRST = ("id", "meta", "implicitRules", "language", "text", "contained",
                   "extension", "modifierExtension")
_ELEMENT_FIRST = ("extension", "modifierExtension")


# -- choosing the format ---------------------------------------------------------------------

_XML_FORMATS = frozenset(("xml", "text/xml", "application/xml", FHIR_XML))
_JSON_FORMATS = frozenset(("json", "text/json", "application/json", FHIR_JSON))


def wants_xml(format_param: str | None, accept: str | None) -> bool:
    """Whether to answer in XML: `_format` first (`xml`, `json` or a media type), then the
    `Accept` header, most preferred first (`q`); JSON when neither says."""
    if format_param:
        wanted = format_param.split(";")[0].strip().lower()
        if wanted in _XML_FORMATS:
            return True
        if wanted in _JSON_FORMATS:
            return False
        raise FhirError(f"_format={format_param!r} is not a format this server writes; use "
                        "_format=json or _format=xml (or application/fhir+json, "
                        "application/fhir+xml).", status_code=406,
                        issue_code="not-supported")
    if not accept:
        return False
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        media, *options = (part.strip() for part in item.split(";"))
        quality = 1.0
        for option in options:
            if option.startswith("q="):
                try:
                    quality = float(option[2:])
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, media.lower()))
    for negative_quality, _, media in sorted(ranked):
        if negative_quality == 0:
            break
        if media in _XML_FORMATS or media.endswith("+xml"):
            return True
        if media in _JSON_FORMATS or media.endswith("+json") or media in ("*/*",
                                                                          "application/*"):
            return False
    return False


def is_xml_body(content_type: str | None, body: bytes) -> bool:
    """A request body in XML: by its media type, or (none given) by its first character."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media:
        return media in _XML_FORMATS or media.endswith("+xml")
    return body.lstrip()[:1] == b"<"


# -- JSON → XML ------------------------------------------------------------------------------

def to_xml(resource: dict[str, Any]) -> bytes:
    """A resource (FHIR JSON as a dict) as FHIR XML, with the XML declaration."""
    root = _resource_element(resource)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _resource_element(resource: dict[str, Any]) -> etree._Element:
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise ValueError("a resource without resourceType cannot be written as XML")
    element = etree.Element(f"{{{FHIR_NS}}}{kind}", nsmap={None: FHIR_NS})
    _fill(element, resource, _RESOURCE_FIRST, is_resource=True)
    return element


def _ordered(data: dict[str, Any], first: tuple[str, ...]) -> list[str]:
    keys = [k for k in data if not k.startswith("_") and k != "resourceType"]
    # a primitive given only by its `_name` twin (extensions, no value) still appears
    keys += [k[1:] for k in data if k.startswith("_") and k[1:] not in data]
    head = [k for k in first if k in keys]
    return head + [k for k in keys if k not in head]


def _fill(element: etree._Element, data: dict[str, Any], first: tuple[str, ...],
          *, is_resource: bool = False) -> None:
    for key in _ordered(data, first):
        value = data.get(key)
        twin = data.get(f"_{key}")
        if not is_resource and key == "id" and isinstance(value, str):
            element.set("id", value)
            continue
        if key == "url" and element.tag.endswith(("}extension", "}modifierExtension")):
            element.set("url", str(value))
            continue
        if key == "div" and isinstance(value, str):
            element.append(_xhtml(value))
            continue
        values = value if isinstance(value, list) else [value]
        twins = twin if isinstance(twin, list) else [twin] * len(values)
        for index, item in enumerate(values):
            extra = twins[index] if index < len(twins) else None
            _child(element, key, item, extra)


def _child(parent: etree._Element, name: str, value: Any, twin: Any) -> None:
    child = etree.SubElement(parent, f"{{{FHIR_NS}}}{name}")
    if isinstance(value, dict):
        if isinstance(value.get("resourceType"), str):
            child.append(_resource_element(value))
        else:
            _fill(child, value, _ELEMENT_FIRST)
        return
    if isinstance(twin, dict):  # a primitive's own id and extensions
        if isinstance(twin.get("id"), str):
            child.set("id", twin["id"])
        for extension in twin.get("extension") or []:
            _child(child, "extension", extension, None)
    if value is None:
        return
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    child.set("value", text)


def _xhtml(text: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        div = etree.fromstring(text.encode(), parser)
    except etree.XMLSyntaxError:
        div = etree.Element(f"{{{XHTML_NS}}}div", nsmap={None: XHTML_NS})
        div.text = text
    return div


# -- XML → JSON ------------------------------------------------------------------------------

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, huge_tree=False, remove_comments=True,
                          remove_pis=True)


def from_xml(data: bytes, *, where: str = "The request body") -> dict[str, Any]:
    """A FHIR XML resource as FHIR JSON (a dict); hostile or malformed XML is a FhirError
    saying what is wrong and where."""
    try:
        refuse_entities(Path("request body"), data)
    except ImportRefused as exc:
        raise FhirError(f"{where} declares XML entities; termserver refuses them, since "
                        "they can expand without bound or read local files. Send the "
                        "resource without a <!DOCTYPE … <!ENTITY …> declaration.",
                        issue_code="security") from exc
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        raise FhirError(f"{where} is not well-formed XML"
                        f"{f' (line {line})' if line else ''}: {exc.msg}.") from None
    if etree.QName(root).namespace != FHIR_NS:
        raise FhirError(f"{where} is XML but not FHIR: its root element "
                        f"<{etree.QName(root).localname}> must be in the namespace "
                        f"{FHIR_NS} (xmlns=\"{FHIR_NS}\").")
    return _read_resource(root)


def _read_resource(element: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": etree.QName(element).localname}
    out.update(_read_children(element))
    return out


def _read_children(element: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    twins: dict[str, list[Any]] = {}
    parent = etree.QName(element).localname
    for attribute in ("id", "url"):
        if attribute in element.attrib:
            out[attribute] = element.get(attribute)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        name = qname.localname
        if qname.namespace == XHTML_NS and name == "div":
            out["div"] = etree.tostring(child, encoding="unicode", with_tail=False)
            continue
        if qname.namespace != FHIR_NS:
            raise FhirError(f"<{name}> inside <{parent}> is not a FHIR element (namespace "
                            f"{qname.namespace or 'none'}).")
        value, twin = _read_value(parent, name, child)
        repeats = (name in _ARRAYS and (parent, name) not in _SINGLE_IN) or \
            (parent, name) in _ARRAY_IN
        if repeats or name in out:
            if name in out and not isinstance(out[name], list):
                out[name] = [out[name]]
            out.setdefault(name, []).append(value)
            twins.setdefault(name, []).append(twin)
        else:
            out[name] = value
            twins[name] = [twin]
    for name, found in twins.items():
        if any(t is not None for t in found):
            out[f"_{name}"] = found if isinstance(out.get(name), list) else found[0]
        if out.get(name) is None:  # a primitive with extensions only: JSON has its twin
            out.pop(name, None)
    return out


def _read_value(parent: str, name: str, element: etree._Element) -> tuple[Any, Any]:
    """(JSON value, its `_name` twin or None) for one child element."""
    children = [c for c in element if isinstance(c.tag, str)]
    if name in _RESOURCE_HOLDERS and len(children) == 1 and \
            etree.QName(children[0]).localname[:1].isupper():
        return _read_resource(children[0]), None
    if "value" in element.attrib or (children and all(
            etree.QName(c).localname == "extension" for c in children)
            and "url" not in element.attrib and name != "extension"):
        twin: dict[str, Any] = {}
        if "id" in element.attrib:
            twin["id"] = element.get("id")
        if children:
            twin["extension"] = [_read_children(c) for c in children]
        raw = element.get("value")
        return (_typed(name, raw) if raw is not None else None), (twin or None)
    return _read_children(element), None


_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def _typed(name: str, raw: str) -> Any:
    """A `value` attribute as the JSON type of its element."""
    if name in _BOOLEANS or name == "valueBoolean":
        if raw not in ("true", "false"):
            raise FhirError(f"<{name} value=\"{raw}\"/> must be true or false.")
        return raw == "true"
    if name in _INTEGERS or name in _VALUE_INTEGERS:
        try:
            return int(raw)
        except ValueError:
            raise FhirError(f"<{name} value=\"{raw}\"/> must be a whole number.") from None
    if name in _DECIMALS:
        if not _NUMBER.fullmatch(raw):
            raise FhirError(f"<{name} value=\"{raw}\"/> must be a decimal number.")
        return float(raw) if any(ch in raw for ch in ".eE") else int(raw)
    return raw
