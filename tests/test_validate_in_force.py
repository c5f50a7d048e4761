"""The version in force: a document's codes are judged by the releases in force on its date.

Small FFB releases are built in the test (same canonical as KL's FFB, three versions with
known issued dates), so every answer can be worked out by hand: v1 of 2022-01-01 holds
A and B, v2 of 2023-01-01 holds B and C (A retired), and `20240530` (no issued date, the
version read as one) holds B, C and D.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.importers import ImportOptions, load_files
from termserver.publishing import import_paths
from termserver.services import Services
from termserver.settings import Settings
from termserver.store import Store
from termserver.versions import in_force, release_date
from validators import Validator
from validators.dates import document_day, requested_day

from .conftest import run_cli

FFB = "urn:oid:1.2.208.176.2.22"
RELEASES = [("1", "2022-01-01", "AB"), ("2", "2023-01-01", "BC"), ("20240530", None, "BCD")]


def test_release_date_is_issued_else_the_version_as_a_date() -> None:
    assert release_date("1", "2022-01-01") == date(2022, 1, 1)
    assert release_date("1", "2022-01-01T09:00:00+01:00") == date(2022, 1, 1)
    assert release_date("1", "2022-03") == date(2022, 3, 1)  # a month counts from day one
    assert release_date("20240530", None) == date(2024, 5, 30)
    assert release_date("20240530~4c6bc7f", None) == date(2024, 5, 30)
    assert release_date("20240530", "2024-06-03") == date(2024, 6, 3)  # issued wins
    assert release_date("2001", None) is None and release_date("1.2.0", None) is None
    assert release_date("20241340", None) is None  # not a date after all


def test_in_force_is_the_newest_release_issued_on_or_before_the_day() -> None:
    pairs = [("20200908", None), ("20230517", None), ("20240530~4c6bc7f", None),
             ("20240530", None), ("2.0", "2025-01-01")]
    assert in_force(pairs, date(2020, 9, 7)) is None  # nothing yet
    assert in_force(pairs, date(2020, 9, 8)) == "20200908"  # in force from its own day
    assert in_force(pairs, date(2023, 12, 31)) == "20230517"
    # two publications of one day: the later version (the re-publication keeps the name)
    assert in_force(pairs, date(2024, 5, 30)) == "20240530"
    assert in_force(pairs, date(2025, 6, 1)) == "2.0"
    assert in_force([("2001", None)], date(2030, 1, 1)) is None  # undated: never by date


def test_a_documents_own_date() -> None:
    bundle = {"resourceType": "Bundle", "timestamp": "2021-05-28T23:30:00-02:00"}
    assert document_day(bundle) == date(2021, 5, 28)  # the day as written
    encounter = {"resourceType": "Encounter", "period": {"start": "2022-03-04"}}
    assert document_day(encounter) == date(2022, 3, 4)
    assert document_day({"resourceType": "Bundle", "entry": [{"resource": encounter}]}) == \
        date(2022, 3, 4)
    assert document_day({"resourceType": "Condition", "recordedDate": "2022-01-01"}) is None
    assert document_day({"resourceType": "Bundle", "timestamp": "2021-02-30"}) is None
    assert requested_day(None) is None and requested_day("latest") == "latest"
    assert requested_day("2024-05-30") == date(2024, 5, 30)
    for bad in ("2024-02-30", "30-05-2024", "yesterday", "2024-05-30T10:00:00Z"):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            requested_day(bad)


def _files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for version, issued, codes in RELEASES:
        resource = {"resourceType": "CodeSystem", "id": "ffb", "url": FFB, "version": version,
                    "concept": [{"code": c, "display": f"Kode {c}"} for c in codes]}
        if issued:
            resource["date"] = issued
        path = folder / f"ffb-{version}.json"
        path.write_text(json.dumps(resource))
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(load_files(_files(tmp_path_factory.mktemp("in-force")), ImportOptions()))


def _report(code: str, timestamp: str | None = "2022-06-01T10:00:00Z") -> dict:
    report = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": FFB, "code": code}]}}}]}
    if timestamp:
        report["timestamp"] = timestamp
    return report


def _terms(validator: Validator, document: dict, **options) -> tuple[list[tuple[str, str]], str,
                                                                     dict[str, str]]:
    report = validator.validate(document, **options)
    found = [(i.rule, i.message) for i in report.issues if i.rule.startswith("term-")]
    return found, report.terminology_date, report.terminology_versions


@pytest.mark.parametrize(("code", "day", "version", "rule", "names"), [
    ("A", "2022-06-01", "1", None, None),
    ("C", "2022-06-01", "1", "term-not-yet-introduced", "indført i ffb 2"),
    ("D", "2022-06-01", "1", "term-not-yet-introduced", "indført i ffb 20240530"),
    ("A", "2023-06-01", "2", "term-retired-code", "fjernet i 2"),
    ("C", "2023-06-01", "2", None, None),
    ("D", "2023-12-31", "2", "term-not-yet-introduced", "indført i ffb 20240530"),
    ("D", "2024-05-30", "20240530", None, None),  # in force from its version's day
    ("A", "2025-01-01", "20240530", "term-retired-code", "sidst med i version 1"),
    ("Q", "2023-06-01", "2", "term-unknown-code", "findes ikke i ffb"),
])
def test_codes_are_judged_by_the_release_in_force(store: Store, code: str, day: str,
                                                  version: str, rule: str | None,
                                                  names: str | None) -> None:
    found, on, versions = _terms(Validator(store), _report(code, f"{day}T10:00:00Z"))
    assert on == day and versions == {"ffb": version}
    assert [r for r, _ in found] == ([rule] if rule else [])
    if names:
        assert names in found[0][1]
    if rule in ("term-retired-code", "term-not-yet-introduced"):
        assert "dokumentets dato" in found[0][1] and day in found[0][1]


def test_latest_stays_an_explicit_choice_and_the_default_without_a_date(store: Store) -> None:
    validator = Validator(store)
    # C is valid in the latest release, though not yet introduced on the report's date
    assert _terms(validator, _report("C"), day="latest") == ([], "latest", {"ffb": "20240530"})
    # no date in the document: the latest releases, as before
    found, on, versions = _terms(validator, _report("A", None))
    assert (on, versions) == ("latest", {"ffb": "20240530"})
    assert [r for r, _ in found] == ["term-retired-code"]
    # a day asked for overrides the document's own
    assert _terms(validator, _report("C"), day=date(2023, 2, 1))[1:] == (
        "2023-02-01", {"ffb": "2"})
    # before the first release held: nothing tells what was in force, so the latest
    assert _terms(validator, _report("D", "2021-01-01T10:00:00Z"))[1:] == (
        "2021-01-01", {"ffb": "20240530"})


def test_same_choice_of_releases_is_built_once(store: Store) -> None:
    term = Validator(store).terminology
    assert term.at(date(2023, 2, 1)) is term.at(date(2023, 11, 30))
    assert term.at(date(2024, 6, 1)) is term  # the latest releases are the latest view
    assert term.at(date(2022, 6, 1)) is not term


def test_http_and_cli_take_the_date(store: Store, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    client = TestClient(create_app(settings, Services(settings=settings, store=store)))
    body = json.dumps(_report("C")).encode()
    headers = {"Content-Type": "application/fhir+json"}
    own = client.post("/api/v1/validate", content=body, headers=headers).json()
    assert own["terminology_date"] == "2022-06-01"
    assert "term-not-yet-introduced" in {i["rule"] for i in own["issues"]}
    latest = client.post("/api/v1/validate?date=latest", content=body, headers=headers).json()
    assert latest["terminology_date"] == "latest"
    assert not {i["rule"] for i in latest["issues"]} & {"term-not-yet-introduced"}
    outcome = client.post("/fhir/$validate?date=2023-06-01", content=body,
                          headers=headers).json()
    assert not any("term-" in i.get("details", {}).get("coding", [{}])[0].get("code", "")
                   for i in outcome["issue"])
    bad = client.post("/api/v1/validate?date=2024-02-30", content=body, headers=headers)
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["error"]["message"]

    import_paths(settings, _files(tmp_path / "src"), ImportOptions())
    document = tmp_path / "report.json"
    document.write_bytes(body)
    code, out, _ = run_cli(settings, "validate", "--json", str(document))
    assert code == 1 and json.loads(out)["terminology_versions"] == {"ffb": "1"}
    code, out, _ = run_cli(settings, "validate", "--json", "--date", "latest", str(document))
    assert json.loads(out)["terminology_date"] == "latest"
    assert "term-not-yet-introduced" not in out
    code, _, err = run_cli(settings, "validate", "--date", "soon", str(document))
    assert code == 2 and "--date" in err and "YYYY-MM-DD" in err
