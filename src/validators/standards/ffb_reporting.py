"""FFB uddatasæt: kl.dk.fhir.ffbreporting 1.0.0 (kl-ffb-reporting @ 22b3d14, 2023-08).

Profiles from the StructureDefinitions' differentials, rules from the guide's invariants
and its prose (note §6.1, §6.2). KL's rank invariants are wrong as FHIRPath (note §7.1);
the business rule is implemented instead, under KL's invariant id.
"""

from __future__ import annotations

from ..model import Binding, DocumentType, Profile, Rule
from .kl_term import CS, FOLLOW_UP_ENCOUNTER, SNOMED, V3_ACT_CODE

CLAUSE = "kl-ffb-reporting 1.0.0"

DOCUMENT_TYPE = DocumentType(
    "ffb-reporting", "FFB indberetning (udredning, indsatsmål, social indsats, opfølgning)",
    "http://fhir.kl.dk/ffbreporting/", "kl.dk.fhir.ffbreporting#1.0.0", True,
    ("ffb-reporting", "ffb-common"),
    report_profiles=(
        "kl-reporting-ffb-deliveryReport", "kl-reporting-ffb-citizen",
        "kl-reporting-ffb-condition", "kl-reporting-ffb-targetGroup",
        "kl-reporting-ffb-careEvaluation", "kl-reporting-ffb-followUp",
        "kl-reporting-ffb-carePlan", "kl-reporting-ffb-intervention",
        "kl-reporting-ffb-interventionGoal", "kl-reporting-ffb-followUpEncounter",
        "kl-reporting-ffb-informationGathering", "kl-reporting-ffb-servicePerformer",
        "kl-reporting-ffb-serviceRequest"),
)

PROFILES = (
    Profile("kl-reporting-ffb-deliveryReport", "Bundle", required=("timestamp",),
            fixed=(("type", "collection"),)),
    Profile("kl-reporting-ffb-citizen", "Patient",
            required=("identifier", "managingOrganization", "managingOrganization.identifier"),
            forbidden=("name", "telecom", "address", "contact", "deceased[x]")),
    Profile("kl-reporting-ffb-condition", "Condition",
            required=("clinicalStatus", "code", "recordedDate"),
            forbidden=("note", "code.text", "severity.text", "onset[x]", "abatement[x]"),
            closed=(("extension", "url", ("/ConditionLastAssertedDate",)),),
            bindings=(Binding("code", "KLConditionCodesFFB"),
                      Binding("severity", "KLSeveritiesFFB"))),
    Profile("kl-reporting-ffb-targetGroup", "Condition",
            required=("code", "code.coding", "recordedDate"),
            forbidden=("severity", "note", "code.text"),
            bindings=(Binding("code.coding", "KLConditionsAndTargetGroupsFFB"),)),
    Profile("kl-reporting-ffb-careEvaluation", "Observation",
            required=("code.coding", "subject", "effective[x]", "value[x]"),
            forbidden=("note", "code.text", "value[x].text"),
            codings=(("code", CS, "effe55c7-572c-4a99-8fb4-2a9dda2f6572"),),
            bindings=(Binding("value[x].coding", "KLNeedsAssessmentCodesFFB"),)),
    Profile("kl-reporting-ffb-followUp", "Observation",
            required=("code.coding", "subject", "focus", "effective[x]", "value[x]"),
            forbidden=("note",), codings=(("code", SNOMED, "712744002"),),
            bindings=(Binding("value[x]", "KLFollowUpCodesFFB"),)),
    Profile("kl-reporting-ffb-carePlan", "CarePlan",
            required=("extension", "period", "period.start", "addresses.extension",
                      "addresses.reference", "activity.outcomeReference"),
            forbidden=("title", "description", "note")),
    Profile("kl-reporting-ffb-intervention", "CarePlan",
            required=("basedOn", "period.start", "created", "activity", "activity.detail",
                      "activity.detail.code", "activity.detail.code.coding"),
            forbidden=("title", "description", "note", "activity.detail.code.text",
                       "activity.detail.description"),
            bindings=(Binding("activity.detail.code.coding", "KLInterventionsFFB"),)),
    Profile("kl-reporting-ffb-interventionGoal", "Goal",
            required=("category", "description.coding", "target"),
            forbidden=("note", "outcomeCode"),
            codings=(("category", CS, "0bb3daef-538d-45dc-b444-abdbcb63f6bc"),
                     ("description", SNOMED, "410518001")),
            bindings=(Binding("category", "KLGoalTypeCodes"),
                      Binding("target.measure", "KLTargetMeasureCodes", "extensible"))),
    Profile("kl-reporting-ffb-followUpEncounter", "Encounter",
            required=("type", "type.coding", "subject", "period", "period.start"),
            forbidden=("period.end",), fixed=(("status", "planned"),),
            codings=(("class", V3_ACT_CODE, "HH"), ("type", CS, FOLLOW_UP_ENCOUNTER)),
            bindings=(Binding("type", "KLEncounterTypes"),)),
    Profile("kl-reporting-ffb-informationGathering", "ClinicalImpression",
            required=("extension", "effective[x]"),
            forbidden=("code", "description", "summary"),
            closed=(("extension", "url", ("/BasedOnServiceRequest",)),)),
    Profile("kl-reporting-ffb-servicePerformer", "CareTeam",
            required=("category", "subject"), forbidden=("name", "note"),
            bindings=(Binding("category", "KLServiceCodesFFB"),)),
    Profile("kl-reporting-ffb-serviceRequest", "ServiceRequest",
            forbidden=("code", "orderDetail", "note", "patientInstruction"),
            fixed=(("intent", "proposal"),),
            closed=(("extension", "url", ("/kl-reporting-ffb-municipalityCaseNumber",)),)),
)

