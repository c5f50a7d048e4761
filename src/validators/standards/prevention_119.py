"""Forebyggelse (SUL § 119): kl.dk.fhir.prevention 2.1.0 (kl-gateway-prevention, 2024-06)."""

from __future__ import annotations

from ..model import Binding, DocumentType, Profile, Rule
from .kl_term import FSIII

CLAUSE = "kl-gateway-prevention 2.1.0"

TREATMENT_INTERVENTIONS = (
    "f30cab6d-2a42-4358-99d7-811127fb6e05", "e71b7d85-5c78-49c2-8624-8499d162317b",
    "01a500f6-c221-4fd0-b518-cd361218b60d", "c203c6b5-3be0-40a8-8204-e93751deabf5",
    "c9a99304-1788-43b7-b7be-e187b092ae9c", "ab87c0b5-40be-4e0a-b749-d9f833bfed2d",
    "61692d91-69b8-4830-9453-3d58454e49d3", "abe847e0-1ce0-44dc-a675-ce05b66f47e6",
    "d1e016b5-150a-4ac4-97ba-d3e19e28471e", "cf7a55c2-7061-47ed-b7c5-e29620fe93bf",
    "924e9828-84cf-4689-9551-0ebb6dc71b98")
"""klgateway-119-intervention-1: interventions with a treatment focus (need basedOn)."""
STANDALONE_INTERVENTIONS = (
    "03a3ebdb-9e2d-4be1-b32b-42f0bd2a3362", "ee5606ac-1bed-487e-aa3c-72dcc30ec037",
    "6eddbaf7-2a73-49d4-91e7-6138d419f58c")
"""klgateway-119-intervention-2: conversations/clarification (no basedOn)."""

LOCAL_INTERVENTIONS = "http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions"
"""The municipality's own level-3 interventions: the only coding allowed beside FSIII's."""

DOCUMENT_TYPE = DocumentType(
    "prevention-119", "Forebyggelse efter sundhedslovens § 119", "http://fhir.kl.dk/prevention/",
    "kl.dk.fhir.prevention#2.1.0", True, ("gateway-119-140",),
    report_profiles=tuple(f"klgateway-119-{name}" for name in (
        "delivery-report", "citizen", "organization", "focus-condition", "condition",
        "care-plan", "planned-intervention", "encounter", "servicerequest")))

PROFILES = (
    Profile("klgateway-119-delivery-report", "Bundle", required=("timestamp", "entry"),
            fixed=(("type", "collection"),)),
    Profile("klgateway-119-citizen", "Patient",
            required=("identifier", "managingOrganization", "managingOrganization.identifier")),
    Profile("klgateway-119-condition", "Condition",
            required=("clinicalStatus", "clinicalStatus.coding", "verificationStatus.coding",
                      "category.coding", "code", "code.coding", "recordedDate"),
            fixed=(("category.coding.code", "problem-list-item"),),
            bindings=(Binding("code", "KLConditionCodes119"),)),
    Profile("klgateway-119-encounter", "Encounter",
            required=("subject", "period", "period.start", "period.end"),
            bindings=(Binding("class", "EncounterClassCodes"),)),
    Profile("klgateway-119-care-plan", "CarePlan",
            required=("category", "period", "period.start", "activity", "activity.detail",
                      "activity.detail.performer"),
            fixed=(("intent", "plan"),),
            bindings=(Binding("category", "CarePlanCategories119"),
                      Binding("activity.detail.statusReason", "CancellationTypes"))),
    Profile("klgateway-119-planned-intervention", "CarePlan",
            required=("period", "period.start", "activity", "activity.detail",
                      "activity.detail.code", "activity.detail.performer"),
            fixed=(("intent", "plan"),),
            closed=(("activity.detail.code.coding", "system", (FSIII, LOCAL_INTERVENTIONS)),),
            bindings=(Binding("activity.detail.code.coding", "KLInterventionCodes119"),
                      Binding("activity.detail.extension:DeliveryType.value[x].coding",
                              "DeliveryTypes119"))),
    Profile("klgateway-119-servicerequest", "ServiceRequest", required=("authoredOn",),
            fixed=(("intent", "plan"),),
            bindings=(Binding("code.coding", "ServiceTypes119"),)),
)

RULES = (
    Rule("klgateway-119-care-plan-1", "error", f"{CLAUSE}, invariant",
         "En aktivitet har en ophørsbegrundelse (statusReason), netop når dens status er "
         "cancelled eller stopped."),
    Rule("klgateway-119-intervention-1", "error", f"{CLAUSE}, invariant",
         "En indsats med behandlingsfokus skal henvise til sit forløb (basedOn)."),
    Rule("klgateway-119-intervention-2", "error", f"{CLAUSE}, invariant",
         "Samtale- og afklaringsindsatser må ikke henvise til et forløb (basedOn)."),
)
