"""What a sheet of changed concepts does to a draft: one row per concept, one edit each.

The columns (docs/authoring.md has the table): `code` names the concept (a code the draft
does not have creates it); `label_<lang>`, `alt_<lang>`, `hidden_<lang>`,
`definition_<lang>`; `broader`, `replaced_by`; `status` and `reason`; `notation` (a new
code); `mappings` (`exactMatch icf:d450`); and the scheme's properties by name
(`legalBasis`, `addressesIcf`, …, or `property:<name>` for a new one). Several values in
one cell are separated by `|`. An empty cell leaves that field as it is; a cell holding
only `-` clears it.

Every row is checked and every problem collected — each names its row and column, in
Danish, as methodologists read them — so one run lists all there is to fix; `plan`
returns the problems and `drafts.apply_file` writes nothing if there is one.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import BadRequest
from ..model import MAPPING_RELATIONS
from ..namespaces import concept_iri
from .bulk import FIELDS, Planned, change_kind
from .concepts import EDITABLE_STATUSES, RETIREMENT_NOTE, State
from .sheets import Sheet

CLEAR = "-"
"""A cell holding only this clears the field."""
SEPARATOR = "|"
LANGUAGE_COLUMNS = {"label": "labels", "alt": "alt_labels", "hidden": "hidden_labels",
                    "definition": "definitions"}
LIST_COLUMNS = {"broader", "replaced_by", "mappings"}
SINGLE_COLUMNS = {"code", "status", "reason", "notation"}
PROPERTY_PREFIX = "property:"
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_PROPERTY = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,99}")
_SCHEME_CODE = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*):(\S+)")
_RELATIONS = {r.lower(): r for r in MAPPING_RELATIONS}


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    kind: str
    """code, status, reason, notation, broader, replaced_by, mappings, a language field
    (labels, alt_labels, hidden_labels, definitions) or property."""
    key: str = ""
    """The language, or the property's name."""


@dataclass
class Context:
    """What planning needs to know about the draft and the store."""

    scheme: str
    state: Callable[[str], State | None]
    """The draft's current state of a code (None: not in the draft)."""
    next_order: int
    property_keys: set[str]
    """Properties the draft's concepts use (their columns need no `property:`)."""
    schemes: set[str]
    """Scheme ids termserver knows: `scheme:code` in a property cell is that concept."""
    resolve_target: Callable[[str, str, str | None], str]
    """The IRI of a mapping target by scheme and code; raises BadRequest if none."""
    published_in: Callable[[str], list[str]]
    """The releases a code of the scheme is published in (a notation change refused)."""
    uri_for: Callable[[str, State], str]
    """A renamed concept's IRI (it follows the code where the IRI ended in it)."""


class _Problems:
    """Problems as they are found; `found` lists them by row."""

    def __init__(self) -> None:
        self._found: list[tuple[int, str]] = []

    def add(self, row: int | None, column: str | None, code: str, message: str) -> None:
        where = [f"række {row}" + (f" ({code})" if code else "")] if row else []
        if column:
            where.append(f"kolonne {column}")
        self._found.append((row or 0, ", ".join(where) + ": " + message if where
                            else message))

    @property
    def found(self) -> list[str]:
        return [message for _, message in sorted(self._found, key=lambda p: p[0])]


def columns(sheet: Sheet, context: Context, problems: _Problems) -> list[Column]:
    """The sheet's columns by their headings; unknown or repeated ones are problems."""
    known_properties = {k.lower(): k for k in context.property_keys}
    found: list[Column] = []
    seen: dict[tuple[str, str], str] = {}
    for index, header in enumerate(sheet.header):
        column = _column(index, header, known_properties)
        if column is None:
            problems.add(sheet.header_row, header or f"nr. {index + 1}", "",
                         "ukendt kolonne. Kolonnerne er code, label_<sprog>, alt_<sprog>, "
                         "hidden_<sprog>, definition_<sprog>, broader, status, reason, "
                         "replaced_by, notation, mappings og skemaets egenskaber ("
                         + (", ".join(sorted(context.property_keys)) or "ingen endnu")
                         + "); en ny egenskab hedder property:<navn>")
            continue
        if (column.kind, column.key) in seen:
            problems.add(sheet.header_row, header, "", f"kolonnen står to gange (også som "
                         f"{seen[(column.kind, column.key)]}); slå dem sammen til én")
            continue
        seen[(column.kind, column.key)] = header
        found.append(column)
    if not any(c.kind == "code" for c in found):
        problems.add(sheet.header_row, None, "", "arket mangler kolonnen code, som "
                     "siger hvilket begreb hver række ændrer")
    return found


