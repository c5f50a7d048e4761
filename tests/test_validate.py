"""Document validation: every official example against its manifest, one variant per rule."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.cli import main
from termserver.settings import Settings
from termserver.store import Store
from validators import RULES, Validator
from validators.matrix import markdown

from .conftest import SHARED_DATA, require_shared
from .validation import variants

EXAMPLES = SHARED_DATA / "kl-fhir-examples"
MANIFEST = json.loads((Path(__file__).parent / "validation" / "manifest.json").read_text())
ALL_EXAMPLES = sorted(EXAMPLES.glob("*/examples/*.json"))
REPORTING = "kl-ffb-reporting/examples/"
GOALS = REPORTING + "Bundle-4b4e5f33-a9a2-42f6-b598-180543029ae5.json"
PLAN = REPORTING + "Bundle-5bf6a186-ee66-4b0e-ba6e-623972ab5130.json"
UDREDNING = REPORTING + "Bundle-498644ca-b26c-4ba7-a1ef-69d691297ba3.json"
FOLLOW_UP = REPORTING + "Bundle-aaa5d153-968e-46ec-9f9e-cfc6e93a3f1b.json"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "validators.md"


@pytest.fixture(scope="module")
def validator(history_settings: Settings) -> Validator:
    return Validator(Store.open(history_settings.data_dir))


def load(relative: str) -> dict:
    require_shared(EXAMPLES / relative)
    return json.loads((EXAMPLES / relative).read_text(encoding="utf-8"))


def findings(validator: Validator, document: dict) -> dict[str, set[str]]:
    report = validator.validate(document)
    out: dict[str, set[str]] = {"error": set(), "warning": set()}
    for issue in report.issues:
        out.setdefault(issue.severity, set()).add(issue.rule)
    assert report.valid == (not out["error"])
    return out


def test_manifest_covers_every_example() -> None:
    require_shared(EXAMPLES)
    assert len(ALL_EXAMPLES) == 295
    names = {str(p.relative_to(EXAMPLES)) for p in ALL_EXAMPLES}
    assert set(MANIFEST["files"]) <= names


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_official_example_gives_its_expected_findings(validator: Validator, path: Path) -> None:
    expected = MANIFEST["files"].get(str(path.relative_to(EXAMPLES)),
                                     {"errors": [], "warnings": []})
    got = findings(validator, json.loads(path.read_text(encoding="utf-8")))
    assert sorted(got["error"]) == expected["errors"]
    assert sorted(got["warning"]) == expected["warnings"]


# -- our own invalid variants, one defect each (tests/validation/manifest.json) --------------
VARIANTS = MANIFEST["variants"]


def test_every_rule_has_a_variant() -> None:
    assert {v["rule"] for v in VARIANTS} == set(RULES)
    assert {v["mutation"] for v in VARIANTS} == set(variants.VARIANTS) | set(variants.RAW)


def _variant_id(v: dict) -> str:
    return f"{v['rule']}:{v['mutation']}"


@pytest.mark.parametrize("case", [v for v in VARIANTS if v["source"]], ids=_variant_id)
def test_variant_triggers_its_rule_and_nothing_else(validator: Validator, case: dict,
                                                    history_settings: Settings) -> None:
    document = load(case["source"])
    before = validator.validate(document).issues
    assert case["rule"] not in {i.rule for i in before}
    mutated = variants.VARIANTS[case["mutation"]](document) or document
    if case.get("options"):  # a policy: same document, validator configured otherwise
        validator = Validator(Store.open(history_settings.data_dir), **case["options"])
    after = validator.validate(mutated).issues
    new = {i.rule for i in after} - {i.rule for i in before}
    assert new == {case["rule"]}
    assert {i.severity for i in after if i.rule == case["rule"]} == {RULES[case["rule"]].severity}


@pytest.mark.parametrize("case", [v for v in VARIANTS if not v["source"]], ids=_variant_id)
def test_unreadable_documents_are_refused_clearly(validator: Validator, case: dict) -> None:
    data, content_type = variants.RAW[case["mutation"]]()
    report = validator.validate_bytes(data, content_type)
    assert not report.valid
    assert [i.rule for i in report.issues] == [case["rule"]]
    assert "passwd" not in report.issues[0].message and "root:" not in report.issues[0].message


def test_known_gaps_are_reported_as_they_are(validator: Validator) -> None:
    """A known gap is not skipped: it is validated, and the manifest says what we answer."""
    for path in MANIFEST["known_gaps"]:
        assert path not in MANIFEST["files"]
        assert findings(validator, load(path)) == {"error": set(), "warning": set()}


def to_fhir_xml(resource: dict) -> bytes:
    """FHIR R4 XML for a JSON resource (enough of the rules for KL's examples; no narrative)."""
    from lxml import etree

    def fill(element: etree._Element, value: object) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if key == "url" and "url" in value and ("extension" in value or any(
                        k.startswith("value") for k in value)):
                    element.set("url", str(child))
                    continue
                for item in child if isinstance(child, list) else [child]:
                    sub = etree.SubElement(element, f"{{http://hl7.org/fhir}}{key}")
                    if key == "resource":
                        inner = etree.SubElement(sub, f"{{http://hl7.org/fhir}}"
                                                      f"{item['resourceType']}")
                        fill(inner, {k: v for k, v in item.items() if k != "resourceType"})
                    else:
                        fill(sub, item)
        else:
            element.set("value", str(value).lower() if isinstance(value, bool) else str(value))

    root = etree.Element(f"{{http://hl7.org/fhir}}{resource['resourceType']}",
                         nsmap={None: "http://hl7.org/fhir"})
    fill(root, {k: v for k, v in resource.items() if k not in {"resourceType", "text"}})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


XML_SAMPLES = [UDREDNING, GOALS, PLAN, FOLLOW_UP,
               "kl-gateway/examples/Bundle-89071c96-e053-40d5-8873-105b7bad40f9.json",
               "kl-gateway-prevention/examples/Bundle-BrunoIndberetningsrapport.json",
               "kl-ltt/examples/Bundle-RapportOmJosefine.json",
               "kl-ffb-messaging/examples/Bundle-909e720e-3edb-45b9-aeb2-655a97861f7c.json"]


@pytest.mark.parametrize("source", XML_SAMPLES)
def test_fhir_xml_gives_the_same_findings_as_json(validator: Validator, source: str) -> None:
    document = load(source)
    holder = next(e["resource"] for e in document["entry"] if e["resource"].get("status")
                  and e["resource"]["resourceType"] in {"CarePlan", "Encounter", "Observation",
                                                          "ServiceRequest"})
    del holder["status"]  # one finding at least, with a path
    report = validator.validate_bytes(to_fhir_xml(document), "application/fhir+xml")
    expected = validator.validate(document)
    assert report.document_type == expected.document_type
    assert [i.as_dict() for i in report.issues] == [i.as_dict() for i in expected.issues]
    assert any(i.rule == "struct-required" for i in report.issues)


def test_retired_code_names_the_version_it_left(validator: Validator) -> None:
    document = load(PLAN)
    variants.retired_code(document)
    (issue,) = [i for i in validator.validate(document).issues if i.rule == "term-retired-code"]
    assert "sidst med i version 20200908" in issue.message
    assert "fjernet i 20230517" in issue.message


def test_a_code_retired_since_is_valid_on_the_reports_own_date(validator: Validator) -> None:
    """The retired-code variant without its move to 2024: on 2021-05-29 CareSocialCodes
    20200908 was in force, and it still had the code."""
    document = load(PLAN)
    variants.retired_code(document)
    document["timestamp"] = "2021-05-29T17:13:41Z"
    report = validator.validate(document)
    assert report.terminology_versions["caresocialcodes"] == "20200908"
    assert "term-retired-code" not in {i.rule for i in report.issues}
    assert "term-retired-code" in {i.rule for i in validator.validate(
        document, day="latest").issues}


def test_rule_matrix_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown(), "run scripts/gen-docs"


# -- interfaces ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(history_settings: Settings) -> TestClient:
    return TestClient(create_app(history_settings))


def test_api_validates_json_and_returns_the_report(client: TestClient) -> None:
    body = (EXAMPLES / PLAN).read_bytes()
    response = client.post("/api/v1/validate", content=body,
                           headers={"Content-Type": "application/fhir+json"})
    report = response.json()
    assert response.status_code == 200
    assert set(report) >= {"valid", "document_type", "standard", "terminology_versions",
                           "issues"}
    assert report["valid"] is True and report["document_type"] == "ffb-reporting"
    # the report of 2021-05-29 is checked against KL's releases of 20200908 (in force then);
    # FBOE and LTT have no release held from before it, so their latest answer
    store = Store.open(client.app.state.services.settings.data_dir)
    assert report["terminology_date"] == "2021-05-29"
    assert report["terminology_versions"] == {
        "caresocialcodes": "20200908", "ffb": "20200908", "fsiii": "20200908",
        "fboe": store.latest("fboe").version, "ltt": store.latest("ltt").version}
    latest = client.post("/api/v1/validate?date=latest", content=body,
                         headers={"Content-Type": "application/fhir+json"}).json()
    assert latest["terminology_date"] == "latest" and latest["valid"] is True
    assert latest["terminology_versions"] == {s: store.latest(s).version
                                              for s in ("caresocialcodes", "fboe", "ffb",
                                                        "fsiii", "ltt")}


def test_fhir_validate_returns_an_operation_outcome(client: TestClient) -> None:
    document = load(UDREDNING)
    variants.drop_severity(document)
    response = client.post("/fhir/$validate", content=json.dumps(document),
                           headers={"Content-Type": "application/fhir+json"})
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(i["severity"] == "error" and i["details"]["coding"][0]["code"]
               == "kl-reporting-ffb-condition-1" for i in outcome["issue"])


def test_api_limits_and_content_types(history_settings: Settings) -> None:
    small = TestClient(create_app(history_settings.model_copy(update={"max_upload_bytes": 1000})))
    too_big = small.post("/api/v1/validate", content=b"{" + b" " * 2000 + b"}",
                         headers={"Content-Type": "application/fhir+json"})
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "payload_too_large"
    wrong = small.post("/api/v1/validate", content=b"hello",
                       headers={"Content-Type": "text/plain"})
    assert wrong.status_code == 415


def test_cli_exit_codes(history_settings: Settings, tmp_path: Path) -> None:
    require_shared(EXAMPLES / PLAN)
    valid = tmp_path / "valid.json"
    valid.write_bytes((EXAMPLES / PLAN).read_bytes())
    invalid = tmp_path / "invalid.json"
    document = load(PLAN)
    variants.bad_cpr(document)
    invalid.write_text(json.dumps(document))
    unreadable = tmp_path / "broken.json"
    unreadable.write_text("{")

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["--data-dir", str(history_settings.data_dir),
                                           "validate", *args])
        return result.exit_code, result.stdout

    assert run(str(valid))[0] == 0
    code, out = run(str(invalid), "--json")
    assert code == 1 and json.loads(out)["issues"][0]["rule"] == "cpr-format"
    assert run(str(unreadable))[0] == 2
    code, out = run(str(tmp_path), "--json")
    summary = json.loads(out)
    assert code == 2 and (summary["valid"], summary["invalid"], summary["unreadable"]) == (1, 1, 1)


