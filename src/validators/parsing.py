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
    "account", "activity", "address", "addresses", "agent", "alias", "answer", "appliesTo",
    "assessment", "basedOn", "bodySite", "careTeam", "category", "classHistory", "coding",
    "communication", "complication", "component", "contact", "contained", "content",
    "contributor", "coverage", "derivedFrom", "designation", "destination", "detail",
    "diagnosis", "dosage", "endpoint", "entry", "episodeOfCare", "event", "evidence",
    "extension", "finding", "focus", "followUp", "generalPractitioner", "given", "goal",
    "guarantor", "hasMember", "identifier", "instantiatesCanonical", "instantiatesUri",
    "insurance", "interpretation", "investigation", "item", "line", "link", "location",
    "locationCode", "locationReference", "member", "modifierExtension", "note", "orderDetail",
    "outcomeCode", "outcomeCodeableConcept", "outcomeReference", "parameter", "part", "partOf",
    "participant", "payload", "performer", "photo", "policy", "prediction", "prefix", "problem",
    "productCode", "profile", "prognosisCodeableConcept", "prognosisReference", "progress",
    "protocol", "qualification", "reasonCode", "reasonReference", "recipient", "referenceRange",
    "related", "relatesTo", "relationship", "relevantHistory", "replaces", "response", "role",
    "security", "securityLabel", "specialty", "specimen", "stage", "statusHistory", "suffix",
    "supportingInfo", "tag", "target", "telecom", "type", "usedCode", "verification",
})
"""FHIR R4 element names that are lists (0..*) in most places they occur."""
SINGULAR_IN = {
    "address": frozenset({"contact"}),
    "content": frozenset({"payload"}),
    "detail": frozenset({"activity"}),
    "endpoint": frozenset({"destination", "source"}),
    "type": frozenset({"Bundle", "identifier", "Identifier", "MessageHeader", "link", "agent",
                       "Account", "Consent", "DocumentReference", "Coverage", "Flag"}),
    "target": frozenset({"MessageHeader"}),
    "item": frozenset({"finding"}),
    "destination": frozenset(),
    "identifier": frozenset({"Bundle", "QuestionnaireResponse", "Composition"}),
    "location": frozenset({"location"}),
    "member": frozenset({"participant"}),
    "role": frozenset({"actor"}),
    "response": frozenset({"MessageHeader"}),
}
"""Element names that are lists in most places but single in these parents."""
ARRAY_IN = {
    "name": frozenset({"Patient", "Practitioner", "RelatedPerson", "Person"}),
    "managingOrganization": frozenset({"CareTeam"}),
    "reason": frozenset({"Provenance"}),
    "author": frozenset({"DocumentReference", "Composition", "Communication"}),
    "subject": frozenset({"Account"}),
    "organization": frozenset({"Consent"}),
    "code": frozenset({"evidence", "provision", "item"}),
}
"""Element names that are single in most places but lists in these parents."""
_REFERENCE_KEYS = frozenset({"reference", "type", "identifier", "display", "extension", "id"})
"""A Reference's elements: its `identifier` and `type` are single."""


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
    looks_xml = _body(data).lstrip().startswith(b"<")
    is_xml = "xml" in content_type or (not content_type and looks_xml)
    return _parse_xml(data, max_depth) if is_xml else _parse_json(data, max_depth, looks_xml)


def _body(data: bytes) -> bytes:
    return data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data


_JSON_MESSAGES = (  # the json module's messages (English) → ours
    ("Expecting value", "der mangler en værdi"),
    ("Expecting property name", "der forventes et feltnavn i dobbelte anførselstegn (et "
                                "komma for meget?)"),
    ("Expecting ':'", "der mangler et kolon (:) efter feltnavnet"),
    ("Expecting ','", "der mangler et komma (,) eller en afsluttende parentes"),
    ("Unterminated string", "en tekststreng afsluttes ikke (mangler \")"),
    ("Invalid control character", "en tekststreng indeholder et kontroltegn (fx linjeskift); "
                                  "skriv det som escape-sekvens"),
    ("Invalid \\uXXXX", "ugyldig \\uXXXX-escape-sekvens"),
    ("Invalid \\escape", "ugyldig escape-sekvens (\\)"),
    ("Extra data", "der står mere efter dokumentets afslutning"),
)


class _NotJson(ValueError):
    """NaN and Infinity: the json module takes them, JSON (RFC 8259) does not."""


def _refuse_constant(name: str) -> None:
    raise _NotJson(name)


def _json_error(line: int, column: int, what: str, looks_xml: bool = False) -> DocumentError:
    hint = (" Dokumentet ligner XML: send det med Content-Type application/fhir+xml."
            if looks_xml else "")
    return DocumentError(Finding(
        "error", "syntax-json", f"(linje {line}, kolonne {column})",
        f"Ugyldig JSON på linje {line}, kolonne {column}: {what}.{hint}"))


