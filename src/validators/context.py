"""One document, prepared once for every check: its resources, their profiles, an index."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .model import DocumentType
from .report import Finding
from .standard import RULES
from .terminology import Terminology


@dataclass(slots=True)
class Entry:
    path: str
    resource: dict
    kind: str
    profiles: frozenset[str]
    """Profile names (last segment of each meta.profile URL)."""


@dataclass(slots=True)
class Context:
    document: dict
    doc_type: DocumentType | None
    entries: list[Entry]
    by_key: dict[str, dict]
    terminology: Terminology
    issues: list[Finding] = field(default_factory=list)
    _by_kind: dict[str, list[Entry]] | None = None

    def add(self, rule: str, path: str, message: str) -> None:
        self.issues.append(Finding(RULES[rule].severity, rule, path, message))

    def of(self, kind: str, profile: str | None = None) -> list[Entry]:
        if self._by_kind is None:
            self._by_kind = {}
            for entry in self.entries:
                self._by_kind.setdefault(entry.kind, []).append(entry)
        found = self._by_kind.get(kind, [])
        return found if profile is None else [e for e in found if profile in e.profiles]

    def resolve(self, reference: Any) -> dict | None:
        ref = reference.get("reference") if isinstance(reference, dict) else None
        if not isinstance(ref, str):
            return None
        found = self.by_key.get(ref)
        if found is None:
            found = self.by_key.get("/".join(ref.rstrip("/").split("/")[-2:]))
        return found


def lst(value: Any) -> list:
    """A FHIR array as a list; anything else (a wrong JSON type) as empty."""
    return value if type(value) is list else []


def obj(value: Any) -> dict:
    """A FHIR complex element as a dict; anything else as empty."""
    return value if type(value) is dict else {}


def profile_urls(resource: dict) -> list[str]:
    meta = resource.get("meta")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    return [p for p in profiles if isinstance(p, str)] if isinstance(profiles, list) else []


@cache
def _names(urls: tuple[str, ...]) -> frozenset[str]:
    return frozenset(p.rstrip("/").rsplit("/", 1)[-1].split("|")[0] for p in urls)


def profile_names(resource: dict) -> frozenset[str]:
    """Profile names (last URL segment, version dropped); memoised per list of URLs."""
    meta = resource.get("meta")
    profiles = meta.get("profile") if type(meta) is dict else None
    if type(profiles) is not list or not profiles:
        return frozenset()
    try:
        return _names(tuple(profiles))
    except (TypeError, AttributeError):  # junk in meta.profile
        return _names(tuple(p for p in profiles if isinstance(p, str)))


def first_coding(concept: Any) -> dict | None:
    if isinstance(concept, dict):
        for coding in lst(concept.get("coding")):
            if isinstance(coding, dict) and type(coding.get("code")) is str and coding["code"]:
                return coding
    return None


def rank(element: Any) -> int | None:
    """ConditionRank on a reference, whichever canonical the extension uses (note §7.1)."""
    if not isinstance(element, dict):
        return None
    for extension in lst(element.get("extension")):
        if isinstance(extension, dict) and str(extension.get("url", "")).endswith(
                "/ConditionRank"):
            value = extension.get("valuePositiveInt", extension.get("valueInteger"))
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


def has_extension(resource: dict, suffix: str) -> bool:
    return any(isinstance(e, dict) and str(e.get("url", "")).endswith(suffix)
               for e in lst(resource.get("extension")))
