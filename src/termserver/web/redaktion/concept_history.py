"""/redaktion/historik/{scheme}/{code}: a concept's history for methodologists — every
release that changed it and every draft edit of it, who, when and why.

The page reads what `GET /api/v1/schemes/{scheme}/concepts/{code}/history` answers
(`termserver.history` for the releases, `authoring.history` for the drafts, which only
editors, reviewers and publishers of the scheme see) and shows it in Danish.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from ...authoring import history as draft_history
from ...history import history_body, with_drafts
from .common import PageRoute, actor, db, page, services
from .show import Describer

router = APIRouter(route_class=PageRoute)
CHANGES = {"added": "tilføjet", "changed": "ændret", "retired": "udgået",
           "removed": "fjernet"}
_BOOKKEEPING = ("code", "uri")
"""Shown in the page's heading, not as changed fields (a rename says so as its kind)."""
_RELEASE_FIELDS = {"label": "labels", "definition": "definitions", "parent": "broader"}


@router.get("/redaktion/historik/{scheme}/{code}")
def concept_history(request: Request, scheme: str, code: str) -> Response:
    store = services(request).store
    body = history_body(store, scheme, code)
    drafts = draft_history.drafts_part(db(request), actor(request), scheme, code)
    whole = with_drafts(store, body, drafts)
    describe = Describer(store, scheme=scheme)
    return page(request, "redaktion/history.html", {
        "h": whole, "change_names": CHANGES,
        "releases": list(reversed(whole["releases"])),
        "edits": [{**e, "fields": [_field(describe, f) for f in e["fields"]
                                   if f["field"] not in _BOOKKEEPING]}
                  for e in reversed(whole["drafts"]["edits"])],
        "release_fields": lambda fields: [_release_field(f) for f in fields]})


def _field(describe: Describer, change: dict[str, Any]) -> dict[str, Any]:
    from .danish import FIELD_NAMES

    field = change["field"]
    return {"name": FIELD_NAMES.get(field, field), "old": describe.lines(field, change["old"]),
            "new": describe.lines(field, change["new"])}


def _release_field(change: dict[str, Any]) -> str:
    from .danish import FIELD_NAMES

    field = change.get("field", "")
    return FIELD_NAMES.get(_RELEASE_FIELDS.get(field, field), field)
