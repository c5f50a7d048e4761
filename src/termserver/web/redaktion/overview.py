"""/redaktion/udkast/{id}: a draft's overview and its workflow buttons.

The overview shows every changed concept as a before/after per field, the newest check
(findings linked to the concepts, the impact report), the review comments and the edit
history; it offers only the buttons the user's roles allow in the draft's state (the
same decision the permission check makes; the action asks it again when it is sent).
Each button posts a form to a route that calls the authoring function the API calls.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ...authoring import checks, drafts, publish, rebase, workflow
from ...authoring.drafts import DraftContent
from ...errors import NotFound, TermserverError
from ...releases import ReleaseRepository
from ...versions import version_key
from . import danish
from .common import PageRoute, actor, back_to, db, may, page, services
from .fields import PICKERS, search
from .messages import MESSAGES
from .show import Describer, change_kind

router = APIRouter(route_class=PageRoute)
EDITABLE = ("open", "in_review", "approved")


@router.get("/redaktion/udkast/{draft_id}")
def overview(request: Request, draft_id: int, besked: str = "", find: str = "") -> Response:
    return render(request, draft_id, message=MESSAGES.get(besked), find=find)


def render(request: Request, draft_id: int, *, message: str | None = None,
           error: TermserverError | None = None, extra: dict[str, Any] | None = None,
           find: str = "", status: int = 200) -> Response:
    """The overview; with `error`, a refused action's Danish explanation at the top."""
    who, store = actor(request), services(request).store
    draft, edits = drafts.open_draft(db(request), who, draft_id)
    now = drafts.content(store, draft, edits)
    body = drafts.draft_body(draft, edits)
    describe = Describer(store, now)
    base_view = DraftContent(draft.id, now.base)
    changed = []
    for code, after in sorted(now.changed.items()):
        before = base_view.state(code)
        if before == after:
            continue
        changed.append({"code": code, "kind": change_kind(before, after),
                        "label": describe.code_label(code), "exists": after is not None,
                        "fields": describe.changes(before, after)})
    try:
        check = checks.latest(db(request), who, draft_id)
    except NotFound:
        check = None
    reviews = workflow.reviews(db(request), who, draft_id)["reviews"]
    authors = sorted({draft.created_by, *(e.author for e in edits)})
    newest = _newest_release(services(request).settings, draft.scheme)
    can = {action: may(who, f"draft.{action}", draft.scheme)
           for action in ("edit", "check", "submit", "review", "publish", "rebase", "close")}
    context = {
        "d": body, "changed": changed, "check": check, "reviews": reviews,
        "authors": authors, "self_review": who.name in authors, "can": can,
        "editable": draft.status in EDITABLE, "newest": newest,
        "outdated": newest is not None and newest != draft.base_version,
        "message": message, "error": danish.explain(error) if error else None,
        "history": list(reversed(body["edits"])),
        "finding_labels": {f["code"]: describe.code_label(f["code"])
                           for f in (check or {}).get("findings", []) if f.get("code")},
        "find": find[:200],
        "found": search(services(request), PICKERS["overbegreb"], find, now, None, limit=20)
        if find.strip() else None,
        "published_as": publish.published_version(services(request).settings,
                                                  draft.scheme, draft_id)
        if draft.status == "published" else None,
        **(extra or {}),
    }
    return page(request, "redaktion/draft.html", context, status)


def _newest_release(settings: Any, scheme: str) -> str | None:
    versions = publish.versions_on_disk(ReleaseRepository(settings.data_dir), scheme)
    return max(versions, key=version_key) if versions else None


async def _act(request: Request, draft_id: int, action: Any, message: str) -> Response:
    """Run one workflow action; on a refusal show the overview with the reason on top."""
    try:
        await run_in_threadpool(action)
    except TermserverError as refused:
        if refused.status_code in (401, 404, 503):
            raise
        return await run_in_threadpool(render, request, draft_id, error=refused,
                                       status=refused.status_code)
    return back_to(f"/redaktion/udkast/{draft_id}", message)


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@router.post("/redaktion/udkast/{draft_id}/kontrol")
async def check(request: Request, draft_id: int) -> Response:
    store = services(request).store
    return await _act(request, draft_id, lambda: checks.run(
        db(request), store, actor(request), draft_id), "kontrolleret")


