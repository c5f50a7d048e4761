"""Is the display a value gives right for its code, in the languages the request asks for?

A display is right when it is (ignoring case) the code's display or one of its
designations in a requested language (`displayLanguage`, or the request's
Accept-Language); without a requested language any language will do. When the code has
nothing in the requested languages, its display in the code system's own language is
accepted with a note. The messages follow the terminology ecosystem's wording, naming
the valid displays with their languages and the languages asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..model import Concept, Release
from .outcome import FhirError

_TAG = re.compile(r"^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$")


@dataclass(frozen=True)
class Languages:
    """The languages a request asks displays in, best first, as the client wrote them."""

    tags: tuple[str, ...]
    summary: str
    """The request's own words (`de,it,zh`), or `--` when it asked for none."""

    @classmethod
    def parse(cls, header: str | None) -> Languages:
        """`da, en;q=0.5` → (da, en); a malformed list is refused."""
        if not header or not header.strip():
            return cls((), "--")
        ranked = []
        for position, part in enumerate(header.split(",")):
            tag, _, quality = part.strip().partition(";")
            tag = tag.strip()
            weight = 1.0
            if quality.strip():
                name, _, number = quality.strip().partition("=")
                try:
                    weight = float(number) if name.strip() == "q" else -1.0
                except ValueError:
                    weight = -1.0
            if not _TAG.match(tag) or weight < 0:
                raise FhirError(f"Invalid displayLanguage: '{header}'",
                                issue_code="processing", tx_code="invalid-display")
            if weight > 0:
                ranked.append((-weight, position, tag))
        return cls(tuple(tag for *_, tag in sorted(ranked)), header)

    def accepts(self, language: str | None) -> bool:
        """A display in `language` is one asked for (`en-AU` is served by `en`); a display
        whose language nobody declared serves any request, as HL7's validator has it."""
        if not self.tags or not language:
            return True
        return any(tag == "*" or tag.startswith(language) for tag in self.tags)


def code_system_language(release: Release) -> str | None:
    """The language the code system declares for its displays (None if it declares none)."""
    if "fhirLanguage" in release.info.extra:
        return release.info.extra["fhirLanguage"] or None
    return release.info.languages[0] if release.info.languages else None


def _label_language(release: Release, concept: Concept) -> tuple[str, str] | None:
    """(language key, display) of the code's own display."""
    own = release.info.languages[0] if release.info.languages else ""
    for key in (own, ""):
        if concept.labels.get(key):
            return key, concept.labels[key]
    return next(iter(concept.labels.items()), None)


@dataclass(frozen=True)
class DisplayFinding:
    severity: str  # error, warning, information
    text: str


_DISPLAY_USES = {"display", "preferredForLanguage", "900000000000003001",
                 "900000000000013009"}
"""Designation uses that are displays (HL7's, SNOMED's fully specified name and synonym);
a designation with another use (an abbreviation, an old form) is not a display."""


def display_designations(concept: Concept, sent: list[dict[str, Any]] | None
                         ) -> list[tuple[str, str]]:
    """(language key, text) of the code's other designations that may serve as a display:
    as the code system's resource gave them when it was sent (uses known), else the
    release's alternative labels."""
    if sent is None:
        return [(key, value) for key, values in concept.alt_labels.items()
                for value in values]
    return [(str(d.get("language") or ""), str(d["value"])) for d in sent
            if d.get("value") and (not d.get("use")
                                   or d["use"].get("code") in _DISPLAY_USES)]


def check_display(release: Release, concept: Concept, given: str, languages: Languages,
                  *, lenient: bool = False, sent: list[dict[str, Any]] | None = None
                  ) -> DisplayFinding | None:
    """None when `given` is a right display for the code, else what is wrong with it."""
    system, code = release.info.uri, concept.code
    declared = code_system_language(release)
    choices: list[str] = []
    whitespace = False
    default_language = False
    wanted = given.lower()
    own = _label_language(release, concept)
    if own is not None:
        key, label = own
        if languages.accepts(declared):
            choices.append(f"'{label}'" + (f" ({declared})" if declared else ""))
            if wanted == label.lower():
                return None
            whitespace = whitespace or _normal(given) == _normal(label)
        elif wanted == label.lower():
            default_language = True
    for key, value in display_designations(concept, sent):
        language = key or declared
        if not languages.accepts(language):
            if (not language or language == declared) and wanted == value.lower():
                default_language = True
            continue
        choices.append(f"'{value}'" + (f" ({language})" if language else ""))
        if wanted == value.lower():
            return None
        whitespace = whitespace or _normal(given) == _normal(value)
    failure = "warning" if lenient else "error"
    asked = languages.summary
    if choices:
        shown = _or_list(choices)
        valid = (f"Valid display is {shown}" if len(choices) == 1
                 else f"Valid display is one of {len(choices)} choices: {shown}")
        wrong = "Wrong whitespace in Display Name" if whitespace else "Wrong Display Name"
        return DisplayFinding(failure, f"{wrong} '{given}' for {system}#{code}. {valid} "
                                       f"(for the language(s) '{asked}')")
    default = own[1] if own else code
    if default_language:
        return DisplayFinding(
            "information", f"There are no valid display names found for the code "
            f"{system}#{code} for language(s) '{asked}'. The display is '{given}' which is a "
            "valid display for the default language")
    if given != default:
        return DisplayFinding(
            failure, f"Wrong Display Name '{given}' for {system}#{code}. There are no valid "
            f"display names found for language(s) '{asked}'. Default display is '{default}'")
    plural = "languages" if len(languages.tags) > 1 else "language"
    return DisplayFinding("warning", f"No valid Display Names found for {system}#{code} in "
                                     f"the {plural} {asked}")


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def _or_list(items: list[str]) -> str:
    """`a, b or c`."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
