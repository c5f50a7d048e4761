"""Genoptræning (SUL § 140): kl.dk.fhir.rehab 2.2.0 (kl-gateway-rehab, 2024-10)."""

from __future__ import annotations

from ..model import Binding, DocumentType, Profile, Rule
from .kl_term import FSIII

CLAUSE = "kl-gateway-rehab 2.2.0"

TREATMENT_INTERVENTIONS = (
    "7f825e3e-1a5c-4249-bf41-9f7171fb6b8a", "2abe20c7-c0b4-41c1-b397-52acf36499ef",
    "58293f63-00d7-4730-8dbc-c784d40f9e23", "2c661159-1bb3-4af2-bdf1-f3a9927a99e2",
    "8d714c98-f23a-4722-8a2f-85c162fe4840", "66fb32c9-ecc3-484b-be49-f20094be237c",
    "f8ac963c-6ec5-4ec5-bd90-a22fea4e2d16")
"""klgateway-140-intervention-1: training interventions (need basedOn)."""
STANDALONE_INTERVENTIONS = (
    "1130ad70-6553-490d-87f8-5e8941687a0c", "ba3e17bd-d4aa-4848-acad-25adc8285c19")
"""klgateway-140-intervention-2: interventions outside a forløb (no basedOn)."""
PLAN_TYPES_REQUIRED = (
    "ffd81f78-352e-4589-a195-5350dd1df2a4", "0c8e2bfc-1350-45d1-90da-c07e2645d073",
    "83c89857-8fb8-4163-97b1-eb1a56345c29")
"""gateway-140-service-request-1: almen, specialiseret or rehabilitering."""

LOCAL_INTERVENTIONS = "http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions"
"""The municipality's own level-3 interventions: the only coding allowed beside FSIII's."""

DOCUMENT_TYPE = DocumentType(
    "rehab-140", "Genoptræning efter sundhedslovens § 140", "http://fhir.kl.dk/rehab/",
    "kl.dk.fhir.rehab#2.2.0", True, ("gateway-119-140",),
    report_profiles=tuple(f"klgateway-140-{name}" for name in (
        "delivery-report", "incremental-delivery", "citizen", "organization",
        "focus-condition", "condition", "care-plan", "planned-intervention", "encounter",
        "servicerequest")))

PROFILES = (
    Profile("klgateway-140-delivery-report", "Bundle", required=("timestamp", "entry"),
            fixed=(("type", "collection"),)),
    Profile("klgateway-140-citizen", "Patient",
            required=("identifier", "managingOrganization", "managingOrganization.identifier")),
    Profile("klgateway-140-condition", "Condition",
            required=("clinicalStatus.coding", "verificationStatus.coding", "category.coding",
                      "code", "code.coding", "recordedDate"),
            forbidden=("severity",), fixed=(("category.coding.code", "problem-list-item"),),
            bindings=(Binding("code", "Conditions140"),)),
    Profile("klgateway-140-encounter", "Encounter",
            required=("subject", "period", "period.start", "period.end"),
            bindings=(Binding("class", "EncounterClassCodes"),)),
    Profile("klgateway-140-care-plan", "CarePlan",
            required=("category", "period", "period.start", "activity", "activity.detail",
                      "activity.detail.performer"),
            fixed=(("intent", "plan"),),
            bindings=(Binding("category", "CarePlanCategories140"),
                      Binding("activity.detail.statusReason", "CancellationTypes"))),
    Profile("klgateway-140-planned-intervention", "CarePlan",
            required=("period", "period.start", "activity", "activity.detail",
                      "activity.detail.code"),
            fixed=(("intent", "plan"),),
            closed=(("activity.detail.code.coding", "system", (FSIII, LOCAL_INTERVENTIONS)),),
            bindings=(Binding("activity.detail.code.coding", "KLTrainingInterventionsFSIII"),
                      Binding("activity.detail.extension:DeliveryType.value[x].coding",
                              "DeliveryTypes140"))),
    Profile("klgateway-140-servicerequest", "ServiceRequest",
            required=("extension", "category", "code", "authoredOn", "requester"),
            fixed=(("intent", "plan"),),
            bindings=(Binding("category.coding", "ServiceRequestTypes140"),
                      Binding("code.coding", "ServiceTypes140"),
                      Binding("extension:request-statusReason.value[x].coding",
                              "ServiceRequestStatusReasons140"))),
)

RULES = (
    Rule("klgateway-140-care-plan-1", "error", f"{CLAUSE}, invariant",
         "En aktivitet har en ophørsbegrundelse (statusReason), netop når dens status er "
         "cancelled eller stopped."),
    Rule("klgateway-140-intervention-1", "error", f"{CLAUSE}, invariant",
         "En træningsindsats skal henvise til sit forløb (basedOn)."),
    Rule("klgateway-140-intervention-2", "error", f"{CLAUSE}, invariant",
         "Indsatser uden for et forløb må ikke henvise til et (basedOn)."),
    Rule("gateway-140-service-request-1", "error", f"{CLAUSE}, invariant",
         "Genoptræningsplanen skal være almen, specialiseret eller rehabilitering."),
)
