"""/redaktion: my drafts, drafts waiting for my review or for publishing, recent
publications, and a new draft from a scheme's latest release."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ...authoring import drafts, publish
from ...authoring.permissions import ADMIN
from ..labels import SCHEME_NAMES, danish_sort_key
from .common import PageRoute, actor, back_to, db, may, page, services
from .messages import MESSAGES

router = APIRouter(route_class=PageRoute)
_ACTIVE = ("open", "in_review", "approved")


@router.get("/redaktion")
def home(request: Request, besked: str = "") -> Response:
    return render_home(request, message=MESSAGES.get(besked))


def render_home(request: Request, *, message: str | None = None,
                errors: list[dict[str, str]] | None = None, title: str = "",
                scheme: str = "", status: int = 200) -> Response:
    who = actor(request)
    found = drafts.list_drafts(db(request), who)["drafts"]
    settings = services(request).settings
    mine = [d for d in found if d["created_by"] == who.name and d["status"] in _ACTIVE]
    review = [d for d in found if d["status"] == "in_review" and d["created_by"] != who.name
              and may(who, "draft.review", d["scheme"])]
    ready = [d for d in found if d["status"] == "approved"
             and may(who, "draft.publish", d["scheme"])]
    others = [d for d in found if d["status"] in _ACTIVE and d not in mine]
    published = [{**d, "published_as": publish.published_version(settings, d["scheme"],
                                                                   d["id"])}
                 for d in found if d["status"] == "published"][:10]
    return page(request, "redaktion/home.html", {
        "mine": mine, "review": review, "ready": ready, "others": others,
        "published": published, "schemes": creatable(request), "message": message,
        "errors": errors or [], "title": title, "scheme": scheme,
        "admin": any(g.role == ADMIN for g in who.grants)}, status)


def creatable(request: Request) -> list[dict[str, str]]:
    """The published schemes the user may open a draft of (as the permission check
    would decide), in Danish alphabetical order."""
    who = actor(request)
    store = services(request).store
    found = [{"id": s, "name": SCHEME_NAMES.get(s, store.latest(s).info.title or s),
              "version": store.latest(s).version}
             for s in store.schemes() if may(who, "draft.create", s)
             and store.latest(s).info.kind != "overlay"]
    return sorted(found, key=lambda s: danish_sort_key(s["name"]))


@router.post("/redaktion/udkast")
async def new_draft(request: Request) -> Response:
    form = await request.form()
    scheme, title = str(form.get("samling") or ""), str(form.get("titel") or "").strip()
    errors = []
    if scheme not in {s["id"] for s in await run_in_threadpool(creatable, request)}:
        errors.append({"field": "samling", "message": "Vælg den begrebssamling, udkastet "
                       "skal ændre."})
    if not title or len(title) > 200:
        errors.append({"field": "titel", "message": "Skriv kort, hvad udkastet er til (højst "
                       "200 tegn), fx »Nye indsatser 2027«."})
    if errors:
        return await run_in_threadpool(lambda: render_home(
            request, errors=errors, title=title, scheme=scheme, status=400))
    made = await run_in_threadpool(drafts.create, db(request), services(request).store,
                                   actor(request), scheme, title)
    return back_to(f"/redaktion/udkast/{made['id']}", "oprettet")

