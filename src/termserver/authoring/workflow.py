"""A draft's way to publication: submit → review → approved (→ published), or closed.

- **submit** (editor): an open draft with edits and a passing check at its current
  revision goes to `in_review`.
- **review** (reviewer, who must not be an author of the draft: neither its creator nor
  anyone who edited it): `approve` (needs a passing check at the current revision) moves
  an in-review draft to `approved`; `changes` sends an in-review or approved draft back to
  `open`, with a comment saying what to change, which may point at one concept.
- **close** (editor or publisher): any draft that is not published or closed already.

Edits send a draft back by themselves (see `drafts.EDITABLE`). Every transition goes
through `writes.write`, so the permission check, the change and its audit entry commit
together; a reviewer refused for having written the draft is audited as denied too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import BadRequest, Forbidden
from ..store import Store
from . import audit
from .checks import newest
from .db import AuthoringDB
from .drafts import (
    APPROVED,
    IN_REVIEW,
    OPEN,
    Conflict,
    content,
    draft_body,
    find,
    load,
    revision,
    scheme_of,
)
from .models import REVIEW_DECISIONS, Draft, DraftCheck, DraftEdit, DraftReview, utcnow
from .permissions import Actor
from .writes import authorize, record_denial, write

CLOSED = "closed"
PUBLISHED = "published"
_MAX_COMMENT = 4000


class SelfReview(Forbidden):
    """The reviewer wrote (part of) the draft: a second person must review it."""


def submit(db: AuthoringDB, actor: Actor, draft_id: int, comment: Any = "") -> dict[str, Any]:
    """Send an open, checked draft to review."""
    note = _comment(comment)
    scheme = scheme_of(db, draft_id)
    with write(db, actor, "draft.submit", scheme, target=f"draft {draft_id}",
               reason=note) as change:
        draft = find(change.session, draft_id)
        edits = list(draft.edits)
        if draft.status != OPEN:
            raise Conflict(f"Draft {draft_id} is {draft.status}; only an open draft can be "
                           "submitted for review.",
                           details={"draft": draft_id, "status": draft.status})
        if not edits:
            raise Conflict(f"Draft {draft_id} has no edits, so there is nothing to review.",
                           details={"draft": draft_id})
        check = _passing_check(change.session, draft, edits, "submitted")
        _move(draft, IN_REVIEW)
        change.detail = {"draft": draft_id, "revision": check.revision, "check": check.id,
                         "status": {"before": OPEN, "after": IN_REVIEW}}
        return {"draft": draft_body(draft, edits), "check": check.id, "review": None}


def review(db: AuthoringDB, store: Store, actor: Actor, draft_id: int, decision: Any,
           comment: Any = "", concept: Any = None) -> dict[str, Any]:
    """A reviewer's decision: approve, or ask for changes (back to open)."""
    if decision not in REVIEW_DECISIONS:
        raise BadRequest(f"decision: {decision!r} is not a decision; give \"approve\" or "
                         "\"changes\" (with a comment saying what to change).",
                         details={"field": "decision"})
    note = _comment(comment)
    if decision == "changes" and not note:
        raise BadRequest("comment: asking for changes needs a comment saying what to change.",
                         details={"field": "comment"})
    if concept is not None and (not isinstance(concept, str) or not concept.strip()):
        raise BadRequest("concept: the code of the concept the comment is about, as text.",
                         details={"field": "concept"})
    scheme = scheme_of(db, draft_id)
    target = f"draft {draft_id}"
    try:
        with write(db, actor, "draft.review", scheme, target=target, reason=note) as change:
            draft = find(change.session, draft_id)
            edits = list(draft.edits)
            _not_an_author(actor, draft, edits)
            allowed = (IN_REVIEW,) if decision == "approve" else (IN_REVIEW, APPROVED)
            if draft.status not in allowed:
                raise Conflict(f"Draft {draft_id} is {draft.status}; "
                               + ("only a draft in review can be approved."
                                  if decision == "approve" else
                                  "changes can be asked for only in review or after "
                                  "approval."), details={"draft": draft_id,
                                                         "status": draft.status})
            code = _concept(store, draft, edits, concept)
            if decision == "approve":
                _passing_check(change.session, draft, edits, "approved")
            before = draft.status
            _move(draft, APPROVED if decision == "approve" else OPEN)
            made = DraftReview(draft_id=draft_id, revision=revision(edits),
                               reviewer=actor.name or "", at=draft.updated_at,
                               decision=decision, comment=note, code=code)
            change.session.add(made)
            change.session.flush()
            change.target = f"{target} {code}" if code else target
            change.detail = {"draft": draft_id, "review": made.id, "decision": decision,
                             "revision": made.revision, "concept": code,
                             "status": {"before": before, "after": draft.status}}
            return {"draft": draft_body(draft, edits), "check": None,
                    "review": review_body(made)}
    except SelfReview as refusal:
        record_denial(db, actor, "draft.review", scheme, target, refusal,
                      {"authors": refusal.details["authors"]})
        raise


