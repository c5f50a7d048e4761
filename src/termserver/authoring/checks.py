"""`check` of a draft: the draft applied to its base release, then the integrity rules,
the SHACL shapes and the impact report; each run stored with the edit revision it saw.

A draft counts as checked only at that revision: the next edit makes the check stale, and
submitting (and approving) ask for a passing check at the draft's current revision. The
checks are computed outside the write transaction (they read the draft as it was at one
revision, which never changes), so a slow check never holds the writers' lock; only the
stored run and its audit entry are written, together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..store import Store
from . import audit, impact, integrity, shacl
from .db import AuthoringDB
from .drafts import DraftContent, content, load, revision
from .findings import ERROR, attribute
from .models import Draft, DraftCheck, utcnow
from .permissions import Actor
from .writes import authorize, write


def evaluate(store: Store, now: DraftContent, documents: Path | None = None) -> dict[str, Any]:
    """Findings and impact report of a draft's content (nothing stored).

    The rules run on the base release too: what the base already has is the publisher's
    problem, reported as an inherited warning, not the draft's (see findings.attribute).
    Inherited problems of concepts the draft did not touch are only counted
    (`inherited_elsewhere`): a one-concept draft of an official scheme would otherwise list
    every old problem of the whole scheme."""
    release = now.release()
    changed = set(now.changed)
    findings = integrity.check(release, store, changed)
    findings += shacl.check(release, changed)
    known = [*integrity.check(now.base, store, changed), *shacl.check(now.base, changed)]
    attribute(findings, changed, {f.key() for f in known})
    elsewhere = [f for f in findings if f.inherited and not f.involves() & changed]
    findings = [f for f in findings if not (f.inherited and not f.involves() & changed)]
    findings.sort(key=lambda f: (f.severity != ERROR, f.code or "", f.rule, f.message))
    errors = sum(f.severity == ERROR for f in findings)
    report = impact.report(store, now.base, release)
    if documents is not None:
        report["documents"] = impact.documents(store, release, documents)
    return {"passed": errors == 0, "errors": errors, "warnings": len(findings) - errors,
            "findings": [f.body() for f in findings], "inherited_elsewhere": len(elsewhere),
            "impact": report}


def run(db: AuthoringDB, store: Store, actor: Actor, draft_id: int, *,
        documents: Path | None = None) -> dict[str, Any]:
    """Check the draft at its current revision and store the run (and its audit entry)."""
    draft, edits = load(db, draft_id)
    target = f"draft {draft_id}"
    authorize(db, actor, "draft.check", draft.scheme, target=target)
    seen = revision(edits)
    result = evaluate(store, content(store, draft, edits), documents)
    with write(db, actor, "draft.check", draft.scheme, target=target) as change:
        stored = DraftCheck(draft_id=draft_id, revision=seen, checked_by=actor.name or "",
                            at=utcnow(), passed=result["passed"], errors=result["errors"],
                            warnings=result["warnings"],
                            result={"findings": result["findings"],
                                    "inherited_elsewhere": result["inherited_elsewhere"],
                                    "impact": result["impact"]})
        change.session.add(stored)
        change.session.flush()
        change.detail = {"draft": draft_id, "check": stored.id, "revision": seen,
                         "passed": stored.passed, "errors": stored.errors,
                         "warnings": stored.warnings}
        return check_body(stored, current=_current(change.session, draft_id) == seen)


def latest(db: AuthoringDB, actor: Actor, draft_id: int) -> dict[str, Any]:
    """The draft's newest stored check, saying whether it is still current."""
    draft, edits = load(db, draft_id)
    authorize(db, actor, "draft.read", draft.scheme, target=f"draft {draft_id}")
    with db.read() as session:
        stored = newest(session, draft_id)
        if stored is None:
            raise NotFound(f"Draft {draft_id} has not been checked yet. Check it with POST "
                           f"/api/v1/drafts/{draft_id}/check or `termserver draft check "
                           f"{draft_id}`.", details={"draft": draft_id})
        return check_body(stored, current=stored.revision == revision(edits))


def newest(session: Session, draft_id: int) -> DraftCheck | None:
    return session.scalars(select(DraftCheck).where(DraftCheck.draft_id == draft_id)
                           .order_by(DraftCheck.id.desc()).limit(1)).first()


def _current(session: Session, draft_id: int) -> int:
    draft = session.get(Draft, draft_id)
    return revision(list(draft.edits)) if draft is not None else 0


def check_body(stored: DraftCheck, *, current: bool) -> dict[str, Any]:
    return {"id": stored.id, "draft": stored.draft_id, "revision": stored.revision,
            "current": current, "checked_by": stored.checked_by, "at": audit.iso(stored.at),
            "passed": stored.passed, "errors": stored.errors, "warnings": stored.warnings,
            "findings": stored.result.get("findings", []),
            "inherited_elsewhere": stored.result.get("inherited_elsewhere", 0),
            "impact": stored.result.get("impact", {})}
