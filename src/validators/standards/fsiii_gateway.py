"""FSIII hjemmepleje og sygepleje: kl.dk.fhir.gateway 1.2.0 (kl-gateway @ 5873a09, 2024-10).

Also serves its predecessors (care-data 1.0.1, healthcare-data 1.0.1), whose profiles
have the same names under other canonicals.
"""

from __future__ import annotations

from ..model import Binding, DocumentType, Profile, Rule
from .kl_term import CS, FOLLOW_UP_ENCOUNTER, FSIII, SNOMED, V3_ACT_CODE

CLAUSE = "kl-gateway 1.2.0"
_LOCAL_INTERVENTIONS = ("http://fhir.kl.dk/gateway/CodeSystem/LocallyDefinedInterventions",
                        "http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions")
"""The municipality's own level-3 interventions (kl-gateway's canonical and its
predecessors'): the only coding allowed beside the FSIII one."""
REPORT_PROFILES = tuple(f"klgateway-care-{name}" for name in (
    "delivery-report", "incremental-delivery", "citizen", "condition", "goal",
    "planned-intervention", "completed-intervention", "encounter", "general-encounter",
    "citizens-own-observation", "matter-of-interest-observation", "follow-up-observation"))
"""gateway-care-report-1/-2: the profiles a report's resources may declare."""

DOCUMENT_TYPE = DocumentType(
    "fsiii-gateway", "FSIII hjemmepleje og sygepleje", "http://fhir.kl.dk/gateway/",
    "kl.dk.fhir.gateway#1.2.0", True, ("fsiii-gateway",),
    report_profiles=REPORT_PROFILES)
PREDECESSORS = (
    DocumentType("fsiii-care-data", "FSIII (forgænger, care-data)",
                 "http://municipality-care-data.gateway.kl.dk/1.0/",
                 "hl7.fhir.dk.kl.gateway.municipality-care-data#1.0.1", True, ("fsiii-gateway",),
                 report_profiles=REPORT_PROFILES),
    DocumentType("fsiii-healthcare-data", "FSIII (forgænger, healthcare-data)",
                 "http://municipality-healthcare-data.gateway.kl.dk/1.0/",
                 "hl7.fhir.dk.kl.gateway.municipality-healthcare-data#1.0.1", True,
                 ("fsiii-gateway",), report_profiles=REPORT_PROFILES),
)

