"""The terminology layer: every coding of a document against the releases chosen for it.

The releases are those in force on the document's date (or the latest, when asked for
or when the document carries no date); `Terminology.lookup` tells a code that is simply
unknown from one retired before the chosen release or introduced after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .report import Finding, shown
from .standard import FSIII, KL_NAMESPACES, KL_SYSTEMS, KNOWN_FOREIGN, RULES
from .terminology import CodeAnswer, Terminology, display_key

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _finding(rule: str, path: str, message: str) -> Finding:
    return Finding(RULES[rule].severity, rule, path, message)


def foreign(system: str) -> bool:
    """A system in KL's namespaces that is not KL's (HL7's, dk-core's, …)."""
    return any(system == known or (known.endswith(".") and system.startswith(known))
               for known in KNOWN_FOREIGN)


def check(codings: list[tuple[Any, dict]], render: Any, term: Terminology, *, strict: bool,
          on: str) -> Iterator[Finding]:
    """Findings for the document's codings ((location, coding) pairs, as the engine's scan
    collects them; `render` turns a location into a path). `on` names the day the
    releases are in force on (`2021-05-29`), or `latest`."""
    for loc, coding in codings:
        system, legacy = term.canonical(coding["system"])
        if system not in term.systems:
            if (system.startswith(KL_NAMESPACES) and not foreign(system)
                    and system not in KL_SYSTEMS):  # a KL system not imported: no opinion
                yield _finding("term-unknown-system", f"{render(loc)}.system",
                               f"{coding['system']} er ikke et kendt KL-kodesystem. KL's "
                               "kodesystemer: " + ", ".join(sorted(term.systems)) + ".")
            continue
        if strict and system == FSIII and not _UUID.fullmatch(coding["code"]):
            yield _finding("fsiii-legacy-code", f"{render(loc)}.code",
                           f"{coding['code']} er en ældre FSIII-kode (brugervendt nøgle); "
                           "efter overgangsperioden modtages kun UUID-koder.")
        answer = term.lookup(system, coding["code"])
        version = coding.get("version")
        display = coding.get("display")
        if (answer.exists and not legacy and version is None and (
                not isinstance(display, str) or display_key(display) in answer.displays)):
            continue  # the common case: nothing to say
        where = render(loc)
        if legacy:
            yield _finding("term-legacy-canonical", f"{where}.system",
                           f"{coding['system']} er en forældet URL; brug {system}.")
        if isinstance(version, str) and not term.has_version(system, version):
            yield _finding("term-unknown-version", f"{where}.version",
                           f"{system} findes ikke i version {version}; kendte versioner "
                           "står i rapportens terminology_versions.")
            version = None
        if isinstance(version, str):
            answer = term.lookup(system, coding["code"], version)
        yield from _answer(answer, coding, system, where, term, version, on)


def _answer(answer: CodeAnswer, coding: dict, system: str, where: str, term: Terminology,
            version: str | None, on: str) -> Iterator[Finding]:
    code, display = coding["code"], coding.get("display")
    if answer.exists:
        if isinstance(display, str) and display_key(display) not in answer.displays:
            yield _finding("term-display", f"{where}.display",
                           f"Visningsteksten »{display}« svarer ikke til "
                           f"{answer.scheme}-kodens tekst.")
        return
    in_force = "" if version is not None or on == "latest" else (
        f" (dokumentets dato {on}; i kraft da: {answer.scheme} {answer.release})")
    if answer.last_version:
        yield _finding("term-retired-code", f"{where}.code",
                       f"Koden {code} er udgået af {answer.scheme}: sidst med i version "
                       f"{answer.last_version}, fjernet i {answer.retired_since}{in_force}.")
    elif answer.introduced_in:
        when = (f"i version {version}" if version is not None else
                f"i den udgave, der gjaldt på dokumentets dato ({on}: {answer.scheme} "
                f"{answer.release})" if on != "latest" else f"i version {answer.release}")
        yield _finding("term-not-yet-introduced", f"{where}.code",
                       f"Koden {code} fandtes endnu ikke {when}: den blev indført i "
                       f"{answer.scheme} {answer.introduced_in}. Brug en kode fra den "
                       "udgave, eller ret dokumentets dato.")
    elif answer.other_system:
        yield _finding("term-wrong-system", f"{where}.system",
                       f"Koden {code} findes ikke i {system}, men i {answer.other_system}. "
                       "Ret system.")
    else:
        yield _finding("term-unknown-code", f"{where}.code",
                       f"Koden {shown(code)} findes ikke i {answer.scheme} ({system})."
                       f"{near_miss(term, system, code)}")


def near_miss(term: Terminology, system: str, code: str) -> str:
    """A hint when the code exists written otherwise: KL's code systems are case
    sensitive, and a database may hand out its UUIDs in capitals or padded."""
    for candidate in (code.strip(), code.lower(), code.strip().lower()):
        if candidate != code and term.lookup(system, candidate).exists:
            return (f" Koden findes som »{candidate}«; koderne skelner mellem store og "
                    "små bogstaver og må ikke have mellemrum.")
    return ""
