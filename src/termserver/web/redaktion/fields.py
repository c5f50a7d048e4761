"""The concept editor's form: from a draft concept to form values and back.

The form edits the fields a methodologist works with (labels per language, synonyms,
search words, definitions, notes, parents, mappings, the catalogue's fields, status with
reason and replacement); everything else a concept holds is carried over unchanged from
the state the form was made from. The result is the body `PUT
/api/v1/drafts/{id}/concepts/{code}` takes, handed to the same function.

Concept pickers (parents, replacements, mapping targets, ICF codes, tilstande,
målgrupper) search with the caseworker page's search; without JavaScript the search is a
submit of the form that keeps everything typed so far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...model import MAPPING_RELATIONS
from ..labels import SCHEME_NAMES

CATALOGUE_KEYS = ("legalBasis", "area", "addressesIcf", "addressesCondition", "targetGroup")
"""The catalogue's own properties the form edits (others are carried over)."""
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
NOTE_KINDS = ("scope", "note", "example", "inclusion", "exclusion", "editorial", "history")
STATUSES = {"active": "aktiv", "deprecated": "udfaset", "retired": "udgået"}


@dataclass(frozen=True)
class Picker:
    """A field whose values are concepts found by searching."""

    name: str
    """The form's name for it (Danish, as in the page's URL-encoded form)."""
    label: str
    field: str
    """The concept field it fills: broader, replaced_by, mappings, or a property key."""
    search_label: str = ""
    """The search field's label: "Søg efter …"."""
    schemes: tuple[str, ...] = ()
    """Where to search: () the draft's own concepts (value: code), ("*",) any scheme,
    else those schemes (values: concept IRIs)."""

    @property
    def in_draft(self) -> bool:
        return not self.schemes


PICKERS = {p.name: p for p in (
    Picker("overbegreb", "Overbegreb", "broader", "Søg efter et overbegreb i udkastet"),
    Picker("erstattet-af", "Erstattet af", "replaced_by",
           "Søg efter det begreb, der erstatter det"),
    Picker("kobling", "Kobling til et begreb i en anden samling", "mappings",
           "Søg efter begrebet i alle samlinger", ("*",)),
    Picker("icf", "ICF-koder", "addressesIcf", "Søg efter en ICF-kode (kode eller ord)",
           ("icf",)),
    Picker("tilstand", "Tilstande (FFB eller FSIII)", "addressesCondition",
           "Søg efter en tilstand i FFB eller FSIII", ("ffb", "fsiii")),
    Picker("maalgruppe", "Målgrupper (FFB)", "targetGroup", "Søg efter en målgruppe i FFB",
           ("ffb",)),
)}


