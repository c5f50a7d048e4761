"""One document, prepared once for every check: its resources, their profiles, an index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import DocumentType
from .report import Finding
from .standard import PROFILES, RULES
from .terminology import Terminology


@dataclass(slots=True)
class Entry:
    path: str
    resource: dict
    kind: str
    profiles: frozenset[str]
    """Profile names (last segment of each meta.profile URL) and their declared bases."""


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
        return find(self.by_key, ref)


def by_bundle(entries: list[Entry]) -> dict[str, list[Entry]]:
    """The resources each Bundle of the document holds directly, by the Bundle's path
    (`Bundle`, or `Bundle.entry[0].resource` inside a bundle of delivery reports)."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        parent, found, _ = entry.path.rpartition(".entry[")
        if found:
            groups.setdefault(parent, []).append(entry)
    return groups


def find(by_key: dict[str, dict], ref: str) -> dict | None:
    """The Bundle's resource a reference points to: by fullUrl, else by `Type/id` (the
    reference's last two segments); a version-specific reference (`…/_history/2`) finds
    the resource without its version, as FHIR's Bundle resolution rules say."""
    found = by_key.get(ref)
    if found is None:
        base = ref.split("/_history/", 1)[0]
        found = by_key.get(base)
        if found is None:
            found = by_key.get("/".join(base.rstrip("/").split("/")[-2:]))
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


def _names_of(urls: tuple[str, ...]) -> frozenset[str]:
    """The declared profile names and the declared profiles they derive from (a sleep
    observation is an indicator observation too)."""
    names = {p.rstrip("/").rsplit("/", 1)[-1].split("|")[0] for p in urls}
    for name in list(names):
        profile = PROFILES.get(name)
        while profile is not None and profile.base and profile.base not in names:
            names.add(profile.base)
            profile = PROFILES.get(profile.base)
    return frozenset(names)


_NAMES: dict[tuple[str, ...], frozenset[str]] = {}
_NAMES_KEPT = 4096
"""Memo for the few lists real documents carry; bounded (and only short lists are kept),
so that a stream of documents with invented profiles cannot grow the process."""


def profile_names(resource: dict) -> frozenset[str]:
    """Profile names (last URL segment, version dropped) with the declared profiles they
    derive from; memoised per list of URLs."""
    meta = resource.get("meta")
    profiles = meta.get("profile") if type(meta) is dict else None
    if type(profiles) is not list or not profiles:
        return frozenset()
    try:
        urls = tuple(profiles)
        names = _NAMES.get(urls)
        if names is None:
            names = _names_of(urls)
            if len(_NAMES) < _NAMES_KEPT and len(urls) <= 8 and all(
                    len(p) <= 300 for p in urls):
                _NAMES[urls] = names
        return names
    except (TypeError, AttributeError):  # junk in meta.profile
        return _names_of(tuple(p for p in profiles if isinstance(p, str)))


def first_coding(concept: Any) -> dict | None:
    if isinstance(concept, dict):
        for coding in lst(concept.get("coding")):
            if isinstance(coding, dict) and type(coding.get("code")) is str and coding["code"]:
                return coding
    return None


def all_codings(concept: Any) -> list[dict]:
    """Every coding of a CodeableConcept that carries a code. Rules look at all of them: a
    SNOMED CT or local coding may stand before the KL one (FKI's code slices are open)."""
    if not isinstance(concept, dict):
        return []
    return [c for c in lst(concept.get("coding"))
            if isinstance(c, dict) and type(c.get("code")) is str and c["code"]]


def rank(element: Any) -> int | None:
    """ConditionRank on a reference, whichever canonical the extension uses (note §7.1)."""
    if not isinstance(element, dict):
        return None
    for extension in lst(element.get("extension")):
        if isinstance(extension, dict) and str(extension.get("url", "")).endswith(
                "/ConditionRank"):
            return _integer(extension.get("valuePositiveInt", extension.get("valueInteger")))
    return None


def _integer(value: Any) -> int | None:
    """An integer as JSON (a number) or XML (its digits) carries it; anything else (true,
    1.5, 1e400, "1x") is no rank."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is str and len(value) < 20 and value.isascii() and \
            value.strip().lstrip("+-").isdigit():
        return int(value)
    return None


def has_extension(resource: dict, suffix: str) -> bool:
    return any(isinstance(e, dict) and str(e.get("url", "")).endswith(suffix)
               for e in lst(resource.get("extension")))