def _parse_json(data: bytes, max_depth: int, looks_xml: bool = False) -> dict:
    """JSON nesting is limited by the validator's own walk (Scan), which sees the depth.

    orjson reads valid documents about three times faster than json; anything it refuses
    is read again by the slower path, which gives the precise Danish message. What only
    the slower path takes is still refused: NaN/Infinity, and lone surrogates
    (`\\ud800`), which are no Unicode text and could not be written back as UTF-8.
    """
    body = _body(data)
    refusal = None
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        document, refusal = None, exc
    if isinstance(document, dict):
        return document
    text = _decode(data)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        what = next((danish for english, danish in _JSON_MESSAGES
                     if exc.msg.startswith(english)), "ugyldig syntaks")
        raise _json_error(exc.lineno, exc.colno, what, looks_xml) from None
    except _NotJson as exc:
        line, column = (refusal.lineno, refusal.colno) if refusal else (1, 1)
        raise _json_error(line, column, f"{exc} er ikke en JSON-værdi") from None
    except ValueError:  # Python's own limit: an integer of more than 4,300 digits
        line, column = (refusal.lineno, refusal.colno) if refusal else (1, 1)
        raise _json_error(line, column, "et tal har for mange cifre") from None
    except RecursionError:
        raise DocumentError(Finding("error", "syntax-limits", "(dokument)",
                                    "Dokumentet er for dybt indlejret.")) from None
    if refusal is not None and "surrogate" in refusal.msg:
        raise _json_error(refusal.lineno, refusal.colno,
                          "en \\u-escape er et enligt surrogat (ikke gyldig Unicode)")
    if not isinstance(document, dict):
        raise DocumentError(Finding("error", "struct-resource", "(dokument)",
                                    "Dokumentet skal være en FHIR-ressource (et JSON-objekt)."))
    return document


_NO_DOCTYPE = Finding(
    "error", "syntax-xml", "(dokument)",
    "XML med DOCTYPE eller entiteter afvises (de kan læse filer eller vokse uden grænse). "
    "Fjern <!DOCTYPE …>; FHIR XML har ikke brug for den.")


def _parse_xml(data: bytes, max_depth: int) -> dict:
    _decode(data)  # UTF-8 only, whatever the XML declaration claims
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise DocumentError(_NO_DOCTYPE)
    # the bytes are UTF-8 (checked above), whatever the XML declaration says
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                             dtd_validation=False, huge_tree=False, remove_comments=True,
                             encoding="utf-8")
    try:
        root = etree.fromstring(_body(data), parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno or 1, 0)
        where = f"(linje {line}, kolonne {column})" if column else f"(linje {line})"
        if "Excessive depth" in str(exc.msg):  # libxml2's own limit (256) without huge_tree
            raise DocumentError(Finding(
                "error", "syntax-limits", where,
                "XML er indlejret for dybt (libxml2 tillader højst 256 niveauer).")) from None
        hint = (" Dokumentet ligner JSON: send det med Content-Type application/fhir+json."
                if _body(data).lstrip()[:1] in (b"{", b"[") else "")
        raise DocumentError(Finding(
            "error", "syntax-xml", where,
            f"Ugyldig XML på {where[1:-1]}: {_xml_problem(exc.code)}.{hint}")) from None
    if root.getroottree().docinfo.doctype:  # one behind more than 4 kB of comments
        raise DocumentError(_NO_DOCTYPE)
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > max_depth:
            raise DocumentError(Finding("error", "syntax-limits", "(dokument)",
                                        f"XML er indlejret dybere end {max_depth} niveauer."))
    if _local(root.tag)[0] != FHIR_NS:
        raise DocumentError(Finding("error", "struct-resource", "(dokument)",
                                    f"Rodelementet skal være i navnerummet {FHIR_NS}."))
    return _resource(root)


_XML_ERROR_NAMES = {getattr(etree.ErrorTypes, n): n for n in dir(etree.ErrorTypes)
                    if n.isupper()}