def fields_of(body: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of a draft concept as GET answers it (codes for references,
    the draft's own mappings with their target IRI)."""
    own = f"{body['scheme']}@"
    return {
        "labels": dict(body.get("labels") or {}),
        "alt_labels": {k: list(v) for k, v in (body.get("alt_labels") or {}).items()},
        "hidden_labels": {k: list(v) for k, v in (body.get("hidden_labels") or {}).items()},
        "definitions": dict(body.get("definitions") or {}),
        "notes": [dict(n) for n in body.get("notes") or []],
        "status": body.get("status") or "active",
        "broader": [r["code"] for r in body.get("broader") or []],
        "replaced_by": [r["code"] for r in body.get("replaced_by") or []],
        "mappings": [{"relation": m["relation"], "target": m["uri"], "note": m.get("note", "")}
                     for m in body.get("mappings") or []
                     if str(m.get("source") or own).startswith(own)],
        "properties": {k: list(v) for k, v in (body.get("properties") or {}).items()},
    }


def empty_fields() -> dict[str, Any]:
    return {"labels": {}, "alt_labels": {}, "hidden_labels": {}, "definitions": {},
            "notes": [], "status": "active", "broader": [], "replaced_by": [],
            "mappings": [], "properties": {}}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


def _get(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _all(form: Any, name: str) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in form.getlist(name)
                              if isinstance(v, str) and v.strip()))


def read_form(form: Any, start: dict[str, Any], catalogue: bool
              ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The fields the form asks for, starting from `start` (what the form was made
    from), and the problems found (each naming the form field to fix, in Danish)."""
    errors: list[dict[str, str]] = []
    fields = {k: v for k, v in start.items()}
    fields["labels"] = _per_language(form, "label", start["labels"])
    new_lang, new_text = _get(form, "label-ny-sprog").strip(), _get(form, "label-ny-tekst").strip()
    if new_text:
        if not LANGUAGE.fullmatch(new_lang):
            errors.append({"field": "label-ny-sprog", "message": "Sprog: skriv sprogkoden for "
                           "den nye betegnelse, fx en, de eller kl."})
        elif new_lang in fields["labels"]:
            errors.append({"field": "label-ny-sprog", "message": f"Der er allerede en "
                           f"betegnelse på »{new_lang}«; ret den ovenfor."})
        else:
            fields["labels"][new_lang] = new_text
    if not fields["labels"]:
        errors.append({"field": "label-da", "message": "Begrebet skal have en foretrukken "
                       "betegnelse, fx på dansk."})
    fields["alt_labels"] = _lists_per_language(form, "synonymer", start["alt_labels"])
    fields["hidden_labels"] = _lists_per_language(form, "soegeord", start["hidden_labels"])
    fields["definitions"] = _per_language(form, "definition", start["definitions"])
    fields["notes"] = _notes(form)
    fields["broader"] = _all(form, "overbegreb")
    fields["replaced_by"] = _all(form, "erstattet-af")
    fields["mappings"] = _mappings(form)
    if catalogue:
        props = {k: v for k, v in start["properties"].items() if k not in CATALOGUE_KEYS}
        chosen = {"legalBasis": _lines(_get(form, "lovgrundlag")),
                  "area": [_get(form, "omraade")] if _get(form, "omraade") else [],
                  "addressesIcf": _all(form, "icf"),
                  "addressesCondition": _all(form, "tilstand"),
                  "targetGroup": _all(form, "maalgruppe")}
        props.update({k: v for k, v in chosen.items() if v})
        fields["properties"] = dict(sorted(props.items()))
    status = _get(form, "status") or "active"
    fields["status"] = status if status in STATUSES else "active"
    return fields, errors


def _per_language(form: Any, prefix: str, start: dict[str, str]) -> dict[str, str]:
    """`prefix:lang` fields; languages the form did not show keep their text."""
    out = {}
    for lang in sorted({*start, "da", "en"}):
        name = f"{prefix}-{lang}"
        text = _get(form, name).strip() if name in form else start.get(lang, "")
        if text:
            out[lang] = text
    return out


def _lists_per_language(form: Any, prefix: str, start: dict[str, list[str]]
                        ) -> dict[str, list[str]]:
    out = {}
    for lang in sorted({*start, "da"}):
        name = f"{prefix}-{lang}"
        values = _lines(_get(form, name)) if name in form else start.get(lang, [])
        if values:
            out[lang] = values
    return out


def _notes(form: Any) -> list[dict[str, Any]]:
    notes = []
    for i in range(_count(form, "noter-antal") + 1):
        text = _get(form, f"note-{i}-tekst").strip()
        if not text:
            continue
        kind = _get(form, f"note-{i}-art")
        notes.append({"kind": kind if kind in NOTE_KINDS else "note", "text": text,
                      "lang": _get(form, f"note-{i}-sprog").strip() or "da",
                      "refs": _get(form, f"note-{i}-refs").split()})
    return notes


def _mappings(form: Any) -> list[dict[str, str]]:
    out = []
    for i in range(_count(form, "koblinger-antal")):
        target = _get(form, f"kobling-{i}-maal")
        if not target or not _get(form, f"kobling-{i}-behold"):
            continue
        out.append({"relation": _relation(_get(form, f"kobling-{i}-relation")),
                    "target": target, "note": _get(form, f"kobling-{i}-note").strip()})
    for target in _all(form, "kobling"):
        out.append({"relation": _relation(_get(form, "kobling-ny-relation")),
                    "target": target, "note": _get(form, "kobling-ny-note").strip()})
    return out


def _relation(value: str) -> str:
    return value if value in MAPPING_RELATIONS else "closeMatch"


def _count(form: Any, name: str) -> int:
    value = _get(form, name)
    return min(int(value), 500) if value.isdigit() else 0


def put_body(fields: dict[str, Any], *, comment: str, reason: str,
             scheme: str) -> dict[str, Any]:
    """The body of the draft concept PUT for these fields."""
    body: dict[str, Any] = {"scheme": scheme, **fields, "comment": comment[:2000]}
    body["mappings"] = [{"relation": m["relation"], "uri": m["target"], "note": m["note"]}
                        for m in fields["mappings"]]
    if reason:
        body["reason"] = reason
    return body


def search(services: Any, picker: Picker, query: str, content: Any, own_code: str | None,
           limit: int = 10) -> list[dict[str, str]]:
    """Concepts for a picker: the caseworker page's search, in the picker's schemes (for
    parents and replacements: the draft's concepts, including ones it created)."""
    query = query.strip()[:200]
    if not query:
        return []
    found: dict[str, str] = {}
    store, scheme = services.store, content.base.scheme
    if picker.in_draft:
        needle = query.casefold()
        for code, state in content.changed.items():
            if state is not None and (needle in code.casefold() or any(
                    needle in text.casefold() for text in state["labels"].values())):
                found[code] = content.ref(code)["label"] or code
        if scheme in store.schemes():
            for hit in services.search.search(query, scheme=scheme, limit=limit).hits:
                if content.has(hit.code):
                    found.setdefault(hit.code, content.ref(hit.code)["label"] or hit.code)
        found.pop(own_code or "", None)
        return [{"value": code, "label": f"{label} ({code})"}
                for code, label in list(found.items())[:limit]]
    schemes = [None] if picker.schemes == ("*",) else list(picker.schemes)
    for where in schemes:
        if where is not None and where not in store.schemes():
            continue
        for hit in services.search.search(query, scheme=where, limit=limit).hits:
            concept = store.concept(hit.scheme, hit.code)
            if concept is None or (hit.scheme == scheme and hit.code == own_code):
                continue
            name = SCHEME_NAMES.get(hit.scheme, hit.scheme)
            text = (f"{hit.code} {concept.label()} ({name})" if hit.scheme == "icf"
                    else f"{concept.label()} ({name})")
            found.setdefault(concept.uri, text)
    return [{"value": value, "label": label} for value, label in list(found.items())[:limit]]
