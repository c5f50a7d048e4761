"""Danish names for what the pages show: schemes, statuses, relations, match kinds."""

from __future__ import annotations

import re

SCHEME_NAMES = {
    "icf": "ICF",
    "icf-qualifiers": "ICF-kvalifikatorer",
    "ffb": "FFB",
    "fsiii": "FSIII",
    "fboe": "FBOE",
    "caresocialcodes": "KL fælles koder",
    "ltt": "LTT",
    "catalogue": "Indsatskatalog",
    "icf-de": "ICF på tysk (DIMDI)",
    "icf-da": "ICF på dansk (termservers arbejdsbetegnelser)",
    "crosswalk-ffb-icf": "Krydsreference FFB → ICF",
    "crosswalk-fsiii-icf": "Krydsreference FSIII → ICF",
    "search-words": "Hverdagsord til søgning",
}
STATUS_NAMES = {"deprecated": "udfaset", "retired": "udgået", "draft": "kladde"}
RELATION_NAMES = {
    "exactMatch": "Svarer præcist til",
    "closeMatch": "Svarer nogenlunde til",
    "broadMatch": "Bredere begreb",
    "narrowMatch": "Snævrere begreb",
    "relatedMatch": "Relateret til",
}
MATCH_NAMES = {
    "exact": "Direkte",
    "narrower": "Mere specifik kode",
    "crosswalk": "Via tilstand",
    "broader": "Bredere kode",
}
LANG_NAMES = {"da": "Dansk", "en": "Engelsk", "de": "Tysk", "": "Betegnelse"}
NOTE_NAMES = {"inclusion": "Omfatter", "exclusion": "Omfatter ikke", "scope": "Anvendelse",
              "note": "Note", "example": "Eksempel", "editorial": "Redaktionel note",
              "history": "Historik"}
AREA_NAMES = {
    "social": "Socialområdet (Serviceloven)",
    "employment": "Beskæftigelse (LAB)",
    "family": "Børn og familier (Barnets Lov)",
    "health": "Sundhed og ældrepleje",
}
RELATION_SHORT = {
    "exactMatch": "svarer præcist til koden",
    "closeMatch": "svarer nogenlunde til koden",
    "broadMatch": "bredere end koden",
    "narrowMatch": "snævrere end koden",
    "relatedMatch": "relateret til koden",
}
"""A tilstand on an intervention's path, seen from the ICF code searched for."""

_PROBLEM = {"0": "intet problem (0–4 %)", "1": "let problem (5–24 %)",
            "2": "moderat problem (25–49 %)", "3": "svært problem (50–95 %)",
            "4": "totalt problem (96–100 %)", "8": "ikke specificeret", "9": "ikke relevant"}
_BARRIER = {"0": "ingen barriere", "1": "let barriere", "2": "moderat barriere",
            "3": "svær barriere", "4": "total barriere", "8": "barriere, ikke specificeret",
            "9": "ikke relevant"}
_FACILITATOR = {"0": "ingen fremmende faktor", "1": "let fremmende faktor",
                "2": "moderat fremmende faktor", "3": "betydelig fremmende faktor",
                "4": "fuldstændig fremmende faktor", "8": "fremmende faktor, ikke specificeret",
                "9": "ikke relevant"}


def qualifier_text(code: str, qualifier: str | None) -> str | None:
    """WHO's generic qualifier scale in Danish: `d450`, `.23` → udførelse: moderat problem…"""
    if not qualifier or len(qualifier) < 2:
        return "fremmende faktor" if qualifier == "+" else None
    sign, digits = qualifier[0], qualifier[1:]
    component = code[:1]
    if component == "e":
        scale = _FACILITATOR if sign == "+" else _BARRIER
        return scale.get(digits[0], f"værdi {digits[0]}")
    if component == "d":
        parts = [f"udførelse: {_PROBLEM.get(digits[0])}"]
        if len(digits) > 1:
            parts.append(f"kapacitet: {_PROBLEM.get(digits[1], f'værdi {digits[1]}')}")
        return "; ".join(parts)
    return f"omfang: {_PROBLEM.get(digits[0])}"


_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december")
_DATE_VERSION = re.compile(r"^(\d{4})(\d{2})(\d{2})(~.+)?$")


def version_name(version: str | None) -> str:
    """A release version as a caseworker reads it: KL's date versions as Danish dates
    (`20240530` → 30. maj 2024), and an earlier publication KL made under the same date,
    which the store tells apart with an internal suffix (`20240530~4c6bc7f`), as
    "30. maj 2024 (tidligere udgave)". Other versions (ICF's 2001, our 2026.1) are plain
    already. Links keep the version itself; only the text a person reads changes."""
    if not version:
        return ""
    match = _DATE_VERSION.match(version)
    if match is None:
        return version.split("~", 1)[0] + (" (tidligere udgave)" if "~" in version else "")
    year, month, day, suffix = match.groups()
    if not 1 <= int(month) <= 12 or not 1 <= int(day) <= 31:
        return version
    text = f"{int(day)}. {_MONTHS[int(month) - 1]} {year}"
    return text + " (tidligere udgave)" if suffix else text


_UUID = re.compile(r"^[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}$",
                   re.I)


def shown_code(code: str | None) -> str:
    """The code as a caseworker page shows it: ICF, catalogue and letter codes as they
    are; KL's UUIDs (and their underscore twins) not at all, as they mean nothing to a
    reader (they stay in links and in the data formats)."""
    if not code or _UUID.match(code):
        return ""
    return code


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def danish_sort_key(text: str) -> str:
    """Danish alphabetical order: æ, ø, å after z; case ignored."""
    return text.casefold().translate(_DANISH_TAIL)


_DANISH_TAIL = str.maketrans({"æ": "{", "ø": "|", "å": "}", "ä": "{", "ö": "|"})
