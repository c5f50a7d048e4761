"""Odd but possible input: each case here was found by mutation fuzzing KL's examples or by
rewriting them the way real systems write FHIR, and once gave a crash, a malformed report,
an English message or a false finding."""

from __future__ import annotations

import codecs
import copy
import json
import re

import pytest

from termserver.settings import Settings
from termserver.store import Store
from validators import Validator

from .conftest import require_shared
from .test_validate import EXAMPLES, GOALS, PLAN, UDREDNING, load, to_fhir_xml
from .validation import variants

PATH = re.compile(r"[A-Z][A-Za-z0-9]*(\.([A-Za-z_][A-Za-z0-9_]*|`([^`\\]|\\.)*`)(\[\d+\])*)*")
CLEANING = "KL-dk/examples/Condition-ConditionCleaning.json"  # displays »Gøre rent«, »Svært …«
ENGLISH = re.compile(r"\b(Expecting|expected|delimiter|Unterminated|Extra data|Invalid|line|"
                     r"column|tag mismatch|Premature|not defined|construct error)\b")


@pytest.fixture(scope="module")
def validator(history_settings: Settings) -> Validator:
    return Validator(Store.open(history_settings.data_dir))


def issues(validator: Validator, document: dict) -> list[tuple[str, str]]:
    return [(i.rule, i.path) for i in validator.validate(document).issues]


# -- paths ---------------------------------------------------------------------------------
def test_keys_that_are_no_identifiers_are_delimited_in_paths(validator: Validator) -> None:
    document = load(UDREDNING)
    condition = variants.resources(document, "Condition")[0]
    condition["code"]["weird key"] = {"system": "urn:oid:1.2.208.176.2.22", "code": "nope"}
    condition["code"]["0"] = {"system": "urn:oid:1.2.208.176.2.22", "code": "nope"}
    condition["code"]["`x`"] = {"system": "urn:oid:1.2.208.176.2.22", "code": "nope"}
    paths = [p for rule, p in issues(validator, document) if rule == "term-unknown-code"]
    assert sorted(p.split(".code.")[1] for p in paths) == [
        "`0`.code", "`\\`x\\``.code", "`weird key`.code"]
    assert all(PATH.fullmatch(p) for p in paths)


@pytest.mark.parametrize("kind", [None, 5, "", "Patient ", "http://x/Patient", ["Patient"],
                                  "patient"])
def test_a_junk_resource_type_gives_resource_paths(validator: Validator, kind: object) -> None:
    document = load(CLEANING)
    document["resourceType"] = kind
    document["code"]["coding"][0]["code"] = "not-a-code"
    report = validator.validate(document)
    assert report.issues and not report.valid
    for issue in report.issues:
        assert issue.path == "(dokument)" or PATH.fullmatch(issue.path), issue.path
        assert "None" not in issue.message and "['" not in issue.message  # no Python repr
    assert "Resource.code.coding[0].code" in {i.path for i in report.issues}


def test_unknown_document_type_is_reported_at_the_resource(validator: Validator) -> None:
    document = load("KL-dk/examples/Patient-Andreas.json")
    document.pop("meta")
    assert ("doc-type-unknown", "Patient.meta.profile") in issues(validator, document)


def test_a_missing_choice_element_is_named_without_x(validator: Validator) -> None:
    document = load(GOALS)
    evaluation = variants.resources(document, "Observation", "careEvaluation")[0]
    del evaluation["valueCodeableConcept"]
    where = [p for rule, p in issues(validator, document) if rule == "struct-required"]
    assert len(where) == 1 and where[0].endswith(".resource.value")


# -- syntax: Danish messages, and what the json module takes but JSON is not ----------------
@pytest.mark.parametrize("data", [b'{"resourceType": "Patient",}', b'{"a" 1}', b'{"a": "x',
                                  b'{"a": "\\q"}', b"{} {}", b'{"a": [1 2]}', b'{"a": "\t"}',
                                  b"[", b'{"a": "\\u12"}'])
def test_json_syntax_errors_are_told_in_danish(validator: Validator, data: bytes) -> None:
    report = validator.validate_bytes(data, "application/fhir+json")
    (issue,) = report.issues
    assert issue.rule == "syntax-json" and "Ugyldig JSON på linje 1" in issue.message
    assert not ENGLISH.search(issue.message), issue.message


