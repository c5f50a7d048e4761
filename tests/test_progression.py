"""Progression (FKO) from KL's FFB reporting Bundles, checked against values read by hand.

KL's five Bundles in kl-ffb-reporting/examples are the successive reports of one citizen
(Patient da16c0a1). Every expected number below is written with where it comes from in
those files; the other citizens are the same course with one assessment changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.api.progression_schemas import ProgressionReportOut
from termserver.settings import Settings
from termserver.store import Store
from validators.progression import SCALES, StoreLabels, progression

from .conftest import SHARED_DATA, require_shared, run_cli

EXAMPLES = SHARED_DATA / "kl-fhir-examples"
REPORTING = EXAMPLES / "kl-ffb-reporting" / "examples"
IN_ORDER = ["Bundle-498644ca-b26c-4ba7-a1ef-69d691297ba3.json",  # 2021-05-28 udredning
            "Bundle-4b4e5f33-a9a2-42f6-b598-180543029ae5.json",  # 05-29 indsatsmål
            "Bundle-5bf6a186-ee66-4b0e-ba6e-623972ab5130.json",  # 05-29 plan, indsatser
            "Bundle-aaa5d153-968e-46ec-9f9e-cfc6e93a3f1b.json",  # 06-18 opfølgning
            "Bundle-ae9cdbef-ca35-4dae-b5df-ffd938cf0098.json"]  # 08-30 afslutning
PATIENT = "da16c0a1-840a-46b0-98b3-761e4501b343"
INDGAA = "3a0e2994-9f3f-44ab-a684-06bb85c7bf9d"  # Condition: Indgå i samspil og kontakt
MODERAT, LET, INGEN = ("5bdde847-2837-416b-ab63-bbff8b7aa531",
                       "8328ce4a-6238-4f73-bf1a-74aadb68eff8",
                       "b508ff66-6326-4862-a6d7-7bbf184c9823")
SVAERT = "cae545f5-2813-4d79-98fc-0a7d770af3cd"
INTERVENTIONS = {  # the FFB ydelser of the kl-reporting-ffb-intervention CarePlans
    "638f44df-6bf2-47f8-9935-b8fdc83e5bf5": "Støtte til daglige opgaver i hjemmet",  # 6ef8bead
    "3c1639d0-e486-43c6-8add-448b8aff4b8f": "Støtte til sund levevis",  # b4ec722a
    "7e419926-bb04-4829-99c9-95ea20403c2c": "Social aktivitet",  # e9374e0c
    "f25674bf-3162-45c3-bde4-6d542bf9629b": "Kompetenceudviklende aktivitet",  # 629c659a
}


@pytest.fixture(scope="module")
def labels(history_settings: Settings) -> StoreLabels:
    return StoreLabels(Store.open(history_settings.data_dir))


def kl_course() -> list[dict]:
    require_shared(REPORTING)
    return [json.loads((REPORTING / name).read_text(encoding="utf-8")) for name in IN_ORDER]


def citizen(number: int, reassessed: str | None = None) -> list[tuple[str, bytes, str]]:
    """KL's course as another citizen's (its own Patient id and CPR number); `reassessed`
    gives Indgå i samspil og kontakt another level at its 06-18 assessment."""
    course = kl_course()
    pid = f"{number:08d}-840a-46b0-98b3-761e4501b343"
    course = json.loads(json.dumps(course).replace(PATIENT, pid))
    for document in course:
        for entry in document["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] == "Patient":
                resource["identifier"][0]["value"] = f"01018{number:05d}"
            if reassessed and resource.get("id") == INDGAA and resource.get("extension"):
                resource["severity"]["coding"][0]["code"] = reassessed  # the 06-18 version
    return [(f"borger-{number}/{name}", json.dumps(document).encode(), "")
            for name, document in zip(IN_ORDER, course, strict=True)]


def kl_items() -> list[tuple[str, bytes, str]]:
    return [(name, (REPORTING / name).read_bytes(), "") for name in IN_ORDER]


def test_progression_of_kls_course_checked_by_hand(labels: StoreLabels) -> None:
    report = progression(reversed(kl_items()), labels).as_dict()
    assert (report["citizens"], report["documents"]) == (1, 5)
    (course,) = report["courses"]
    assert course["citizen"] == f"Patient/{PATIENT}"
    assert course["documents"] == IN_ORDER  # in date order, whatever order given
    by_label = {t["label"]: t for t in course["tilstande"]}
    # the five Conditions with a severity (A&D tilstande) in Bundle-498644ca; the other ten
    # (Funktioner og forhold) have no level and no progression
    assert set(by_label) == {"Indgå i samspil og kontakt", "Varetage beskæftigelse", "Spise",
                             "Købe ind", "Færdes med transportmidler"}

    indgaa = by_label["Indgå i samspil og kontakt"]
    assert indgaa["condition"] == f"Condition/{INDGAA}"
    # recordedDate 2021-05-28T09:17:33Z with severity 5bdde847 (Moderat) in 498644ca and
    # 4b4e5f33; conditionLastAssertedDate 2021-06-18, severity still 5bdde847, in aaa5d153
    assert [(a["date"], a["label"], a["level"]) for a in indgaa["assessments"]] == [
        ("2021-05-28T09:17:33Z", "Moderat nedsat funktionsevne", 2),
        ("2021-06-18", "Moderat nedsat funktionsevne", 2)]
    assert indgaa["direction"] == "uændret"
    # Goal 83fdfed2 (4b4e5f33: target Let, Fastholde) is replaced by Goal 76b9d91b in
    # aaa5d153, where Indgå is primary (ConditionRank 1): target b508ff66, måltype d41c8072
    assert indgaa["goal"] == {
        "goal": "Goal/76b9d91b-4b28-4c4a-944c-aa16b8cca82c", "rank": 1,
        "target": {"system": "urn:oid:1.2.208.176.2.22", "code": INGEN,
                   "label": "Ingen nedsat funktionsevne", "level": 0},
        "change": {"system": "urn:oid:1.2.208.176.2.22",
                   "code": "d41c8072-52f8-42b5-9375-ddbea454d27f",
                   "label": "Udvikle funktionsevne"}}
    # the follow-ups a03a8641 and e20ebaba (aaa5d153) are of 2021-06-18 and name only
    # CarePlans; the level then is Moderat (2), the target Ingen (0): not met
    assert indgaa["last_follow_up"] == "2021-06-18"
    assert indgaa["level_at_follow_up"]["level"] == 2 and indgaa["goal_met"] is False

    # one assessment each (recordedDate 2021-05-28T09:17:33Z, never reassessed): no direction
    expected = {  # label: (level at 05-28, goal, rank in it, target level, goal met)
        # 101f2519 Let; secondary (rank 2) in Goal 76b9d91b (aaa5d153), target Ingen
        "Varetage beskæftigelse": (1, "76b9d91b", 2, 0, False),
        # e162f02a Svært; primary in Goal 90fa089a (4b4e5f33): target Svært, Begrænse tab
        "Spise": (3, "90fa089a", 1, 3, True),
        # a2c6378d Moderat; primary in Goal fcbf670a (4b4e5f33): target Ingen, Udvikle
        "Købe ind": (2, "fcbf670a", 1, 0, False),
        # 4908c9b2 Svært; secondary (rank 2) in Goal 76b9d91b, target Ingen
        "Færdes med transportmidler": (3, "76b9d91b", 2, 0, False),
    }
    for label, (level, goal, rank, target, met) in expected.items():
        tilstand = by_label[label]
        assert [a["level"] for a in tilstand["assessments"]] == [level], label
        assert tilstand["direction"] is None
        assert tilstand["goal"]["goal"].startswith(f"Goal/{goal}")
        assert (tilstand["goal"]["rank"], tilstand["goal"]["target"]["level"]) == (rank, target)
        assert tilstand["goal_met"] is met, label

    # four ydelser; KL's plans link no goals (CarePlan.goal is empty), so each addresses
    # the tilstande of all the course's goals: the five above
    assert {i["code"]: i["label"] for i in course["interventions"]} == INTERVENTIONS
    for intervention in course["interventions"]:
        assert sorted(intervention["conditions"]) == sorted(
            t["condition"] for t in course["tilstande"])


def test_per_intervention_across_citizens_checked_by_hand(labels: StoreLabels) -> None:
    items = [*citizen(1), *citizen(2, reassessed=LET), *citizen(3, reassessed=SVAERT)]
    report = progression(items, labels).as_dict()
    assert report["citizens"] == 3 and report["documents"] == 15
    assert {i["code"] for i in report["interventions"]} == set(INTERVENTIONS)
    for intervention in report["interventions"]:
        assert intervention["citizens"] == 3
        rows = {r["label"]: r for r in intervention["tilstande"]}
        counts = {label: (r["improved"], r["unchanged"], r["declined"], r["unknown"],
                          r["goal_met"], r["goal_not_met"]) for label, r in rows.items()}
        assert counts == {
            # Moderat → Moderat (citizen 1), → Let (2), → Svært (3); the target Ingen
            # is met by none of them at the follow-up of 06-18
            "Indgå i samspil og kontakt": (1, 1, 1, 0, 0, 3),
            # one assessment each: no direction; Spise's target (Svært) is its level
            "Spise": (0, 0, 0, 3, 3, 0),
            "Købe ind": (0, 0, 0, 3, 0, 3),
            "Varetage beskæftigelse": (0, 0, 0, 3, 0, 3),
            "Færdes med transportmidler": (0, 0, 0, 3, 0, 3),
        }


def test_fsiii_levels_checked_by_hand(labels: StoreLabels) -> None:
    """KL Gateway's FSIII report 89071c96: home-care conditions with FSIII funktionsniveau,
    goals per condition, interventions naming their condition (reasonReference)."""
    path = EXAMPLES / "kl-gateway" / "examples" / "Bundle-89071c96-e053-40d5-8873-105b7bad40f9.json"
    require_shared(path)
    report = progression([(path.name, path.read_bytes(), "")], labels).as_dict()
    (course,) = report["courses"]
    pleje = next(t for t in course["tilstande"] if t["label"] == "Personlig pleje")
    # Condition 38ea1a7f: severity d984ad21 ("2", moderate) recorded 2021-02-10
    assert [(a["date"], a["label"], a["level"]) for a in pleje["assessments"]] == [
        ("2021-02-10", "2 moderate begrænsninger", 2)]
    assert pleje["scale"] == "FSIII funktionsniveau"
    # its Goal targets 9c5cfb57 ("0"); the follow-up Observation of 2021-02-24 names it
    assert pleje["goal"]["target"]["level"] == 0 and pleje["goal"]["rank"] is None
    assert pleje["last_follow_up"] == "2021-02-24" and pleje["goal_met"] is False
    hygiejne = next(i for i in course["interventions"] if i["label"] == "Personlig hygiejne")
    assert hygiejne["conditions"] == ["Condition/38ea1a7f-251a-4817-aa4a-b59d556db92a"]


def test_scales_are_the_code_systems_own(labels: StoreLabels) -> None:
    """Every level code is where the tables say: FFB's under Funktionsevneniveau with
    the words of its ordinal, FSIII's labelled with the ordinal's digit; no child of a
    scale's root is left out."""
    store = labels.store
    words = ["Ingen", "Let", "Moderat", "Svært", "Fuldstændig"]
    ffb, fsiii = SCALES
    release = store.latest("ffb")
    children = {c.code for c in store.children(release, "e89d317c-4657-4970-b614-ada2ed220595")}
    assert children == set(ffb.levels) | ffb.unassessed
    for code, level in ffb.levels.items():
        assert release.concepts[code].label().startswith(words[level])
    release = store.latest("fsiii")
    children = {c.code for root in ("2c02a704-deee-4878-9378-1167613b3da6", "B")
                for c in store.children(release, root)}
    assert children == set(fsiii.levels) | fsiii.unassessed
    for code, level in fsiii.levels.items():
        assert release.concepts[code].label() == str(level)


