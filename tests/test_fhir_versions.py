"""Which code system version a FHIR request means: wildcards, the version parameters
(`force-system-version`, `system-version`, `check-system-version`), a value's version
against a value set's include, and several versions of one system sent as tx-resource.

The code systems are our own small ones (two releases of a colour scale), sent with each
request, over an app with an empty data directory."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.fhir.outcome import FhirError
from termserver.fhir.params import Params
from termserver.fhir.versions import (
    VersionRules,
    is_wildcard,
    more_detailed,
    present_versions,
    version_matches,
)
from termserver.settings import Settings

SCALE = "http://example.org/fhir/CodeSystem/farveskala"


def _scale(version: str, codes: dict[str, str]) -> dict[str, Any]:
    return {"resourceType": "CodeSystem", "url": SCALE, "version": version,
            "name": "Farveskala", "status": "active", "content": "complete",
            "language": "da",
            "concept": [{"code": c, "display": d} for c, d in codes.items()]}


SCALE_1 = _scale("1.0.0", {"roed": "Rød (1.0)", "blaa": "Blå (1.0)"})
SCALE_2 = _scale("1.2.0", {"roed": "Rød (1.2)", "blaa": "Blå (1.2)", "groen": "Grøn (1.2)"})


def _value_set(url: str, version: str | None = None, **include: Any) -> dict[str, Any]:
    entry = {"system": SCALE, **include}
    if version:
        entry["version"] = version
    return {"resourceType": "ValueSet", "url": url, "version": "1", "status": "active",
            "compose": {"include": [entry]}}


@pytest.fixture
def client(empty_settings: Settings) -> TestClient:
    return TestClient(create_app(empty_settings))


def _post(client: TestClient, operation: str, *parameters: dict[str, Any],
          resources: tuple[dict[str, Any], ...] = (SCALE_1, SCALE_2)) -> tuple[int, Any]:
    body = {"resourceType": "Parameters", "parameter": [
        *parameters, *({"name": "tx-resource", "resource": r} for r in resources)]}
    response = client.post(f"/fhir/{operation}", json=body)
    return response.status_code, response.json()


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    assert body["resourceType"] == "Parameters", body
    return {p["name"]: next((v for k, v in p.items() if k.startswith("value")),
                            p.get("resource")) for p in body["parameter"]}


def _issues(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(severity, tx-issue-type, where) of every issue."""
    outcome = _answer(body).get("issues") or {"issue": []}
    return sorted((i["severity"], i["details"]["coding"][0]["code"],
                   (i.get("expression") or [""])[0]) for i in outcome["issue"])


def _coding(code: str, version: str | None = None) -> dict[str, Any]:
    coding = {"system": SCALE, "code": code}
    if version:
        coding["version"] = version
    return {"name": "coding", "valueCoding": coding}


# -- version matching --------------------------------------------------------------------

@pytest.mark.parametrize(("criteria", "candidate", "matches"), [
    ("1.x", "1.2", True),
    ("1.x.x", "1.2.0", True),
    ("1.0.x", "1.0.7", True),
    ("1.0.x", "1.2.0", False),
    ("1.*", "1.2.0", False),  # parts are compared one by one
    ("1.x.x", "1.2", False),
    ("1", "1.0.0", False),  # not a wildcard: only itself
    ("1.0.0", "1.0.0", True),
    ("2.0?", "2.0.1", True),
    ("2.0?", "2.1.0", False),
    ("1.0.0-*", "1.0.0-draft", True),
    ("1.0.0-*", "1.0.0", False),
])
def test_version_matches_part_by_part(criteria: str, candidate: str, matches: bool) -> None:
    assert version_matches(criteria, candidate) is matches


def test_wildcards_and_more_detailed_versions() -> None:
    assert is_wildcard("1.x") and is_wildcard("2.0?") and not is_wildcard("1.0.0")
    assert more_detailed("1.x.x", "1.0.0") and not more_detailed("1.0.0", "1.0.0")
    assert not more_detailed("1", "1.0.0")  # semantic versions: a prefix is not a wildcard
    assert more_detailed("2024", "20240530")  # date versions: a prefix is
    assert present_versions(["1.0.0", "1.2.0"]) == "1.0.0 or 1.2.0"
    assert present_versions(["a", "b", "c"]) == "a, b and c"


