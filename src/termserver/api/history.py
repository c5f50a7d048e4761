"""GET /schemes/{scheme}/concepts/{code}/history: every release and draft edit that
touched a concept.

Reading stays public: anonymous callers get the published history, and the answer says
why draft edits were left out. A token with editor, reviewer or publisher on the scheme
(a termserver token, or an OpenID Connect JWT where configured: the caller is identified
as on every other route) adds the draft edits; a bad token is refused (401), as
everywhere. The authoring
database is opened only for a caller with a token, and when it cannot be reached the
published history still answers, saying the draft history is unavailable.

Included before the concepts router: `{code:path}` would otherwise read
`…/mg/dL/history` as the code "mg/dL/history".
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import Field

from ..authoring import history as draft_history
from ..history import history_body, with_drafts
from .auth import authoring_db, current_actor
from .responses import json_response
from .schemas import ERROR_RESPONSES, ErrorOut, _Open

router = APIRouter(tags=["concepts"])


class HistoryFieldOut(_Open):
    field: str = Field(description="label, definition, parent, status (as the release diff "
                       "compares them), alt_labels, hidden_labels, notes, properties, "
                       "replaced_by or mappings (those the concept states); in draft edits "
                       "the stored state's keys (labels, broader, …).")
    old: Any = None
    new: Any = None


class ReleaseEventOut(_Open):
    version: str
    previous: str | None = Field(description="The version before it (null for the first).")
    change: str = Field(description="added, changed, retired (to retired or deprecated) "
                        "or removed (absent from this version).")
    fields: list[HistoryFieldOut] = Field(description="What changed (changed, retired).")
    status: str | None = Field(description="The concept's status in this version (null "
                               "when removed).")
    issued: str | None
    published_at: str | None = Field(description="When the release was published here.")
    draft: int | None = Field(description="The draft the release was published from.")
    unchanged_through: str | None = Field(description="The last later version in which the "
                                          "concept stayed as this entry left it (null when "
                                          "the next version changed it again, or there is "
                                          "none).")


class DraftEditEventOut(_Open):
    draft: int
    title: str
    draft_status: str
    base: str | None
    edit: int
    code: str = Field(description="The code the edit is filed under (a rename: the old "
                      "code).")
    kind: str = Field(description="create, update, retire, rename, delete, undo or rebase.")
    author: str
    at: str
    comment: str
    undoes: int | None
    fields: list[HistoryFieldOut] = Field(description="The concept's fields that differ "
                                          "before and after the edit.")


class DraftHistoryOut(_Open):
    included: bool = Field(description="false for callers who may not read the scheme's "
                           "drafts, or when the authoring database cannot be read.")
    reason: str | None = Field(description="Why the draft edits were left out.")
    edits: list[DraftEditEventOut] = Field(description="Oldest first.")


class HistoryOut(_Open):
    scheme: str
    code: str
    uri: str | None
    label: str | None = Field(description="As in the newest release that has the concept.")
    versions: int = Field(description="Published versions of the scheme compared.")
    releases: list[ReleaseEventOut] = Field(description="Oldest first; versions that left "
                                            "the concept unchanged are left out.")
    drafts: DraftHistoryOut


@router.get(
    "/schemes/{scheme}/concepts/{code:path}/history",
    response_model=HistoryOut,
    responses={**ERROR_RESPONSES, 401: {"model": ErrorOut, "description": "A token was "
                                        "sent but is not valid (unknown, revoked, malformed)"}},
    summary="Every release and draft edit that touched a concept",
)
def get_history(request: Request, scheme: str, code: str) -> Response:
    services = request.app.state.services
    store = services.store
    body = services.cache.get(("history", scheme, code))
    if body is None:
        body = services.cache[("history", scheme, code)] = history_body(store, scheme, code)
    return json_response(with_drafts(store, body, _drafts(request, scheme, code)))


def _drafts(request: Request, scheme: str, code: str) -> dict[str, Any]:
    header = request.headers.get("authorization")
    identify = (lambda db: current_actor(request, db)) if header else None
    return draft_history.drafts_for(lambda: authoring_db(request), identify, scheme, code)