def test_icf_filter_uses_the_crosswalk(real_settings: Settings) -> None:
    """vocab/crosswalk-ffb-icf.ttl: Indgå i samspil og kontakt → d710, d720; Færdes med
    transportmidler → d470-d489."""
    labels = StoreLabels(Store.open(real_settings.data_dir))
    report = progression(kl_items(), labels, labels.icf)
    for icf, expected in (("d710", {"Indgå i samspil og kontakt"}),
                          ("d7", {"Indgå i samspil og kontakt"}),
                          ("d470", {"Færdes med transportmidler"}), ("b1", set())):
        body = report.as_dict(icf=icf)
        assert body["icf"] == icf
        assert {r["label"] for i in body["interventions"] for r in i["tilstande"]} == expected
    indgaa = next(t for t in report.as_dict()["courses"][0]["tilstande"]
                  if t["label"] == "Indgå i samspil og kontakt")
    assert indgaa["icf"] == ["d710", "d720"]


@pytest.fixture(scope="module")
def client(history_settings: Settings) -> TestClient:
    return TestClient(create_app(history_settings))


def _files(items: list[tuple[str, bytes, str]]) -> list:
    return [("document", (name, data, "application/fhir+json")) for name, data, _ in items]


def test_http_json_and_page(client: TestClient, labels: StoreLabels) -> None:
    items = [*citizen(1), *citizen(2, reassessed=LET)]
    response = client.post("/api/v1/progression", files=_files(items))
    assert response.status_code == 200
    body = response.json()
    ProgressionReportOut.model_validate(body)
    assert body == json.loads(json.dumps(progression(items, labels, labels.icf).as_dict()))
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": json.loads(data)} for _, data, _ in items]}
    as_bundle = client.post("/api/v1/progression", content=json.dumps(bundle),
                            headers={"Content-Type": "application/fhir+json"}).json()
    assert as_bundle["interventions"] == body["interventions"]

    page = client.post("/api/v1/progression?format=html", files=_files(items))
    assert page.headers["content-type"].startswith("text/html")
    by_accept = client.post("/api/v1/progression", files=_files(items),
                            headers={"Accept": "text/html"})
    assert by_accept.text == page.text
    html = page.text
    assert "<script" not in html and '<html lang="da">' in html
    assert "Progression (FKO)" in html and "Indgå i samspil og kontakt" in html
    # a chart per tilstand of each citizen, a bar per tilstand of each intervention
    assert html.count('<svg class="chart"') == 10
    assert html.count('<svg class="bar"') == 4 * 5
    assert "mål ikke nået" in html and "1 bedre, 1 uændret" in html


