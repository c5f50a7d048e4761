"""Who is asking (`Authorization: Bearer`), and the endpoints that answer only by that.

`current_actor` is the dependency every authoring route takes: no header is the
anonymous reader (all reading stays public), a header with a bad token is refused by
the permission check with 401. The authoring database is opened on first use, so a
server whose database is down still serves every read; these endpoints then answer 503.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from ..authoring import audit, tokens, users
from ..authoring.db import AuthoringDB
from ..authoring.oidc import Verifier
from ..authoring.permissions import Actor
from ..authoring.writes import authorize, authorize_token
from .responses import json_response
from .schemas import ErrorOut

router = APIRouter(tags=["authoring"])
_opening = threading.Lock()


def authoring_db(request: Request) -> AuthoringDB:
    """The app's authoring database, made on first use (not at start-up)."""
    state = request.app.state
    db: AuthoringDB | None = getattr(state, "authoring_db", None)
    if db is None:
        with _opening:
            db = getattr(state, "authoring_db", None)
            if db is None:
                db = state.authoring_db = AuthoringDB.from_settings(state.services.settings)
    return db


Database = Annotated[AuthoringDB, Depends(authoring_db)]


def oidc_verifier(request: Request) -> Verifier | None:
    """The app's OpenID Connect verifier (None when the settings leave it off), made on
    first use; it keeps the provider's key set cached for every request."""
    state = request.app.state
    if not hasattr(state, "oidc_verifier"):
        with _opening:
            if not hasattr(state, "oidc_verifier"):
                state.oidc_verifier = Verifier.from_settings(state.services.settings)
    return state.oidc_verifier


def current_actor(request: Request, db: Database) -> Actor:
    return tokens.actor_for_header(db, request.headers.get("authorization"),
                                   oidc_verifier(request))


CurrentActor = Annotated[Actor, Depends(current_actor)]


def acting(action: str) -> Callable[..., Actor]:
    """The dependency of a write route: `Annotated[Actor, Depends(acting("draft.edit"))]`.

    It refuses a caller without a valid token (401, audited) before FastAPI reads the
    request body, so every write route refuses anonymous callers alike (a test sends
    one to each). The route then makes its change through `writes.write`, which checks
    the role on the scheme (403).
    """

    def signed_in(actor: CurrentActor, db: Database) -> Actor:
        authorize_token(db, actor, action)
        return actor

    return signed_in

_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No valid token (missing, unknown, revoked; "
          "an OpenID Connect JWT that fails a check)"},
    403: {"model": ErrorOut, "description": "The token's user lacks the role; the message "
          "names it"},
    503: {"model": ErrorOut, "description": "The authoring database cannot be reached"},
}


class RoleOut(BaseModel):
    role: str
    scheme: str = Field(description="A scheme id, or * for every scheme (official KL/WHO "
                        "schemes need a grant by name).")


class MeOut(BaseModel):
    name: str | None = Field(description="The token's user; null when anonymous.")
    anonymous: bool
    roles: list[RoleOut] = Field(description="Always reader on *; then the granted roles.")
    token: str | None = Field(description="The prefix of the termserver token used.")
    issuer: str | None = Field(description="The OpenID Connect issuer of the JWT used; "
                               "null for a termserver token.")


class AuditEntryOut(BaseModel):
    seq: int = Field(description="Position in the log, counting from 1 without gaps.")
    at: str
    actor: str | None = Field(description="User name; null for an anonymous caller.")
    action: str
    scheme: str | None
    target: str
    outcome: str = Field(description="ok or denied.")
    reason: str
    detail: dict[str, Any] = Field(description="Before/after, or what was refused.")
    prev_hash: str = Field(description="The previous entry's hash (64 zeros for the first).")
    hash: str = Field(description="SHA-256 of prev_hash followed by this entry's canonical "
                      "JSON (the fields above, sorted keys, no spaces).")


class AuditPageOut(BaseModel):
    total: int
    entries: list[AuditEntryOut] = Field(description="Newest first.")
    next_before: int | None = Field(description="Pass as ?before= for older entries; null "
                                    "at the start of the log.")


@router.get("/me", response_model=MeOut, summary="Who the token belongs to, and its roles",
            responses={k: v for k, v in _REFUSALS.items() if k != 403})
def me(actor: CurrentActor, db: Database) -> Response:
    authorize(db, actor, "me")
    return json_response(users.describe(actor))


@router.get("/audit", response_model=AuditPageOut, summary="The audit log, newest first "
            "(admin)", responses=_REFUSALS)
def audit_log(actor: CurrentActor, db: Database,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100,
              before: Annotated[int | None, Query(ge=1, description="Entries before this "
                                                  "seq (the previous page's next_before)")]
              = None) -> Response:
    authorize(db, actor, "audit.read")
    with db.read() as session:
        return json_response(audit.page(session, limit=limit, before=before))
