"""/redaktion/audit: the audit log for administrators — newest first, in pages, filtered
by action and by who, with the result of verifying the hash chain.

It reads what `GET /api/v1/audit` and `termserver audit` read (`authoring.audit`), after
the same permission check (`audit.read`, administrators only; a refusal is audited and
shown as a Danish 403 page).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select

from ...authoring import audit
from ...authoring.models import AuditEntry
from ...authoring.writes import authorize
from .common import PageRoute, actor, db, page

router = APIRouter(route_class=PageRoute)
PAGE_SIZE = 50
OUTCOMES = {audit.OK: "udført", audit.DENIED: "afvist"}
BREAKS = {"changed": "ændret", "deleted": "slettet"}


@router.get("/redaktion/audit")
def audit_page(request: Request, foer: int | None = None, handling: str = "",
               hvem: str = "") -> Response:
    who = actor(request)
    authorize(db(request), who, "audit.read")
    handling, hvem = handling.strip()[:50], hvem.strip()[:100]
    with db(request).read() as session:
        found = _entries(session, before=foer, action=handling, actor=hvem)
        actions = list(session.scalars(select(AuditEntry.action).distinct()
                                       .order_by(AuditEntry.action)))
        verdict = audit.verify(session).body()
    filters = {k: v for k, v in (("handling", handling), ("hvem", hvem)) if v}
    older = f"/redaktion/audit?{urlencode({**filters, 'foer': found['next_before']})}" \
        if found["next_before"] else None
    return page(request, "redaktion/audit.html", {
        "entries": found["entries"], "total": found["total"], "actions": actions,
        "handling": handling, "hvem": hvem, "older": older, "paged": foer is not None,
        "newest": "/redaktion/audit" + (f"?{urlencode(filters)}" if filters else ""),
        "verdict": verdict, "outcomes": OUTCOMES, "breaks": BREAKS})


def _entries(session: Any, *, before: int | None, action: str, actor: str
             ) -> dict[str, Any]:
    """One page of entries, newest first, matching the filters; `next_before` continues
    it (None: no older entry matches)."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    rows = list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return {"total": total, "entries": [audit.entry_body(e) for e in rows],
            "next_before": rows[-1].seq if more else None}