def _column(index: int, header: str, known_properties: dict[str, str]) -> Column | None:
    lowered = header.strip().lower()
    if lowered in SINGLE_COLUMNS | LIST_COLUMNS:
        return Column(index, header, lowered)
    prefix, underscore, lang = lowered.partition("_")
    if underscore and prefix in LANGUAGE_COLUMNS and _LANG.fullmatch(lang):
        return Column(index, header, LANGUAGE_COLUMNS[prefix], lang)
    if lowered in known_properties:
        return Column(index, header, "property", known_properties[lowered])
    if lowered.startswith(PROPERTY_PREFIX):
        name = header.strip()[len(PROPERTY_PREFIX):].strip()
        if _PROPERTY.fullmatch(name):
            return Column(index, header, "property", known_properties.get(name.lower(), name))
    return None


def plan(sheet: Sheet, context: Context) -> tuple[list[Planned], list[str]]:
    """Each row's edit, in the sheet's order, and every problem found."""
    problems = _Problems()
    cols = columns(sheet, context, problems)
    if problems.found:
        return [], problems.found
    code_column = next(c for c in cols if c.kind == "code")
    planned: list[Planned] = []
    rows_of: dict[str, int] = {}
    new_order = context.next_order
    for number, cells in sheet.rows:
        code = cells[code_column.index]
        if not code:
            problems.add(number, code_column.header, "", "koden mangler; hver række "
                         "ændrer det begreb, hvis kode står i code")
            continue
        if code in rows_of:
            problems.add(number, code_column.header, code, f"koden står også i række "
                         f"{rows_of[code]}; ét begreb, én række")
            continue
        rows_of[code] = number
        before = context.state(code)
        if code.startswith("="):
            problems.add(number, code_column.header, "", f"cellen indeholder en formel "
                         f"({code[:40]}), som ikke beregnes; skriv koden som tekst")
            continue
        if before is None and ("/" in code or any(ch.isspace() for ch in code)):
            problems.add(number, code_column.header, code, "en ny kode kan ikke indeholde "
                         "mellemrum eller /")
            continue
        row = _Row(number, code, cells, problems, context)
        if before is None:
            after = _new_state(context.scheme, code, new_order)
            new_order += 1
        else:
            after = copy.deepcopy(before)
        for column in cols:
            if column.kind != "code":
                row.apply(column, after, before)
        if not after["labels"]:
            problems.add(number, _header(cols, "labels"), code, "et begreb skal have en "
                         "foretrukken betegnelse (label_da)")
        kind = row.kind(before, after)
        fields = [f for f in FIELDS if before is None or before[f] != after[f]]
        if before is not None and after["code"] != code:
            fields.insert(0, "code")
        planned.append(Planned(code, kind, after, fields, row=number))
    _check_references(planned, context, cols, problems)
    return planned, problems.found


def _new_state(scheme: str, code: str, order: int) -> State:
    return {"code": code, "uri": concept_iri(scheme, code), "labels": {}, "alt_labels": {},
            "hidden_labels": {}, "definitions": {}, "notes": [], "status": "active",
            "broader": [], "replaced_by": [], "properties": {}, "order": order,
            "mappings": []}


def _header(cols: list[Column], kind: str) -> str | None:
    return next((c.header for c in cols if c.kind == kind), None)


