"""A concept inside a draft: its stored state, its ETag, and the JSON clients send.

An edit stores the concept's whole state before and after (`state_of`): the concept's
fields plus the mappings it states itself, as plain JSON with every key present, so the
same concept always encodes to the same bytes and its ETag (`etag`) changes exactly when
its content does. `state_from_body` reads the shape `GET /api/v1/schemes/{s}/concepts/{c}`
returns, so a client can GET a concept, change it and PUT it back; the fields that are
derived (label, definition, narrower, version) are ignored.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..errors import BadRequest
from ..model import MAPPING_RELATIONS, Concept, Mapping, Note

State = dict[str, Any]
EDITABLE_STATUSES = ("active", "deprecated", "retired")
RETIREMENT_NOTE = "history"
"""The note kind that carries a retirement's reason (skos:historyNote)."""


def state_of(concept: Concept, mappings: list[Mapping]) -> State:
    """A concept and the mappings it states, as an edit stores them."""
    return {
        "code": concept.code,
        "uri": concept.uri,
        "labels": dict(sorted(concept.labels.items())),
        "alt_labels": {k: list(v) for k, v in sorted(concept.alt_labels.items())},
        "hidden_labels": {k: list(v) for k, v in sorted(concept.hidden_labels.items())},
        "definitions": dict(sorted(concept.definitions.items())),
        "notes": [{"kind": n.kind, "text": n.text, "lang": n.lang, "refs": list(n.refs)}
                  for n in concept.notes],
        "status": concept.status,
        "broader": list(concept.broader),
        "replaced_by": list(concept.replaced_by),
        "properties": {k: list(v) for k, v in sorted(concept.properties.items())},
        "order": concept.order,
        "mappings": [{"relation": m.relation, "target": m.target, "note": m.note}
                     for m in mappings if m.source == concept.uri],
    }


def concept_of(state: State) -> Concept:
    """The model concept a stored state describes (its mappings are `mappings_of`)."""
    return Concept(
        code=state["code"], uri=state["uri"], labels=dict(state["labels"]),
        alt_labels={k: list(v) for k, v in state["alt_labels"].items()},
        hidden_labels={k: list(v) for k, v in state["hidden_labels"].items()},
        definitions=dict(state["definitions"]),
        notes=[Note(n["kind"], n["text"], n.get("lang", ""), tuple(n.get("refs", ())))
               for n in state["notes"]],
        status=state["status"], broader=list(state["broader"]),
        properties={k: list(v) for k, v in state["properties"].items()},
        replaced_by=list(state["replaced_by"]), order=state["order"])


def mappings_of(state: State) -> list[Mapping]:
    return [Mapping(state["uri"], m["relation"], m["target"], m.get("note", ""))
            for m in state["mappings"]]


def etag(state: State) -> str:
    """A strong ETag over the state's canonical JSON (quoted, as HTTP wants it)."""
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32] + '"'


# -- reading a client's concept -----------------------------------------------------------
def state_from_body(body: Any, *, code: str, uri: str, order: int,
                    resolve_target: Any) -> tuple[State, str]:
    """The state a PUT body asks for, and the retirement reason it gives ("" if none).

    `code` is the concept's code after the edit (the body's `code`, or the path's);
    `resolve_target(scheme, code, version)` gives the IRI of a mapping target named by
    scheme and code instead of `uri`. Raises BadRequest naming the field at fault.
    """
    if not isinstance(body, dict):
        raise BadRequest("The concept must be a JSON object, shaped as GET "
                         "/api/v1/schemes/{scheme}/concepts/{code} returns it.")
    state: State = {
        "code": code, "uri": uri,
        "labels": _text_map(body, "labels"),
        "alt_labels": _list_map(body, "alt_labels"),
        "hidden_labels": _list_map(body, "hidden_labels"),
        "definitions": _text_map(body, "definitions"),
        "notes": _notes(body),
        "status": _status(body),
        "broader": _refs(body, "broader"),
        "replaced_by": _refs(body, "replaced_by"),
        "properties": _list_map(body, "properties"),
        "order": order,
        "mappings": _mappings(body, resolve_target),
    }
    if not state["labels"]:
        raise BadRequest("labels: a concept needs a preferred label, e.g. "
                         '{"labels": {"da": "Praktisk hjælp"}}.', details={"field": "labels"})
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        raise BadRequest("reason: give the reason for retiring as text.",
                         details={"field": "reason"})
    return state, reason.strip()


