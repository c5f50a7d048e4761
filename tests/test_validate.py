"""Document validation: every official example against its manifest, one variant per rule."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
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


# -- one invalid variant per rule --------------------------------------------------------
def entries(doc: dict, kind: str, profile_part: str = "") -> list[dict]:
    return [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == kind
            and profile_part in " ".join(e["resource"].get("meta", {}).get("profile", []))]


def ad_condition(doc: dict) -> dict:
    return next(c for c in entries(doc, "Condition") if c.get("severity"))


def _drop_severity(doc: dict) -> None:
    del ad_condition(doc)["severity"]


def _severity_on_other(doc: dict) -> None:
    other = next(c for c in entries(doc, "Condition") if not c.get("severity"))
    other["severity"] = copy.deepcopy(ad_condition(doc)["severity"])


def _support_need_as_severity(doc: dict) -> None:
    ad_condition(doc)["severity"]["coding"][0]["code"] = "dd628e73-d6c9-4837-a2b8-aa62d73bd6ae"


def _goal_two_primaries(doc: dict) -> None:
    goal = next(g for g in entries(doc, "Goal") if len(g["addresses"]) > 1)
    for item in goal["addresses"]:
        item["extension"][0]["valuePositiveInt"] = 1


def _goal_on_non_ad(doc: dict) -> None:
    target = next(c for c in entries(doc, "Condition") if not c.get("severity"))
    entries(doc, "Goal")[0]["addresses"].append(
        {"reference": f"Condition/{target['id']}",
         "extension": [{"url": "http://fhir.kl.dk/core/StructureDefinition/ConditionRank",
                        "valuePositiveInt": 2}]})


def _plan_without_follow_up(doc: dict) -> None:
    plan = next(p for p in entries(doc, "CarePlan", "ffb-carePlan") if p["intent"] == "order"
                and p["status"] != "completed")
    plan["extension"] = [e for e in plan["extension"] if "follow-up" not in e["url"]]


def _plan_two_primary_groups(doc: dict) -> None:
    plan = entries(doc, "CarePlan", "ffb-carePlan")[0]
    for item in plan["addresses"]:
        item["extension"][0]["valuePositiveInt"] = 1


def _follow_up_preliminary(doc: dict) -> None:
    entries(doc, "Observation", "followUp")[0]["status"] = "preliminary"


def _second_patient(doc: dict) -> None:
    patient = copy.deepcopy(entries(doc, "Patient")[0])
    patient["id"] = "00000000-0000-4000-8000-000000000001"
    doc["entry"].append({"fullUrl": f"Patient/{patient['id']}", "resource": patient})


def _bad_cpr(doc: dict) -> None:
    entries(doc, "Patient")[0]["identifier"][0]["value"] = "3213991234"


def _deceased(doc: dict) -> None:
    entries(doc, "Patient")[0]["deceasedBoolean"] = True


def _duplicate_full_url(doc: dict) -> None:
    doc["entry"][2]["fullUrl"] = doc["entry"][1]["fullUrl"]


def _typo_full_url(doc: dict) -> None:  # like KL's own "Careplan/…" and "Enconter/…"
    entry = doc["entry"][1]
    kind = entry["resource"]["resourceType"]
    entry["fullUrl"] = entry["fullUrl"].replace(kind, kind.capitalize()[:-1] + "x")


def _duplicate_id(doc: dict) -> None:
    clone = copy.deepcopy(doc["entry"][2])
    clone["fullUrl"] = "urn:uuid:" + clone["resource"]["id"]
    doc["entry"].append(clone)


def _entry_without_resource(doc: dict) -> None:
    doc["entry"].append({"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000002"})


def _dangling_reference(doc: dict) -> None:
    entries(doc, "Condition")[0]["subject"]["reference"] = "Patient/not-in-this-bundle"


def _legacy_system(doc: dict) -> None:
    entries(doc, "Condition")[0]["code"]["coding"][0]["system"] = (
        "http://kl.dk/fhir/common/caresocial/CodeSystem/FFB")


def _unknown_code(doc: dict) -> None:
    entries(doc, "Condition")[0]["code"]["coding"][0]["code"] = "not-an-ffb-code"


def _retired_code(doc: dict) -> None:
    coding = entries(doc, "Condition")[0]["code"]["coding"][0]
    coding["system"] = "http://fhir.kl.dk/term/CodeSystem/CareSocialCodes"
    coding["code"] = "e6f35a88-6665-4471-9dce-9a98854532b4"  # "FSIII indsatsmål", gone 2023-05


def _wrong_display(doc: dict) -> None:
    entries(doc, "Condition")[0]["code"]["coding"][0]["display"] = "Noget helt andet"


def _reversed_period(doc: dict) -> None:
    plan = entries(doc, "CarePlan", "ffb-carePlan")[0]
    plan["period"] = {"start": "2022-01-01", "end": "2021-01-01"}


def _missing_required(doc: dict) -> None:
    del entries(doc, "Condition")[0]["code"]


def _unknown_resource(doc: dict) -> None:
    doc["entry"][0]["resource"]["resourceType"] = "Patientt"


def _no_profile(doc: dict) -> None:
    doc.pop("meta", None)
    for entry in doc["entry"]:
        entry["resource"].pop("meta", None)


VARIANTS: dict[str, tuple[str, Callable[[dict], None]]] = {
    "kl-reporting-ffb-condition-1": (UDREDNING, _drop_severity),
    "term-valueset": (UDREDNING, _support_need_as_severity),
    "kl-reporting-ffb-intervention-goal-1": (GOALS, _goal_on_non_ad),
    "kl-reporting-ffb-intervention-goal-2": (GOALS, _goal_two_primaries),
    "kl-reporting-ffb-care-plan-1": (PLAN, _plan_without_follow_up),
    "kl-reporting-ffb-care-plan-2": (PLAN, _plan_two_primary_groups),
    "kl-reporting-ffb-follow-up-1": (FOLLOW_UP, _follow_up_preliminary),
    "one-citizen": (PLAN, _second_patient),
    "cpr-format": (PLAN, _bad_cpr),
    "data-about-deceased-citizen-warning": (PLAN, _deceased),
    "bdl-7": (PLAN, _duplicate_full_url),
    "bdl-fullurl-resource": (PLAN, _typo_full_url),
    "bdl-duplicate-id": (PLAN, _duplicate_id),
    "bdl-entry-resource": (PLAN, _entry_without_resource),
    "ref-resolves": (PLAN, _dangling_reference),
    "term-legacy-canonical": (PLAN, _legacy_system),
    "term-unknown-code": (PLAN, _unknown_code),
    "term-retired-code": (PLAN, _retired_code),
    "term-display": (PLAN, _wrong_display),
    "per-1": (PLAN, _reversed_period),
    "struct-required": (PLAN, _missing_required),
    "struct-resource": (PLAN, _unknown_resource),
    "doc-type-unknown": (PLAN, _no_profile),
}
SYNTAX_VARIANTS: dict[str, tuple[bytes, str]] = {
    "syntax-json": (b'{"resourceType": "Bundle", ', "application/fhir+json"),
    "syntax-encoding": ('{"resourceType": "Patient", "id": "Søren"}'.encode("latin-1"),
                        "application/fhir+json"),
    "syntax-xml": (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                   b'<Patient xmlns="http://hl7.org/fhir"><id value="&e;"/></Patient>',
                   "application/fhir+xml"),
    "syntax-limits": (b'{"resourceType": "Patient", "extension": ' + b'{"extension": ' * 300
                      + b"{}" + b"}" * 301, "application/fhir+json"),
}


def test_every_rule_has_a_variant() -> None:
    assert set(VARIANTS) | set(SYNTAX_VARIANTS) == set(RULES)


@pytest.mark.parametrize("rule", sorted(VARIANTS))
def test_variant_triggers_its_rule(validator: Validator, rule: str) -> None:
    source, mutate = VARIANTS[rule]
    document = load(source)
    assert rule not in set().union(*findings(validator, document).values())
    mutate(document)
    got = findings(validator, document)
    assert rule in got[RULES[rule].severity]


@pytest.mark.parametrize("rule", sorted(SYNTAX_VARIANTS))
def test_unreadable_documents_are_refused_clearly(validator: Validator, rule: str) -> None:
    data, content_type = SYNTAX_VARIANTS[rule]
    report = validator.validate_bytes(data, content_type)
    assert not report.valid
    assert [i.rule for i in report.issues] == [rule]
    assert "passwd" not in report.issues[0].message and "root:" not in report.issues[0].message


def test_fhir_xml_is_validated_like_json(validator: Validator) -> None:
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<Condition xmlns="http://hl7.org/fhir">
  <meta><profile value="http://fhir.kl.dk/core/StructureDefinition/klgateway-care-condition"/></meta>
  <code><coding><system value="urn:oid:1.2.208.176.2.22"/><code value="not-a-code"/></coding></code>
  <subject><reference value="Patient/1"/></subject>
</Condition>"""
    report = validator.validate_bytes(xml, "application/fhir+xml")
    assert report.document_type == "fki-core"
    assert [(i.rule, i.path) for i in report.issues] == [
        ("term-unknown-code", "Condition.code.coding[0].code")]


def test_retired_code_names_the_version_it_left(validator: Validator) -> None:
    document = load(PLAN)
    _retired_code(document)
    (issue,) = [i for i in validator.validate(document).issues if i.rule == "term-retired-code"]
    assert "sidst med i version 20200908" in issue.message
    assert "fjernet i 20230517" in issue.message


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
    assert report["terminology_versions"]["ffb"] == "20240530"


def test_fhir_validate_returns_an_operation_outcome(client: TestClient) -> None:
    document = load(UDREDNING)
    _drop_severity(document)
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
    _bad_cpr(document)
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
