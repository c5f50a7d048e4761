"""`termserver draft …`: the same drafts from the command line, over published releases
in the data directory."""

from __future__ import annotations

import json

from termserver.releases import ReleaseRepository
from termserver.settings import Settings

from .conftest import run
from .test_drafts import make_store


def _setup(settings: Settings) -> dict[str, str]:
    ReleaseRepository(settings.data_dir).publish_many(make_store().releases())
    admin = run(settings, "users", "add", "boss")[1].strip()
    anna = json.loads(run(settings, "users", "add", "anna", "--role", "editor", "--scheme",
                          "catalogue", "--json", token=admin)[1])["token"]
    rita = json.loads(run(settings, "users", "add", "rita", "--role", "reviewer", "--scheme",
                          "catalogue", "--json", token=admin)[1])["token"]
    return {"admin": admin, "anna": anna, "rita": rita}


def test_new_edit_show_diff_undo(settings: Settings) -> None:
    tokens = _setup(settings)
    code, out, err = run(settings, "draft", "new", "catalogue", "--title", "Nye ydelser",
                         "--json", token=tokens["anna"])
    assert code == 0, err
    draft = json.loads(out)
    assert draft["base"] == "2026.1"
    number = str(draft["id"])

    code, out, err = run(settings, "draft", "edit", number, "1.3", "--new", "--label",
                         "da=Indkøb", "--broader", "1", "--property", "målgruppe=ældre",
                         "--mapping", "relatedMatch=fsiii:A1", "--comment", "ny ydelse",
                         token=tokens["anna"])
    assert code == 0, err
    assert "created 1.3" in out
    code, out, err = run(settings, "draft", "edit", number, "1.1", "--status", "retired",
                         "--reason", "Erstattet af Indkøb", "--replaced-by", "1.3",
                         token=tokens["anna"])
    assert code == 0, err

    code, out, _ = run(settings, "draft", "show", number, "1.3", token=tokens["rita"])
    shown = json.loads(out)
    assert shown["properties"] == {"målgruppe": ["ældre"]}
    assert shown["broader"][0]["code"] == "1" and shown["mappings"][0]["code"] == "A1"

    code, out, _ = run(settings, "draft", "diff", number, "--json", token=tokens["rita"])
    diff = json.loads(out)
    assert [c["code"] for c in diff["added"]] == ["1.3"]
    assert [c["code"] for c in diff["changed"]] == ["1.1"]

    code, out, err = run(settings, "draft", "undo", number, token=tokens["anna"])
    assert code == 0 and "undid edit" in out, err
    code, out, _ = run(settings, "draft", "diff", number, token=tokens["anna"])
    assert "+ 1.3" in out and "~ 1.1" not in out

    code, out, _ = run(settings, "draft", "show", number, token=tokens["anna"])
    assert "create  1.3  ny ydelse" in out and "[undone by" in out
    code, out, _ = run(settings, "draft", "list", "--scheme", "catalogue",
                       token=tokens["anna"])
    assert "open" in out and "Nye ydelser" in out and "3 edits" in out


def test_refusals_exit_1_with_the_reason(settings: Settings) -> None:
    tokens = _setup(settings)
    code, _, err = run(settings, "draft", "new", "catalogue", "--title", "x")
    assert code == 1 and "needs a token" in err
    code, _, err = run(settings, "draft", "new", "catalogue", "--title", "x",
                       token=tokens["rita"])
    assert code == 1 and "editor" in err
    code, _, err = run(settings, "draft", "new", "icf", "--title", "x", token=tokens["admin"])
    assert code == 1 and "official" in err
    run(settings, "draft", "new", "catalogue", "--title", "x", token=tokens["anna"])
    code, _, err = run(settings, "draft", "edit", "1", "2", "--label", "Pleje",
                       token=tokens["anna"])
    assert code == 2 and "LANG=TEXT" not in err and "KEY=TEXT" in err
    code, _, err = run(settings, "draft", "delete", "1", "2", token=tokens["anna"])
    assert code == 1 and "retire it instead" in err