def _where(name: str, problem: str, example: str) -> BadRequest:
    return BadRequest(f"{name}: {problem}; e.g. {example}.", details={"field": name})


def _text_map(body: dict, name: str) -> dict[str, str]:
    value = body.get(name) or {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise _where(name, "takes one text per language tag", f'{{"{name}": {{"da": "…"}}}}')
    return {k: v.strip() for k, v in sorted(value.items()) if v.strip()}


def _list_map(body: dict, name: str) -> dict[str, list[str]]:
    value = body.get(name) or {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v)
            for k, v in value.items()):
        raise _where(name, "takes a list of texts per key", f'{{"{name}": {{"da": ["…"]}}}}')
    cleaned = {k: [x.strip() for x in v if x.strip()] for k, v in sorted(value.items())}
    return {k: v for k, v in cleaned.items() if v}


def _notes(body: dict) -> list[dict[str, Any]]:
    value = body.get("notes") or []
    notes = []
    for note in value if isinstance(value, list) else [None]:
        if not (isinstance(note, dict) and isinstance(note.get("kind"), str)
                and isinstance(note.get("text"), str)):
            raise _where("notes", "each note is an object with kind and text",
                         '[{"kind": "scope", "text": "…", "lang": "da"}]')
        refs = note.get("refs") or []
        if not isinstance(refs, list):
            raise _where("notes", "refs is a list of codes", '"refs": ["d450"]')
        notes.append({"kind": note["kind"], "text": note["text"],
                      "lang": str(note.get("lang") or ""), "refs": [str(r) for r in refs]})
    return notes


def _status(body: dict) -> str:
    status = body.get("status") or "active"
    if status not in EDITABLE_STATUSES:
        raise _where("status", f"{status!r} is not a status a draft can set "
                     f"({', '.join(EDITABLE_STATUSES)})", '"status": "retired"')
    return status


def _refs(body: dict, name: str) -> list[str]:
    """Codes from `[{"code": …}]` (as GET returns them) or plain `["code"]`."""
    value = body.get(name) or []
    codes = []
    for ref in value if isinstance(value, list) else [None]:
        code = ref.get("code") if isinstance(ref, dict) else ref
        if not isinstance(code, str) or not code.strip():
            raise _where(name, "takes a list of concepts by code", '[{"code": "1.2"}]')
        codes.append(code.strip())
    return list(dict.fromkeys(codes))


def _mappings(body: dict, resolve_target: Any) -> list[dict[str, str]]:
    """The concept's own mappings. Entries another release states (GET lists those too,
    with that release as `source`) are left out: they are not this concept's to change."""
    value = body.get("mappings") or []
    if not isinstance(value, list):
        raise _where("mappings", "takes a list", '[{"relation": "closeMatch", "uri": "…"}]')
    own_scheme = body.get("scheme")
    out = []
    for entry in value:
        if not isinstance(entry, dict):
            raise _where("mappings", "each mapping is an object",
                         '{"relation": "closeMatch", "scheme": "icf", "code": "d510"}')
        source = entry.get("source")
        if isinstance(source, str) and own_scheme and not source.startswith(f"{own_scheme}@"):
            continue
        relation = entry.get("relation")
        if relation not in MAPPING_RELATIONS:
            raise _where("mappings", f"relation {relation!r} is not one of "
                         f"{', '.join(MAPPING_RELATIONS)}", '"relation": "closeMatch"')
        target = entry.get("uri") or entry.get("target")
        if not target:
            if not (isinstance(entry.get("scheme"), str) and isinstance(entry.get("code"), str)):
                raise _where("mappings", "name the target by uri, or by scheme and code "
                             "(and version, default the latest)",
                             '{"relation": "exactMatch", "scheme": "icf", "code": "d510"}')
            target = resolve_target(entry["scheme"], entry["code"], entry.get("version"))
        note = entry.get("note") or ""
        if not isinstance(target, str) or not isinstance(note, str):
            raise _where("mappings", "uri and note are texts", '"note": "…"')
        out.append({"relation": relation, "target": target, "note": note})
    return out
