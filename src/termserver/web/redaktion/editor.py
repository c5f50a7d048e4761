"""The concept editor: /redaktion/udkast/{id}/begreb/{code} and …/nyt for a new concept.

Saving calls `drafts.put_concept` with the ETag the form was made from (If-Match; a new
concept If-None-Match: *), exactly as the API's PUT does, then checks the draft
(`checks.run`, stored and audited like the overview's button) and shows the findings for
this concept at once. Someone who saved the concept in the meantime makes the ETag stale:
nothing is written, and the page shows both versions field by field to choose from
(…/konflikt), never overwriting silently.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...authoring import checks, drafts
from ...authoring.concepts import etag as etag_of
from ...authoring.drafts import DraftContent, PreconditionFailed
from ...errors import BadRequest, NotFound
from ..labels import AREA_NAMES, LANG_NAMES, NOTE_NAMES, RELATION_NAMES, SCHEME_NAMES
from . import danish
from .common import PageRoute, actor, back_to, db, may, page, services
from .fields import (
    CODE,
    NOTE_KINDS,
    PICKERS,
    STATUSES,
    empty_fields,
    fields_of,
    put_body,
    read_form,
    search,
)
from .messages import MESSAGES
from .show import FIELDS, Describer

router = APIRouter(route_class=PageRoute)
_FIELD_OF_API = {"labels": "label-da", "definitions": "definition-da", "broader": "overbegreb",
                 "replaced_by": "erstattet-af", "mappings": "kobling-soeg", "reason": "aarsag",
                 "code": "kode", "comment": "kommentar", "notes": "note-0-tekst",
                 "status": "status"}


def _url(draft_id: int, code: str | None) -> str:
    return (f"/redaktion/udkast/{draft_id}/begreb/{quote(code, safe='')}" if code
            else f"/redaktion/udkast/{draft_id}/nyt")


@router.get("/redaktion/udkast/{draft_id}/nyt")
def new_concept(request: Request, draft_id: int) -> Response:
    return _editor(request, draft_id, None, empty_fields(), etag="")


@router.get("/redaktion/udkast/{draft_id}/begreb/{code}")
def edit_concept(request: Request, draft_id: int, code: str, besked: str = "") -> Response:
    answer = drafts.read_concept(db(request), services(request).store, actor(request),
                                 draft_id, code)
    return _editor(request, draft_id, code, fields_of(answer.body), etag=answer.etag,
                   message=MESSAGES.get(besked), show_check=besked == "gemt")


@router.post("/redaktion/udkast/{draft_id}/nyt")
async def create_concept(request: Request, draft_id: int) -> Response:
    form = await request.form()
    return await run_in_threadpool(_save, request, form, draft_id, None)


@router.post("/redaktion/udkast/{draft_id}/begreb/{code}")
async def save_concept(request: Request, draft_id: int, code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_save, request, form, draft_id, code)


def _save(request: Request, form: Any, draft_id: int, code: str | None) -> Response:
    """Save the form, or (a search button, or Enter in a search field) show what the
    search found, keeping everything typed so far."""
    who, store = actor(request), services(request).store
    draft, edits = drafts.open_draft(db(request), who, draft_id)
    now = drafts.content(store, draft, edits)
    catalogue = draft.scheme == "catalogue"
    etag = str(form.get("etag") or "")
    if code is None:
        start = empty_fields()
    else:
        state = now.state(code)
        if state is None:
            raise NotFound(f"No concept {code}", details={"draft": draft_id, "code": code})
        start = fields_of(drafts.concept_body(store, now, state))
    fields, errors = read_form(form, start, catalogue)
    new_code = str(form.get("kode") or "").strip() if code is None else code
    comment, reason = _text(form, "kommentar"), _text(form, "aarsag")
    action = _text(form, "handling")
    searches = {name: _text(form, f"{name}-soeg") for name in PICKERS}
    if action.startswith("soeg:") or (action == "standard" and any(searches.values())):
        wanted = action[5:] if action.startswith("soeg:") else next(
            name for name, q in searches.items() if q)
        results = {name: search(services(request), PICKERS[name], q, now, code)
                   for name, q in searches.items() if q and (name == wanted or
                                                             action == "standard")}
        return _editor(request, draft_id, code, fields, etag=etag, results=results,
                       searches=searches, comment=comment, reason=reason,
                       new_code=new_code, focus=wanted)
    errors += _problems(fields, start, code, new_code, reason)
    if errors:
        return _editor(request, draft_id, code, fields, etag=etag, errors=errors,
                       searches=searches, comment=comment, reason=reason, new_code=new_code,
                       status=400)
    body = put_body(fields, comment=comment, reason=reason, scheme=draft.scheme)
    target = new_code if code is None else code
    try:
        drafts.put_concept(db(request), store, who, draft_id, target, body,
                           if_match=None if code is None else etag or "missing",
                           if_none_match="*" if code is None else None)
    except PreconditionFailed as stale:
        if code is None:
            return _editor(request, draft_id, code, fields, etag=etag, comment=comment,
                           reason=reason, new_code=new_code, status=409, errors=[
                               {"field": "kode", "message": f"Der findes allerede et begreb "
                                f"med koden »{new_code}« i udkastet; vælg en anden kode."}])
        original = _state_at(store, now, edits, code, etag)
        changed = [f for f in FIELDS if original is None or fields[f] != original[f]]
        return _conflict(request, draft_id, code, fields, stale, comment, reason, changed)
    except BadRequest as refused:
        field = _FIELD_OF_API.get(str(refused.details.get("field")), "")
        _title, message = danish.explain(refused)
        return _editor(request, draft_id, code, fields, etag=etag, comment=comment,
                       reason=reason, new_code=new_code, status=400,
                       errors=[{"field": field, "message": message}])
    checks.run(db(request), store, who, draft_id)
    return back_to(_url(draft_id, target), "gemt")


def _problems(fields: dict[str, Any], start: dict[str, Any], code: str | None,
              new_code: str, reason: str) -> list[dict[str, str]]:
    errors = []
    if code is None and not _valid_code(new_code):
        errors.append({"field": "kode", "message": "Kode: skriv begrebets kode med bogstaver, "
                       "tal, punktum, bindestreg eller understreg, fx SEL-85-GANG."})
    if fields["status"] != "active" and start["status"] == "active" and not reason:
        errors.append({"field": "aarsag", "message": "Årsag: skriv, hvorfor begrebet udgår "
                       "(fx »Slået sammen med …«); det bliver en del af historikken."})
    return errors


def _valid_code(code: str) -> bool:
    return bool(CODE.fullmatch(code))


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _editor(request: Request, draft_id: int, code: str | None, fields: dict[str, Any], *,
            etag: str, errors: list[dict[str, str]] | None = None,
            results: dict[str, list[dict[str, str]]] | None = None,
            searches: dict[str, str] | None = None, comment: str = "", reason: str = "",
            new_code: str = "", message: str | None = None, show_check: bool = False,
            focus: str | None = None, status: int = 200) -> Response:
    who, store = actor(request), services(request).store
    draft, edits = drafts.open_draft(db(request), who, draft_id)
    now = drafts.content(store, draft, edits)
    describe = Describer(store, now)
    found = None
    if show_check and code is not None:
        found = _concept_findings(request, draft_id, code)
    labels = {**{lang: "" for lang in ("da", "en")}, **fields["labels"]}
    context = {
        "d": drafts.draft_body(draft, edits), "code": code, "new_code": new_code,
        "f": fields, "etag": etag, "errors": errors or [], "results": results or {},
        "searches": searches or {}, "comment": comment, "reason": reason,
        "message": message, "findings": found, "focus": focus,
        "catalogue": draft.scheme == "catalogue",
        "label_rows": sorted(labels.items(), key=lambda kv: (kv[0] != "da", kv[0])),
        "definition_rows": sorted({**{"da": ""}, **fields["definitions"]}.items(),
                                  key=lambda kv: (kv[0] != "da", kv[0])),
        "alt_rows": sorted({**{"da": []}, **fields["alt_labels"]}.items()),
        "hidden_rows": sorted({**{"da": []}, **fields["hidden_labels"]}.items()),
        "chosen": {name: [{"value": v, "label": describe.code_label(v) if p.in_draft
                           else describe.iri_label(v)} for v in _values(fields, p.field)]
                   for name, p in PICKERS.items() if name != "kobling"},
        "mappings": [{**m, "label": describe.iri_label(m["target"])}
                     for m in fields["mappings"]],
        "pickers": PICKERS, "statuses": STATUSES, "note_kinds": NOTE_KINDS,
        "note_names": NOTE_NAMES, "lang_names": LANG_NAMES, "areas": AREA_NAMES,
        "relations": RELATION_NAMES, "scheme_name": SCHEME_NAMES.get(draft.scheme,
                                                                     draft.scheme),
        "editable": draft.status in ("open", "in_review", "approved"),
        "can_edit": may(who, "draft.edit", draft.scheme),
        "title": (fields["labels"].get("da") or next(iter(fields["labels"].values()), "")
                  or code or "Nyt begreb"),
    }
    return page(request, "redaktion/concept.html", context, status)


def _values(fields: dict[str, Any], field: str) -> list[str]:
    if field in ("broader", "replaced_by"):
        return list(fields[field])
    return list(fields["properties"].get(field, []))


def _concept_findings(request: Request, draft_id: int, code: str) -> dict[str, Any] | None:
    """The newest check's findings about this concept, if the check saw the draft as it
    is now (the save just ran it)."""
    try:
        check = checks.latest(db(request), actor(request), draft_id)
    except NotFound:
        return None
    if not check["current"]:
        return None
    mine = [f for f in check["findings"] if f.get("code") == code or code in f["related"]]
    return {"findings": mine, "passed": check["passed"], "errors": check["errors"]}


# -- a stale edit -------------------------------------------------------------------------
def _state_at(store: Any, now: Any, edits: list[Any], code: str,
              tag: str) -> dict[str, Any] | None:
    """The concept's fields as they were when the form was made: the state (from the
    draft's edits, or its base) whose ETag the form carried; None if none matches."""
    candidates = [e.after for e in edits if e.after and e.after.get("code") == code]
    base = DraftContent(now.draft_id, now.base).state(code)
    for state in (*reversed(candidates), base):
        if state is not None and etag_of(state) == tag:
            return fields_of(drafts.concept_body(store, now, state))
    return None