@router.post("/redaktion/udkast/{draft_id}/indsend")
async def submit(request: Request, draft_id: int) -> Response:
    comment = _text(await request.form(), "kommentar")
    return await _act(request, draft_id, lambda: workflow.submit(
        db(request), actor(request), draft_id, comment), "indsendt")


@router.post("/redaktion/udkast/{draft_id}/review")
async def review(request: Request, draft_id: int) -> Response:
    form = await request.form()
    decision = _text(form, "beslutning")
    comment, concept = _text(form, "kommentar"), _text(form, "begreb") or None
    if decision == "changes" and not comment:
        return await run_in_threadpool(lambda: render(
            request, draft_id, status=400, extra={"review_errors": [
                {"field": "kommentar", "message": "Skriv, hvad der skal ændres, når du beder "
                 "om ændringer."}], "review_comment": comment}))
    store = services(request).store
    return await _act(request, draft_id, lambda: workflow.review(
        db(request), store, actor(request), draft_id, decision, comment, concept),
        "godkendt" if decision == "approve" else "aendringer")


@router.post("/redaktion/udkast/{draft_id}/udgiv")
async def publish_draft(request: Request, draft_id: int) -> Response:
    version = _text(await request.form(), "version") or None
    svc = services(request)
    return await _act(request, draft_id, lambda: publish.publish(
        db(request), svc.settings, svc.store, actor(request), draft_id, version), "udgivet")


@router.post("/redaktion/udkast/{draft_id}/luk")
async def close(request: Request, draft_id: int) -> Response:
    comment = _text(await request.form(), "kommentar")
    return await _act(request, draft_id, lambda: workflow.close(
        db(request), actor(request), draft_id, comment), "lukket")


@router.post("/redaktion/udkast/{draft_id}/opdater")
async def rebase_draft(request: Request, draft_id: int) -> Response:
    """Rebase onto the newest release; conflicts come back as a form with a choice per
    field (the draft's value or the new release's), sent here again."""
    form = await request.form()
    chosen: dict[str, dict[str, str]] = {}
    for key, value in form.multi_items():
        if key.startswith("valg:") and value in ("ours", "theirs"):
            _, code, field = key.split(":", 2)
            chosen.setdefault(code, {})[field] = value
    svc = services(request)
    try:
        await run_in_threadpool(rebase.rebase, db(request), svc.settings, svc.store,
                                actor(request), draft_id, chosen or None)
    except rebase.RebaseConflicts as conflicts:
        return await run_in_threadpool(_conflicts, request, draft_id, conflicts)
    except TermserverError as refused:
        if refused.status_code in (401, 404, 503):
            raise
        return await run_in_threadpool(render, request, draft_id, error=refused,
                                       status=refused.status_code)
    return back_to(f"/redaktion/udkast/{draft_id}", "opdateret")


def _conflicts(request: Request, draft_id: int, refused: rebase.RebaseConflicts) -> Response:
    who, store = actor(request), services(request).store
    draft, edits = drafts.open_draft(db(request), who, draft_id)
    describe = Describer(store, drafts.content(store, draft, edits))
    rows = [{"code": c["code"], "field": c["field"],
             "name": danish.FIELD_NAMES.get(c["field"], c["field"]),
             "label": describe.code_label(c["code"]),
             "base": describe.lines(c["field"], c["base"]),
             "ours": describe.lines(c["field"], c["ours"]),
             "theirs": describe.lines(c["field"], c["theirs"])}
            for c in refused.details["conflicts"]]
    return page(request, "redaktion/rebase.html", {
        "d": drafts.draft_body(draft, edits), "onto": refused.details.get("onto"),
        "rows": rows}, 409)