RULES = (
    Rule("one-citizen", "error", f"{CLAUSE}, index: kun én borger pr. rapport",
         "Et rapport-Bundle må kun indeholde én borger."),
    Rule("kl-reporting-ffb-condition-1", "error", f"{CLAUSE}, invariant",
         "Funktionsevneniveau (severity) skal angives på tilstande under Aktivitet og "
         "deltagelse og må ikke angives på andre."),
    Rule("kl-reporting-ffb-intervention-goal-1", "error", f"{CLAUSE}, invariant",
         "Indsatsmål må kun adressere tilstande under Aktivitet og deltagelse."),
    Rule("kl-reporting-ffb-intervention-goal-2", "error",
         f"{CLAUSE}, invariant (rettet: KL's FHIRPath er fejlbehæftet, note §7.1)",
         "Et indsatsmål skal have præcis én primær tilstand (ConditionRank 1)."),
    Rule("ffb-goal-targets", "error", f"{CLAUSE}, Goal.target:severitySlice/changeValueSlice",
         "Et indsatsmål skal have præcis ét forventet funktionsevneniveau (måleenhed 66959f77, "
         "værdi i KLSeveritiesFFB) og én måltype (måleenhed 90c48f03, værdi i "
         "KLChangeValueCodesFFB)."),
    Rule("kl-reporting-ffb-care-plan-1", "error", f"{CLAUSE}, invariant",
         "En bevilget indsats, der ikke er afsluttet, skal have en opfølgningsdato."),
    Rule("kl-reporting-ffb-care-plan-2", "error",
         f"{CLAUSE}, invariant (rettet: KL's FHIRPath er fejlbehæftet, note §7.1)",
         "En indsats må højst have én primær målgruppe (rang 1)."),
    Rule("ffb-care-plan-primary-target-group", "error",
         f"{CLAUSE}, index: præcis én primær målgruppe; FKI: primær målgruppe = rang 1",
         "En indsats med målgrupper skal have præcis én primær målgruppe (rang 1)."),
    Rule("kl-reporting-ffb-care-plan-4", "error", f"{CLAUSE}, invariant",
         "En bevilget indsats, der ikke er afsluttet, skal henvise til en "
         "støttebehovsvurdering (activity.outcomeReference)."),
    Rule("kl-reporting-ffb-care-plan-5", "error", f"{CLAUSE}, invariant",
         "En bevilget indsats, der ikke er afsluttet, skal have en målgruppe (addresses)."),
    Rule("ffb-care-plan-one-support-need", "error", f"{CLAUSE}, index: højst ét støttebehov",
         "En indsats må højst henvise til én støttebehovsvurdering."),
    Rule("ffb-care-plan-case-number", "error", f"{CLAUSE}, index: sagsnummer på indsatsen",
         "En indsats skal have et sagsnummer (municipalityCaseNumber)."),
    Rule("kl-reporting-ffb-follow-up-1", "error", f"{CLAUSE}, invariant",
         "Opfølgningens status skal være final eller entered-in-error."),
    Rule("ffb-citizen-sts-organisation", "error",
         f"{CLAUSE}, index: gyldig STS-organisation som ansvarlig kommune",
         "Borgerens managingOrganization skal være en KOMBIT STS-organisation (UUID)."),
    Rule("ffb-resource-id-uuid", "error", f"{CLAUSE}, index: id'er er UUID'er",
         "Ressourcernes id skal være UUID'er."),
)