def _conflict(request: Request, draft_id: int, code: str, mine: dict[str, Any],
              stale: PreconditionFailed, comment: str, reason: str,
              changed: list[str]) -> Response:
    """Both versions side by side, a choice per field that differs; nothing is saved.
    Each choice starts at the user's own version for the fields the user changed, and at
    the saved version for the others (the user did not touch them)."""
    theirs = fields_of(stale.details["current"])
    draft, edits = drafts.open_draft(db(request), actor(request), draft_id)
    store = services(request).store
    describe = Describer(store, drafts.content(store, draft, edits))
    last = next((e for e in reversed(edits) if e.code == code), None)
    rows = [{"field": f, "name": danish.FIELD_NAMES.get(f, f), "changed": f in changed,
             "mine": describe.lines(f, mine[f]), "theirs": describe.lines(f, theirs[f])}
            for f in FIELDS if mine.get(f) != theirs.get(f)]
    return page(request, "redaktion/conflict.html", {
        "d": drafts.draft_body(draft, edits), "code": code, "rows": rows,
        "etag": stale.details["etag"], "mine": json.dumps(mine, ensure_ascii=False),
        "comment": comment, "reason": reason, "label": describe.code_label(code),
        "changed": ",".join(changed),
        "by": last.author if last else None,
        "at": last.at.isoformat()[:16].replace("T", " ") if last else None}, 409)


