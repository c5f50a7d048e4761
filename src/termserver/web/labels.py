"""Danish names for what the pages show: schemes, statuses, relations, match kinds."""

from __future__ import annotations

SCHEME_NAMES = {
    "icf": "ICF",
    "icf-qualifiers": "ICF-kvalifikatorer",
    "ffb": "FFB",
    "fsiii": "FSIII",
    "fboe": "FBOE",
    "caresocialcodes": "KL fælles koder",
    "ltt": "LTT",
    "catalogue": "Indsatskatalog",
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