BULK = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ts: <https://data.termserver.dk/def#> .
@prefix cat: <https://data.termserver.dk/id/catalogue/> .
@prefix fsiii: <https://data.termserver.dk/id/fsiii/> .
<https://data.termserver.dk/id/catalogue> a skos:ConceptScheme .
cat:1.4 a skos:Concept ; skos:inScheme <https://data.termserver.dk/id/catalogue> ;
  skos:broader cat:1 ; skos:notation "1.4" ; skos:prefLabel "Indkøb"@da ;
  ts:legalBasis "Serviceloven § 83" ; skos:closeMatch fsiii:A1 .
cat:2 a skos:Concept ; skos:inScheme <https://data.termserver.dk/id/catalogue> ;
  skos:notation "2" ; skos:prefLabel "Personlig pleje"@da ;
  skos:definition "Hjælp til personlig hygiejne."@da .
cat:1.2 a skos:Concept ; skos:inScheme <https://data.termserver.dk/id/catalogue> ;
  skos:broader cat:1 ; skos:notation "1.2" ; skos:prefLabel "Tøjvask"@da .
"""


def test_apply_a_turtle_file_all_or_nothing(settings: Settings, tmp_path) -> None:
    tokens = _setup(settings)
    run(settings, "draft", "new", "catalogue", "--title", "Bulk", token=tokens["anna"])
    good = tmp_path / "changes.ttl"
    good.write_text(BULK, encoding="utf-8")
    code, out, err = run(settings, "draft", "apply", "1", str(good), "--dry-run", "--json",
                         token=tokens["anna"])
    assert code == 0, err
    report = {c["code"]: (c["kind"], c["fields"]) for c in json.loads(out)["concepts"]}
    assert report == {"1.2": ("unchanged", []), "1.4": ("create", report["1.4"][1]),
                      "2": ("update", ["definitions"])}
    code, out, _ = run(settings, "draft", "diff", "1", "--json", token=tokens["anna"])
    assert json.loads(out)["added"] == []  # the dry run wrote nothing

    bad = tmp_path / "bad.ttl"
    bad.write_text(BULK.replace("skos:broader cat:1 ; skos:notation \"1.4\"",
                                "skos:broader cat:9 ; skos:notation \"1.4\""), encoding="utf-8")
    code, _, err = run(settings, "draft", "apply", "1", str(bad), token=tokens["anna"])
    assert code == 2 and "nothing was applied" in err and "1.4: broader '9'" in err
    code, out, _ = run(settings, "draft", "show", "1", "--json", token=tokens["anna"])
    assert json.loads(out)["edits"] == []  # not even the good concepts of the bad file

    code, out, err = run(settings, "draft", "apply", "1", str(good), token=tokens["anna"])
    assert code == 0, err
    assert "changed 2 of 3 concepts" in out
    code, out, _ = run(settings, "draft", "show", "1", "1.4", token=tokens["anna"])
    made = json.loads(out)
    assert made["broader"][0]["code"] == "1" and made["mappings"][0]["code"] == "A1"
    assert made["properties"] == {"legalBasis": ["Serviceloven § 83"]}
    code, out, _ = run(settings, "audit", "--json", "--limit", "3", token=tokens["admin"])
    targets = [e["target"] for e in json.loads(out)["entries"]]
    assert targets == ["draft 1", "draft 1 2", "draft 1 1.4"]


def test_the_real_catalogue_exported_applies_as_unchanged(settings: Settings,
                                                          tmp_path) -> None:
    """What `termserver export` writes, `draft apply` reads back to the same concepts:
    a methodologist can export, edit the Turtle, and apply it."""
    from pathlib import Path

    from termserver.importers import ImportOptions, load_file

    catalogue = Path(__file__).resolve().parents[2] / "vocab" / "catalogue.ttl"
    ReleaseRepository(settings.data_dir).publish_many(load_file(catalogue, ImportOptions()))
    token = run(settings, "users", "add", "boss")[1].strip()
    run(settings, "draft", "new", "catalogue", "--title", "Rundtur", token=token)
    code, exported, err = run(settings, "export", "catalogue", "--format", "ttl")
    assert code == 0, err
    (tmp_path / "catalogue.ttl").write_text(exported, encoding="utf-8")
    code, out, err = run(settings, "draft", "apply", "1", str(tmp_path / "catalogue.ttl"),
                         "--dry-run", "--json", token=token)
    assert code == 0, err
    kinds = {c["kind"] for c in json.loads(out)["concepts"]}
    assert kinds == {"unchanged"} and len(json.loads(out)["concepts"]) >= 50
