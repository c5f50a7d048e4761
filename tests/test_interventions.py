"""Interventions by ICF code and the reverse: JSON API and CLI over the real content."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from termserver.settings import Settings

from .conftest import run_cli

ORDER = ["exact", "narrower", "crosswalk", "broader"]


def test_results_are_ranked_by_match_kind_with_their_paths(client: TestClient) -> None:
    body = client.get("/api/v1/interventions", params={"icf": "d450.2"}).json()
    assert body["icf"] == "d450" and body["qualifier"] == ".2" and body["label"] == "Gå"
    # our Danish working label, and the API says so
    assert body["label_source"]["scheme"] == "icf-da" and not body["label_source"]["official"]
    kinds = [hit["match"] for hit in body["results"]]
    assert kinds == sorted(kinds, key=ORDER.index) and set(kinds) == set(ORDER)
    assert body["total"] == len(body["results"])
    for hit in body["results"]:
        path = hit["path"]
        assert path[0]["code"] == "d450" and path[-1] == {
            "scheme": "catalogue", "code": hit["code"], "label": hit["label"],
            "relation": "addresses"}
        if hit["match"] == "exact":
            assert len(path) == 2
        else:
            middle = path[1]
            if hit["match"] == "narrower":
                assert middle["scheme"] == "icf" and middle["code"].startswith("d450")
            elif hit["match"] == "broader":
                assert middle["scheme"] == "icf" and "d450".startswith(middle["code"])
            else:
                assert middle["scheme"] in {"ffb", "fsiii"} and middle["relation"].endswith("Match")


def test_facilitator_qualifier_on_an_environmental_factor(client: TestClient) -> None:
    body = client.get("/api/v1/interventions", params={"icf": "e310+2"}).json()
    assert body["icf"] == "e310" and body["qualifier"] == "+2"


def test_unknown_code_is_404_with_nearby_codes_first(client: TestClient) -> None:
    answer = client.get("/api/v1/interventions", params={"icf": "d459"})
    assert answer.status_code == 404
    suggested = [s["code"] for s in answer.json()["error"]["details"]["suggestions"]]
    # d459 sits among walking and moving: its neighbours, not d8459 (a job) or d4759
    assert suggested[:3] == ["d455", "d450", "d460"], suggested
    deeper = client.get("/api/v1/interventions", params={"icf": "d4505"}).json()
    assert deeper["error"]["details"]["suggestions"][0]["code"] == "d450"


@pytest.mark.parametrize("text", [
    "walking", "d450.7", "d450.5", "d450+2", "d450.2.3", "d\u0664\u0665\u0660", "",
])
def test_malformed_codes_are_400(client: TestClient, text: str) -> None:
    answer = client.get("/api/v1/interventions", params={"icf": text})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "bad_request"


def test_memo_does_not_grow_with_the_callers_spelling(client: TestClient) -> None:
    cache = client.app.state.services.cache
    client.get("/api/v1/interventions", params={"icf": "d450"})
    before = len(cache)
    for text in ("d450.1", "d450.2", "d450.23", " D450 ", "d 450", "d4 50.3"):
        assert client.get("/api/v1/interventions", params={"icf": text}).status_code == 200
    assert len(cache) == before


def test_reverse_an_entry_lists_its_icf_codes_tilstande_and_target_groups(
        client: TestClient) -> None:
    body = client.get("/api/v1/interventions/SEL-85-PRAKTISK").json()
    assert body["legal_basis"] == ["Serviceloven § 85"]
    assert {"d630", "d640"} <= {ref["code"] for ref in body["icf"]}
    assert "Lave mad" in {ref["label"] for ref in body["conditions"]}
    assert body["target_groups"] and all(ref["scheme"] == "ffb" for ref in body["target_groups"])
    assert body["official"][0]["relation"] == "exactMatch"
    missing = client.get("/api/v1/interventions/NO-SUCH-ENTRY")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_cli_json_is_the_http_body(real_settings: Settings, client: TestClient) -> None:
    code, out, _ = run_cli(real_settings, "interventions", "d450.2", "--json")
    assert code == 0
    assert json.loads(out) == client.get("/api/v1/interventions?icf=d450.2").json()


def test_cli_names_tilstande_in_paths(real_settings: Settings) -> None:
    code, out, _ = run_cli(real_settings, "interventions", "d450")
    assert code == 0
    crosswalk = next(line for line in out.splitlines() if line.startswith("crosswalk"))
    assert "via Gå og bevæge sig (ffb)" in crosswalk


def test_cli_unknown_code_prints_suggestions(real_settings: Settings) -> None:
    code, _, err = run_cli(real_settings, "interventions", "d459")
    assert code == 1
    assert "does not exist" in err and "Did you mean: d455 Bevæge sig omkring, d450 Gå" in err
    code, _, err = run_cli(real_settings, "interventions", "d450.7")
    assert code == 2 and "not a value of an ICF qualifier" in err


def test_cli_reverse_an_entry_is_the_http_body(real_settings: Settings,
                                               client: TestClient) -> None:
    code, out, _ = run_cli(real_settings, "interventions", "SEL-85-PRAKTISK", "--json")
    assert code == 0
    assert json.loads(out) == client.get("/api/v1/interventions/SEL-85-PRAKTISK").json()
    code, out, _ = run_cli(real_settings, "interventions", "SEL-85-PRAKTISK")
    assert code == 0
    assert any(line.split()[:3] == ["tilstande", "Lave", "mad"] for line in out.splitlines())
    code, _, err = run_cli(real_settings, "interventions", "SEL-85-PRAKTIS")
    assert code == 1 and "Did you mean: SEL-85-PRAKTISK" in err