_XML_MESSAGES = (  # libxml2's error types (its messages are English) → ours, first match
    ("DOCUMENT_EMPTY", "dokumentet indeholder intet XML-element"),
    ("DOCUMENT_END", "der står indhold efter rodelementets afslutning"),
    ("TAG_NAME_MISMATCH", "et slutmærke passer ikke til det åbne element"),
    ("TAG_NOT_FINISHED", "dokumentet slutter, før alle elementer er lukket (er det afkortet?)"),
    ("LT_IN_ATTRIBUTE", "»<« må ikke stå i en attributværdi (skriv &lt;)"),
    ("ATTRIBUTE_REDEFINED", "den samme attribut står to gange på et element"),
    ("ATTRIBUTE", "en attribut mangler sin værdi i anførselstegn"),
    ("STRING_NOT", "en attributværdi mangler sit afsluttende anførselstegn"),
    ("GT_REQUIRED", "et element-mærke er ikke afsluttet med »>«"),
    ("ENTITY", "ugyldig entitetsreference (skriv & som &amp;)"),
    ("NAME_REQUIRED", "ugyldigt navn (et »&« eller »<« skal skrives &amp; og &lt;)"),
    ("CHARREF", "en tegnreference (&#…;) angiver et ugyldigt tegn"),
    ("INVALID_CHAR", "dokumentet indeholder et tegn, der ikke er tilladt i XML"),
    ("ENCODING", "ugyldige bytes eller tegnsæt (dokumentet skal være UTF-8)"),
    ("XMLDECL", "XML-erklæringen (<?xml …?>) er ugyldig"),
    ("VERSION", "XML-erklæringen (<?xml …?>) er ugyldig"),
    ("RESERVED_XML_NAME", "XML-erklæringen (<?xml …?>) må kun stå helt først"),
    ("PI_", "en processeringsinstruktion (<?…?>) er ugyldig"),
    ("COMMENT", "en kommentar (<!-- … -->) er ikke afsluttet"),
    ("CDATA", "en CDATA-sektion er ugyldig"),
    ("NS_ERR", "et navnerumspræfiks er ikke erklæret eller ugyldigt"),
    ("SPACE_REQUIRED", "der mangler et mellemrum"),
    ("LITERAL", "en tekstværdi er ikke afsluttet"),
)


def _xml_problem(code: int) -> str:
    name = _XML_ERROR_NAMES.get(code, "")
    return next((danish for part, danish in _XML_MESSAGES if part in name),
                "dokumentet er ikke velformet XML")


def _local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an lxml tag (`{ns}name`), cheaper than etree.QName."""
    if tag[:1] == "{":
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _resource(element: etree._Element) -> dict:
    kind = _local(element.tag)[1]
    out: dict[str, Any] = {"resourceType": kind}
    _children(element, out, kind)
    return out


def _is_array(name: str, parent: str) -> bool:
    if name in ARRAY_ELEMENTS:
        return parent not in SINGULAR_IN.get(name, ())
    return parent in ARRAY_IN.get(name, ())


def _children(element: etree._Element, out: dict[str, Any], parent: str) -> None:
    for child in element:
        tag = child.tag
        if type(tag) is not str:  # comments, processing instructions
            continue
        namespace, name = _local(tag)
        if namespace != FHIR_NS:  # the narrative's XHTML, or elements FHIR does not know
            continue
        value, primitive_extras = _element_value(child, name)
        if primitive_extras is not None:  # FHIR JSON keeps these beside the value: `_name`
            out.setdefault(f"_{name}", primitive_extras)
        if name in out:
            if type(out[name]) is not list:
                out[name] = [out[name]]
            out[name].append(value)
        else:
            out[name] = [value] if _is_array(name, parent) else value
    if ("identifier" in out or "type" in out) and out.keys() <= _REFERENCE_KEYS and (
            "reference" in out or "display" in out or "identifier" in out):
        for name in ("identifier", "type"):  # a Reference: both are single
            value = out.get(name)
            if type(value) is list and len(value) == 1:
                out[name] = value[0]


_RESOURCE_HOLDERS = frozenset({"resource", "contained", "outcome"})
"""Elements whose single child element is a whole resource."""


def _element_value(element: etree._Element, name: str) -> tuple[Any, dict | None]:
    """(value, extras of a primitive): a primitive with an id or extensions keeps its value,
    the rest goes to `_name` as in FHIR JSON."""
    inner = None
    for child in element:
        if type(child.tag) is str:
            inner = child
            break
    if name in _RESOURCE_HOLDERS and inner is not None and _local(inner.tag)[1][:1].isupper():
        return _resource(inner), None
    attrs = element.attrib
    value = attrs.get("value")
    if value is not None:
        if inner is None and "id" not in attrs:
            return _primitive(name, value), None
        extras: dict[str, Any] = {"id": attrs["id"]} if "id" in attrs else {}
        _children(element, extras, name)
        return _primitive(name, value), extras
    out: dict[str, Any] = {}
    if "url" in attrs:
        out["url"] = attrs["url"]
    if "id" in attrs:
        out["id"] = attrs["id"]
    _children(element, out, name)
    return out, None


_BOOLEANS = frozenset({
    "abstract", "active", "caseSensitive", "compositional", "doNotPerform", "experimental",
    "immutable", "inactive", "isModifier", "isSummary", "mustSupport", "notSelectable",
    "preferred", "primary", "readOnly", "repeats", "required", "userSelected",
    "versionNeeded"})
"""FHIR R4 elements of type boolean (besides every `…Boolean` choice)."""


def _primitive(name: str, text: str) -> Any:
    """A boolean element's value as JSON's true/false; everything else stays text (a
    code, a string or an identifier may well be the word »true«)."""
    if text in ("true", "false") and (name in _BOOLEANS or name.endswith("Boolean")):
        return text == "true"
    return text
