"""The methodologists' pages under /redaktion: log in, drafts, the concept editor, the
draft overview with check, review, rebase and publish (docs/authoring.md, docs/web.md).

Every page calls the authoring functions the API calls (`termserver.authoring`), so the
same permission checks, refusals and audit entries apply; the pages only parse forms and
show the answers in Danish, in the caseworker pages' look.
"""

from __future__ import annotations

from fastapi import APIRouter

from ..routes import templates
from . import (
    audit_log,
    concept_history,
    danish,
    editor,
    home,
    login,
    oidc_login,
    overview,
    sheet_upload,
)

templates.env.globals.update(draft_status=danish.DRAFT_STATUS, role_names=danish.ROLE_NAMES,
                             field_names=danish.FIELD_NAMES,
                             edit_kinds=danish.EDIT_KINDS,
                             impact_change=danish.IMPACT_CHANGES)

router = APIRouter(include_in_schema=False)
for module in (login, oidc_login, home, overview, editor, concept_history, sheet_upload, audit_log):
    router.include_router(module.router)
