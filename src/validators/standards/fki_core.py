"""FKI core: kl.dk.fhir.core 1.2.0 (KL-dk @ b3f12a0, 2023-07), the model under FFB and FSIII.

Single resources outside a report, so references need not resolve. Its rules apply to
the FFB bestilling too (same model, KL-dk 0.7.0 canonicals).
"""

from __future__ import annotations

from ..model import DocumentType, Rule

CLAUSE = "KL-dk (FKI) 1.2.0"

DOCUMENT_TYPE = DocumentType("fki-core", "FKI kerne-ressourcer", "http://fhir.kl.dk/core/",
                             "kl.dk.fhir.core#1.2.0", False, ("ffb-common",))

PROFILES = ()

RULES = (
    Rule("fki-condition-code", "error",
         f"{CLAUSE}, Condition.code.coding:FFBConditionCode ∈ KLConditionsAndTargetGroupsFFB",
         "En FFB-kodet tilstand skal være en FFB-tilstand eller -målgruppe (ikke et tema, "
         "en ydelse eller et niveau)."),
    Rule("fki-severity-scale", "error",
         f"{CLAUSE}, Condition.severity: FFB-tilstande bruger FFB funktionsevneniveau, "
         "FSIII-tilstande FSIII funktionsniveau",
         "Tilstandens sværhedsgrad skal komme fra samme klassifikation som tilstanden."),
)