def test_version_rules_weigh_force_include_default_and_check() -> None:
    def rules(**values: str) -> VersionRules:
        params = Params({name.replace("_", "-"): [f"{SCALE}|{v}"] for name, v in
                         values.items()})
        return VersionRules.from_params(params)

    assert rules().system_version(SCALE, None) is None
    assert rules(system_version="1.0.0").system_version(SCALE, "1.2.0") == "1.2.0"
    assert rules(system_version="1.0.0").system_version(SCALE, None) == "1.0.0"
    assert rules(force_system_version="1.0.x").system_version(SCALE, "1.2.0") == "1.0.x"
    assert rules(check_system_version="1.0.x").system_version(SCALE, None) == "1.0.x"
    checked = rules(check_system_version="1.0.x")
    assert checked.check_failures(SCALE, "1.2.0") == ["1.0.x"]
    assert checked.check_failures(SCALE, "1.0.3") == []
    used = rules(system_version="1.0.0")
    used.system_version(SCALE, "1.2.0")
    assert used.used == []  # the include named a version, so the default decided nothing
    used.system_version(SCALE, None)
    assert used.used == [("system-version", f"{SCALE}|1.0.0")]
    with pytest.raises(FhirError, match=r"url\|version"):
        VersionRules.from_params(Params({"system-version": [SCALE]}))


# -- $validate-code ----------------------------------------------------------------------

def test_a_versionless_include_takes_the_newest_or_the_value_s_own_version(
        client: TestClient) -> None:
    vs = _value_set("http://example.org/vs/alle")
    url = {"name": "url", "valueUri": vs["url"]}
    _, newest = _post(client, "ValueSet/$validate-code", url, _coding("roed"),
                      resources=(SCALE_1, SCALE_2, vs))
    assert _answer(newest)["result"] is True
    assert (_answer(newest)["version"], _answer(newest)["display"]) == ("1.2.0", "Rød (1.2)")
    _, own = _post(client, "ValueSet/$validate-code", url, _coding("roed", "1.0.0"),
                   resources=(SCALE_1, SCALE_2, vs))
    assert _answer(own)["result"] is True and _answer(own)["display"] == "Rød (1.0)"


def test_a_value_naming_another_version_than_the_include_is_an_error(
        client: TestClient) -> None:
    vs = _value_set("http://example.org/vs/ny", "1.2.0")
    _, body = _post(client, "ValueSet/$validate-code",
                    {"name": "url", "valueUri": vs["url"]}, _coding("roed", "1.0.0"),
                    resources=(SCALE_1, SCALE_2, vs))
    found = _answer(body)
    assert found["result"] is False
    assert found["version"] == "1.2.0"  # the code was looked for where the value set looks
    assert "version '1.2.0' in the ValueSet include" in found["message"]
    assert _issues(body) == [("error", "vs-invalid", "Coding.version")]


def test_an_unknown_version_names_the_versions_there_are(client: TestClient) -> None:
    vs = _value_set("http://example.org/vs/alle")
    _, body = _post(client, "ValueSet/$validate-code",
                    {"name": "url", "valueUri": vs["url"]}, _coding("roed", "9.9.9"),
                    resources=(SCALE_1, SCALE_2, vs))
    found = _answer(body)
    assert found["result"] is False
    assert "Valid versions: 1.0.0 or 1.2.0" in found["message"]
    assert found["x-caused-by-unknown-system"] == f"{SCALE}|9.9.9"
    # a versionless include: the newest release was used, which is only a warning
    assert _issues(body) == [("error", "not-found", "Coding.system"),
                             ("warning", "vs-invalid", "Coding.version")]


def test_a_wildcard_include_accepts_the_value_s_version_and_a_bare_major_does_not(
        client: TestClient) -> None:
    wildcard = _value_set("http://example.org/vs/en-x", "1.x.x")
    bare = _value_set("http://example.org/vs/en", "1")
    resources = (SCALE_1, SCALE_2, wildcard, bare)
    _, body = _post(client, "ValueSet/$validate-code",
                    {"name": "url", "valueUri": wildcard["url"]}, _coding("roed", "1.0.0"),
                    resources=resources)
    assert _answer(body)["result"] is True and _answer(body)["version"] == "1.0.0"
    _, body = _post(client, "ValueSet/$validate-code",
                    {"name": "url", "valueUri": bare["url"]}, _coding("roed"),
                    resources=resources)
    found = _answer(body)
    assert found["result"] is False and found["x-caused-by-unknown-system"] == f"{SCALE}|1"
    status, _ = _post(client, "ValueSet/$expand", {"name": "url", "valueUri": bare["url"]},
                      resources=resources)
    assert status == 404


