"""How release versions are ordered.

Versions are the publisher's strings (FFB `20240530`, ICF `2001`, `1.2.0`). They are
compared naturally: digit runs as numbers, so `10` sorts after `9`. A `~` suffix sorts
*before* the version it qualifies (Debian's rule), which is how we name a superseded
re-publication: KL published several different FSIII files all called `20240530`; the
last one keeps `20240530`, earlier ones are imported as e.g. `20240530~4c6bc7f`.
"""

from __future__ import annotations

import re

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