@pytest.mark.parametrize("data", [b'{"resourceType": "Patient", "x": NaN}',
                                  b'{"resourceType": "Patient", "x": -Infinity}',
                                  b'{"resourceType": "Patient", "id": "\\ud800"}',
                                  b'{"resourceType": "Patient", "x": ' + b"7" * 5000 + b"}"])
def test_what_is_not_json_is_refused(validator: Validator, data: bytes) -> None:
    report = validator.validate_bytes(data, "application/fhir+json")
    assert [i.rule for i in report.issues] == ["syntax-json"]
    json.dumps(report.as_dict(), ensure_ascii=False).encode("utf-8")  # writable as UTF-8


@pytest.mark.parametrize("data", [b'<Patient xmlns="http://hl7.org/fhir"><id value="x"/>',
                                  b'<Patient xmlns="http://hl7.org/fhir"></Bundle>',
                                  b'<Patient xmlns="http://hl7.org/fhir"><id value="a&b"/>'
                                  b"</Patient>",
                                  b'<f:Patient xmlns="http://hl7.org/fhir"/>',
                                  b'<Patient xmlns="http://hl7.org/fhir"/><x/>',
                                  b'<Patient xmlns="http://hl7.org/fhir"><id value=x/>'
                                  b"</Patient>"])
def test_xml_syntax_errors_are_told_in_danish(validator: Validator, data: bytes) -> None:
    (issue,) = validator.validate_bytes(data, "application/fhir+xml").issues
    assert issue.rule == "syntax-xml" and issue.message.startswith("Ugyldig XML på linje 1")
    assert not ENGLISH.search(issue.message), issue.message


def test_json_sent_as_xml_and_xml_sent_as_json_say_so(validator: Validator) -> None:
    (issue,) = validator.validate_bytes(b'<Patient xmlns="http://hl7.org/fhir"/>',
                                        "application/fhir+json").issues
    assert "application/fhir+xml" in issue.message
    (issue,) = validator.validate_bytes(b'{"resourceType": "Patient"}',
                                        "application/fhir+xml").issues
    assert issue.rule == "syntax-xml" and "application/fhir+json" in issue.message


def test_xml_with_a_bom_and_no_content_type_is_read_as_xml(validator: Validator) -> None:
    xml = to_fhir_xml(load(UDREDNING))
    report = validator.validate_bytes(codecs.BOM_UTF8 + xml, "")
    assert report.document_type == "ffb-reporting" and report.valid


def test_xml_declaring_another_encoding_is_read_as_the_utf8_it_is(validator: Validator) -> None:
    document = load(CLEANING)
    assert "ø" in document["code"]["coding"][0]["display"]
    xml = to_fhir_xml(document).replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'")
    assert b"ISO-8859-1" in xml
    report = validator.validate_bytes(xml, "application/fhir+xml")
    assert report.valid and not report.issues  # no mojibake displays


# -- messages ------------------------------------------------------------------------------
def test_a_huge_value_is_not_echoed_whole(validator: Validator) -> None:
    document = load("KL-dk/examples/Patient-Andreas.json")
    document["resourceType"] = "X" * 200_000
    for issue in validator.validate(document).issues:
        assert len(issue.message) < 1000


def test_missing_values_are_not_python_none(validator: Validator) -> None:
    document = load("kl-ffb-reporting/examples/Bundle-aaa5d153-968e-46ec-9f9e-cfc6e93a3f1b.json")
    variants.resources(document, "Observation", "followUp")[0].pop("status")
    messages = [i.message for i in validator.validate(document).issues]
    assert messages and not any("None" in m for m in messages)


# -- formats that must be exact --------------------------------------------------------------
@pytest.mark.parametrize("cpr", ["0101901234\n", "０１０１９０１２３４", "٠١٠١٩٠١٢٣٤"])
def test_cpr_is_ten_ascii_digits_and_nothing_more(validator: Validator, cpr: str) -> None:
    document = load(PLAN)
    variants.resources(document, "Patient")[0]["identifier"][0]["value"] = cpr
    assert "cpr-format" in {rule for rule, _ in issues(validator, document)}


def test_an_id_with_a_trailing_newline_is_no_uuid(validator: Validator) -> None:
    document = load(UDREDNING)
    variants.resources(document, "ServiceRequest")[0]["id"] += "\n"
    assert "ffb-resource-id-uuid" in {rule for rule, _ in issues(validator, document)}