def test_version_parameters_in_validation(client: TestClient) -> None:
    vs = _value_set("http://example.org/vs/alle")
    url = {"name": "url", "valueUri": vs["url"]}
    resources = (SCALE_1, SCALE_2, vs)
    _, default = _post(client, "ValueSet/$validate-code", url, _coding("roed"),
                       {"name": "system-version", "valueCanonical": f"{SCALE}|1.0.0"},
                       resources=resources)
    assert _answer(default)["version"] == "1.0.0"
    _, forced = _post(client, "ValueSet/$validate-code", url, _coding("groen"),
                      {"name": "force-system-version", "valueCanonical": f"{SCALE}|1.0.x"},
                      resources=resources)
    assert _answer(forced)["result"] is False  # groen is not in 1.0.0, which was forced
    pinned = _value_set("http://example.org/vs/ny", "1.2.0")
    _, checked = _post(client, "ValueSet/$validate-code",
                       {"name": "url", "valueUri": pinned["url"]}, _coding("roed"),
                       {"name": "check-system-version", "valueCanonical": f"{SCALE}|1.0.x"},
                       resources=(SCALE_1, SCALE_2, pinned))
    assert _answer(checked)["result"] is False
    assert _issues(checked) == [("error", "version-error", "Coding.version")]
    assert "required to be '1.0.x'" in _answer(checked)["message"]


def test_of_several_versions_holding_a_code_the_display_decides(
        client: TestClient) -> None:
    both = {"resourceType": "ValueSet", "url": "http://example.org/vs/begge",
            "status": "active", "compose": {"include": [
                {"system": SCALE, "version": "1.0.0"}, {"system": SCALE, "version": "1.2.0"}]}}
    url = {"name": "url", "valueUri": both["url"]}
    resources = (SCALE_1, SCALE_2, both)
    _, plain = _post(client, "ValueSet/$validate-code", url, _coding("roed"),
                     resources=resources)
    assert _answer(plain)["version"] == "1.2.0"
    coding = {"name": "coding", "valueCoding": {"system": SCALE, "code": "roed",
                                                "display": "Rød (1.0)"}}
    _, by_display = _post(client, "ValueSet/$validate-code", url, coding,
                          resources=resources)
    assert _answer(by_display)["result"] is True
    assert _answer(by_display)["version"] == "1.0.0"


# -- $expand -----------------------------------------------------------------------------

def _expansion(client: TestClient, vs: dict[str, Any], *parameters: dict[str, Any]
               ) -> tuple[int, dict[str, Any]]:
    status, body = _post(client, "ValueSet/$expand", {"name": "url", "valueUri": vs["url"]},
                         *parameters, resources=(SCALE_1, SCALE_2, vs))
    return status, body


def test_expansion_version_parameters_are_echoed_only_when_they_decided(
        client: TestClient) -> None:
    versionless = _value_set("http://example.org/vs/alle")
    _, body = _expansion(client, versionless,
                         {"name": "system-version", "valueUri": f"{SCALE}|1.0.0"})
    expansion = body["expansion"]
    assert [c["code"] for c in expansion["contains"]] == ["roed", "blaa"]
    assert {"name": "system-version", "valueUri": f"{SCALE}|1.0.0"} in expansion["parameter"]
    assert {"name": "used-codesystem", "valueUri": f"{SCALE}|1.0.0"} in expansion["parameter"]
    pinned = _value_set("http://example.org/vs/ny", "1.2.0")
    _, body = _expansion(client, pinned,
                         {"name": "system-version", "valueUri": f"{SCALE}|1.0.0"})
    names = [p["name"] for p in body["expansion"]["parameter"]]
    assert "system-version" not in names and body["expansion"]["total"] == 3


def test_expansion_refused_by_a_version_check(client: TestClient) -> None:
    pinned = _value_set("http://example.org/vs/ny", "1.2.0")
    status, body = _expansion(client, pinned, {"name": "check-system-version",
                                               "valueUri": f"{SCALE}|1.0.x"})
    assert status == 400
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["code"] == "exception"
    assert issue["details"]["coding"][0]["code"] == "version-error"
    assert "1.2.0" in issue["details"]["text"] and "1.0.x" in issue["details"]["text"]


def test_a_value_set_naming_two_versions_of_a_system_says_each_code_s_version(
        client: TestClient) -> None:
    mixed = {"resourceType": "ValueSet", "url": "http://example.org/vs/blandet",
             "status": "active", "compose": {"include": [
                 {"system": SCALE, "version": "1.0.0", "concept": [{"code": "roed"}]},
                 {"system": SCALE, "version": "1.2.0", "concept": [{"code": "groen"}]}]}}
    _, body = _expansion(client, mixed)
    contains = {(c["code"], c.get("version"), c["display"]) for c in
                body["expansion"]["contains"]}
    assert contains == {("roed", "1.0.0", "Rød (1.0)"), ("groen", "1.2.0", "Grøn (1.2)")}
    _, forced = _expansion(client, mixed, {"name": "force-system-version",
                                           "valueUri": f"{SCALE}|1.0.0"})
    assert [c["code"] for c in forced["expansion"]["contains"]] == ["roed"]
