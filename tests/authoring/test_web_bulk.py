"""The bulk page in-process: a sheet uploaded into a draft is previewed without changing
it, applied all or nothing when confirmed, refused with every row/column problem, and
only for an editor with the form's CSRF token; on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from termserver.authoring import audit, drafts
from termserver.authoring.db import AuthoringDB
from termserver.web.redaktion import uploads

from .test_web_pages import actor, app, new_draft, person, published  # noqa: F401
from .web import csrf

SHEET = ("code;label_da;definition_da\n"
         "1.2;Vask af tøj;Vask, tørring og sammenlægning.\n"
         "1.5;Indkøb;Hjælp til at handle ind.\n").encode()
BAD = ("code;label_da;broader;status\n"
       "1.2;Vask af tøj;;\n"
       "1.3;Indkøb;9;\n"
       "1.4;;;gone\n").encode()


def _number(draft: str) -> int:
    return int(draft.rsplit("/", 1)[1])


def _edits(db: AuthoringDB, app: object, draft: str) -> list:  # noqa: F811
    return drafts.open_draft(db, actor(db, "anna"), _number(draft))[1]


def upload(client: TestClient, draft: str, data: bytes, name: str = "ark.csv",
           token: str | None = None):
    page = client.get(f"{draft}/ark")
    assert page.status_code == 200, page.text
    return client.post(f"{draft}/ark", data={"csrf": csrf(page.text) if token is None
                                             else token},
                       files={"fil": (name, data, "text/csv")})


def _upload_id(html: str) -> str:
    found = re.search(r'name="upload" value="([^"]+)"', html)
    assert found, "the preview has no confirm form"
    return found.group(1)


def test_preview_changes_nothing_and_confirm_applies_every_row(app: object,  # noqa: F811
                                                              db: AuthoringDB) -> None:
    anna = person(app, "anna")
    draft = new_draft(anna)
    assert f'href="{draft}/ark">Indlæs regneark' in anna.get(draft).text
    preview = upload(anna, draft, SHEET)
    assert preview.status_code == 200, preview.text
    shown = preview.text[preview.text.index('id="forhaandsvisning"'):]
    assert "2 begreber ændres: 1 nyt begreb, 1 ændres" in shown
    assert re.search(r"<td>2</td><th scope=\"row\">Tøjvask \(1\.2\)</th><td>Ændres</td>"
                     r"<td>Betegnelser, Definition</td>", shown)
    assert "<td>3</td><th scope=\"row\">1.5</th><td>Nyt begreb</td><td>hele begrebet</td>" in shown
    assert _edits(db, app, draft) == []  # the preview wrote nothing
    upload_id = _upload_id(preview.text)
    assert list((uploads.root() / upload_id).glob("*.csv"))  # kept on the server
    done = anna.post(f"{draft}/ark/anvend", data={"csrf": csrf(preview.text),
                                                  "upload": upload_id,
                                                  "kommentar": "Fra arbejdsgruppen"})
    assert done.status_code == 200 and "Filens ændringer er anvendt" in done.text
    edits = _edits(db, app, draft)
    assert sorted(e.code for e in edits) == ["1.2", "1.5"]
    assert {e.comment for e in edits} == {"Fra arbejdsgruppen"}
    assert not (uploads.root() / upload_id).exists()  # deleted once applied
    again = anna.post(f"{draft}/ark/anvend", data={"csrf": csrf(preview.text),
                                                   "upload": upload_id})
    assert again.status_code == 410 and "findes ikke længere" in again.text
    assert len(_edits(db, app, draft)) == 2


def test_a_bad_sheet_lists_every_row_and_column_and_applies_nothing(
        app: object, db: AuthoringDB) -> None:  # noqa: F811
    anna = person(app, "anna")
    draft = new_draft(anna)
    refused = upload(anna, draft, BAD, "fejl.csv")
    assert refused.status_code == 422
    problems = refused.text[refused.text.index('id="problemer"'):]
    assert "fejl.csv: intet er ændret, fordi der er 3 fejl" in problems
    assert "række 3 (1.3), kolonne broader: &#39;9&#39; er ikke et begreb" in problems
    assert "række 4 (1.4), kolonne status: &#39;gone&#39; er ikke en status" in problems
    assert "række 4 (1.4), kolonne label_da" in problems
    assert 'name="upload"' not in refused.text and 'id="fil"' in refused.text
    assert _edits(db, app, draft) == []


def test_confirm_is_all_or_nothing_when_the_draft_changed_meanwhile(
        app: object, db: AuthoringDB) -> None:  # noqa: F811
    anna = person(app, "anna")
    draft = new_draft(anna)
    store, who = app.state.services.store, actor(db, "anna")
    made = drafts.put_concept(db, store, who, _number(draft), "1.7", {
        "labels": {"da": "Handel"}}, if_match=None, if_none_match="*")
    sheet = "code;label_da;broader\n1.2;Vask af tøj;\n1.5;Indkøb;1.7\n"
    preview = upload(anna, draft, sheet.encode())
    assert preview.status_code == 200 and "2 begreber ændres" in preview.text
    # meanwhile the parent row 3 names is deleted: the sheet is checked again on confirm
    drafts.delete_concept(db, store, who, _number(draft), "1.7", if_match=made.etag)
    before = [e.id for e in _edits(db, app, draft)]
    done = anna.post(f"{draft}/ark/anvend", data={"csrf": csrf(preview.text),
                                                  "upload": _upload_id(preview.text)})
    assert done.status_code == 422, done.text
    assert "række 3 (1.5), kolonne broader" in done.text
    assert [e.id for e in _edits(db, app, draft)] == before  # not even row 2, which was fine


def test_without_csrf_token_or_the_editor_role_nothing_is_read(app: object,  # noqa: F811
                                                              db: AuthoringDB) -> None:
    anna, rita = person(app, "anna"), person(app, "rita")
    draft = new_draft(anna)
    forged = upload(anna, draft, SHEET, token="forfalsket")
    assert forged.status_code == 403 and "CSRF" in forged.text
    no_token = anna.post(f"{draft}/ark", files={"fil": ("ark.csv", SHEET, "text/csv")})
    assert no_token.status_code == 403
    reading = rita.get(f"{draft}/ark")
    assert reading.status_code == 200 and 'id="fil"' not in reading.text
    refused = rita.post(f"{draft}/ark", data={"csrf": csrf(reading.text)},
                        files={"fil": ("ark.csv", SHEET, "text/csv")})
    assert refused.status_code == 403 and "redaktør" in refused.text
    with db.read() as session:
        entries = audit.page(session, limit=20)["entries"]
    assert any(e["actor"] == "rita" and e["action"] == "draft.edit"
               and e["outcome"] == "denied" for e in entries)
    # another user cannot confirm anna's upload, even knowing its id
    preview = upload(anna, draft, SHEET)
    stolen = rita.post(f"{draft}/ark/anvend", data={"csrf": csrf(reading.text),
                                                    "upload": _upload_id(preview.text)})
    assert stolen.status_code == 410
    assert _edits(db, app, draft) == []


def test_a_file_of_the_wrong_kind_or_too_big_is_refused(app: object) -> None:  # noqa: F811
    anna = person(app, "anna")
    draft = new_draft(anna)
    wrong = upload(anna, draft, b"x", "../../etc/passwd")
    assert wrong.status_code == 400 and "vælg et regneark (.csv eller .xlsx)" in wrong.text
    from termserver.authoring.sheets import MAX_FILE_BYTES

    big = upload(anna, draft, b"code;label_da\n" + b"x" * MAX_FILE_BYTES)
    assert big.status_code == 413 and "større end 10 MB" in big.text
    empty = upload(anna, draft, b"", "tom.csv")
    assert empty.status_code == 400 and "tom.csv kan ikke læses" in empty.text


def test_an_upload_not_confirmed_within_the_hour_is_gone(app: object,  # noqa: F811
                                                         db: AuthoringDB) -> None:
    import json
    import time

    anna = person(app, "anna")
    draft = new_draft(anna)
    preview = upload(anna, draft, SHEET)
    upload_id = _upload_id(preview.text)
    note = uploads.root() / upload_id / "upload.json"
    kept = json.loads(note.read_text())
    note.write_text(json.dumps(kept | {"at": time.time() - uploads.MAX_AGE - 1}))
    late = anna.post(f"{draft}/ark/anvend", data={"csrf": csrf(preview.text),
                                                  "upload": upload_id})
    assert late.status_code == 410 and "Indlæs filen igen" in late.text
    assert not (uploads.root() / upload_id).exists()
    assert _edits(db, app, draft) == []
    stale = uploads.keep(b"x", "gammel.csv", 1, 1)  # never confirmed: swept by a later upload
    old = json.loads((uploads.root() / stale.id / "upload.json").read_text())
    (uploads.root() / stale.id / "upload.json").write_text(
        json.dumps(old | {"at": time.time() - uploads.MAX_AGE - 1}))
    upload(anna, draft, SHEET)
    assert not (uploads.root() / stale.id).exists()


def test_a_turtle_file_is_previewed_and_applied_too(app: object,  # noqa: F811
                                                    db: AuthoringDB) -> None:
    from .test_drafts_cli import BULK

    anna = person(app, "anna")
    draft = new_draft(anna)
    preview = upload(anna, draft, BULK.encode(), "changes.ttl")
    assert preview.status_code == 200, preview.text
    assert "2 begreber ændres: 1 nyt begreb, 1 ændres; 1 uændret" in preview.text
    assert _edits(db, app, draft) == []
    done = anna.post(f"{draft}/ark/anvend", data={"csrf": csrf(preview.text),
                                                  "upload": _upload_id(preview.text)})
    assert "Filens ændringer er anvendt" in done.text
    assert sorted(e.code for e in _edits(db, app, draft)) == ["1.4", "2"]