def test_api_reads_xml_a_bom_and_a_profile_url(client: TestClient) -> None:
    document = load(UDREDNING)
    variants.drop_severity(document)
    xml = client.post("/api/v1/validate", content=to_fhir_xml(document),
                      headers={"Content-Type": "application/fhir+xml"}).json()
    assert xml["valid"] is False
    assert "kl-reporting-ffb-condition-1" in {i["rule"] for i in xml["issues"]}
    with_bom = client.post("/api/v1/validate", content=b"\xef\xbb\xbf" + json.dumps(
        document).encode(), headers={"Content-Type": "application/fhir+json"}).json()
    assert with_bom["issues"] == xml["issues"]
    bare = json.loads((EXAMPLES / "KL-dk/examples/Patient-Andreas.json").read_text())
    bare.pop("meta", None)
    by_url = client.post("/api/v1/validate", content=json.dumps(bare), params={
        "profile": "http://fhir.kl.dk/core/StructureDefinition/KLCommonCitizen"},
        headers={"Content-Type": "application/fhir+json"}).json()
    assert by_url["document_type"] == "fki-core"
    assert "doc-type-unknown" not in {i["rule"] for i in by_url["issues"]}
    unknown = client.post("/api/v1/validate", content=json.dumps(bare),
                          params={"profile": "no-such-type"},
                          headers={"Content-Type": "application/fhir+json"})
    assert unknown.status_code == 400 and "no-such-type" in unknown.json()["error"]["message"]


