"""Lettilgængelige tilbud til børn og unge: kl.dk.fhir.ltt 1.0.1 (kl-ltt @ 2b8f85a, 2025-10)."""

from __future__ import annotations

from ..model import Binding, DocumentType, Profile, Rule
from .kl_term import V3_ACT_CODE

CLAUSE = "kl-ltt 1.0.1"
TREATMENT = "b7f9217c-2315-4d6f-bba5-5117e202302c"
"""LTT kontakttype »Behandling«: requires participant type and delivery type."""

DOCUMENT_TYPE = DocumentType(
    "ltt", "Lettilgængelige tilbud til børn og unge (LTT)", "http://fhir.kl.dk/ltt/",
    "kl.dk.fhir.ltt#1.0.1", True, ("ltt",),
    report_profiles=tuple(f"klgateway-ltt-{name}" for name in (
        "delivery-report", "incremental-delivery", "citizen", "care-plan", "referral",
        "encounter")))

PROFILES = (
    Profile("klgateway-ltt-delivery-report", "Bundle", required=("timestamp", "entry"),
            fixed=(("type", "collection"),)),
    Profile("klgateway-ltt-citizen", "Patient",
            required=("identifier", "active", "managingOrganization",
                      "managingOrganization.identifier"),
            forbidden=("name", "telecom", "address", "contact", "deceased[x]")),
    Profile("klgateway-ltt-care-plan", "CarePlan",
            required=("period", "period.start", "activity", "activity.detail",
                      "activity.detail.code", "activity.detail.code.coding"),
            fixed=(("intent", "plan"),),
            bindings=(Binding("activity.detail.code", "LTTCarePlanActivityTypes"),
                      Binding("activity.detail.reasonCode", "LTTFocusArea"))),
    Profile("klgateway-ltt-referral", "CarePlan",
            required=("basedOn", "period", "period.start", "activity", "activity.detail",
                      "activity.detail.code", "activity.detail.code.coding"),
            forbidden=("period.end",),
            fixed=(("intent", "plan"), ("activity.detail.status", "completed")),
            bindings=(Binding("activity.detail.code", "LTTTypeOfReferral"),)),
    Profile("klgateway-ltt-encounter", "Encounter",
            required=("extension", "type", "type.coding", "participant.type", "period",
                      "period.start"),
            forbidden=("period.end",), codings=(("class", V3_ACT_CODE, "AMB"),),
            bindings=(Binding("type", "LTTEncounterTypes"),
                      Binding("participant.type", "LTTParticipantTypes"),
                      Binding("extension:klgateway-ltt-encounter-delivery-type.value[x].coding",
                              "LTTDeliveryTypes"))),
)

RULES = (
    Rule("klgateway-ltt-careplan-endtime", "error", f"{CLAUSE}, invariant",
         "Et afsluttet forløb (status completed) skal have en slutdato (period.end)."),
    Rule("klgateway-ltt-encounter-participants-and-deliveryType", "error",
         f"{CLAUSE}, invariant",
         "En kontakt af typen Behandling skal angive deltagertype og leveringstype."),
)
