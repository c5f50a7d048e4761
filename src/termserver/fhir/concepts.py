"""What FHIR asks of one concept: display in a language, inactive, abstract, designations."""

from __future__ import annotations

from typing import Any

from ..model import Concept, Release

CONCEPT_PROPERTIES = "http://hl7.org/fhir/concept-properties"


def is_inactive(concept: Concept) -> bool:
    """FHIR's `inactive`: a retired status or an `inactive` property; deprecated is active."""
    status = concept.properties.get("status")
    if status:
        return status[0] in ("retired", "inactive")
    if concept.properties.get("inactive"):
        return concept.properties["inactive"][0] == "true"
    return concept.status == "retired"


NOT_SELECTABLE = "notSelectable"


def not_selectable_codes(release: Release | None) -> list[str]:
    """The property codes by which the code system says `notSelectable`: one named so, and
    any it declares with FHIR's URI for it (`not-selectable`)."""
    declared = release.info.extra.get("fhirNotSelectable") if release is not None else None
    if declared is None:
        return [NOT_SELECTABLE]
    return [code for code in declared.split(" ") if code]


def not_selectable_values(concept: Concept, release: Release | None) -> list[str]:
    return [v for code in not_selectable_codes(release)
            for v in concept.properties.get(code, [])]


def is_abstract(concept: Concept, release: Release | None = None) -> bool:
    """FHIR's `notSelectable` (abstract): a grouping code that cannot be chosen itself."""
    return "true" in not_selectable_values(concept, release)


def status_code(concept: Concept) -> str | None:
    status = concept.properties.get("status")
    if status:
        return status[0]
    if concept.status != "active":
        return concept.status
    return None


def release_language(release: Release) -> str:
    return release.info.languages[0] if release.info.languages else ""


def display(concept: Concept, release: Release, language: str | None = None) -> str | None:
    """The display in the requested language (`da`, `en-US`…), else the release's own."""
    if language:
        for wanted in _languages(language):
            for tag in (wanted, wanted.split("-")[0]):
                text = concept.labels.get(tag) or next(iter(concept.alt_labels.get(tag, [])),
                                                       None)
                if text:
                    return text
            # a regional designation (de-CH) serves a request for the language (de)
            text = next((values[0] for key, values in concept.alt_labels.items()
                         if values and key.split("-")[0] == wanted), None)
            if text:
                return text
        if _refuses_others(language):  # `de, *; q=0`: no display rather than another
            return None
    own = release_language(release)
    return concept.labels.get(own) or concept.labels.get("") or (
        concept.label() if concept.labels else None)


def _refuses_others(header: str) -> bool:
    """Does the language list refuse every language it does not name (`*; q=0`)?"""
    for part in header.split(","):
        tag, _, quality = part.strip().partition(";")
        if tag.strip() == "*" and quality.replace(" ", "") in ("q=0", "q=0.0"):
            return True
    return False


def _languages(header: str) -> list[str]:
    """`da, en;q=0.5` → [da, en], best first (an Accept-Language list)."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, quality = part.strip().partition(";q=")
        if tag and tag != "*":
            try:
                weight = float(quality) if quality else 1.0
            except ValueError:
                weight = 1.0
            if weight > 0:
                ranked.append((-weight, position, tag.strip()))
    return [tag for *_, tag in sorted(ranked)]


def displays(concept: Concept) -> set[str]:
    """Every text that is a valid display for the code (labels and alternative labels)."""
    texts = set(concept.labels.values())
    for values in concept.alt_labels.values():
        texts.update(values)
    return texts


def designations(concept: Concept, release: Release) -> list[dict[str, Any]]:
    own = release_language(release)
    out: list[dict[str, Any]] = []
    for lang, text in concept.labels.items():
        if lang and lang != own:
            out.append({"language": lang, "value": text})
    for lang, texts in concept.alt_labels.items():
        for text in texts:
            item: dict[str, Any] = {"value": text}
            if lang:
                item["language"] = lang
            out.append(item)
    return out


def release_status_notes(release: Release) -> list[str]:
    """`draft`/`experimental` for a code system a client should know is not settled."""
    notes = []
    if release.info.extra.get("status") == "draft":
        notes.append("draft")
    if release.info.extra.get("experimental", "").lower() == "true":
        notes.append("experimental")
    if release.info.extra.get("standardsStatus") in ("deprecated", "withdrawn"):
        notes.append(release.info.extra["standardsStatus"])
    return notes


def release_canonical(release: Release) -> str:
    """`url|version`, or the URL alone for a code system without versions."""
    return f"{release.info.uri}|{release.version}" if release.version else release.info.uri