def test_api_refuses_other_encodings_with_a_clear_report(client: TestClient) -> None:
    response = client.post("/api/v1/validate", content='{"resourceType": "Patient", "id": '
                           '"Søren"}'.encode("latin-1"),
                           headers={"Content-Type": "application/fhir+json"})
    report = response.json()
    assert response.status_code == 200 and report["valid"] is False
    assert [i["rule"] for i in report["issues"]] == ["syntax-encoding"]
    assert "UTF-8" in report["issues"][0]["message"]


def test_fhir_validate_unwraps_parameters(client: TestClient) -> None:
    document = load(PLAN)
    variants.bad_cpr(document)
    parameters = {"resourceType": "Parameters", "parameter": [
        {"name": "resource", "resource": document},
        {"name": "profile", "valueUri": "http://fhir.kl.dk/ffbreporting/StructureDefinition/"
                                        "kl-reporting-ffb-deliveryReport"}]}
    outcome = client.post("/fhir/$validate", content=json.dumps(parameters),
                          headers={"Content-Type": "application/fhir+json"}).json()
    (issue,) = outcome["issue"]
    assert issue["details"]["coding"][0]["code"] == "cpr-format"
    assert issue["code"] == "business-rule" and issue["expression"][0].endswith(".value")
    clean = client.post("/fhir/$validate", content=(EXAMPLES / PLAN).read_bytes(),
                        headers={"Content-Type": "application/fhir+json"}).json()
    assert [i["severity"] for i in clean["issue"]] == ["information"]
    empty = client.post("/fhir/$validate", content=json.dumps(
        {"resourceType": "Parameters", "parameter": []}),
        headers={"Content-Type": "application/fhir+json"})
    assert empty.status_code == 400


