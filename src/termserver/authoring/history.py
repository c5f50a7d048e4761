"""A concept's draft history: every edit of it in any draft of its scheme.

Edits store the concept's whole state before and after (`DraftEdit`), so its history is
read straight from the table: each edit with its draft, author, time, comment and the
fields it changed. Drafts are work in progress, so only callers who may read the
scheme's drafts (`draft.read`: editor, reviewer or publisher) see them; everyone else
gets the published history alone, with the reason the drafts were left out. A database
that cannot be reached leaves the drafts out the same way instead of failing the read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select

from ..errors import DatabaseUnavailable
from . import audit
from .concepts import State
from .db import AuthoringDB
from .models import Draft, DraftEdit
from .permissions import ACTIONS, ANONYMOUS, Actor, allows
from .writes import authorize_token

_CODE_MOVES = ("rename", "undo")
"""Edit kinds whose row `code` may differ from the codes in before/after: a rename is
filed under the old code, the undo of a rename under the new one."""
_IGNORED = ("order",)
"""State keys that are bookkeeping (position in the source), not content."""


def may_read_drafts(actor: Actor, scheme: str) -> str | None:
    """None when `actor` may read the scheme's drafts, else why not (for the answer)."""
    spec = ACTIONS["draft.read"]
    if actor.anonymous:
        return ("draft edits are shown only to callers with a token holding editor, "
                f"reviewer or publisher on {scheme}; published releases are public")
    if not allows(actor.grants, spec, scheme):
        return (f"{actor.name} has no editor, reviewer or publisher role on {scheme}, "
                "which reading its drafts takes")
    return None


def draft_edits(db: AuthoringDB, scheme: str, code: str) -> list[dict[str, Any]]:
    """Every edit that touched `code` in a draft of `scheme`, oldest first. The caller
    has checked `may_read_drafts`; raises DatabaseUnavailable when the database is down."""
    with db.read() as session:
        rows = session.execute(
            select(DraftEdit, Draft).join(Draft, DraftEdit.draft_id == Draft.id)
            .where(Draft.scheme == scheme,
                   or_(DraftEdit.code == code, DraftEdit.kind.in_(_CODE_MOVES)))
            .order_by(DraftEdit.id)).all()
        return [_edit_body(edit, draft) for edit, draft in rows if _touches(edit, code)]


def _touches(edit: DraftEdit, code: str) -> bool:
    return code in (edit.code, (edit.before or {}).get("code"), (edit.after or {}).get("code"))


def _edit_body(edit: DraftEdit, draft: Draft) -> dict[str, Any]:
    return {
        "draft": draft.id, "title": draft.title, "draft_status": draft.status,
        "base": draft.base_version, "edit": edit.id, "code": edit.code, "kind": edit.kind,
        "author": edit.author, "at": audit.iso(edit.at), "comment": edit.comment,
        "undoes": edit.undoes, "fields": changed_fields(edit.before, edit.after),
    }


def changed_fields(before: State | None, after: State | None) -> list[dict[str, Any]]:
    """The state's fields that differ between before and after, in the state's own order;
    a created (deleted) concept lists the fields it has after (had before)."""
    old, new = before or {}, after or {}
    both = before is not None and after is not None
    names = [*new, *(k for k in old if k not in new)]
    return [{"field": name, "old": old.get(name), "new": new.get(name)}
            for name in names
            if name not in _IGNORED and old.get(name) != new.get(name)
            and (both or old.get(name) or new.get(name))]


def drafts_for(open_db: Callable[[], AuthoringDB],
               identify: Callable[[AuthoringDB], Actor] | None, scheme: str,
               code: str) -> dict[str, Any]:
    """The `drafts` part for a caller: anonymous (`identify` None: no database is opened),
    or whoever `identify` finds for the credential they sent. A credential that is not
    valid is refused (Unauthorized, written to the audit log as denied) rather than read
    as anonymous, as everywhere; a database that cannot be reached leaves drafts out."""
    if identify is None:
        return drafts_part(None, ANONYMOUS, scheme, code)
    try:
        db = open_db()
        actor = identify(db)
    except DatabaseUnavailable as down:
        return unavailable(down)
    if actor.problem:
        authorize_token(db, actor, "draft.read")
    return drafts_part(db, actor, scheme, code)


def drafts_part(db: AuthoringDB | None, actor: Actor, scheme: str, code: str
                ) -> dict[str, Any]:
    """The `drafts` part of a concept's history: included with the edits, or left out
    with the reason (`may_read_drafts`, or the database that cannot be read). An
    anonymous caller needs no database (None)."""
    why_not = may_read_drafts(actor, scheme)
    if why_not is not None or db is None:
        return left_out(why_not or "no authoring database was opened")
    try:
        edits = draft_edits(db, scheme, code)
    except DatabaseUnavailable as down:
        return unavailable(down)
    return {"included": True, "reason": None, "edits": edits}


def unavailable(down: DatabaseUnavailable) -> dict[str, Any]:
    """The `drafts` part when the authoring database cannot be read."""
    return left_out(f"draft history is unavailable: {down.message}")


def left_out(reason: str) -> dict[str, Any]:
    return {"included": False, "reason": reason, "edits": []}
