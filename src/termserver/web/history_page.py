"""/historik/{scheme}/{code}: a concept's public history — every release that added,
changed, retired or removed it — linked from the public concept page.

It shows the release part of `GET /api/v1/schemes/{scheme}/concepts/{code}/history`
(`termserver.history`) in Danish. Changes in drafts are work in progress and not public:
the page links to the methodologists' view of the same history (`/redaktion/historik`),
which shows them to a logged-in editor, reviewer or publisher of the scheme.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..errors import TermserverError
from ..history import history_body, not_found
from . import labels
from .routes import _error_page, _page

router = APIRouter(include_in_schema=False)
CHANGES = {"added": "Tilføjet", "changed": "Ændret", "retired": "Udgået",
           "removed": "Fjernet"}
FIELDS = {"label": "Betegnelse", "definition": "Definition", "parent": "Overbegreb",
          "status": "Status", "alt_labels": "Synonymer", "hidden_labels": "Søgeord",
          "notes": "Noter", "properties": "Katalogfelter", "replaced_by": "Erstattet af",
          "mappings": "Koblinger"}
_SHOWN_VALUES = ("label", "definition", "status")
"""Fields whose before and after are short texts, shown beside the field's name."""


@router.get("/historik/{scheme}/{code:path}", response_class=HTMLResponse)
def history_page(request: Request, scheme: str, code: str) -> HTMLResponse:
    store = request.app.state.services.store
    try:
        body = history_body(store, scheme, code)
        if not body["releases"]:
            raise not_found(store, scheme, code, None)
    except TermserverError as exc:
        return _error_page(request, exc, scheme, code)
    return _page(request, "history.html", {
        "h": body, "title": body["label"] or code,
        "scheme_name": labels.SCHEME_NAMES.get(scheme, scheme),
        "releases": [_release(r) for r in reversed(body["releases"])],
        "current": store.concept(scheme, code) is not None})


def _release(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "change_name": CHANGES.get(entry["change"], entry["change"]),
            "fields": [_field(change) for change in entry["fields"]]}


def _field(change: dict[str, Any]) -> dict[str, Any]:
    """A changed field's Danish name, and its texts before and after when they are short
    texts (the rest is named only; the concept page and the data formats show it)."""
    name = change.get("field", "")
    old, new = change.get("old"), change.get("new")
    shown = name in _SHOWN_VALUES and all(isinstance(v, str | None) for v in (old, new))
    if shown and name == "status":
        old, new = (labels.STATUS_NAMES.get(v or "", "aktiv") for v in (old, new))
    return {"name": FIELDS.get(name, name), "shown": shown, "old": old if shown else None,
            "new": new if shown else None}
