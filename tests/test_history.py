"""A concept's release history: GET …/concepts/{code}/history and `termserver history`.

Three versions of a small scheme are published into a real data directory by the test;
the history must name, per version, what happened to a concept and which fields
changed. Draft edits (which need the authoring database) are tested on SQLite and
PostgreSQL in tests/authoring/test_history.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.api.history import HistoryOut
from termserver.cli import main
from termserver.model import Concept, Mapping, Note, Release, ReleaseInfo
from termserver.namespaces import concept_iri
from termserver.publishing import publish_releases
from termserver.services import open_services
from termserver.settings import Settings

SCHEME = "demo"
ICF_D450 = concept_iri("icf", "d450")


def concept(code: str, label: str, **fields: object) -> Concept:
    return Concept(code=code, uri=concept_iri(SCHEME, code), labels={"da": label},
                   **fields)  # type: ignore[arg-type]


def release(version: str, concepts: list[Concept], mappings: list[Mapping] = ()) -> Release:
    made = Release(ReleaseInfo(scheme=SCHEME, version=version, title="Demo",
                               uri="https://example.org/demo", issued=f"{version}-01-01"),
                   {c.code: c for c in concepts}, list(mappings))
    for order, item in enumerate(made.concepts.values()):
        item.order = order
    made.index_hierarchy()
    return made


def three_versions() -> list[Release]:
    """2024: A, B, C, mg/dL.  2025: A relabelled with a synonym, a note, a property and a
    mapping; B moved under A; C removed.  2026: A retired (replaced by B); B as in 2025."""
    v2024 = release("2024", [concept("A", "Alfa"), concept("B", "Beta"), concept("C", "Gamma"),
                             concept("mg/dL", "milligram per deciliter")])
    v2025 = release("2025", [
        concept("A", "Alfa (ny)", alt_labels={"da": ["alfa"]},
                notes=[Note("scope", "Kun voksne", "da")], properties={"area": ["social"]}),
        concept("B", "Beta", broader=["A"]),
        concept("mg/dL", "milligram per deciliter"),
    ], [Mapping(concept_iri(SCHEME, "A"), "closeMatch", ICF_D450, "gang")])
    v2026 = release("2026", [
        concept("A", "Alfa (ny)", alt_labels={"da": ["alfa"]},
                notes=[Note("scope", "Kun voksne", "da"), Note("history", "Udgået", "da")],
                properties={"area": ["social"]}, status="retired", replaced_by=["B"]),
        concept("B", "Beta", broader=["A"]),
        concept("mg/dL", "milligram per deciliter", definitions={"da": "Koncentration"}),
    ], [Mapping(concept_iri(SCHEME, "A"), "closeMatch", ICF_D450, "gang")])
    return [v2024, v2025, v2026]


@pytest.fixture
def published(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    publish_releases(settings, three_versions())
    return settings


@pytest.fixture
def client(published: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(published, open_services(published))) as client:
        yield client


def history(client: TestClient, code: str) -> dict:
    answer = client.get(f"/api/v1/schemes/{SCHEME}/concepts/{code}/history")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    HistoryOut.model_validate(body)
    return body


def fields(entry: dict) -> dict[str, tuple[object, object]]:
    return {f["field"]: (f["old"], f["new"]) for f in entry["fields"]}


def test_every_version_that_changed_the_concept_with_the_fields_it_changed(
        client: TestClient) -> None:
    body = history(client, "A")
    assert (body["scheme"], body["code"], body["uri"]) == (SCHEME, "A", concept_iri(SCHEME, "A"))
    assert body["label"] == "Alfa (ny)" and body["versions"] == 3
    added, changed, retired = body["releases"]
    assert (added["version"], added["previous"], added["change"], added["fields"]) == \
        ("2024", None, "added", [])
    assert added["issued"] == "2024-01-01"
    feed = {r["version"]: r for r in client.get("/api/v1/changes").json()["releases"]}
    assert added["published_at"] == feed["2024"]["published_at"]  # one spelling of a time
    assert added["published_at"].endswith("Z")
    assert (changed["version"], changed["previous"], changed["change"]) == \
        ("2025", "2024", "changed")
    assert fields(changed) == {
        "label": ({"da": "Alfa"}, {"da": "Alfa (ny)"}),
        "alt_labels": ({}, {"da": ["alfa"]}),
        "notes": ([], [{"kind": "scope", "text": "Kun voksne", "lang": "da", "refs": []}]),
        "properties": ({}, {"area": ["social"]}),
        "mappings": ([], [{"relation": "closeMatch", "target": ICF_D450, "note": "gang"}]),
    }
    assert (retired["version"], retired["change"], retired["status"]) == \
        ("2026", "retired", "retired")
    assert set(fields(retired)) == {"status", "notes", "replaced_by"}
    assert fields(retired)["replaced_by"] == ([], ["B"])
    assert body["drafts"] == {"included": False, "edits": [], "reason": body["drafts"]["reason"]}
    assert "token" in body["drafts"]["reason"]


def test_unchanged_versions_are_folded_into_the_entry_before_them(client: TestClient) -> None:
    b = history(client, "B")["releases"]
    assert [(e["version"], e["change"], e["unchanged_through"]) for e in b] == [
        ("2024", "added", None), ("2025", "changed", "2026")]
    assert fields(b[1]) == {"parent": ([], ["A"])}
    c = history(client, "C")["releases"]
    assert [(e["version"], e["change"], e["status"], e["unchanged_through"]) for e in c] == [
        ("2024", "added", "active", None), ("2025", "removed", None, "2026")]


def test_a_code_with_a_slash_has_a_history_too(client: TestClient) -> None:
    entries = history(client, "mg/dL")["releases"]
    assert [(e["version"], e["change"]) for e in entries] == [("2024", "added"),
                                                              ("2026", "changed")]
    assert fields(entries[1]) == {"definition": ({}, {"da": "Koncentration"})}
    # the lookup of the code itself is untouched by the history route
    assert client.get(f"/api/v1/schemes/{SCHEME}/concepts/mg/dL").json()["code"] == "mg/dL"


@pytest.mark.parametrize("path, words", [
    (f"/api/v1/schemes/{SCHEME}/concepts/Z/history", ["'Z' has never been in demo",
                                                      "2024, 2025, 2026"]),
    ("/api/v1/schemes/nope/concepts/A/history", ["Unknown scheme 'nope'", "demo"]),
])
def test_an_unknown_code_or_scheme_is_404_naming_what_exists(client: TestClient, path: str,
                                                             words: list[str]) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    message = answer.json()["error"]["message"]
    for word in words:
        assert word in message


def test_the_cli_prints_the_same_history(published: Settings, client: TestClient) -> None:
    runner = CliRunner()
    args = ["--data-dir", str(published.data_dir), "history", SCHEME, "A"]
    result = runner.invoke(main, [*args, "--json"], env={"TERMSERVER_TOKEN": None})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == history(client, "A")
    result = runner.invoke(main, args, env={"TERMSERVER_TOKEN": None})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "demo A  Alfa (ny)"
    assert lines[2].split() == ["2025", "changed:", "label,", "alt_labels,", "notes,",
                                "properties,", "mappings"]
    assert lines[-1].startswith("drafts left out:")
    missing = runner.invoke(main, ["--data-dir", str(published.data_dir), "history", SCHEME,
                                   "Z"], env={"TERMSERVER_TOKEN": None})
    assert missing.exit_code == 1 and "never been in demo" in missing.stderr
