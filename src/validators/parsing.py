"""From bytes to a FHIR JSON-shaped dict, refusing anything unsafe or unreadable.

JSON is primary; XML is converted into the same shape, so every check is written once.
UTF-8 only (a BOM is tolerated). XML is parsed with DTDs, entities and network access
off, and a DOCTYPE is refused outright: FHIR XML never needs one.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

import orjson
from lxml import etree

from .report import Finding

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"
ARRAY_ELEMENTS = frozenset({
    "account", "activity", "address", "addresses", "basedOn", "bodySite", "careTeam",
    "category", "coding", "communication", "component", "contact", "contained", "derivedFrom",
    "designation", "destination", "detail", "diagnosis", "dosage", "entry", "episodeOfCare",
    "evidence", "extension", "finding", "focus", "generalPractitioner", "given", "goal",
    "hasMember", "identifier", "instantiatesCanonical", "instantiatesUri", "insurance",
    "interpretation", "investigation", "item", "line", "link", "location", "member",
    "modifierExtension", "name", "note", "orderDetail", "outcomeCodeableConcept",
    "outcomeReference", "parameter", "partOf", "participant", "payload", "performer", "photo",
    "prediction",
    "prefix", "productCode", "profile", "protocol", "qualification", "reasonCode",
    "reasonReference", "referenceRange", "relationship", "relevantHistory", "replaces",
    "response", "security", "specialty", "stage", "statusReason", "suffix", "supportingInfo",
    "tag", "target", "telecom", "type",
})
SINGULAR_IN = {
    "detail": frozenset({"activity"}),
    "type": frozenset({"Bundle", "identifier", "Identifier", "managingOrganization", "subject",
                       "performer", "author", "requester", "assigner", "MessageHeader"}),
    "target": frozenset({"MessageHeader"}),
    "item": frozenset({"finding"}),
    "destination": frozenset(),
}
"""Element names that are lists in most places but single in these parents."""


class DocumentError(Exception):
    """The document cannot be read at all; carries the finding to report."""

    def __init__(self, finding: Finding, status: int = 400) -> None:
        super().__init__(finding.message)
        self.finding = finding
        self.status = status


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DocumentError(Finding(
            "error", "syntax-encoding", f"(byte {exc.start}, linje {line})",
            f"Dokumentet er ikke gyldig UTF-8 (byte {exc.start}, linje {line}). Gem det som "
            "UTF-8 og send igen.")) from None


def parse_document(data: bytes, content_type: str, max_bytes: int, max_depth: int) -> dict:
    if len(data) > max_bytes:
        raise DocumentError(Finding(
            "error", "syntax-limits", "(dokument)",
            f"Dokumentet er {len(data):,} bytes; grænsen er {max_bytes:,} bytes."), status=413)
    if not data.strip():
        raise DocumentError(Finding("error", "syntax-json", "(dokument)", "Dokumentet er tomt."))
    is_xml = "xml" in content_type or (not content_type and data.lstrip().startswith(b"<"))
    return _parse_xml(data, max_depth) if is_xml else _parse_json(data, max_depth)


def _parse_json(data: bytes, max_depth: int) -> dict:
    """JSON nesting is limited by the validator's own walk (Scan), which sees the depth.

    orjson reads valid documents about three times faster than json; anything it refuses
    is read again by the slower path, which gives the precise Danish message.
    """
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        document = None
    if isinstance(document, dict):
        return document
    text = _decode(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(Finding(
            "error", "syntax-json", f"(linje {exc.lineno}, kolonne {exc.colno})",
            f"Ugyldig JSON på linje {exc.lineno}, kolonne {exc.colno}: {exc.msg}.")) from None
    except RecursionError:
        raise DocumentError(Finding("error", "syntax-limits", "(dokument)",
                                    "Dokumentet er for dybt indlejret.")) from None
    if not isinstance(document, dict):
        raise DocumentError(Finding("error", "struct-resource", "(dokument)",
                                    "Dokumentet skal være en FHIR-ressource (et JSON-objekt)."))
    return document


def _parse_xml(data: bytes, max_depth: int) -> dict:
    _decode(data)  # UTF-8 only, whatever the XML declaration claims
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise DocumentError(Finding(
            "error", "syntax-xml", "(dokument)",
            "XML med DOCTYPE eller entiteter afvises (de kan læse filer eller vokse uden "
            "grænse). Fjern <!DOCTYPE …>; FHIR XML har ikke brug for den."))
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                             dtd_validation=False, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if "Excessive depth" in str(exc.msg):  # libxml2's own limit (256) without huge_tree
            raise DocumentError(Finding(
                "error", "syntax-limits", f"(linje {exc.lineno})",
                "XML er indlejret for dybt (libxml2 tillader højst 256 niveauer).")) from None
        raise DocumentError(Finding(
            "error", "syntax-xml", f"(linje {exc.lineno})",
            f"Ugyldig XML på linje {exc.lineno}: {exc.msg}")) from None
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > max_depth:
            raise DocumentError(Finding("error", "syntax-limits", "(dokument)",
                                        f"XML er indlejret dybere end {max_depth} niveauer."))
    if etree.QName(root).namespace != FHIR_NS:
        raise DocumentError(Finding("error", "struct-resource", "(dokument)",
                                    f"Rodelementet skal være i navnerummet {FHIR_NS}."))
    return _resource(root)


def _resource(element: etree._Element) -> dict:
    out: dict[str, Any] = {"resourceType": etree.QName(element).localname}
    _children(element, out, out["resourceType"])
    return out


def _is_array(name: str, parent: str) -> bool:
    return name in ARRAY_ELEMENTS and parent not in SINGULAR_IN.get(name, ())


def _children(element: etree._Element, out: dict[str, Any], parent: str) -> None:
    for child in element:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        if qname.namespace == XHTML_NS:
            continue
        name = qname.localname
        value, primitive_extras = _element_value(child)
        if primitive_extras is not None:  # FHIR JSON keeps these beside the value: `_name`
            out.setdefault(f"_{name}", primitive_extras)
        if name in out:
            if not isinstance(out[name], list):
                out[name] = [out[name]]
            out[name].append(value)
        else:
            out[name] = [value] if _is_array(name, parent) else value


_RESOURCE_HOLDERS = frozenset({"resource", "contained", "outcome"})
"""Elements whose single child element is a whole resource."""


def _element_value(element: etree._Element) -> tuple[Any, dict | None]:
    """(value, extras of a primitive): a primitive with an id or extensions keeps its value,
    the rest goes to `_name` as in FHIR JSON."""
    name = etree.QName(element).localname
    inner = next((c for c in element if isinstance(c.tag, str)), None)
    if name in _RESOURCE_HOLDERS and inner is not None and etree.QName(inner).localname[:1] \
            .isupper():
        return _resource(inner), None
    attrs = dict(element.attrib)
    if "value" in attrs:
        if inner is None and "id" not in attrs:
            return _primitive(attrs["value"]), None
        extras: dict[str, Any] = {"id": attrs["id"]} if "id" in attrs else {}
        _children(element, extras, name)
        return _primitive(attrs["value"]), extras
    out: dict[str, Any] = {}
    if "url" in attrs:
        out["url"] = attrs["url"]
    if "id" in attrs:
        out["id"] = attrs["id"]
    _children(element, out, name)
    return out, None


def _primitive(text: str) -> Any:
    if text in {"true", "false"}:
        return text == "true"
    return text