# -- plausible input that must not be faulted --------------------------------------------
@pytest.mark.parametrize("change", [str.upper, lambda d: d.replace(" ", "  "),
                                    lambda d: d.replace(" ", "\u00a0"), lambda d: f" {d}\n"])
def test_displays_differing_in_case_or_whitespace_are_fine(validator: Validator,
                                                            change) -> None:
    document = load(CLEANING)
    for concept in (document["code"], document["severity"]):
        coding = concept["coding"][0]
        assert " " in coding["display"]
        coding["display"] = change(coding["display"])
    assert issues(validator, document) == []


@pytest.mark.parametrize(("start", "end"), [
    ("2020-01-01T10:00:00+02:00", "2020-01-01T09:30:00Z"),  # the same day, other zones
    ("2020-01-01T10:00:00+01:00", "2020-01-01"),  # end given as the date only
    ("2020-05-01", "2020-05"),  # month precision
    ("2020-01-01T12:00:00Z", "2020-01-01T03:00:00"),  # end without a zone
])
def test_periods_are_compared_as_fhir_compares_them(validator: Validator, start: str,
                                                    end: str) -> None:
    document = load("KL-dk/examples/Encounter-MarkOgAkutsygeplejerske.json")
    document["period"] = {"start": start, "end": end}
    assert issues(validator, document) == []
    document["period"] = {"start": end[:4].replace("2020", "2021") + start[4:], "end": end}
    assert [rule for rule, _ in issues(validator, document)] == ["per-1"]


def test_the_same_document_in_xml_with_prefixes_comments_and_instructions(
        validator: Validator) -> None:
    require_shared(EXAMPLES / GOALS)
    document = load(GOALS)
    plain = to_fhir_xml(copy.deepcopy(document))
    prefixed = plain.replace(b"<", b"<f:").replace(b"<f:/", b"</f:").replace(b"<f:?", b"<?")
    prefixed = prefixed.replace(b'xmlns="http://hl7.org/fhir"', b'xmlns:f="http://hl7.org/fhir"')
    prefixed = prefixed.replace(b"?>", b'?><?xml-stylesheet href="x.xsl"?><!-- fra fagsystem -->',
                                1)
    report = validator.validate_bytes(prefixed, "application/fhir+xml")
    assert report.document_type == "ffb-reporting" and report.valid and not report.issues


# -- FHIR XML read into the same shape as the JSON -------------------------------------------
MESSAGE = "kl-ffb-messaging/examples/Bundle-909e720e-3edb-45b9-aeb2-655a97861f7c.json"
SHAPES = [MESSAGE, PLAN, "KL-dk/examples/CareTeam-AlmBotilbud.json",
          "KL-dk/examples/Provenance-ProvenanceCondition111.json",
          "KL-dk/examples/Goal-AndreasindsatsmaalOpfolgning.json",
          "KL-dk/examples/Procedure-AkutSygeplejeMark.json",
          "kl-children/examples/QuestionnaireResponse-TOPIRikke.json",
          "kl-gateway-prevention/examples/CarePlan-BrunoforloebKostAfbrudt.json",
          "kl-children/examples/Encounter-SchoolStartEncounter.json"]