PROFILES = (
    Profile("klgateway-care-delivery-report", "Bundle", required=("timestamp",),
            fixed=(("type", "collection"),)),
    Profile("klgateway-care-citizen", "Patient",
            required=("identifier", "managingOrganization", "managingOrganization.identifier"),
            forbidden=("name", "telecom", "address", "contact")),
    Profile("klgateway-care-condition", "Condition",
            required=("clinicalStatus.coding", "verificationStatus.coding", "category.coding",
                      "code", "code.coding", "recordedDate"),
            forbidden=("note", "onset[x]", "abatement[x]"),
            fixed=(("category.coding.code", "problem-list-item"),),
            bindings=(Binding("code", "FSIIICareConditions"),
                      Binding("severity", "KLSeveritiesFSIII"))),
    Profile("klgateway-care-encounter", "Encounter",
            required=("type", "type.coding", "subject", "period", "period.start"),
            forbidden=("period.end",),
            codings=(("class", V3_ACT_CODE, "HH"), ("type", CS, FOLLOW_UP_ENCOUNTER)),
            bindings=(Binding("type", "KLEncounterTypes"),)),
    Profile("klgateway-care-general-encounter", "Encounter",
            required=("type", "type.coding", "subject", "period", "period.start"),
            bindings=(Binding("class", "EncounterClassCodes"),
                      Binding("type", "KLEncounterTypes"))),
    Profile("klgateway-care-follow-up-observation", "Observation",
            required=("code.coding", "focus", "effective[x]", "value[x]"), forbidden=("note",),
            codings=(("code", SNOMED, "712744002"),),
            bindings=(Binding("value[x]", "KLFollowUpCodesFSIII"),)),
    Profile("klgateway-care-goal", "Goal",
            required=("category", "description.coding", "start[x]", "target", "target.measure",
                      "addresses"),
            forbidden=("note",),
            codings=(("category", CS, "ca552020-6ed1-4cdc-b0d4-32697f1f27ad"),
                     ("description", FSIII, "e182c5dc-9f91-474a-92e8-f62be3d498f4"),
                     ("target.measure", CS, "66959f77-6e2a-4574-8423-3ff097f8b9fa")),
            bindings=(Binding("category", "KLGoalTypeCodes"),
                      Binding("target.measure", "KLTargetMeasureCodes"),
                      Binding("target.detail[x]", "KLSeveritiesFSIII"))),
    Profile("klgateway-care-matter-of-interest-observation", "Observation",
            required=("code.coding", "effective[x]"),
            bindings=(Binding("code.coding", "FSIIICareMatterOfInterests"),
                      Binding("value[x]", "KLGatewayCareMatterOfInterestValues"),
                      Binding("extension:klgateway-care-finding-context-at-risk-extension"
                              ".value[x]", "FSIIICareConditions"))),
    Profile("klgateway-care-citizens-own-observation", "Observation",
            required=("focus", "effective[x]", "value[x]"),
            bindings=(Binding("code", "KLCitizenObservationCodesFSIII"),
                      Binding("value[x]", "KLCitizenObservationResultCodesFSIII"))),
    Profile("klgateway-care-planned-intervention", "CarePlan",
            required=("period", "period.start", "activity", "activity.detail",
                      "activity.detail.code", "activity.detail.code.coding"),
            fixed=(("intent", "plan"),),
            closed=(("activity.detail.code.coding", "system", (FSIII, *_LOCAL_INTERVENTIONS)),),
            bindings=(Binding("activity.detail.code.coding", "FSIIICareInterventions"),
                      Binding("activity.detail.extension:DeliveryType.value[x].coding",
                              "DeliveryTypes"))),
    Profile("klgateway-care-completed-intervention", "Procedure",
            required=("code", "code.coding", "performed[x]"),
            closed=(("code.coding", "system", (FSIII, *_LOCAL_INTERVENTIONS)),),
            bindings=(Binding("code.coding", "FSIIICareInterventions"),)),
)

RULES = (
    Rule("fsiii-legacy-code", "error",
         f"{CLAUSE}, overgangsregel: efter overgangen kun UUID'er fra FSIII (note §2)",
         "Ældre FSIII-koder (brugervendte nøgler) afvises, når validatoren kører med "
         "politikken accept_legacy_fsiii=False; som standard accepteres de."),
    Rule("klgateway-severity-mandatory-in-home-care-not-allowed-in-nursing", "error",
         f"{CLAUSE}, invariant",
         "Hjemmeplejetilstande skal have funktionsniveau (severity); sygeplejetilstande må "
         "ikke have det."),
    Rule("klgateway-adresses-must-be-home-care-condition", "error", f"{CLAUSE}, invariant",
         "Et mål må kun adressere hjemmeplejetilstande."),
    Rule("klgateway-citizen-observation-code-and-value-must-match", "error",
         f"{CLAUSE}, invariant (rettet: KL's udtryk kender kun bogstavkoderne C/D)",
         "Borgerens egen vurdering: koden Udførelse kræver en udførelsesværdi, Betydning en "
         "betydningsværdi."),
    Rule("klgateway-focus-must-be-home-care-condition-or-area", "error",
         f"{CLAUSE}, invariant",
         "Borgerens egen vurdering skal handle om en hjemmeplejetilstand eller et "
         "hjemmeplejeområde (focus)."),
    Rule("gateway-care-follow-up-1", "error", f"{CLAUSE}, invariant",
         "Opfølgningens status skal være final eller entered-in-error."),
)
