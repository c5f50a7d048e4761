"""A citizen's course: KL's five FFB reporting Bundles validated together, and one invalid
variant per course rule (tests/validation/course_variants.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.api.report_schemas import CourseIssueOut, CourseReportOut
from termserver.settings import Settings
from termserver.store import Store
from validators import Validator
from validators.course import validate_course
from validators.rules_course import RULES as COURSE_RULES

from .conftest import SHARED_DATA, require_shared, run_cli
from .validation.course_variants import COURSE_VARIANTS, resource

REPORTING = SHARED_DATA / "kl-fhir-examples" / "kl-ffb-reporting" / "examples"
IN_ORDER = ["Bundle-498644ca-b26c-4ba7-a1ef-69d691297ba3.json",  # 2021-05-28 udredning
            "Bundle-4b4e5f33-a9a2-42f6-b598-180543029ae5.json",  # 05-29 12:13 indsatsmål
            "Bundle-5bf6a186-ee66-4b0e-ba6e-623972ab5130.json",  # 05-29 17:13 plan, indsatser
            "Bundle-aaa5d153-968e-46ec-9f9e-cfc6e93a3f1b.json",  # 06-18 opfølgning
            "Bundle-ae9cdbef-ca35-4dae-b5df-ffd938cf0098.json"]  # 08-30 afslutning
CITIZEN = "Patient/da16c0a1-840a-46b0-98b3-761e4501b343"


@pytest.fixture(scope="module")
def validator(history_settings: Settings) -> Validator:
    return Validator(Store.open(history_settings.data_dir))


def kl_course() -> list[dict]:
    require_shared(REPORTING)
    return [json.loads((REPORTING / name).read_text(encoding="utf-8")) for name in IN_ORDER]


def _items(course: list[dict]) -> list[tuple[str, dict, str]]:
    return [(name, document, "") for name, document in zip(IN_ORDER, course, strict=True)]


def test_kl_reports_make_one_valid_course_in_date_order(validator: Validator) -> None:
    shuffled = list(reversed(_items(kl_course())))
    report = validate_course(validator, shuffled)
    assert [d.source for d in report.documents] == IN_ORDER  # by their own dates
    assert report.citizen == CITIZEN
    assert report.issues == [] and report.valid
    body = report.as_dict()
    assert [d["date"] for d in body["documents"]] == [
        "2021-05-28T17:13:41Z", "2021-05-29T12:13:41Z", "2021-05-29T17:13:41Z",
        "2021-06-18T16:53:11Z", "2021-08-30T18:03:31Z"]
    assert all(d["report"]["terminology_date"] == d["date"][:10] for d in body["documents"])


def test_every_course_rule_has_a_variant() -> None:
    assert set(COURSE_VARIANTS) == set(COURSE_RULES)


@pytest.mark.parametrize("rule", sorted(COURSE_VARIANTS))
def test_course_variant_triggers_its_rule_and_nothing_else(validator: Validator,
                                                           rule: str) -> None:
    course = kl_course()
    COURSE_VARIANTS[rule](course)
    report = validate_course(validator, _items(course))
    assert {f.rule for f in report.issues} == {rule}
    assert not report.valid
    for finding in report.issues:
        assert finding.severity == COURSE_RULES[rule].severity
        assert finding.document in IN_ORDER and finding.message
    # no document got a finding of its own, but the undated one (struct-required)
    invalid = {d.source for d in report.documents if not d.report.valid}
    assert invalid == ({IN_ORDER[4]} if rule == "course-undated" else set())


def test_findings_point_at_the_document_and_path(validator: Validator) -> None:
    course = kl_course()
    COURSE_VARIANTS["course-immutable"](course)
    (finding,) = validate_course(validator, _items(course)).issues
    index = next(i for i, e in enumerate(course[3]["entry"])
                 if e["resource"].get("id") == "3a0e2994-9f3f-44ab-a684-06bb85c7bf9d")
    assert finding.document == IN_ORDER[3]
    assert finding.path == f"Bundle.entry[{index}].resource.code"
    assert IN_ORDER[1] in finding.message  # the latest version it updates (05-29)

    course = kl_course()
    COURSE_VARIANTS["course-follow-up-earlier"](course)
    (finding,) = validate_course(validator, _items(course)).issues
    assert finding.path.endswith(".resource.focus[0]")
    assert "CarePlan/d54a2bb0-4fdc-4ea8-adaf-1241836a94f5" in finding.message


def test_reopened_tilstand_and_a_newer_assessment_are_no_findings(validator: Validator) -> None:
    course = kl_course()
    COURSE_VARIANTS["course-closed-condition-active"](course)
    reopened = resource(course[3], "57dc36db-56ce-4a4a-95e8-2d2c8a85871a")
    reopened["clinicalStatus"]["coding"][0]["code"] = "recurrence"
    condition = resource(course[3], "3a0e2994-9f3f-44ab-a684-06bb85c7bf9d")
    condition["severity"]["coding"][0]["code"] = "8328ce4a-6238-4f73-bf1a-74aadb68eff8"
    # its conditionLastAssertedDate is 2021-06-18: a newer assessment, no contradiction
    assert validate_course(validator, _items(course)).issues == []


def test_two_reports_of_one_date_may_not_differ(validator: Validator) -> None:
    course = kl_course()
    course[2]["timestamp"] = course[1]["timestamp"]  # the plan stamped as the goals report
    evaluation = resource(course[2], "213d0504-1a41-4330-b9a0-347d3ba4bb2a")
    evaluation["valueCodeableConcept"]["coding"][0]["code"] = (
        "ae9f388a-91c3-46cf-af55-f81952f2977c")  # another støttebehov, same effective time
    found = validate_course(validator, _items(course)).issues
    assert {f.rule for f in found} == {"course-contradiction"}
    # the plan differs from the goals report of the same date, and the follow-up report
    # gives the earlier value again at the same effective time
    assert {f.document for f in found} == {IN_ORDER[2], IN_ORDER[3]}
    assert any("samme dato" in f.message for f in found if f.document == IN_ORDER[2])
    assert all(f.path.endswith(".value") for f in found if f.document == IN_ORDER[3])


def test_unreadable_document_is_reported_in_its_place(validator: Validator) -> None:
    items = [*_items(kl_course())[:2], ("broken.json", b'{"resourceType": ', "")]
    report = validate_course(validator, items)
    assert [d.source for d in report.documents][-1] == "broken.json"
    assert report.documents[-1].report.issues[0].rule == "syntax-json"
    assert not report.valid and report.issues == []


@pytest.fixture(scope="module")
def client(history_settings: Settings) -> TestClient:
    return TestClient(create_app(history_settings))


def test_http_takes_files_or_a_bundle_of_documents(client: TestClient) -> None:
    course = kl_course()
    COURSE_VARIANTS["course-contradiction"](course)
    files = [("document", (name, json.dumps(doc).encode(), "application/fhir+json"))
             for name, doc in zip(IN_ORDER, course, strict=True)]
    as_files = client.post("/api/v1/validate/course", files=files)
    assert as_files.status_code == 200
    body = as_files.json()
    assert body["valid"] is False and body["citizen"] == CITIZEN
    assert [(i["rule"], i["document"]) for i in body["issues"]] == [
        ("course-contradiction", IN_ORDER[3])]
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": doc} for doc in reversed(course)]}
    as_bundle = client.post("/api/v1/validate/course", content=json.dumps(bundle),
                            headers={"Content-Type": "application/fhir+json"}).json()
    assert [i["rule"] for i in as_bundle["issues"]] == ["course-contradiction"]
    assert as_bundle["issues"][0]["document"] == (
        "entry[1] Bundle/aaa5d153-968e-46ec-9f9e-cfc6e93a3f1b")
    assert [d["date"] for d in as_bundle["documents"]] == [d["date"] for d in body["documents"]]
    CourseReportOut.model_validate(body)  # the answer is what the contract says
    assert set(body) == set(CourseReportOut.model_fields)
    assert set(body["issues"][0]) == set(CourseIssueOut.model_fields)
    latest = client.post("/api/v1/validate/course?date=latest", files=files).json()
    assert {d["report"]["terminology_date"] for d in latest["documents"]} == {"latest"}


@pytest.mark.parametrize(("body", "content_type", "status", "says"), [
    (None, "application/fhir+json", 400, "one document itself"),  # a single report
    (b'{"resourceType": "Bundle", "type": "collection", "entry": []}',
     "application/fhir+json", 400, "no documents"),
    (b'{"resourceType": "Patient"}', "application/fhir+json", 400, "expected a Bundle"),
    (b'{"resourceType": ', "application/fhir+json", 400, "cannot be read"),
    (b"--x\r\n\r\n", "multipart/form-data; boundary=XyZ", 400, "multipart"),
    (b"hello", "text/plain", 415, "multipart/form-data"),
])
def test_http_refuses_what_is_no_course_clearly(client: TestClient, body: bytes | None,
                                                content_type: str, status: int,
                                                says: str) -> None:
    if body is None:
        body = (REPORTING / IN_ORDER[0]).read_bytes()
    response = client.post("/api/v1/validate/course", content=body,
                           headers={"Content-Type": content_type})
    assert response.status_code == status
    assert says in response.json()["error"]["message"]


def test_cli_course(history_settings: Settings, tmp_path: Path) -> None:
    course = kl_course()
    valid = tmp_path / "valid"
    valid.mkdir()
    for name, document in zip(IN_ORDER, course, strict=True):
        (valid / name).write_text(json.dumps(document))
    code, out, _ = run_cli(history_settings, "validate", "--course", str(valid))
    assert code == 0 and "5 dokumenter, gyldigt" in out
    assert out.index(IN_ORDER[0]) < out.index(IN_ORDER[4])

    broken = tmp_path / "broken"
    broken.mkdir()
    changed = copy.deepcopy(course)
    COURSE_VARIANTS["course-follow-up-earlier"](changed)
    for name, document in zip(IN_ORDER, changed, strict=True):
        (broken / name).write_text(json.dumps(document))
    code, out, _ = run_cli(history_settings, "validate", "--course", "--json", str(broken))
    body = json.loads(out)
    assert code == 1 and [i["rule"] for i in body["issues"]] == ["course-follow-up-earlier"]
    assert body["issues"][0]["document"] == str(broken / IN_ORDER[3])

    (broken / "zz-unreadable.json").write_text("{")
    assert run_cli(history_settings, "validate", "--course", str(broken))[0] == 2
