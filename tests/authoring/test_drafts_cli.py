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
