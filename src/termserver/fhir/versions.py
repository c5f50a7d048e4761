"""Which version of a code system (or value set) a FHIR request means.

FHIR lets a version be pinned in four places, and they are weighed in this order:
- `force-system-version` (`url|version`) overrides every other version of that system,
  in the value set and in the value;
- the value set's own `compose.include.version`;
- `system-version` is the default for an include (or a value) that names no version;
- `check-system-version` is the default after that, and the version finally used must
  match it, else the answer is an error (`version-error`).
`default-valueset-version` plays the part of `system-version` for value sets that a
value set imports without a version.

A version may be a wildcard (`1.x`, `1.0.x`, `1.*`, `2.0?`): it matches the releases
whose version fits it, part by part, and the newest of those answers. Without a wildcard
a version matches only itself: `1` is not `1.0.0`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .outcome import FhirError

_WILDCARDS = ("x", "X", "*")
_SEMVER = re.compile(r"^\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$")
"""`1.2`, `1.2.0`, `1.2.0-draft`: versions compared by parts, where `1` is not `1.0.0`."""


def is_wildcard(version: str | None) -> bool:
    """`1.x`, `1.0.*`, `2.0?`: a version that stands for several."""
    if not version:
        return False
    return version.endswith("?") or any(part in _WILDCARDS
                                        for part in re.split(r"[.\-+]", version))


def version_matches(criteria: str, candidate: str) -> bool:
    """True when `candidate` is `criteria` or one of the versions its wildcards stand for.

    Parts are compared one by one (`2.x.x` matches `2.0.1`, not `2.0`); `?` at the end
    accepts anything after the parts given (`2.0?` matches `2.0.1` and `2.0.0-draft`).
    """
    if criteria == candidate:
        return True
    if not is_wildcard(criteria):
        return False
    open_ended = criteria.endswith("?")
    criteria = criteria.rstrip("?")
    want_base, want_label = _split_label(criteria)
    have_base, have_label = _split_label(candidate)
    wanted, have = want_base.split("."), have_base.split(".")
    if open_ended:
        if len(wanted) > len(have):
            return False
        return all(w in _WILDCARDS or w == h for w, h in zip(wanted, have, strict=False)) \
            and (not want_label or _label_matches(want_label, have_label))
    if len(wanted) != len(have):
        return False
    if not all(w in _WILDCARDS or w == h for w, h in zip(wanted, have, strict=True)):
        return False
    return _label_matches(want_label, have_label)


def _split_label(version: str) -> tuple[str, str]:
    """`1.0.0-draft+b7` → (`1.0.0`, `-draft+b7`)."""
    match = re.search(r"[-+]", version)
    return (version[:match.start()], version[match.start():]) if match else (version, "")


def _label_matches(wanted: str, have: str) -> bool:
    if wanted in ("-*", "+*"):
        return have.startswith(wanted[0])
    return wanted == have


def more_detailed(criteria: str | None, candidate: str | None) -> bool:
    """True when `candidate` is a precise version that `criteria` (a wildcard, or for
    versions that are not semantic, a prefix such as a year) leaves room for."""
    if not criteria or not candidate or criteria == candidate:
        return False
    if is_wildcard(criteria):
        return not is_wildcard(candidate) and version_matches(criteria, candidate)
    if _SEMVER.match(candidate):
        return False  # `1` is not a shorter way to write `1.0.0`
    return candidate.startswith(criteria)  # `2024` leaves room for `20240530`


def present_versions(versions: list[str]) -> str:
    """`1.0.0 or 1.2.0`, `a, b and c`: a list of versions in a message."""
    if len(versions) <= 1:
        return "".join(versions)
    if len(versions) == 2:
        return f"{versions[0]} or {versions[1]}"
    return f"{', '.join(versions[:-1])} and {versions[-1]}"


@dataclass
class VersionRules:
    """The version parameters of one request, and which of them were used."""

    force: list[tuple[str, str]] = field(default_factory=list)
    default: list[tuple[str, str]] = field(default_factory=list)
    check: list[tuple[str, str]] = field(default_factory=list)
    default_value_set: list[tuple[str, str]] = field(default_factory=list)
    used: list[tuple[str, str]] = field(default_factory=list)
    """(parameter name, `url|version`) that decided a version, for the expansion's echo."""

    @classmethod
    def from_params(cls, params: Any) -> VersionRules:
        rules = cls()
        for name, target in (("force-system-version", rules.force),
                             ("system-version", rules.default),
                             ("check-system-version", rules.check),
                             ("default-valueset-version", rules.default_value_set)):
            for value in params.all(name):
                url, _, version = str(value).partition("|")
                if not url or not version:
                    raise FhirError(f"Parameter {name!r} must be a canonical with a version, "
                                    f"`url|version`, not {value!r}.")
                target.append((url, version))
        return rules

    def _use(self, name: str, url: str, version: str) -> None:
        if (name, f"{url}|{version}") not in self.used:
            self.used.append((name, f"{url}|{version}"))

    def system_version(self, system: str, version: str | None) -> str | None:
        """The version of `system` to look for, given the version the value set (or the
        request) names: forced, else as named, else the default, else the checked one."""
        forced = {v for url, v in self.force if url == system}
        if len(forced) > 1:
            raise FhirError(f"force-system-version names {system} more than once, with "
                            f"different versions ({', '.join(sorted(forced))}).",
                            issue_code="exception", tx_code="version-error")
        if forced:
            version = forced.pop()
            self._use("force-system-version", system, version)
            return version
        if version:
            return version
        defaults = {v for url, v in self.default if url == system}
        if len(defaults) > 1:
            raise FhirError(f"system-version names {system} more than once, with "
                            f"different versions ({', '.join(sorted(defaults))}).",
                            issue_code="exception", tx_code="version-error")
        if defaults:
            version = defaults.pop()
            self._use("system-version", system, version)
            return version
        for url, checked in self.check:
            if url == system:
                self._use("check-system-version", system, checked)
                return checked
        return None

    def check_failures(self, system: str, actual: str) -> list[str]:
        """The `check-system-version` patterns for `system` that `actual` does not fit."""
        return [v for url, v in self.check if url == system and not version_matches(v, actual)]

    def value_set_version(self, url: str, version: str | None) -> str | None:
        """The version of an imported value set: as named, else `default-valueset-version`."""
        if version:
            return version
        for named, default in self.default_value_set:
            if named == url:
                self._use("default-valueset-version", url, default)
                return default
        return None


def check_message(system: str, actual: str, pattern: str) -> str:
    return (f"The version '{actual}' is not allowed for system '{system}': required to be "
            f"'{pattern}' by a version-check parameter")