@router.post("/redaktion/udkast/{draft_id}/begreb/{code}/konflikt")
async def resolve_conflict(request: Request, draft_id: int, code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_resolve, request, form, draft_id, code)


def _resolve(request: Request, form: Any, draft_id: int, code: str) -> Response:
    """Save the chosen side of each field over the version saved meanwhile (If-Match its
    ETag: if it changed again, the choice is offered again)."""
    who, store = actor(request), services(request).store
    try:
        mine = json.loads(str(form.get("mine") or ""))
    except json.JSONDecodeError:
        mine = None
    if not isinstance(mine, dict) or not all(f in mine for f in FIELDS):
        raise BadRequest("The form lost your version of the concept; open the concept and "
                         "make the change again.", details={"field": "mine"})
    current = drafts.read_concept(db(request), store, who, draft_id, code)
    merged = fields_of(current.body)
    for field in FIELDS:
        if form.get(f"valg-{field}") == "mine":
            merged[field] = mine[field]
    draft, _edits = drafts.open_draft(db(request), who, draft_id)
    body = put_body(merged, comment=_text(form, "kommentar"), reason=_text(form, "aarsag"),
                    scheme=draft.scheme)
    try:
        drafts.put_concept(db(request), store, who, draft_id, code, body,
                           if_match=str(form.get("etag") or "missing"), if_none_match=None)
    except PreconditionFailed as stale:
        changed = [f for f in _text(form, "aendrede").split(",") if f in FIELDS]
        return _conflict(request, draft_id, code, mine, stale, _text(form, "kommentar"),
                         _text(form, "aarsag"), changed)
    checks.run(db(request), store, who, draft_id)
    return back_to(_url(draft_id, code), "gemt")


# -- search as you type -------------------------------------------------------------------
@router.get("/redaktion/udkast/{draft_id}/soeg")
def picker_search(request: Request, draft_id: int, felt: str = "", q: str = "",
                  begreb: str = "") -> JSONResponse:
    """Suggestions for a picker while typing (the page's script): `{results: [{value,
    label}]}`, the same search the form's search button runs."""
    picker = PICKERS.get(felt)
    if picker is None:
        return JSONResponse({"results": []}, status_code=400)
    who, store = actor(request), services(request).store
    draft, edits = drafts.open_draft(db(request), who, draft_id)
    now = drafts.content(store, draft, edits)
    return JSONResponse({"results": search(services(request), picker, q[:200], now,
                                           begreb or None, limit=8)})