def close(db: AuthoringDB, actor: Actor, draft_id: int, comment: Any = "") -> dict[str, Any]:
    """Close a draft that will not be published (it stays readable, with its history)."""
    note = _comment(comment)
    scheme = scheme_of(db, draft_id)
    with write(db, actor, "draft.close", scheme, target=f"draft {draft_id}",
               reason=note) as change:
        draft = find(change.session, draft_id)
        if draft.status in (CLOSED, PUBLISHED):
            raise Conflict(f"Draft {draft_id} is {draft.status} already.",
                           details={"draft": draft_id, "status": draft.status})
        before = draft.status
        _move(draft, CLOSED)
        change.detail = {"draft": draft_id, "status": {"before": before, "after": CLOSED}}
        return {"draft": draft_body(draft, list(draft.edits)), "check": None, "review": None}


def reviews(db: AuthoringDB, actor: Actor, draft_id: int) -> dict[str, Any]:
    """The draft's review decisions and comments, oldest first."""
    draft, edits = load(db, draft_id)
    authorize(db, actor, "draft.read", draft.scheme, target=f"draft {draft_id}")
    with db.read() as session:
        made = session.scalars(select(DraftReview).where(DraftReview.draft_id == draft_id)
                               .order_by(DraftReview.id))
        return {"draft": draft_id, "status": draft.status, "revision": revision(edits),
                "reviews": [review_body(r) for r in made]}


def review_body(made: DraftReview) -> dict[str, Any]:
    return {"id": made.id, "draft": made.draft_id, "revision": made.revision,
            "reviewer": made.reviewer, "at": audit.iso(made.at), "decision": made.decision,
            "comment": made.comment, "concept": made.code}


# -- helpers ----------------------------------------------------------------------------------
def _move(draft: Draft, status: str) -> None:
    draft.status = status
    draft.updated_at = utcnow()


def _passing_check(session: Session, draft: Draft, edits: list[DraftEdit],
                   what: str) -> DraftCheck:
    """The passing check at the draft's current revision, or a 409 saying what to do."""
    current = revision(edits)
    stored = newest(session, draft.id)
    how = (f"Check it with POST /api/v1/drafts/{draft.id}/check or `termserver draft check "
           f"{draft.id}`")
    details: dict[str, Any] = {"draft": draft.id, "revision": current,
                               "check": stored.id if stored else None}
    if stored is None:
        raise Conflict(f"Draft {draft.id} cannot be {what}: it has not been checked. {how}, "
                       "then try again.", details=details)
    if stored.revision != current:
        raise Conflict(f"Draft {draft.id} cannot be {what}: its last check saw revision "
                       f"{stored.revision}, and it has been edited since (now revision "
                       f"{current}). {how} again, then try again.",
                       details={**details, "checked_revision": stored.revision})
    if not stored.passed:
        raise Conflict(f"Draft {draft.id} cannot be {what}: its check at revision {current} "
                       f"found {stored.errors} error(s). Fix them (`termserver draft check "
                       f"{draft.id}` lists them), check again and try again.",
                       details={**details, "errors": stored.errors})
    return stored


def _not_an_author(actor: Actor, draft: Draft, edits: list[DraftEdit]) -> None:
    authors = sorted({draft.created_by, *(e.author for e in edits)})
    if actor.name not in authors:
        return
    how = []
    if draft.created_by == actor.name:
        how.append("opened it")
    mine = [e.id for e in edits if e.author == actor.name]
    if mine:
        how.append(f"made edit{'s' if len(mine) > 1 else ''} {', '.join(map(str, mine))}")
    raise SelfReview(f"{actor.name} cannot review draft {draft.id}: {actor.name} "
                     f"{' and '.join(how)}. A draft is reviewed by a second person; ask "
                     f"another reviewer on {draft.scheme}.",
                     details={"draft": draft.id, "authors": authors})


def _concept(store: Store, draft: Draft, edits: list[DraftEdit], concept: Any) -> str | None:
    """The code a comment points at: a concept of the draft, or one it deleted."""
    if concept is None:
        return None
    code = concept.strip()
    now = content(store, draft, edits)
    if now.has(code) or code in now.base.concepts or code in now.changed:
        return code
    raise BadRequest(f"concept: {code!r} is not a concept of draft {draft.id} "
                     f"({draft.scheme}); point the comment at one of its codes.",
                     details={"field": "concept", "code": code})


def _comment(comment: Any) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str) or len(comment) > _MAX_COMMENT:
        raise BadRequest(f"comment: text of at most {_MAX_COMMENT} characters.",
                         details={"field": "comment"})
    return comment.strip()
