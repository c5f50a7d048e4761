"""/api/v1/drafts: change sets of one scheme, and conditional edits of their concepts.

Every route needs a token (`acting`, refused with 401 before the body is read); reading a
draft takes editor, reviewer or publisher on its scheme, changing one editor. Published
releases stay public. Concept writes carry the ETag a GET gave (`If-Match`; 412 with the
current state when it is stale, 428 when it is missing) or `If-None-Match: *` to create.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from pydantic import BaseModel, Field

from ..authoring import drafts
from ..authoring.permissions import Actor
from ..store import Store
from .auth import Database, acting
from .responses import json_response
from .schemas import ConceptOut, DiffOut, ErrorOut

router = APIRouter(tags=["authoring"])
Reader = Annotated[Actor, Depends(acting("draft.read"))]
Creator = Annotated[Actor, Depends(acting("draft.create"))]
Editor = Annotated[Actor, Depends(acting("draft.edit"))]

_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No valid token (missing, unknown, revoked)"},
    403: {"model": ErrorOut, "description": "The token's user lacks the role on the "
          "draft's scheme; the message names it"},
    404: {"model": ErrorOut, "description": "No such draft, concept or base release"},
    503: {"model": ErrorOut, "description": "The authoring database cannot be reached"},
}
_CONDITIONAL: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "The draft is not open, or the change is not "
          "allowed (deleting or renaming a published concept)"},
    412: {"model": ErrorOut, "description": "The If-Match ETag is stale: nothing changed; "
          "details.current is the concept now and details.etag its ETag"},
    428: {"model": ErrorOut, "description": "No If-Match (nor If-None-Match: * to create)"},
}


def _store(request: Request) -> Store:
    return request.app.state.services.store


class DraftIn(BaseModel):
    scheme: str = Field(description="The scheme to change, e.g. catalogue; an id with no "
                        "published release starts a new scheme.")
    base: str | None = Field(default=None, description="The release to start from "
                             "(default: the latest).")
    title: str = Field(description="What the draft is for.")


class EditOut(BaseModel):
    id: int
    code: str
    kind: str = Field(description="create, update, retire, rename, delete or undo.")
    author: str
    at: str
    comment: str
    undoes: int | None = Field(description="The edit an undo reverses.")
    undone_by: int | None


class DraftOut(BaseModel):
    id: int
    scheme: str
    base: str | None = Field(description="The base release; null for a new scheme.")
    version: str = Field(description="The draft's content as a release: draft-<id>.")
    title: str
    status: str = Field(description="open, in_review, approved, published or closed; an "
                        "edit in review sends it back to open, after approval to in_review.")
    created_by: str
    created_at: str
    updated_at: str
    edit_count: int
    revision: int | None = Field(default=None, description="The id of the newest edit (0 "
                                 "before the first): checks and reviews name the revision "
                                 "they saw (not in listings).")
    edits: list[EditOut] | None = Field(default=None, description="Oldest first (not in "
                                        "listings).")


class DraftListOut(BaseModel):
    drafts: list[DraftOut] = Field(description="Newest first; only drafts of schemes the "
                                   "caller may read.")


class DraftConceptOut(ConceptOut):
    draft: int
    etag: str = Field(description="The same as the ETag header: send it as If-Match.")


class UndoIn(BaseModel):
    edit: int | None = Field(default=None, description="The edit to undo (default: the "
                             "newest one not yet undone).")
    comment: str = ""


class UndoOut(BaseModel):
    draft: int
    edit: int = Field(description="The new edit that reverses the other.")
    undoes: int
    code: str


class DeletedOut(BaseModel):
    draft: int
    code: str
    deleted: bool
    edit: int


@router.post("/drafts", response_model=DraftOut, status_code=201, responses=_REFUSALS,
             summary="Open a draft of a scheme (editor)")
def create_draft(request: Request, actor: Creator, db: Database, body: DraftIn) -> Response:
    made = drafts.create(db, _store(request), actor, body.scheme, body.title, body.base)
    return json_response(made, status_code=201)


@router.get("/drafts", response_model=DraftListOut, responses=_REFUSALS,
            summary="Drafts the caller may read (editor, reviewer or publisher)")
def list_drafts(actor: Reader, db: Database,
                scheme: Annotated[str | None, Query(description="Only this scheme's")] = None,
                status: Annotated[str | None, Query(description="Only drafts in this "
                                                    "state, e.g. open")] = None) -> Response:
    return json_response(drafts.list_drafts(db, actor, scheme, status))


@router.get("/drafts/{draft_id}", response_model=DraftOut, responses=_REFUSALS,
            summary="A draft and its edits")
def get_draft(actor: Reader, db: Database, draft_id: int) -> Response:
    return json_response(drafts.show(db, actor, draft_id))


@router.get("/drafts/{draft_id}/diff", response_model=DiffOut, responses=_REFUSALS,
            summary="What the draft changes against its base (the release diff's shape)")
def draft_diff(request: Request, actor: Reader, db: Database, draft_id: int) -> Response:
    return json_response(drafts.diff(db, _store(request), actor, draft_id))


@router.get("/drafts/{draft_id}/concepts/{code}", response_model=DraftConceptOut,
            responses=_REFUSALS, summary="A concept as the draft has it, with its ETag")
def get_draft_concept(request: Request, actor: Reader, db: Database, draft_id: int,
                      code: str) -> Response:
    answer = drafts.read_concept(db, _store(request), actor, draft_id, code)
    return _concept_response(answer)


@router.put("/drafts/{draft_id}/concepts/{code}", response_model=DraftConceptOut,
            responses={**_REFUSALS, **_CONDITIONAL},
            summary="Create or change a concept (If-Match, or If-None-Match: * to create)")
def put_draft_concept(
        request: Request, actor: Editor, db: Database, draft_id: int, code: str,
        body: Annotated[dict[str, Any], Body(description=(
            "The concept as GET /api/v1/schemes/{scheme}/concepts/{code} returns it; "
            "derived fields (label, definition, narrower, version) are ignored. Extra "
            "fields: `comment` (why), `reason` (needed when retiring), `code` (a new "
            "notation, only for a never-published concept)."))],
        if_match: Annotated[str | None, Header()] = None,
        if_none_match: Annotated[str | None, Header()] = None) -> Response:
    answer = drafts.put_concept(db, _store(request), actor, draft_id, code, body,
                                if_match=if_match, if_none_match=if_none_match)
    return _concept_response(answer, status_code=201 if answer.created else 200)


@router.delete("/drafts/{draft_id}/concepts/{code}", response_model=DeletedOut,
               responses={**_REFUSALS, **_CONDITIONAL},
               summary="Delete a never-published concept from the draft (If-Match)")
def delete_draft_concept(
        request: Request, actor: Editor, db: Database, draft_id: int, code: str,
        if_match: Annotated[str | None, Header()] = None,
        comment: Annotated[str, Query(description="Why")] = "") -> Response:
    return json_response(drafts.delete_concept(db, _store(request), actor, draft_id, code,
                                               if_match=if_match, comment=comment))


@router.post("/drafts/{draft_id}/undo", response_model=UndoOut,
             responses={**_REFUSALS, 409: _CONDITIONAL[409]},
             summary="Undo an edit by the opposite edit (default: the newest)")
def undo_edit(request: Request, actor: Editor, db: Database, draft_id: int,
              body: UndoIn | None = None) -> Response:
    body = body or UndoIn()
    return json_response(drafts.undo(db, _store(request), actor, draft_id, body.edit,
                                     body.comment))


def _concept_response(answer: drafts.ConceptAnswer, status_code: int = 200) -> Response:
    response = json_response(answer.body, status_code=status_code)
    response.headers["ETag"] = answer.etag
    return response