def test_http_refusals(client: TestClient) -> None:
    wrong = client.post("/api/v1/progression", content=b"x", headers={"Content-Type":
                                                                      "text/plain"})
    assert wrong.status_code == 415
    bad = client.post("/api/v1/progression?format=pdf", files=_files(kl_items()))
    assert bad.status_code == 400 and "format" in bad.text


def test_cli(history_settings: Settings, tmp_path: Path) -> None:
    for number, level in ((1, None), (2, LET)):
        for name, data, _ in citizen(number, level):
            (tmp_path / "kurser" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "kurser" / name).write_bytes(data)
    page = tmp_path / "progression.html"
    code, out, _ = run_cli(history_settings, "progression", str(tmp_path / "kurser"),
                           "--html", str(page))
    assert code == 0 and out.startswith("2 borgere, 10 dokumenter")
    assert "Indgå i samspil og kontakt: bedre 1, uændret 1, værre 0" in out
    assert page.read_text(encoding="utf-8").count('<svg class="chart"') == 10
    code, out, _ = run_cli(history_settings, "progression", "--json", "--icf", "d710",
                           str(tmp_path / "kurser"))
    assert code == 0 and json.loads(out)["citizens"] == 2
    (tmp_path / "tom").mkdir()
    (tmp_path / "tom" / "broken.json").write_text("{")
    code, _, err = run_cli(history_settings, "progression", str(tmp_path / "tom"))
    assert code == 2 and "broken.json" in err
