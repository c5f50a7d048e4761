"""A change from draft to published release through the CLI alone, on SQLite and
PostgreSQL: new, edit, check, submit, review by a second person, publish, rebase."""

from __future__ import annotations

import datetime as dt
import json

from termserver.authoring.db import AuthoringDB
from termserver.authoring.publish import next_version
from termserver.publishing import publish_releases
from termserver.settings import Settings
from termserver.store import Store

from .conftest import run
from .drafting import releases, team

NEXT = next_version(["2026.1"], dt.date.today())


def ok(settings: Settings, *args: str, token: str) -> str:
    code, out, err = run(settings, *args, token=token)
    assert code == 0, err or out
    return out


def approved_draft(settings: Settings, tokens: dict[str, str], label: str,
                   who: str = "anna") -> int:
    made = json.loads(ok(settings, "draft", "new", "catalogue", "--title", "Ny betegnelse",
                         "--json", token=tokens[who]))
    draft = str(made["id"])
    ok(settings, "draft", "edit", draft, "1.1", "--label", f"da={label}",
       "--comment", "klarere", token=tokens[who])
    ok(settings, "draft", "check", draft, token=tokens[who])
    ok(settings, "draft", "submit", draft, token=tokens[who])
    ok(settings, "draft", "review", draft, "approve", "--comment", "ok", token=tokens["rita"])
    return made["id"]


def test_the_whole_way_to_a_release_through_the_cli(settings: Settings,
                                                   db: AuthoringDB) -> None:
    publish_releases(settings, releases())
    tokens = team(db)
    draft = approved_draft(settings, tokens, "Rengøring i hjemmet")

    code, out, err = run(settings, "draft", "publish", str(draft), token=tokens["anna"])
    assert code != 0 and "publisher" in err  # an editor does not publish

    out = ok(settings, "draft", "publish", str(draft), token=tokens["pia"])
    assert f"draft {draft} published as catalogue {NEXT}" in out
    assert "## Ændrede begreber (1)" in out
    release = Store.open(settings.data_dir).release("catalogue", NEXT)
    assert release.concepts["1.1"].labels["da"] == "Rengøring i hjemmet"


def test_a_rebase_through_the_cli_settles_a_conflict_as_told(settings: Settings,
                                                            db: AuthoringDB) -> None:
    publish_releases(settings, releases())
    tokens = team(db)
    first = approved_draft(settings, tokens, "Rengøring i hjemmet")
    second = approved_draft(settings, tokens, "Rengøring af bolig", who="bo")
    ok(settings, "draft", "publish", str(first), token=tokens["pia"])

    code, out, err = run(settings, "draft", "publish", str(second), token=tokens["pia"])
    assert code != 0 and f"Rebase the draft onto {NEXT}" in err
    code, out, err = run(settings, "draft", "rebase", str(second), token=tokens["bo"])
    assert code != 0 and "1 change(s) of the draft collide" in err
    code, out, err = run(settings, "draft", "rebase", str(second), "--take", "1.1=ours",
                         token=tokens["bo"])
    assert code != 0 and "--take '1.1=ours'" in err and "CODE:FIELD=ours" in err
    out = ok(settings, "draft", "rebase", str(second), "--take", "1.1:labels=theirs",
             token=tokens["bo"])
    assert f"rebased from 2026.1 onto {NEXT}; now in_review" in out
    assert "1.1 labels: took theirs" in out