@pytest.mark.parametrize("parameters", [
    {"resourceType": "Parameters", "parameter": 5},
    {"resourceType": "Parameters", "parameter": [{"name": "profile", "valueUri": 5}]},
    {"resourceType": "Parameters", "parameter": [{"name": "profile", "valueUri": ["x"]}]},
])
def test_fhir_validate_refuses_odd_parameters_clearly(client: TestClient,
                                                      parameters: dict) -> None:
    answer = client.post("/fhir/$validate", content=json.dumps(parameters),
                         headers={"Content-Type": "application/fhir+json"})
    assert answer.status_code == 400
    message = answer.json()["error"]["message"]
    assert "Parameters" in message and "['x']" not in message


def test_cli_batch_uses_workers_and_keeps_json_clean(history_settings: Settings,
                                                     tmp_path: Path) -> None:
    require_shared(EXAMPLES / PLAN)
    raw_plan = (EXAMPLES / PLAN).read_bytes()
    document = load(PLAN)
    variants.bad_cpr(document)
    for n in range(210):
        (tmp_path / f"doc-{n:03d}.json").write_bytes(raw_plan)
    (tmp_path / "doc-bad.json").write_text(json.dumps(document))
    (tmp_path / "notes.txt").write_text("not a document")
    result = CliRunner().invoke(main, ["--data-dir", str(history_settings.data_dir), "validate",
                                       "--json", str(tmp_path)])
    summary = json.loads(result.stdout)
    assert result.exit_code == 1
    assert (summary["valid"], summary["invalid"], summary["unreadable"]) == (210, 1, 0)
    bad = next(r for r in summary["files"] if r["source"].endswith("doc-bad.json"))
    assert [i["rule"] for i in bad["issues"]] == ["cpr-format"]


