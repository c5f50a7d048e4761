"""/api/v1/drafts/{id}/publish and /rebase: an approved draft becomes a release.

Publishing writes the release into this server's data directory; this server and every
other `termserver serve` on the same directory load it at their next reload check
(`reload_interval`), without a restart. The routes parse and call
`authoring.publish` and `authoring.rebase`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from ..authoring import publish, rebase
from ..authoring.permissions import Actor
from .auth import Database, acting
from .drafts import _REFUSALS, DraftOut
from .responses import json_response
from .schemas import ErrorOut

router = APIRouter(tags=["authoring"])
Publisher = Annotated[Actor, Depends(acting("draft.publish"))]
Rebaser = Annotated[Actor, Depends(acting("draft.rebase"))]

_PUBLISH_REFUSALS: dict[int | str, dict[str, Any]] = {
    **_REFUSALS,
    409: {"model": ErrorOut, "description": "Not approved, not checked at its current "
          "revision, the version exists (`version-exists`), or a newer release of the scheme "
          "was published after the draft's base: rebase it first"},
}
_REBASE_REFUSALS: dict[int | str, dict[str, Any]] = {
    **_REFUSALS,
    409: {"model": ErrorOut, "description": "Nothing to rebase onto, the draft takes no "
          "edits (published, closed), or conflicts (`rebase-conflicts`): details.conflicts "
          "lists {code, field, base, ours, theirs}; send a resolution for each"},
}


class PublishIn(BaseModel):
    version: str | None = Field(default=None, description="The new release's version; "
                                "by default the scheme's next (the year, a dot, the year's "
                                "release count: 2026.3). A version that exists is refused.")


class PublishedOut(DraftOut):
    changes: str = Field(description="What the new release changes, in the API: its diff "
                         "against the draft's base (the scheme, for a new scheme).")
    release_notes: str = Field(description="In Danish, as Markdown, from the release's "
                               "diff against the draft's base.")


class RebaseIn(BaseModel):
    resolutions: dict[str, dict[str, str]] | None = Field(
        default=None, description="For each conflict of an earlier attempt: concept code → "
        "field (or * for the whole concept) → \"ours\" or \"theirs\".")


class RebasedOut(DraftOut):
    rebased: dict[str, Any] = Field(description="{draft, base: {before, after}, edit, "
                                    "resolved: the conflicts and the side taken}")


def _services(request: Request) -> Any:
    return request.app.state.services


@router.post("/drafts/{draft_id}/publish", response_model=PublishedOut,
             responses=_PUBLISH_REFUSALS,
             summary="Publish an approved, checked draft as a new release (publisher)")
def publish_draft(request: Request, actor: Publisher, db: Database, draft_id: int,
                  body: PublishIn | None = None) -> Response:
    services = _services(request)
    return json_response(publish.publish(db, services.settings, services.store, actor,
                                         draft_id, body.version if body else None))


@router.post("/drafts/{draft_id}/rebase", response_model=RebasedOut,
             responses=_REBASE_REFUSALS,
             summary="Carry a draft over to its scheme's newest release (editor)")
def rebase_draft(request: Request, actor: Rebaser, db: Database, draft_id: int,
                 body: RebaseIn | None = None) -> Response:
    services = _services(request)
    return json_response(rebase.rebase(db, services.settings, services.store, actor,
                                       draft_id, body.resolutions if body else None))
