"""How release versions are ordered.

Versions are the publisher's strings (FFB `20240530`, ICF `2001`, `1.2.0`). They are
compared naturally: digit runs as numbers, so `10` sorts after `9`. A `~` suffix sorts
*before* the version it qualifies (Debian's rule), which is how we name a superseded
re-publication: KL published several different FSIII files all called `20240530`; the
last one keeps `20240530`, earlier ones are imported as e.g. `20240530~4c6bc7f`.

The release *in force* on a day is the newest one issued on or before it (`in_force`):
validation checks a document against the releases in force on its own date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

_PART = re.compile(r"(\d+)|(\D+)")


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    parts: list[tuple[int, int | str]] = []
    for number, other in _PART.findall(text):
        parts.append((1, int(number)) if number else (0, other))
    return tuple(parts)


def version_key(version: str) -> tuple:
    """Sort key: `1.2 < 1.10`, `20240530~a < 20240530 < 20240530.1`."""
    base, tilde, pre = version.partition("~")
    # a pre-release sorts before its base: (base, 0, pre) < (base, 1, "")
    return (_natural(base), 0 if tilde else 1, _natural(pre))


def sort_versions(versions: list[str]) -> list[str]:
    return sorted(versions, key=version_key)


# -- the release in force on a date ----------------------------------------------------------
_ISSUED = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?(?:T.*)?")
_DATED_VERSION = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?![0-9])")


def release_date(version: str, issued: str | None) -> date | None:
    """The day a release came into force: its `issued` date (FHIR CodeSystem.date, SKOS
    dcterms:issued; a year or month alone counts from its first day), else its version
    read as a date when it starts with one (KL's `20240530`, `20240530~4c6bc7f`); None when
    neither says (ICF `2001`, `1.2.0`)."""
    matches = (_ISSUED.fullmatch(issued) if issued else None,
               _DATED_VERSION.match(version))
    for match in matches:
        if match is None:
            continue
        year, month, day = (int(part) if part else 1 for part in match.groups())
        try:
            return date(year, month, day)
        except ValueError:  # 20241340: no date after all
            continue
    return None


def in_force(releases: Iterable[tuple[str, str | None]], day: date) -> str | None:
    """The version in force on `day` among (version, issued) pairs: the newest release
    issued on or before that day (by its release date, then by version order, so a
    re-publication `20240530` wins over `20240530~4c6bc7f` of the same day). None when no
    release was dated by then."""
    best: tuple[date, tuple] | None = None
    found: str | None = None
    for version, issued in releases:
        when = release_date(version, issued)
        if when is None or when > day:
            continue
        key = (when, version_key(version))
        if best is None or key > best:
            best, found = key, version
    return found
