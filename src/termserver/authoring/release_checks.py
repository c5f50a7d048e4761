"""The checks a draft gets, for a release that arrives as a file: our own vocab/ sources.

`serve` publishes a vocab/ file whose version is not published yet only when these pass
(a file that fails them is left out, and `serve` says why and starts anyway), so a typo
such as `ts:addressesIcf icf:d5999` in the Turtle never becomes a release nobody can take
back. The rules are the drafts' (`integrity`, the SHACL shapes) over every concept of the
release, and for an overlay (labels for other schemes' concepts) that each concept it
labels exists. One difference: a target in a scheme that has no release here at all (a fresh
data directory before KL's and WHO's releases are imported) cannot be checked; that is a
warning, so the catalogue still starts on a machine that has only vocab/.
"""

from __future__ import annotations

from ..model import Release
from ..namespaces import parse_concept_iri
from ..store import Store
from . import integrity, shacl
from .findings import ERROR, WARNING, Finding


def check_release(release: Release, store: Store) -> list[Finding]:
    """Findings for a whole release against `store` (which should hold it and the other
    releases published with it). Overlays and crosswalks carry no concepts of their own,
    so only vocabularies are checked."""
    if release.info.kind == "overlay":
        return _overlay_targets(release, store)
    if release.info.kind != "vocabulary":
        return []
    codes = set(release.concepts)
    findings = integrity.check(release, store, codes) + shacl.check(release, codes)
    loaded = set(store.schemes())
    for finding in findings:
        target = finding.extra.get("target")
        found = parse_concept_iri(target) if finding.rule.endswith("-target-missing") \
            and isinstance(target, str) else None
        if found is not None and found[0] not in loaded:
            finding.severity = WARNING
            finding.message += (f" (Kan ikke kontrolleres, før {found[0]} er importeret.)")
    return findings


def _overlay_targets(release: Release, store: Store) -> list[Finding]:
    """Every concept an overlay adds labels to must exist: a typo (`icf:d5999`) would add a
    label nobody ever sees. A scheme with no release here cannot be checked (a warning)."""
    loaded = set(store.schemes())
    findings = []
    for key, concept in release.concepts.items():
        found = store.resolve_uri(concept.uri)
        if found is None or found[0] == release.scheme:  # only the overlay itself names it
            found = parse_concept_iri(concept.uri)
        if found is None:
            findings.append(Finding(
                "overlay-target-unknown", ERROR, key,
                f"{concept.uri} er ikke et begreb, termserver kender. Ret IRI'en til "
                "begrebets IRI, fx https://data.termserver.dk/id/icf/d450."))
        elif found[0] not in loaded:
            findings.append(Finding(
                "overlay-target-missing", WARNING, key,
                f"{concept.uri}: kan ikke kontrolleres, før {found[0]} er importeret."))
        elif not any(found[1] in r.concepts for r in store.versions(found[0])):
            findings.append(Finding(
                "overlay-target-missing", ERROR, key,
                f"{concept.uri}: {found[0]} har ingen kode »{found[1]}«. Ret koden, eller "
                "fjern betegnelsen.", extra={"target": concept.uri}))
    return findings


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR]
