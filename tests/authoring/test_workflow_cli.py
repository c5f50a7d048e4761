"""`termserver draft check|submit|review|close` over published releases in the data
directory, with the acting user from TERMSERVER_TOKEN; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from termserver.authoring.db import AuthoringDB
from termserver.releases import ReleaseRepository
from termserver.settings import Settings

from .conftest import run
from .drafting import FSIII_URL, releases, team


def _setup(settings: Settings, db: AuthoringDB) -> dict[str, str]:
    ReleaseRepository(settings.data_dir).publish_many(releases())
    return team(db)


def _draft(settings: Settings, token: str, scheme: str = "catalogue") -> str:
    code, out, err = run(settings, "draft", "new", scheme, "--title", "Ændringer", "--json",
                         token=token)
    assert code == 0, err
    return str(json.loads(out)["id"])


def test_check_submit_review_close(settings: Settings, db: AuthoringDB) -> None:
    tokens = _setup(settings, db)
    number = _draft(settings, tokens["anna"])
    for args in (["A", "--new", "--label", "da=A", "--broader", "1"],
                 ["B", "--new", "--label", "da=B", "--broader", "A"],
                 ["A", "--broader", "B"]):
        code, _, err = run(settings, "draft", "edit", number, *args, token=tokens["anna"])
        assert code == 0, err

    code, out, err = run(settings, "draft", "check", number, token=tokens["anna"])
    assert code == 1, err  # errors: exit 1
    assert "IKKE bestået (1 fejl, 0 advarsler)" in out
    assert "broader-cycle" in out and "går i ring" in out

    code, _, err = run(settings, "draft", "submit", number, token=tokens["anna"])
    assert code == 1 and "found 1 error(s)" in err

    code, _, err = run(settings, "draft", "edit", number, "A", "--broader", "1",
                       token=tokens["anna"])
    assert code == 0, err
    code, out, err = run(settings, "draft", "check", number, "--json", token=tokens["anna"])
    assert code == 0, err
    checked = json.loads(out)
    assert checked["passed"] and checked["current"] and checked["findings"] == []

    code, out, err = run(settings, "draft", "submit", number, "--comment", "klar",
                         token=tokens["anna"])
    assert code == 0, err
    assert f"draft {number} is now in_review" in out

    code, _, err = run(settings, "draft", "review", number, "approve", token=tokens["anna"])
    assert code == 1 and "needs the role reviewer on catalogue" in err

    code, out, err = run(settings, "draft", "review", number, "changes", "--comment",
                         "Definition mangler", "--concept", "A", "--json",
                         token=tokens["rita"])
    assert code == 0, err
    answer = json.loads(out)
    assert answer["draft"]["status"] == "open"
    assert (answer["review"]["concept"], answer["review"]["comment"]) == \
        ("A", "Definition mangler")

    code, out, err = run(settings, "draft", "review", number, token=tokens["anna"])
    assert code == 0, err
    assert "rita  changes" in out and "[A]  Definition mangler" in out

    code, out, err = run(settings, "draft", "close", number, "--comment", "opgivet",
                         token=tokens["anna"])
    assert code == 0 and f"draft {number} is now closed" in out, err
    code, _, err = run(settings, "draft", "close", number, token=tokens["anna"])
    assert code == 1 and "closed already" in err


def test_self_review_is_refused(settings: Settings, db: AuthoringDB) -> None:
    tokens = _setup(settings, db)
    number = _draft(settings, tokens["lars"])
    run(settings, "draft", "edit", number, "1.3", "--new", "--label", "da=Indkøb",
        token=tokens["lars"])
    code, _, err = run(settings, "draft", "check", number, token=tokens["lars"])
    assert code == 0, err
    code, _, err = run(settings, "draft", "submit", number, token=tokens["lars"])
    assert code == 0, err
    code, out, err = run(settings, "draft", "review", number, "approve", "--json",
                         token=tokens["lars"])
    assert code == 1
    error = json.loads(out)["error"]
    assert error["code"] == "forbidden" and "lars cannot review" in error["message"]
    code, out, err = run(settings, "draft", "review", number, "approve", token=tokens["rita"])
    assert code == 0 and "is now approved" in out, err


def _document(code: str) -> str:
    return json.dumps({
        "resourceType": "Observation", "status": "final",
        "meta": {"profile": ["http://fhir.kl.dk/core/StructureDefinition/kl-core-observation"]},
        "code": {"coding": [{"system": FSIII_URL, "code": code}]}})


def test_documents_that_change_verdict(settings: Settings, db: AuthoringDB,
                                       tmp_path: Path) -> None:
    tokens = _setup(settings, db)
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "uses-new.json").write_text(_document("NEW1"), encoding="utf-8")
    (folder / "sub" / "uses-t2.json").write_text(_document("T2"), encoding="utf-8")
    (folder / "notes.txt").write_text("not a document", encoding="utf-8")
    number = _draft(settings, tokens["fie"], scheme="fsiii")
    code, _, err = run(settings, "draft", "edit", number, "NEW1", "--new", "--label",
                       "da=Ny tilstand", "--broader", "J1", token=tokens["fie"])
    assert code == 0, err

    code, out, err = run(settings, "draft", "check", number, "--documents", str(folder),
                         "--json", token=tokens["vera"])
    assert code == 0, err
    documents = json.loads(out)["impact"]["documents"]
    assert (documents["documents"], documents["problem"]) == (2, None)
    (changed,) = documents["verdict_changed"]
    assert (changed["file"], changed["valid_before"], changed["valid_after"]) == \
        ("uses-new.json", False, True)
    assert [i["rule"] for i in changed["removed"]] == ["term-unknown-code"]
    assert documents["findings_changed"] == []

    code, out, err = run(settings, "draft", "check", number, "--documents", str(folder),
                         token=tokens["vera"])
    assert code == 0, err
    assert "2 valideret, 1 skifter udfald" in out
    assert "uses-new.json: ugyldig → gyldig" in out
    assert "- error term-unknown-code" in out

    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run(settings, "draft", "check", number, "--documents", str(empty),
                         "--json", token=tokens["vera"])
    assert code == 0, err
    assert "ingen dokumenter" in json.loads(out)["impact"]["documents"]["problem"]
