"""The validation report in the contract: real answers match the models in docs/openapi.json,
and documenting them changed no byte of an answer."""

from __future__ import annotations

import json

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from termserver.api import create_app
from termserver.api.report_schemas import (
    IssueOut,
    OperationOutcomeOut,
    OutcomeIssueOut,
    ValidationReportOut,
)
from termserver.docs_gen import openapi_document
from termserver.settings import Settings
from termserver.store import Store
from validators import Validator

from .conftest import SHARED_DATA, require_shared
from .validation import variants

EXAMPLES = SHARED_DATA / "kl-fhir-examples"
PLAN = "kl-ffb-reporting/examples/Bundle-5bf6a186-ee66-4b0e-ba6e-623972ab5130.json"
CHILD = "kl-children/examples/Bundle-c60604d1-692b-4e6d-86e5-03046b2d2f16.json"
FHIR_JSON = {"Content-Type": "application/fhir+json"}


@pytest.fixture(scope="module")
def client(history_settings: Settings) -> TestClient:
    return TestClient(create_app(history_settings))


def _bodies() -> list[tuple[str, bytes]]:
    require_shared(EXAMPLES / PLAN)
    invalid = json.loads((EXAMPLES / PLAN).read_text(encoding="utf-8"))
    variants.bad_cpr(invalid)
    return [("valid", (EXAMPLES / PLAN).read_bytes()),
            ("invalid", json.dumps(invalid).encode()),
            ("children", (EXAMPLES / CHILD).read_bytes()),
            ("unreadable", b'{"resourceType": "Bundle",\n  "entry": [}')]


def _keys_match(model: type[BaseModel], body: dict) -> None:
    """Every key the body carries is a field of the model (no undocumented key), and every
    required field is there."""
    fields = model.model_fields
    assert set(body) <= set(fields), set(body) - set(fields)
    assert {name for name, f in fields.items() if f.is_required()} <= set(body)


@pytest.mark.parametrize("case", ["valid", "invalid", "children", "unreadable"])
def test_report_matches_its_model_and_keeps_its_bytes(client: TestClient,
                                                      history_settings: Settings,
                                                      case: str) -> None:
    body = dict(_bodies())[case]
    response = client.post("/api/v1/validate", content=body, headers=FHIR_JSON)
    assert response.status_code == 200
    report = response.json()
    ValidationReportOut.model_validate(report)
    _keys_match(ValidationReportOut, report)
    for issue in report["issues"]:
        _keys_match(IssueOut, issue)
    assert report["valid"] is (case == "valid")
    expected = Validator(Store.open(history_settings.data_dir)).validate_bytes(
        body, "application/fhir+json")
    assert response.content == orjson.dumps(expected.as_dict())  # the bytes as before


@pytest.mark.parametrize("case", ["valid", "invalid", "unreadable"])
def test_operation_outcome_matches_its_model(client: TestClient, case: str) -> None:
    response = client.post("/fhir/$validate", content=dict(_bodies())[case], headers=FHIR_JSON)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    outcome = response.json()
    OperationOutcomeOut.model_validate(outcome)
    _keys_match(OperationOutcomeOut, outcome)
    for issue in outcome["issue"]:
        _keys_match(OutcomeIssueOut, issue)
    if case == "unreadable":
        (issue,) = outcome["issue"]
        assert "expression" not in issue and issue["extension"][0]["valueInteger"] == 2


def test_openapi_names_the_report_schemas() -> None:
    document = openapi_document()
    report = document["paths"]["/api/v1/validate"]["post"]["responses"]["200"]
    assert report["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationReportOut"}
    outcome = document["paths"]["/fhir/$validate"]["post"]["responses"]["200"]
    assert outcome["content"] == {"application/fhir+json": {"schema": {
        "$ref": "#/components/schemas/OperationOutcomeOut"}}}
    schemas = document["components"]["schemas"]
    assert set(schemas["ValidationReportOut"]["required"]) == {
        "valid", "document_type", "standard", "terminology_versions", "issues"}
    assert schemas["IssueOut"]["properties"]["severity"]["enum"] == ["error", "warning",
                                                                     "information"]
