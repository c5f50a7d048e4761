"""Danish release notes for a release published from a draft, made from its diff.

Methodologists and the domain systems' administrators read them to learn what a new
version changes before they take it into use, so they say it in words (new, changed,
retired, removed concepts, with the fields that changed), not as a JSON diff.
"""

from __future__ import annotations

from ..diff import diff_releases
from ..model import Concept, Release

FIELD_NAMES = {"label": "betegnelse", "definition": "definition", "parent": "overbegreb",
               "status": "status"}
STATUS_NAMES = {"active": "aktiv", "deprecated": "udfaset", "retired": "udfaset",
                "draft": "kladde"}
OTHER_FIELDS = "synonymer, noter, egenskaber eller placering"
"""What `diff.COMPARED_FIELDS` leaves out, named together."""
MAX_LISTED = 200
"""Concepts listed per section; the rest are counted (a bulk edit can touch thousands)."""


def release_notes(base: Release, new: Release, draft_id: int, title: str, by: str) -> str:
    """The notes as Markdown: a heading, who and from what, then one section per kind."""
    diff = diff_releases(base, new)
    retired = {c.code for c in diff.deprecated}
    changed = [f"{c.code} {c.label or ''}".rstrip() + ": "
               + ", ".join(FIELD_NAMES.get(f.field, f.field) for f in c.fields) + " ændret"
               for c in diff.changed if c.code not in retired]
    compared = {c.code for c in diff.changed} | retired
    changed += [f"{_named(after)}: {OTHER_FIELDS} ændret" for code, after in new.concepts.items()
                if code not in compared and code in base.concepts
                and _other_fields(base.concepts[code]) != _other_fields(after)]
    base_name = base.version or "ingen (ny begrebsliste)"
    lines = [f"# {new.info.title or new.scheme} {new.version}", "",
             f"Udgivet {new.info.issued} af {by or 'ukendt'} fra kladde {draft_id} "
             f"»{title}«. Grundlag: {base_name}.", ""]
    if not (diff.added or diff.removed or changed or diff.deprecated):
        lines.append("Ingen ændringer i begreberne.")
    lines += _section("Nye begreber", [_named(c) for c in diff.added])
    lines += _section("Ændrede begreber", changed)
    lines += _section("Udfasede begreber", [_retired(c) for c in diff.deprecated])
    lines += _section("Fjernede begreber", [_named(c) for c in diff.removed])
    return "\n".join(lines).rstrip() + "\n"


def _section(heading: str, items: list[str]) -> list[str]:
    if not items:
        return []
    shown = [f"- {item}" for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        shown.append(f"- … og {len(items) - MAX_LISTED} flere")
    return [f"## {heading} ({len(items)})", "", *shown, ""]


def _other_fields(concept: Concept) -> tuple:
    return (concept.alt_labels, concept.hidden_labels, concept.notes, concept.properties,
            concept.replaced_by, concept.order)


def _named(concept: Concept) -> str:
    return f"{concept.code} {concept.label() or ''}".rstrip()


def _retired(concept: Concept) -> str:
    text = _named(concept)
    reason = next((n.text for n in concept.notes if n.kind == "history"), "")
    if reason:
        text += f" (begrundelse: {reason})"
    if concept.replaced_by:
        text += "; erstattes af " + ", ".join(concept.replaced_by)
    return text
