"""/redaktion/udkast/{id}/ark: a sheet (CSV/XLSX) or Turtle file of changed concepts
applied to a draft in the browser — upload, see what it will change, confirm.

The upload is a dry run of `drafts.apply_file` (the function `termserver draft apply`
calls, with the same permission check, all-or-nothing checks and audit): the page shows
its report in Danish, or every problem by row and column, and nothing is written. The
file waits on the server (`uploads`) under a random id bound to the session and the
draft; confirming applies it for real, all or nothing, and deletes it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ...authoring import drafts
from ...authoring.sheets import MAX_FILE_BYTES
from ...errors import ImportRefused, TermserverError
from . import danish, uploads
from .common import PageRoute, actor, back_to, current, db, may, page, services
from .show import Describer

router = APIRouter(route_class=PageRoute)
EDITABLE = ("open", "in_review", "approved")
KINDS = {"create": "Nyt begreb", "update": "Ændres", "retire": "Udgår", "rename": "Ny kode",
         "unchanged": "Uændret"}
"""What applying a row does, as the preview says it."""
MAX_MB = MAX_FILE_BYTES // (1024 * 1024)


@router.get("/redaktion/udkast/{draft_id}/ark")
def form(request: Request, draft_id: int) -> Response:
    return render(request, draft_id)


def render(request: Request, draft_id: int, *, status: int = 200,
           **context: Any) -> Response:
    """The page: the upload form, a preview to confirm, or what is wrong with the file."""
    who = actor(request)
    draft, edits = drafts.open_draft(db(request), who, draft_id)
    return page(request, "redaktion/bulk.html", {
        "d": drafts.draft_body(draft, edits), "kinds": KINDS, "max_mb": MAX_MB,
        "can_edit": may(who, "draft.edit", draft.scheme) and draft.status in EDITABLE,
        "errors": [], "problems": [], "report": None, **context}, status)


@router.post("/redaktion/udkast/{draft_id}/ark")
async def preview(request: Request, draft_id: int) -> Response:
    sent = (await request.form()).get("fil")
    if not isinstance(sent, UploadFile) or not sent.filename:
        return await _refuse_form(request, draft_id, "Vælg den fil, der skal indlæses.")
    name = uploads.safe_name(sent.filename)
    if name is None:
        return await _refuse_form(request, draft_id, (
            f"»{sent.filename[:100]}« kan ikke indlæses: vælg et regneark (.csv eller .xlsx) "
            "med én række pr. begreb, eller en Turtle-fil (.ttl) som den, `termserver "
            "export` skriver."))
    data = await sent.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return await _refuse_form(request, draft_id, (
            f"Filen er større end {MAX_MB} MB. Del den i flere filer, og indlæs dem en ad "
            "gangen."), status=413)
    upload = await run_in_threadpool(uploads.keep, data, name, current(request).id, draft_id)
    try:
        report = await run_in_threadpool(
            drafts.apply_file, db(request), services(request).store, actor(request),
            draft_id, upload.path, dry_run=True)
    except TermserverError as refused:
        uploads.discard(upload.id)
        return await _refused(request, draft_id, refused, name)
    return await run_in_threadpool(lambda: render(
        request, draft_id, report=_readable(request, draft_id, report), upload=upload.id,
        filename=name))


@router.post("/redaktion/udkast/{draft_id}/ark/anvend")
async def confirm(request: Request, draft_id: int) -> Response:
    sent = await request.form()
    upload_id = str(sent.get("upload") or "")
    comment = str(sent.get("kommentar") or "").strip()[:500]
    upload = await run_in_threadpool(uploads.find, upload_id, current(request).id, draft_id)
    if upload is None:
        return await _refuse_form(request, draft_id, (
            "Den indlæste fil findes ikke længere (den gemmes i en time, og kun for den, "
            "der indlæste den). Indlæs filen igen."), status=410)
    try:
        await run_in_threadpool(
            drafts.apply_file, db(request), services(request).store, actor(request),
            draft_id, upload.path, comment=comment)
    except TermserverError as refused:
        return await _refused(request, draft_id, refused, upload.path.name)
    finally:
        uploads.discard(upload.id)
    return back_to(f"/redaktion/udkast/{draft_id}", "ark")


@router.post("/redaktion/udkast/{draft_id}/ark/fortryd")
async def cancel(request: Request, draft_id: int) -> Response:
    upload = await run_in_threadpool(uploads.find, str((await request.form()).get("upload")
                                                       or ""), current(request).id, draft_id)
    if upload is not None:
        uploads.discard(upload.id)
    return back_to(f"/redaktion/udkast/{draft_id}")


async def _refuse_form(request: Request, draft_id: int, message: str, *,
                       status: int = 400) -> Response:
    return await run_in_threadpool(lambda: render(
        request, draft_id, errors=[{"field": "fil", "message": message}], status=status))


async def _refused(request: Request, draft_id: int, refused: TermserverError,
                   filename: str) -> Response:
    """A file that cannot be applied: every problem by row and column, or why the file
    cannot be read. A missing role, a missing draft or a database that is down is the
    page's usual refusal."""
    if isinstance(refused, ImportRefused) and (refused.details or {}).get("problems"):
        problems = [str(p) for p in refused.details["problems"]]
        return await run_in_threadpool(lambda: render(
            request, draft_id, problems=problems, filename=filename, status=422))
    if refused.status_code in (401, 403, 404, 503):
        raise refused
    title, explained = danish.explain(refused)
    message = f"{title}: {explained}" if refused.status_code == 409 else \
        f"Filen {filename} kan ikke læses: {refused.message}"
    return await run_in_threadpool(lambda: render(
        request, draft_id, errors=[{"field": "fil", "message": message}],
        filename=filename, status=refused.status_code))


def _readable(request: Request, draft_id: int, report: dict[str, Any]) -> dict[str, Any]:
    """The dry run's report with labels and Danish names, and a count per kind."""
    store = services(request).store
    draft, edits = drafts.open_draft(db(request), actor(request), draft_id)
    describe = Describer(store, drafts.content(store, draft, edits))
    rows = []
    counts: dict[str, int] = {}
    for concept in report["concepts"]:
        kind = "rename" if concept.get("new_code") else concept["kind"]
        counts[kind] = counts.get(kind, 0) + 1
        exists = describe.content is not None and describe.content.has(concept["code"])
        rows.append({"row": concept.get("row"), "code": concept["code"],
                     "label": describe.code_label(concept["code"]) if exists
                     else concept["code"], "kind": kind, "new_code": concept.get("new_code"),
                     "fields": [danish.FIELD_NAMES.get(f, f) for f in concept["fields"]
                                if f not in ("uri", "order")]})
    return {"rows": rows, "counts": counts,
            "changes": sum(n for k, n in counts.items() if k != "unchanged")}
