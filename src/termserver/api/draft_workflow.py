"""/api/v1/drafts/{id}/check|submit|review|close: checks and the review workflow.

The routes parse and call `authoring.checks` and `authoring.workflow`; every one needs a
token (`acting`, 401 before the body is read) and the role the action takes on the
draft's scheme (403). A folder of documents for the impact report is the CLI's
(`termserver draft check --documents DIR`): a server reads no paths a client names.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ..authoring import checks, workflow
from ..authoring.permissions import Actor
from ..store import Store
from .auth import Database, acting
from .drafts import _REFUSALS, DraftOut
from .responses import json_response
from .schemas import ErrorOut

router = APIRouter(tags=["authoring"])
Reader = Annotated[Actor, Depends(acting("draft.read"))]
Checker = Annotated[Actor, Depends(acting("draft.check"))]
Submitter = Annotated[Actor, Depends(acting("draft.submit"))]
Reviewer = Annotated[Actor, Depends(acting("draft.review"))]
Closer = Annotated[Actor, Depends(acting("draft.close"))]

_STATE: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "The draft's state does not allow it: not open "
          "(submit), not in review (approve), already closed; or no passing check at the "
          "current revision (submit, approve): the message says what to do"},
}
_SELF_REVIEW: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "The caller lacks the reviewer role on the "
          "scheme, or wrote the draft (opened it or edited it): a second person reviews"},
}


def _store(request: Request) -> Store:
    return request.app.state.services.store


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class FindingOut(_Open):
    rule: str = Field(description="Stable id: an integrity rule (broader-cycle, …) or a "
                      "SHACL shape (shacl-pref-label, …); docs/authoring.md lists them.")
    severity: str = Field(description="error (blocks submit and publish) or warning.")
    code: str | None = Field(description="The concept the finding is about.")
    message: str = Field(description="In Danish: what is wrong and how to fix it.")
    source: str = Field(description="integrity or shacl.")
    related: list[str] = Field(description="Other concepts involved (a cycle, a duplicate).")
    inherited: bool = Field(description="The draft changed none of the concepts involved: "
                            "the base release has the problem already (reported as a "
                            "warning).")


class ImpactOut(_Open):
    concepts: list[dict[str, Any]] = Field(description="Published concepts the draft "
                                           "retires, moves or deletes: {code, uri, label, "
                                           "change}.")
    catalogue: list[dict[str, Any]] = Field(description="Catalogue entries that refer to "
                                            "them: {code, label, via, concept, change}.")
    mappings: list[dict[str, Any]] = Field(description="Mapping statements of other "
                                           "releases (crosswalks) about them.")
    search_words: list[dict[str, Any]] = Field(description="Overlay labels (everyday search "
                                               "words) on them.")
    value_sets: list[dict[str, Any]] = Field(description="Value sets of the document "
                                             "validator that hold or name them, before and "
                                             "after, with the profile elements bound.")
    documents: dict[str, Any] | None = Field(description="With the CLI's --documents: "
                                             "documents whose verdict or findings change.")


class CheckOut(_Open):
    id: int
    draft: int
    revision: int = Field(description="The draft revision checked (its newest edit's id).")
    current: bool = Field(description="No edit since: the check counts for submit and "
                          "approve.")
    checked_by: str
    at: str
    passed: bool = Field(description="No errors.")
    errors: int
    warnings: int
    findings: list[FindingOut] = Field(description="Errors first, then by concept.")
    inherited_elsewhere: int = Field(description="Problems the base release has in "
                                     "concepts the draft did not touch: counted, not listed.")
    impact: ImpactOut


class ReviewIn(BaseModel):
    decision: Literal["approve", "changes"] = Field(description="approve (needs a passing "
                                                    "check at the current revision), or "
                                                    "changes: back to open.")
    comment: str = Field(default="", description="Why; required when asking for changes.")
    concept: str | None = Field(default=None, description="A concept code of the draft the "
                                "comment is about.")


class CommentIn(BaseModel):
    comment: str = Field(default="", description="Why (kept in the audit log).")


class ReviewOut(BaseModel):
    id: int
    draft: int
    revision: int = Field(description="The draft revision reviewed.")
    reviewer: str
    at: str
    decision: str
    comment: str
    concept: str | None


class TransitionOut(BaseModel):
    draft: DraftOut = Field(description="The draft in its new state.")
    check: int | None = Field(description="Submit: the passing check it went on.")
    review: ReviewOut | None = Field(description="Review: the decision recorded.")


class ReviewsOut(BaseModel):
    draft: int
    status: str
    revision: int
    reviews: list[ReviewOut] = Field(description="Oldest first.")


@router.post("/drafts/{draft_id}/check", response_model=CheckOut, responses=_REFUSALS,
             summary="Check a draft: integrity rules, SHACL shapes and the impact report "
             "(editor, reviewer or publisher)")
def check_draft(request: Request, actor: Checker, db: Database, draft_id: int) -> Response:
    return json_response(checks.run(db, _store(request), actor, draft_id))


@router.get("/drafts/{draft_id}/check", response_model=CheckOut, responses=_REFUSALS,
            summary="The draft's newest check, and whether it is still current")
def latest_check(actor: Reader, db: Database, draft_id: int) -> Response:
    return json_response(checks.latest(db, actor, draft_id))


@router.post("/drafts/{draft_id}/submit", response_model=TransitionOut,
             responses={**_REFUSALS, **_STATE},
             summary="Submit an open draft for review (editor; needs a passing check at the "
             "current revision)")
def submit_draft(actor: Submitter, db: Database, draft_id: int,
                 body: CommentIn | None = None) -> Response:
    return json_response(workflow.submit(db, actor, draft_id, (body or CommentIn()).comment))


@router.post("/drafts/{draft_id}/review", response_model=TransitionOut,
             responses={**_REFUSALS, **_SELF_REVIEW, **_STATE},
             summary="Approve a draft in review, or ask for changes (reviewer, not an "
             "author of the draft)")
def review_draft(request: Request, actor: Reviewer, db: Database, draft_id: int,
                 body: ReviewIn) -> Response:
    return json_response(workflow.review(db, _store(request), actor, draft_id, body.decision,
                                         body.comment, body.concept))


@router.get("/drafts/{draft_id}/reviews", response_model=ReviewsOut, responses=_REFUSALS,
            summary="The draft's review decisions and comments")
def draft_reviews(actor: Reader, db: Database, draft_id: int) -> Response:
    return json_response(workflow.reviews(db, actor, draft_id))


@router.post("/drafts/{draft_id}/close", response_model=TransitionOut,
             responses={**_REFUSALS, **_STATE},
             summary="Close a draft that will not be published (editor or publisher)")
def close_draft(actor: Closer, db: Database, draft_id: int,
                body: CommentIn | None = None) -> Response:
    return json_response(workflow.close(db, actor, draft_id, (body or CommentIn()).comment))