def test_cli_refuses_an_unknown_profile(history_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes((EXAMPLES / PLAN).read_bytes())
    result = CliRunner().invoke(main, ["--data-dir", str(history_settings.data_dir), "validate",
                                       "--profile", "nope", str(path)])
    assert result.exit_code == 2 and "ffb-reporting" in result.stderr


JUNK = [None, 1, 1.5, True, "x", "", [], {}, [1], [None], ["x"], {"a": 1}, [{"x": 1}],
        {"coding": "x"}, {"coding": [1]}, {"reference": 5}, {"extension": "x"},
        {"code": {"x": 1}, "system": "urn:oid:1.2.208.176.2.22"}]


def _nodes(value: object, out: list) -> list:
    if isinstance(value, dict):
        for key in list(value):
            out.append((value, key))
            _nodes(value[key], out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.append((value, index))
            _nodes(item, out)
    return out


def test_wrong_json_types_anywhere_give_a_report_not_a_crash(validator: Validator) -> None:
    """Seeded random damage (wrong types, missing keys) to real examples: always a report."""
    import random

    rnd = random.Random(20261123)
    sources = [p for p in ALL_EXAMPLES if p.name.startswith("Bundle-")]
    for _ in range(400):
        document = json.loads(rnd.choice(sources).read_text(encoding="utf-8"))
        nodes = _nodes(document, [])
        for _ in range(rnd.randint(1, 10)):
            parent, key = rnd.choice(nodes)
            if isinstance(parent, dict) and rnd.random() < 0.2:
                parent.pop(key, None)
            elif isinstance(parent, dict) or key < len(parent):
                parent[key] = copy.deepcopy(rnd.choice(JUNK))
        report = validator.validate(document)
        assert report.as_operation_outcome()["resourceType"] == "OperationOutcome"
        assert report.valid == (not any(i.severity == "error" for i in report.issues))


def test_a_level_from_the_wrong_scale_is_named(validator: Validator) -> None:
    """The issue's example: a funktionsevneniveau where a støttebehovsniveau is required."""
    document = load(GOALS)
    evaluation = next(r for r in variants.resources(document, "Observation", "careEvaluation"))
    coding = evaluation["valueCodeableConcept"]["coding"][0]
    coding["code"] = next(iter(sorted(validator.terminology.value_sets["KLSeveritiesFFB"][
        "urn:oid:1.2.208.176.2.22"])))
    coding.pop("display", None)
    (issue,) = [i for i in validator.validate(document).issues if i.rule == "term-valueset"]
    assert "KLNeedsAssessmentCodesFFB" in issue.message
    assert "KLSeveritiesFFB (FFB funktionsevneniveau)" in issue.message
    assert issue.path.endswith("valueCodeableConcept.coding[0].code")


def test_a_foreign_system_in_a_bound_element_is_an_error(validator: Validator) -> None:
    document = load(UDREDNING)
    coding = variants.resources(document, "Condition", "ffb-condition")[0]["code"]["coding"][0]
    coding["system"] = "http://snomed.info/sct"
    got = {i.rule: i for i in validator.validate(document).issues}
    assert "term-valueset" in got and "http://snomed.info/sct" in got["term-valueset"].message


def test_xml_primitives_with_extensions_and_contained_resources_read_as_json() -> None:
    from validators.parsing import parse_document

    xml = b"""<Observation xmlns="http://hl7.org/fhir"><id value="o1"/>
      <contained><Patient><id value="p"/></Patient></contained>
      <status value="final"><extension url="http://example.org/x"><valueString value="y"/>
      </extension></status><code><coding><system value="urn:oid:1.2.208.176.2.22"/>
      <code value="abc"/></coding></code></Observation>"""
    assert parse_document(xml, "application/fhir+xml", 10_000, 50) == {
        "resourceType": "Observation", "id": "o1",
        "contained": [{"resourceType": "Patient", "id": "p"}],
        "status": "final",
        "_status": {"extension": [{"url": "http://example.org/x", "valueString": "y"}]},
        "code": {"coding": [{"system": "urn:oid:1.2.208.176.2.22", "code": "abc"}]}}


def test_a_store_without_kl_terminology_is_a_clear_setup_error(empty_settings: Settings,
                                                                tmp_path: Path) -> None:
    require_shared(EXAMPLES / PLAN)
    response = TestClient(create_app(empty_settings)).post(
        "/api/v1/validate", content=(EXAMPLES / PLAN).read_bytes(),
        headers={"Content-Type": "application/fhir+json"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "terminology_missing"
    path = tmp_path / "doc.json"
    path.write_bytes((EXAMPLES / PLAN).read_bytes())
    result = CliRunner().invoke(main, ["--data-dir", str(empty_settings.data_dir), "validate",
                                       str(path)])
    assert result.exit_code == 2 and "kl-term" in result.stderr


# -- Sundhedspleje (kl-children) ----------------------------------------------------------------
CHILD_2_MONTHS = "kl-children/examples/Bundle-RikkeDeliveryReport2months.json"
SCHOOL_START = "kl-children/examples/Bundle-5f1d5816-a906-4314-a6f4-69b400682ec6.json"
NICOTINE = "76891f7b-cf49-4cb2-88d6-728a509eb75d"


def test_a_nicotine_observation_is_checked(validator: Validator) -> None:
    """KL has no nicotine example: a sleep observation made into one, with a sleep value."""
    document = load(SCHOOL_START)
    variants.school_start_made_school_end(document)
    sleep = variants.observations(document, "73f981f8-455a-4158-b435-7c6d83ab84da")[0]
    sleep["meta"]["profile"] = ["http://fhir.kl.dk/children/StructureDefinition/"
                                "klgateway-children-nicotine"]
    sleep["code"]["coding"][0].update(code=NICOTINE, display="Brug af nikotin")
    got = {(i.rule, i.path.rsplit(".", 2)[-2]) for i in validator.validate(document).issues}
    assert ("term-valueset", "coding[0]") in got  # a sleep value where a nicotine one belongs
    assert not {r for r, _ in got} & {"gateway-children-report-nicotine", "struct-fixed"}
    sleep["valueCodeableConcept"]["coding"][0].update(
        code="a7a53cfd-c7bb-4573-a4ae-2eb18e3dda1f", display="Ikke prøvet nikotin")
    assert findings(validator, document) == {"error": {"gateway-children-report-sleep"},
                                             "warning": set()}


def test_children_report_rules_follow_their_text(validator: Validator) -> None:
    """KL's FHIRPath for parent-relationship leaves out the 8-11 months visit its text
    names; communication adds a visit its text does not; motor function looks for sleep."""
    document = load(CHILD_2_MONTHS)
    encounter = variants.resources(document, "Encounter")[0]
    encounter["type"][0]["coding"][0].update(code="3f3e6489-31bd-44cf-9920-3c632868feb7",
                                             display="Besøg hos det 8-11 måneder gamle barn")
    variants.VARIANTS["report_without_parent_relationship"](document)
    assert findings(validator, document)["error"] == {
        "gateway-children-report-parent-relationship"}
    document = load(CHILD_2_MONTHS)
    encounter = variants.resources(document, "Encounter")[0]
    encounter["type"][0]["coding"][0].update(code="563c4174-f451-4c87-8db8-8d5472ca7ff6",
                                             display="Andet besøg inden første måned")
    variants.VARIANTS["report_without_communication"](document)
    assert findings(validator, document) == {"error": set(), "warning": set()}
    encounter["class"]["code"] = "1b55a4b0-1156-4f58-b2df-b5c6014d9048"  # telephone: no duty
    encounter["class"]["system"] = "http://fhir.kl.dk/term/CodeSystem/CareSocialCodes"
    variants.VARIANTS["report_without_weight"](document)
    assert findings(validator, document) == {"error": set(), "warning": set()}


def test_an_incremental_delivery_is_judged_per_report(validator: Validator) -> None:
    document = load("kl-children/examples/Bundle-TestIncrementalDelivery.json")
    inner = document["entry"][0]["resource"]
    variants.VARIANTS["report_without_sleep"](inner)
    (issue,) = [i for i in validator.validate(document).issues
                if i.rule == "gateway-children-report-sleep"]
    assert issue.path.startswith("Bundle.entry[0].resource.entry[")
    assert issue.path.endswith("].resource.type")


@pytest.mark.parametrize(("value", "places"), [(53, 0), (53.5, 1), (53.25, 2), ("3.50", 2),
                                               ("1e-3", 3), (1e-05, 5), (True, None),
                                               ("x", None)])
def test_decimals_are_counted_as_written(value: object, places: int | None) -> None:
    from validators.rules_children import decimals

    assert decimals(value) == places


# -- dates within one document -----------------------------------------------------------------
def test_a_report_covers_its_day_and_plans_may_lie_ahead(validator: Validator) -> None:
    """A report stamped at midnight holds what happened later that day; a planned follow-up
    encounter months ahead (KL's own example) is no date after the report."""
    document = load(PLAN)
    document["timestamp"] = "2021-05-29T00:00:00Z"
    assert "date-after-report" not in findings(validator, document)["error"]
    variants.intervention_created_after_the_report(document)
    (issue,) = [i for i in validator.validate(document).issues if i.rule == "date-after-report"]
    assert issue.path.endswith(".created") and "2030-01-01" in issue.message


def test_a_follow_up_date_before_the_assessment_is_named(validator: Validator) -> None:
    document = load(PLAN)
    encounter = variants.resources(document, "Encounter")[0]
    encounter["period"]["start"] = "2021-05-01"  # the støttebehovsvurdering is of 2021-05-29
    got = [i for i in validator.validate(document).issues
           if i.rule == "date-follow-up-before-assessment"]
    assert len(got) == 2  # both indsatser of the report point to that follow-up
    assert all(".extension[" in i.path and "2021-05-01" in i.message for i in got)


def test_contained_resources_are_held_to_their_profiles_and_codes(validator: Validator) -> None:
    """A tilstand contained in the information gathering: its profile's bindings, its codes
    and its references are checked where it stands."""
    document = load(UDREDNING)
    condition = copy.deepcopy(variants.ad_condition(document))
    condition["id"] = "contained-condition"
    variants.support_need_as_severity({"entry": [{"resource": condition}]})
    gathering = variants.resources(document, "ClinicalImpression")[0]
    gathering["contained"] = [condition]
    where = next(f"Bundle.entry[{i}].resource" for i, e in enumerate(document["entry"])
                 if e["resource"] is gathering) + ".contained[0]"
    got = {(i.rule, i.path) for i in validator.validate(document).issues}
    assert ("term-valueset", f"{where}.severity.coding[0].code") in got
    assert {rule for rule, _ in got} == {"term-valueset"}  # no report or business rule
    condition["code"]["coding"][0]["code"] = "not-an-ffb-code"
    condition["subject"]["reference"] = "Patient/not-in-this-bundle"
    got = {(i.rule, i.path) for i in validator.validate(document).issues}
    assert ("term-unknown-code", f"{where}.code.coding[0].code") in got
    assert ("ref-resolves", f"{where}.subject.reference") in got
