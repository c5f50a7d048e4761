"""The checks a draft gets, for a release that arrives as a file: our own vocab/ sources.

`serve` publishes a vocab/ file whose version is not published yet only when these pass
(a file that fails them is left out, and `serve` says why and starts anyway), so a typo
such as `ts:addressesIcf icf:d5999` in the Turtle never becomes a release nobody can take
back. The rules are the drafts' (`integrity`, the SHACL shapes) over every concept of the
release. One difference: a target in a scheme that has no release here at all (a fresh
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


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR]