def _as_xml_reads(value: object) -> object:
    """What FHIR XML can say of a JSON value: numbers as text, no narrative, no `_x`."""
    if isinstance(value, dict):
        return {k: _as_xml_reads(v) for k, v in value.items()
                if not k.startswith("_") and not (k == "text" and isinstance(v, dict))}
    if isinstance(value, list):
        return [_as_xml_reads(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


@pytest.mark.parametrize("source", SHAPES)
def test_xml_lists_and_single_elements_are_the_json_ones(source: str) -> None:
    """Reference.identifier, CareTeam.participant.member, Organization.name, contact.name,
    Patient.link.type, CarePlan.activity.detail.statusReason are single;
    CareTeam.managingOrganization, participant.role, DocumentReference.content,
    Goal.outcomeCode, Procedure.complication, Provenance.agent, Provenance.reason and
    QuestionnaireResponse.item.answer are lists."""
    from validators.parsing import parse_document

    document = load(source)
    read = parse_document(to_fhir_xml(document), "application/fhir+xml", 10**8, 256)
    assert read == _as_xml_reads(document)


def test_a_wrong_municipality_is_found_in_xml_too(validator: Validator) -> None:
    document = load(PLAN)
    variants.municipality_as_cvr(document)
    report = validator.validate_bytes(to_fhir_xml(document), "application/fhir+xml")
    assert [i.rule for i in report.issues] == ["ffb-citizen-sts-organisation"]


def test_fhir_validate_reads_a_parameters_resource_in_xml(history_settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from termserver.api import create_app

    document = load(PLAN)
    variants.bad_cpr(document)
    parameters = {"resourceType": "Parameters",
                  "parameter": [{"name": "resource", "resource": document}]}
    response = TestClient(create_app(history_settings)).post(
        "/fhir/$validate", content=to_fhir_xml(parameters),
        headers={"Content-Type": "application/fhir+xml"})
    assert response.status_code == 200
    assert [i["details"]["coding"][0]["code"] for i in response.json()["issue"]] == [
        "cpr-format"]


def test_a_doctype_behind_a_long_comment_is_refused_too(validator: Validator) -> None:
    xml = (b'<?xml version="1.0"?><!--' + b"x" * 5000 + b'--><!DOCTYPE Patient SYSTEM '
           b'"http://example.org/x.dtd"><Patient xmlns="http://hl7.org/fhir"><id value="a"/>'
           b"</Patient>")
    report = validator.validate_bytes(xml, "application/fhir+xml")
    assert [i.rule for i in report.issues] == ["syntax-xml"]
    assert "DOCTYPE" in report.issues[0].message


def test_version_specific_references_resolve_in_the_bundle(validator: Validator) -> None:
    document = load(GOALS)
    versioned = 0

    def version(value: object) -> None:
        nonlocal versioned
        if isinstance(value, dict):
            ref = value.get("reference")
            if isinstance(ref, str) and ref.count("/") == 1:
                value["reference"] = f"{ref}/_history/3"
                versioned += 1
            for child in value.values():
                version(child)
        elif isinstance(value, list):
            for child in value:
                version(child)

    for entry in document["entry"]:
        entry["resource"].setdefault("meta", {})["versionId"] = "3"
        version(entry["resource"])
    assert versioned > 5
    assert issues(validator, document) == []


@pytest.mark.parametrize("value", ["1e400", "true", "1.5", '"1"', "[1]"])
def test_a_rank_that_is_no_integer_is_no_rank(validator: Validator, value: str) -> None:
    text = json.dumps(load(GOALS))
    assert text.count('"valuePositiveInt": 1') >= 2
    report = validator.validate_bytes(
        text.replace('"valuePositiveInt": 1', f'"valuePositiveInt": {value}').encode(),
        "application/fhir+json")
    rules = {i.rule for i in report.issues}
    assert ("kl-reporting-ffb-intervention-goal-2" in rules) == (value != '"1"')


def test_invented_profiles_do_not_grow_the_process(validator: Validator) -> None:
    from validators import context, rules_ffb

    condition = load(CLEANING)
    urls = condition["meta"]["profile"]
    for n in range(5000):
        condition["meta"]["profile"] = [*urls, f"http://example.org/StructureDefinition/p{n}"]
        validator.validate(condition)
    assert len(context._NAMES) <= context._NAMES_KEPT
    assert rules_ffb._bound_elements.cache_info().currsize <= 10


def test_junk_values_are_shown_as_json_not_python(validator: Validator) -> None:
    document = load(PLAN)
    junk = {"system": 5, "code": "x"}
    variants.resources(document, "Patient")[0]["identifier"][0]["value"] = junk
    variants.resources(document, "CareTeam")[0]["category"][0]["coding"][0]["system"] = junk
    document["entry"][1]["resource"]["id"] = junk
    messages = [i.message for i in validator.validate(document).issues]
    assert any('{"code": "x", "system": 5}' in m for m in messages)
    assert not any("{'" in m for m in messages), messages


@pytest.mark.parametrize(("value", "valid"), [
    ("2024", True), ("2024-05", True), ("2024-05-30", True), ("2024-05-30T10:15:00Z", True),
    ("2024-05-30T10:15:00.123456+02:00", True), ("2024-05-30T10:15:00", True),
    ("2016-12-31T23:59:60Z", True),
    ("30-05-2024", False), ("2024-05-30 10:15:00", False), ("20240530", False),
    ("2024-02-30", False), ("2024-13", False), ("2024-05-30T10:15", False),
    ("2024-05-30T25:00:00Z", False), ("2024-05-30T10:15:00+15:00", False), ("0000", False),
    ("", False), ("i morgen", False)])
def test_dates_are_fhir_dates(validator: Validator, value: str, valid: bool) -> None:
    document = load(UDREDNING)
    variants.resources(document, "Condition")[0]["recordedDate"] = value
    found = [p for rule, p in issues(validator, document) if rule == "struct-date-format"]
    assert bool(found) is not valid
    assert all(p.endswith(".recordedDate") for p in found)


@pytest.mark.parametrize("source", [
    UDREDNING, GOALS, "kl-gateway/examples/Bundle-1652f2a9-510a-4cd3-8fc4-8b69d0ffedae.json",
    "kl-gateway/examples/Bundle-3304e5f8-4b3f-4c19-8c68-e36c573f3f98.json"])
def test_rules_find_the_kl_coding_behind_another_one(validator: Validator, source: str) -> None:
    """FKI's code slices are open: a SNOMED CT or local coding may come first."""
    document = load(source)
    conditions = variants.resources(document, "Condition")
    assert conditions and issues(validator, document) == []
    for condition in conditions:
        condition["code"]["coding"].insert(0, {"system": "http://snomed.info/sct",
                                               "code": "404684003"})
    assert [rule for rule, _ in issues(validator, document)] == []


@pytest.mark.parametrize("depth", [200, 990])
def test_a_deeply_nested_resource_type_is_reported(validator: Validator, depth: int) -> None:
    data = b'{"resourceType": ' + b"[" * depth + b"]" * depth + b"}"
    report = validator.validate_bytes(data, "application/fhir+json")
    assert not report.valid
    assert {i.rule for i in report.issues} & {"struct-resource", "syntax-limits"}


def test_operation_outcome_expressions_are_fhirpath(validator: Validator) -> None:
    report = validator.validate_bytes(b'{\n "resourceType": "Patient",\n}', "")
    (issue,) = report.as_operation_outcome()["issue"]
    assert "expression" not in issue
    assert issue["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line",
         "valueInteger": 3},
        {"url": "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col",
         "valueInteger": 1}]
    document = load("KL-dk/examples/Patient-Andreas.json")
    document["resourceType"] = "Patientt"
    outcome = validator.validate(document).as_operation_outcome()
    assert all("expression" not in i or PATH.fullmatch(i["expression"][0])
               for i in outcome["issue"])
    assert any("expression" not in i for i in outcome["issue"])  # (dokument)


def test_a_code_in_capitals_is_unknown_but_the_message_says_which_it_is(
        validator: Validator) -> None:
    document = load(UDREDNING)
    coding = variants.resources(document, "Condition")[0]["code"]["coding"][0]
    code = coding["code"]
    coding["code"] = code.upper()
    (issue,) = [i for i in validator.validate(document).issues if i.rule == "term-unknown-code"]
    assert f"»{code}«" in issue.message


def test_xml_elements_from_other_namespaces_are_not_read_as_fhir() -> None:
    from validators.parsing import parse_document

    xml = (b'<Patient xmlns="http://hl7.org/fhir" xmlns:v="urn:vendor"><id value="a"/>'
           b'<v:active value="false"/><active value="true"/><v:note><v:text value="x"/>'
           b"</v:note></Patient>")
    assert parse_document(xml, "application/fhir+xml", 10_000, 50) == {
        "resourceType": "Patient", "id": "a", "active": True}


def test_xml_true_and_false_are_booleans_only_where_fhir_says_so() -> None:
    from validators.parsing import parse_document

    xml = (b'<Patient xmlns="http://hl7.org/fhir"><active value="true"/>'
           b'<deceasedBoolean value="false"/><identifier><value value="true"/></identifier>'
           b'<gender value="false"/></Patient>')
    assert parse_document(xml, "application/fhir+xml", 10_000, 50) == {
        "resourceType": "Patient", "active": True, "deceasedBoolean": False,
        "identifier": [{"value": "true"}], "gender": "false"}


def test_a_rank_of_thousands_of_digits_in_xml_is_no_rank(validator: Validator) -> None:
    document = load(GOALS)
    for goal in variants.resources(document, "Goal"):
        for item in goal["addresses"]:
            item["extension"][0]["valuePositiveInt"] = "7" * 5000
    report = validator.validate_bytes(to_fhir_xml(document), "application/fhir+xml")
    assert "kl-reporting-ffb-intervention-goal-2" in {i.rule for i in report.issues}
