"""Bulk edits: a Turtle (or other SKOS) file of changed concepts applied to a draft.

(A CSV/XLSX sheet is read by `sheets` and planned by `sheet_edits` into the same
`Planned` edits; `drafts.apply_file` applies either.)

The file holds only the concepts that change, whole, as `termserver export` writes them
(or as a methodologist's tool does): each replaces that concept in the draft, or creates
it. The file is read by the same SKOS importer as a release, with one difference: its
concepts may name parents that are not in the file (they are in the draft), which the
importer, reading a whole release, would drop — so those links are read here.

Applying is all or nothing: every concept is checked first, and one problem anywhere
means nothing is written; the report says what each concept's edit is (or would be).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import SKOS

from ..errors import BadRequest, ImportRefused
from ..importers import ImportOptions, skos
from ..importers.decoding import read_text
from ..model import Release
from ..namespaces import parse_concept_iri
from .concepts import RETIREMENT_NOTE, State, state_of

_FORMATS = {".ttl": "turtle", ".turtle": "turtle", ".nt": "nt"}
FIELDS = ("labels", "alt_labels", "hidden_labels", "definitions", "notes", "status",
           "broader", "replaced_by", "properties", "mappings")


@dataclass
class Planned:
    """One concept of the file and what applying it does."""

    code: str
    kind: str
    """create, update, retire or unchanged."""
    after: State
    fields: list[str] = field(default_factory=list)
    row: int | None = None
    """The sheet row it comes from (a CSV/XLSX sheet; None for Turtle)."""


def read_file(path: Path, scheme: str) -> tuple[Release, dict[str, list[str]]]:
    """The file's concepts as a release of `scheme`, and each concept's parent IRIs."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadRequest(f"{path}: cannot read the file ({exc.strerror or exc}).",
                         details={"file": str(path)}) from None
    if path.suffix.lower() not in _FORMATS:
        raise BadRequest(f"{path.name}: a bulk edit is a Turtle file (.ttl) or N-Triples "
                         "(.nt) of the changed concepts, as `termserver export` writes them, "
                         "or a sheet (.csv or .xlsx) with one row per concept.",
                         details={"file": str(path)})
    options = ImportOptions(scheme=scheme, version="draft")
    graph = Graph()
    try:
        graph.parse(data=read_text(path, data, None), format=_FORMATS[path.suffix.lower()],
                    publicID=path.resolve().as_uri())
    except Exception:  # rdflib's parsers raise their own types; the importer words them
        skos.parse(path, data, options)
        raise
    # The importer reads a whole release and refuses a parent it does not hold; here the
    # parents may be concepts of the draft, so the links are taken out and read by `plan`.
    links = list(graph.subject_objects(SKOS.broader))
    graph.remove((None, SKOS.broader, None))
    release = skos.parse(path, graph.serialize(format="nt", encoding="utf-8"), options)[0]
    parents: dict[str, list[str]] = {}
    by_uri = {c.uri: c.code for c in release.concepts.values()}
    for child, parent in links:
        if str(child) in by_uri:
            parents.setdefault(by_uri[str(child)], []).append(str(parent))
    return release, parents


def plan(release: Release, parents: dict[str, list[str]], current: Any,
         uri_to_code: dict[str, str]) -> tuple[list[Planned], list[str]]:
    """What each concept of the file does to the draft, and every problem found.

    `current(code)` is the draft's state of a code (None if absent); `uri_to_code` maps
    the draft's concept IRIs to codes, so parents can be named by either IRI.
    """
    planned: list[Planned] = []
    problems: list[str] = []
    in_file = {c.code for c in release.concepts.values()}
    uri_to_code = {**uri_to_code, **{c.uri: c.code for c in release.concepts.values()}}
    for concept in release.concepts.values():
        before = current(concept.code)
        broader = set(concept.broader)
        for iri in parents.get(concept.code, []):
            code = uri_to_code.get(iri) or _our_code(iri, release.scheme)
            if code is None:
                problems.append(f"{concept.code}: parent {iri} is not a concept of the draft")
            else:
                broader.add(code)
        concept.broader = sorted(broader)
        if before is not None:
            concept.order = before["order"]
        after = state_of(concept, [m for m in release.mappings if m.source == concept.uri])
        for name in ("broader", "replaced_by"):
            for target in after[name]:
                if target not in in_file and current(target) is None:
                    problems.append(f"{concept.code}: {name} {target!r} is not a concept of "
                                    "the draft or the file")
        kind = change_kind(before, after)
        if kind == "retire" and not any(n["kind"] == RETIREMENT_NOTE for n in after["notes"]):
            problems.append(f"{concept.code}: retiring needs a reason (a skos:historyNote)")
        fields = [f for f in FIELDS if before is None or before[f] != after[f]]
        planned.append(Planned(concept.code, kind, after, fields))
    return planned, problems


def change_kind(before: State | None, after: State) -> str:
    """create, retire (active to retired or deprecated), update or unchanged."""
    if before is None:
        return "create"
    if {f: before[f] for f in FIELDS} == {f: after[f] for f in FIELDS}:
        return "unchanged"
    if after["status"] != "active" and before["status"] == "active":
        return "retire"
    return "update"


def _our_code(iri: str, scheme: str) -> str | None:
    parsed = parse_concept_iri(iri)
    return parsed[1] if parsed is not None and parsed[0] == scheme else None


def refused(problems: list[str], path: Path) -> ImportRefused:
    """Nothing applied: every problem on a line of its own (the first 50 of them; all in
    `details.problems`), so a long list stays readable in a terminal."""
    listed = "".join(f"\n  - {p}" for p in problems[:50])
    if len(problems) > 50:
        listed += f"\n  … and {len(problems) - 50} more"
    return ImportRefused(f"{path.name}: nothing was applied, because:{listed}\nFix the file "
                         "and apply it again.", details={"file": path.name,
                                                         "problems": problems})