class _Row:
    """One row's cells applied to a concept's state, problems noted by column."""

    def __init__(self, number: int, code: str, cells: list[str], problems: _Problems,
                 context: Context) -> None:
        self.number, self.code, self.cells = number, code, cells
        self.problems, self.context = problems, context
        self.reason = ""
        self._reason_column: Column | None = None
        self.renamed = False

    def problem(self, column: Column, message: str) -> None:
        self.problems.add(self.number, column.header, self.code, message)

    def apply(self, column: Column, after: State, before: State | None) -> None:
        text = self.cells[column.index]
        if not text:
            return
        if text.startswith("="):
            self.problem(column, f"cellen indeholder en formel ({text[:40]}), som ikke "
                         "beregnes; skriv værdien som tekst")
            return
        clear = text == CLEAR
        kind = column.kind
        if kind in ("labels", "definitions"):
            if clear:
                after[kind].pop(column.key, None)
            else:
                after[kind][column.key] = text
        elif kind in ("alt_labels", "hidden_labels"):
            values = [] if clear else _split(text)
            if values:
                after[kind][column.key] = values
            else:
                after[kind].pop(column.key, None)
        elif kind in ("broader", "replaced_by"):
            after[kind] = [] if clear else _split(text)
            if self.code in after[kind]:
                self.problem(column, "et begreb kan ikke henvise til sig selv")
        elif kind == "property":
            values = [] if clear else [self._property_value(v) for v in _split(text)]
            if values:
                after["properties"][column.key] = values
            else:
                after["properties"].pop(column.key, None)
        elif kind == "mappings":
            after["mappings"] = [] if clear else self._mappings(column, text, before)
        elif clear:
            self.problem(column, f"{column.header} kan ikke ryddes med '{CLEAR}'; lad "
                         "cellen stå tom for at beholde værdien")
        elif kind == "status":
            self._status(column, text, after)
        elif kind == "reason":
            self.reason = text
            self._reason_column = column
        elif kind == "notation":
            self._notation(column, text, after, before)

    def _status(self, column: Column, text: str, after: State) -> None:
        if text.lower() not in EDITABLE_STATUSES:
            self.problem(column, f"{text!r} er ikke en status; skriv "
                         f"{', '.join(EDITABLE_STATUSES)}")
        else:
            after["status"] = text.lower()

    def _notation(self, column: Column, text: str, after: State,
                  before: State | None) -> None:
        if text == self.code:
            return
        if before is None:
            self.problem(column, "notation giver et eksisterende begreb en ny kode; et nyt "
                         "begreb får sin kode i code")
        elif "/" in text or any(ch.isspace() for ch in text):
            self.problem(column, f"{text!r} kan ikke være en kode (uden mellemrum og /)")
        elif published := self.context.published_in(self.code):
            self.problem(column, f"koden kan ikke ændres: {self.code} er udgivet "
                         f"({self.context.scheme} {', '.join(published)}), og andre henviser "
                         "til den. Opret et nyt begreb, og udfas dette med replaced_by")
        else:
            after["uri"] = self.context.uri_for(text, before)
            after["code"] = text
            self.renamed = True

    def _property_value(self, value: str) -> str:
        """`scheme:code` of a scheme termserver knows is that concept's IRI; anything
        else (a legal basis, an IRI) is kept as written."""
        match = _SCHEME_CODE.fullmatch(value)
        if match and (match[1] in self.context.schemes or match[1] == self.context.scheme):
            return concept_iri(match[1], match[2])
        return value

    def _mappings(self, column: Column, text: str, before: State | None) -> list[dict]:
        notes = {(m["relation"], m["target"]): m.get("note", "")
                 for m in (before or {}).get("mappings", [])}
        out: list[dict] = []
        for entry in _split(text):
            parts = entry.split()
            relation = _RELATIONS.get(parts[0].lower()) if parts else None
            if len(parts) != 2 or relation is None:
                self.problem(column, f"{entry!r} er ikke en mapping; skriv relation og mål, "
                             f"fx 'exactMatch icf:d450' (relationer: "
                             f"{', '.join(MAPPING_RELATIONS)}), flere adskilt af |")
                continue
            target = parts[1]
            if not target.startswith(("http://", "https://")):
                match = _SCHEME_CODE.fullmatch(target)
                if match is None:
                    self.problem(column, f"målet {target!r} skal skrives skema:kode (fx "
                                 "icf:d450) eller som IRI")
                    continue
                try:
                    target = self.context.resolve_target(match[1], match[2], None)
                except BadRequest as missing:
                    self.problem(column, f"målet {parts[1]} findes ikke "
                                 f"({missing.message.removeprefix('mappings: ')})")
                    continue
            mapping = {"relation": relation, "target": target,
                       "note": notes.get((relation, target), "")}
            if mapping not in out:
                out.append(mapping)
        return out

    def kind(self, before: State | None, after: State) -> str:
        """create, rename, retire, update or unchanged; a retirement takes its reason."""
        retiring = before is not None and before["status"] == "active" and \
            after["status"] != "active"
        if self.reason and self._reason_column is not None:
            if after["status"] == "active":
                self.problem(self._reason_column, "reason er grunden til at udfase et "
                             "begreb; sæt status til retired eller deprecated, eller lad "
                             "cellen stå tom")
            else:
                note = {"kind": RETIREMENT_NOTE, "text": self.reason, "lang": "da",
                        "refs": []}
                if note not in after["notes"]:
                    after["notes"].append(note)
        elif retiring or (before is None and after["status"] != "active"):
            self.problems.add(self.number, "reason", self.code, "at udfase et begreb "
                              "kræver en begrundelse i kolonnen reason")
        if before is None:
            return "create"
        if self.renamed:
            return "rename"
        return change_kind(before, after)


def _check_references(planned: list[Planned], context: Context, cols: list[Column],
                      problems: _Problems) -> None:
    """Parents and replacements are concepts of the draft as the sheet leaves it."""
    renamed_away = {p.code for p in planned if p.after["code"] != p.code}
    in_sheet = {p.after["code"] for p in planned}
    for p in planned:
        if p.kind == "rename":
            new = p.after["code"]
            taken_in_draft = context.state(new) is not None and new not in renamed_away
            taken_in_sheet = sum(q.after["code"] == new for q in planned) > 1
            if taken_in_draft or taken_in_sheet:
                problems.add(p.row, _header(cols, "notation"), p.code,
                             f"koden {new} findes allerede; vælg en anden")
        for name in ("broader", "replaced_by"):
            for target in p.after[name]:
                exists = target in in_sheet or (context.state(target) is not None
                                                and target not in renamed_away)
                if not exists and target != p.code:
                    problems.add(p.row, _header(cols, name), p.code,
                                 f"{target!r} er ikke et begreb i udkastet eller arket")


def _split(text: str) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in text.split(SEPARATOR) if v.strip()))
