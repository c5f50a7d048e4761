"""Sundhedspleje (children): kl.dk.fhir.children 2.1.0 (kl-children @ 28f62d9, 2024-10).

A delivery report from the municipal health visitors: encounters (visits, examinations)
and the indicator observations, measurements, questionnaire answers and interventions
made at them. Profiles from the StructureDefinitions' differentials; the thirteen
indicator profiles derive from `klgateway-children-indicator` (`Profile.base`).

The measurement profiles' SNOMED CT codes are required here: they are what the report
rules look for (a weight without 27113001 counts as no weight). Their LOINC slices are
not checked: the slices' cardinality sits in dk-core, whose snapshot is not in the
compiled guide.

The report rules (gateway-children-report-*) are written from their text where KL's
FHIRPath says something else; each correction is named in the rule's clause.
"""

from __future__ import annotations

from ..model import Binding, DocumentType, Include, Profile, Rule, ValueSet
from .kl_term import CS, SNOMED

CLAUSE = "kl-children 2.1.0"
FBOE = "http://fhir.kl.dk/term/CodeSystem/FBOE"
UCUM = "http://unitsofmeasure.org"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
FACE_TO_FACE = frozenset({"HH", "AMB"})
"""Encounter classes of a visit delivered face to face (home visit, at the clinic)."""

# -- encounter types (FBOE) -------------------------------------------------------------------
PREGNANCY = "d3c00541-f1d3-4c43-b5fc-16e8914ca1df"  # Graviditetsbesøg
POSTNATAL = "7d35a193-e808-4e77-b361-6c0d114d021f"  # Barselsbesøg
ESTABLISHING = "b4bf6058-502a-4d64-bb8e-369661f43b47"  # Etableringsbesøg
OTHER_FIRST_MONTH = "563c4174-f451-4c87-8db8-8d5472ca7ff6"  # Andet besøg inden første måned
MONTH_2 = "51f30d1c-d60e-4e3e-ac22-ec9712ea962d"  # Besøg hos det ca. 2 måneder gamle barn
MONTH_4_6 = "58ff370b-a775-4bec-b24a-91604e0a5fe7"  # Besøg hos det 4-6 måneder gamle barn
MONTH_8_11 = "3f3e6489-31bd-44cf-9920-3c632868feb7"  # Besøg hos det 8-11 måneder gamle barn
SCHOOL_START = "c06ed6f1-be9d-460e-a45e-34821bcbd533"  # Indskolingsundersøgelse
SCHOOL_MIDDLE = "d01bcb90-2b29-44f4-834c-191d6dd4a08a"  # Undersøgelse i mellemtrin, med måling
SCHOOL_END = "dd766967-4d02-4c17-8ed3-021852785fdf"  # Udskolingsundersøgelse
ENCOUNTER_NAMES = {
    PREGNANCY: "Graviditetsbesøg", POSTNATAL: "Barselsbesøg", ESTABLISHING: "Etableringsbesøg",
    OTHER_FIRST_MONTH: "Andet besøg inden første måned",
    MONTH_2: "Besøg hos det ca. 2 måneder gamle barn",
    MONTH_4_6: "Besøg hos det 4-6 måneder gamle barn",
    MONTH_8_11: "Besøg hos det 8-11 måneder gamle barn",
    SCHOOL_START: "Indskolingsundersøgelse", SCHOOL_MIDDLE: "Undersøgelse i mellemtrin, med måling",
    SCHOOL_END: "Udskolingsundersøgelse"}

# -- indicator codes (FBOE) and measurement codes (SNOMED CT) ---------------------------------
PARENT_MENTAL = "2c39af9f-8e45-4c88-962f-e7a9e2cd31b6"
PARENT_SOCIAL = "58997614-ba43-4534-90bd-10c7e76802f4"
NETWORK = "7e7fab2f-278a-4b14-9bc9-efc36fffcba5"
SOCIAL_INTERACTION = "68605f88-49fb-44b9-b327-86947af6aa93"
PARENT_RELATIONSHIP = "763c6f21-5467-4713-82fb-716c9d0a1fdf"
COMMUNICATION = "653c2b0b-bb64-4906-888b-aea6fef3c3f8"
SLEEP = "73f981f8-455a-4158-b435-7c6d83ab84da"
MOTOR_FUNCTION = "e04f2ca1-888a-4671-a97a-371b525cd2a3"
PHYSICAL_ACTIVITY = "b331fe02-a781-4abd-b6db-9331d6a69b15"
HEARING = "a22c4b53-b622-4394-ba13-910a7b0d7b0d"
SIGHT = "01fddd46-ed7c-423d-b191-ffdd977dd61e"
PASSIVE_SMOKING = "28972d4b-fea3-42ec-b2a5-e2a26f79b14d"
NICOTINE = "76891f7b-cf49-4cb2-88d6-728a509eb75d"
NUTRITION = "e61e4dab-54bb-4bf4-9b76-8d991cf4de08"
WEIGHT = "27113001"
HEAD_CIRCUMFERENCE = "363812007"
HEIGHTS = ("1153637007", "248333004", "1149101003")
"""SNOMED CT body height observables (BodyheightSCTobservablesChildren)."""


class ReportRule:
    """gateway-children-report-<name>: an encounter of one of `encounters`, delivered face
    to face, obliges the report to carry an observation coded with one of `codes`."""

    __slots__ = ("codes", "encounters", "label", "name", "note")

    def __init__(self, name: str, label: str, encounters: tuple[str, ...],
                 codes: tuple[str, ...], note: str = "") -> None:
        self.name, self.label, self.encounters, self.codes = name, label, encounters, codes
        self.note = note

    @property
    def id(self) -> str:
        return f"gateway-children-report-{self.name}"


_INFANT_VISITS = (MONTH_2, MONTH_4_6, MONTH_8_11, SCHOOL_START, SCHOOL_END)
REPORT_RULES = (
    ReportRule("parent-mental-state", "forælders psykiske tilstand", (PREGNANCY, MONTH_2),
               (PARENT_MENTAL,)),
    ReportRule("parent-social-status", "forælders sårbarhed", (PREGNANCY, ESTABLISHING),
               (PARENT_SOCIAL,)),
    ReportRule("support-network", "netværk", (PREGNANCY, ESTABLISHING), (NETWORK,)),
    ReportRule("social-interaction", "social kontakt", _INFANT_VISITS, (SOCIAL_INTERACTION,)),
    ReportRule("parent-relationship", "forældre-barn-relation",
               (POSTNATAL, ESTABLISHING, OTHER_FIRST_MONTH, MONTH_2, MONTH_4_6, MONTH_8_11),
               (PARENT_RELATIONSHIP,),
               "rettet: KL's FHIRPath udelader Besøg hos det 8-11 måneder gamle barn, som "
               "reglens tekst nævner"),
    ReportRule("weight", "vægt",
               (POSTNATAL, ESTABLISHING, OTHER_FIRST_MONTH, MONTH_2, MONTH_4_6, MONTH_8_11,
                SCHOOL_START, SCHOOL_MIDDLE, SCHOOL_END), (WEIGHT,)),
    ReportRule("height", "længde/højde",
               (ESTABLISHING, OTHER_FIRST_MONTH, MONTH_2, MONTH_4_6, MONTH_8_11, SCHOOL_START,
                SCHOOL_MIDDLE, SCHOOL_END), HEIGHTS),
    ReportRule("head-circumference", "hovedomfang",
               (ESTABLISHING, OTHER_FIRST_MONTH, MONTH_2, MONTH_4_6, MONTH_8_11),
               (HEAD_CIRCUMFERENCE,)),
    ReportRule("passive-smoking", "passiv rygning", (ESTABLISHING,), (PASSIVE_SMOKING,)),
    ReportRule("nicotine", "brug af nikotin", (SCHOOL_END,), (NICOTINE,)),
    ReportRule("nutrition", "ernæring",
               (POSTNATAL, ESTABLISHING, OTHER_FIRST_MONTH, MONTH_2, MONTH_4_6, MONTH_8_11,
                SCHOOL_START, SCHOOL_END), (NUTRITION,)),
    ReportRule("communication", "kommunikation", _INFANT_VISITS, (COMMUNICATION,),
               "rettet: KL's FHIRPath medtager også Andet besøg inden første måned, som "
               "reglens tekst ikke nævner"),
    ReportRule("sleep", "søvn", _INFANT_VISITS, (SLEEP,)),
    ReportRule("motor-function", "motorik", _INFANT_VISITS, (MOTOR_FUNCTION,),
               "rettet: KL's FHIRPath leder efter søvnkoden 73f981f8 i stedet for "
               "motorikkoden e04f2ca1"),
    ReportRule("physical-activity", "fysisk aktivitet", (SCHOOL_START, SCHOOL_END),
               (PHYSICAL_ACTIVITY,)),
    ReportRule("hearing", "hørelse", (SCHOOL_START, SCHOOL_END), (HEARING,)),
    ReportRule("sight", "syn", (SCHOOL_START, SCHOOL_END), (SIGHT,)),
)

DELIVERY_REPORT = "klgateway-children-delivery-report"
INDICATOR = "klgateway-children-indicator"
MEASUREMENTS = ("klgateway-children-bodyheight", "klgateway-children-bodyweight",
                "klgateway-children-headcircum")
"""obs-1: measurements whose value has at most one decimal."""
_INDICATORS = (  # profile, FBOE code, value set of its value
    ("klgateway-children-communication", COMMUNICATION, "CommunicationCodes"),
    ("klgateway-children-hearing", HEARING, "HearingCodes"),
    ("klgateway-children-motor-function", MOTOR_FUNCTION, "MotorFunctionCodes"),
    ("klgateway-children-nicotine", NICOTINE, "NicotineCodes"),
    ("klgateway-children-nutrition", NUTRITION, "NutritionCodes"),
    ("klgateway-children-parent-mental-status", PARENT_MENTAL, "ParentsMentalCodes"),
    ("klgateway-children-parent-relationship", PARENT_RELATIONSHIP,
     "ChildrenParentRelationshipCodes"),
    ("klgateway-children-parent-social-status", PARENT_SOCIAL, "ParentSocialStatusCodes"),
    ("klgateway-children-passive-smoking", PASSIVE_SMOKING, "PassiveSmokingCodes"),
    ("klgateway-children-physical-activity", PHYSICAL_ACTIVITY, "PhysicalActivityCodes"),
    ("klgateway-children-sight", SIGHT, "SightCodes"),
    ("klgateway-children-sleep", SLEEP, "SleepCodes"),
    ("klgateway-children-social-interaction", SOCIAL_INTERACTION, "SocialInteractionCodes"),
    ("klgateway-children-social-support-network", NETWORK, "SocialSupportNetworkCodes"),
)
VALUE_REQUIRED = (*MEASUREMENTS, INDICATOR, "klgateway-children-feeding-observation")
"""obs-2: observations that explain a missing value with dataAbsentReason."""
OBSERVATION_PROFILES = (
    "klgateway-children-feeding-observation", "klgateway-children-headcircum",
    "klgateway-children-bodyheight", "klgateway-children-exam-result",
    "klgateway-children-bodyweight", *(name for name, _, _ in _INDICATORS))
"""gateway-children-report-1: the observation profiles a report's Observations may
declare (the generic indicator profile is not one of them)."""

DOCUMENT_TYPE = DocumentType(
    "children", "Sundhedspleje (børn)", "http://fhir.kl.dk/children/",
    "kl.dk.fhir.children#2.1.0", True, ("children",),
    report_profiles=tuple(f"klgateway-children-{name}" for name in (
        "delivery-report", "incremental-delivery", "citizen", "related-parent", "encounter",
        "intervention", "questionnaire-response", "location")),
    unprofiled_kinds=("Observation",))

_OBSERVATION_FORBIDDEN = ("identifier", "basedOn", "partOf", "focus", "issued", "performer",
                          "interpretation", "note", "bodySite", "method", "specimen",
                          "device", "hasMember", "derivedFrom")
_BUNDLE_FORBIDDEN = ("identifier", "total", "link", "signature", "entry.search",
                     "entry.request", "entry.response")

PROFILES = (
    Profile("klgateway-children-delivery-report", "Bundle", required=("timestamp",),
            forbidden=_BUNDLE_FORBIDDEN, fixed=(("type", "collection"),)),
    Profile("klgateway-children-incremental-delivery", "Bundle", required=("timestamp",),
            forbidden=_BUNDLE_FORBIDDEN, fixed=(("type", "collection"),)),
    Profile("klgateway-children-citizen", "Patient",
            required=("identifier", "managingOrganization", "managingOrganization.identifier"),
            forbidden=("name", "telecom", "gender", "birthDate", "deceased[x]", "address",
                       "maritalStatus", "multipleBirth[x]", "photo", "contact",
                       "communication", "generalPractitioner", "managingOrganization.reference",
                       "managingOrganization.display"),
            fixed=(("link.type", "seealso"),)),
    Profile("klgateway-children-related-parent", "RelatedPerson",
            forbidden=("identifier", "name", "telecom", "gender", "birthDate", "address",
                       "photo", "period", "communication"),
            bindings=(Binding("relationship", "ParentTypes"),)),
    Profile("klgateway-children-encounter", "Encounter",
            required=("type", "type.coding", "subject", "period", "period.start"),
            forbidden=("identifier", "statusHistory", "classHistory", "type.text",
                       "serviceType", "priority", "episodeOfCare", "basedOn", "participant",
                       "appointment", "length", "reasonCode", "reasonReference", "diagnosis",
                       "account", "hospitalization", "serviceProvider", "partOf"),
            bindings=(Binding("class", "EncounterClassCodes"),
                      Binding("type", "EncounterTypes"))),
    Profile("klgateway-children-location", "Location",
            required=("identifier", "identifier.system", "identifier.value", "type"),
            forbidden=("operationalStatus", "name", "alias", "description", "mode", "telecom",
                       "address", "physicalType", "position", "managingOrganization",
                       "partOf", "hoursOfOperation", "availabilityExceptions", "endpoint"),
            fixed=(("identifier.system",
                    "https://viden.stil.dk/display/OFFINSTREG/Institutionsregisteret"),),
            codings=(("type", V3_ROLE_CODE, "SCHOOL"),)),
    Profile("klgateway-children-intervention", "CarePlan",
            required=("period", "period.start", "activity", "activity.detail",
                      "activity.detail.code", "activity.detail.code.coding"),
            forbidden=("identifier", "instantiatesCanonical", "instantiatesUri", "basedOn",
                       "replaces", "partOf", "category", "title", "description", "encounter",
                       "created", "author", "contributor", "careTeam", "addresses",
                       "supportingInfo", "goal", "note", "activity.outcomeCodeableConcept",
                       "activity.outcomeReference", "activity.progress", "activity.reference",
                       "activity.detail.code.text", "activity.detail.reasonReference",
                       "activity.detail.goal", "activity.detail.statusReason",
                       "activity.detail.description"),
            fixed=(("intent", "plan"), ("activity.detail.code.coding.system", FBOE)),
            bindings=(Binding("activity.detail.code.coding", "KLHealthNurseInterventions"),
                      Binding("activity.detail.reasonCode.coding", "KLHealthNurseConditions"))),
    Profile("klgateway-children-questionnaire-response", "QuestionnaireResponse",
            required=("questionnaire", "subject", "authored", "item.answer",
                      "item.answer.value[x]"),
            forbidden=("identifier", "basedOn", "partOf", "encounter", "author", "source",
                       "item.definition", "item.text", "item.answer.item", "item.item"),
            bindings=(Binding("extension:FindingInformer.value[x]", "FindingInformerCodes"),)),
    Profile(INDICATOR, "Observation",
            required=("code.coding", "effective[x]", "value[x].coding"),
            forbidden=("category", *_OBSERVATION_FORBIDDEN),
            closed=(("code.coding", "system", (FBOE,)),),
            bindings=(Binding("code.coding", "IndicatorCodesChildren"),)),
    *(Profile(name, "Observation", codings=(("code", FBOE, code),),
              bindings=(Binding("value[x].coding", value_set),), base=INDICATOR)
      for name, code, value_set in _INDICATORS),
    Profile("klgateway-children-exam-result", "Observation",
            required=("code.coding", "effective[x]", "value[x].coding"),
            forbidden=("category", "dataAbsentReason", *_OBSERVATION_FORBIDDEN),
            codings=(("code", SNOMED, "363788007"),),
            closed=(("code.coding", "system", (SNOMED,)),),
            bindings=(Binding("value[x].coding", "ExamResults"),)),
    Profile("klgateway-children-feeding-observation", "Observation",
            required=("code.coding", "effective[x]", "effective[x].start"),
            forbidden=_OBSERVATION_FORBIDDEN,
            codings=(("code", SNOMED, "169740003"), ("code", FBOE, NUTRITION)),
            closed=(("code.coding", "system", (SNOMED, FBOE)),),
            bindings=(Binding("value[x]", "FeedingResultsChildren"),)),
    Profile("klgateway-children-bodyheight", "Observation", required=("effective[x]",),
            forbidden=_OBSERVATION_FORBIDDEN, fixed=(("value[x].code", "cm"),),
            bindings=(Binding("code.coding", "BodyheightSCTobservablesChildren"),)),
    Profile("klgateway-children-bodyweight", "Observation", required=("effective[x]",),
            forbidden=_OBSERVATION_FORBIDDEN, codings=(("code", SNOMED, WEIGHT),),
            bindings=(Binding("value[x].code", "ObservationUnitsWeight"),)),
    Profile("klgateway-children-headcircum", "Observation", required=("effective[x]",),
            forbidden=_OBSERVATION_FORBIDDEN, fixed=(("value[x].code", "cm"),),
            codings=(("code", SNOMED, HEAD_CIRCUMFERENCE),)),
)


def _codes(name: str, system: str, codes: tuple[str, ...], title: str) -> ValueSet:
    return ValueSet(name, (Include(system, codes=codes),), (), title)


_EXAM_GROUPS = (  # FBOE »Udfordring konstateret ifm. anamnese og observation«: its groups
    "e4279057-8349-499e-8ae3-6271aac55c2b", "72ff26d2-1a43-437c-9c2d-d29d2c41a9c4",
    "c45555ec-95a4-40dc-9189-0876b22b7ae9", "351b2b05-6ade-40df-89e0-f59753704230",
    "3e3ed0b8-5315-43db-afd6-648f9597b49b", "60d3e0e4-bfe4-46e3-bbd9-a387559f6ae3",
    "d58e0e65-1510-4bfc-a057-3bbe6221b1b7", "f28f3aac-d161-4235-b225-4c90becc3ce5",
    "e36420a4-53d0-47f1-b6fe-b5c236d3e4ce", "f9bd933c-3b9d-4015-a4de-dc04cbcf2f00",
    "fb0eac61-28dc-4d60-91c4-6da0e07c276d")
_GLAD = (  # »Normale børnefund« that are exam results: the four »(meget) glad«
    "be128c20-851d-4217-b8df-744d8af39cac", "6bea1014-8e30-40e7-9274-2b02376c0b1b",
    "9b4b5194-cf7f-4274-a691-734c24adb0b7", "5dc857f6-1220-4762-a718-31a6101b5d61")

VALUE_SETS = (
    _codes("BodyheightSCTobservablesChildren", SNOMED, HEIGHTS, "Højde (SNOMED CT)"),
    _codes("ChildrenParentRelationshipCodes", FBOE, (
        "7a107df6-8fb8-4744-8413-be10b4c5c1d9", "274791a5-094d-4e6a-831e-e712d3d66aeb",
        "80aa0dab-aa41-45b1-a2cc-16d7e3733fdd"), "Forældre-barn-relation"),
    _codes("CommunicationCodes", FBOE, (
        "042d522d-0abe-46eb-a958-6e235b5d5408", "851ad2f2-a805-4d81-a1d8-15c3b09f5949",
        "d9f00ad4-4305-4bd0-aedf-2e51bef602e2"), "Kommunikation"),
    _codes("EncounterTypes", FBOE, (*ENCOUNTER_NAMES, "4b039ba1-4005-42e6-b672-09b81ad7578a",
                                    "b30f139c-fac5-416e-b84a-a3429f0222c2",
                                    "606c6585-444b-4ecd-885c-2ee59dc33f32",
                                    "17f5f9fa-3e1c-42fe-9ef3-178bc7900f67"),
           "Sundhedsplejens kontakttyper"),
    ValueSet("ExamResults", (Include(FBOE, descendent_of=_EXAM_GROUPS, codes=_GLAD),),
             title="Undersøgelsesresultater"),
    _codes("FeedingResultsChildren", FBOE, (
        "77a008dd-21cc-452f-a1ee-ac8d025b7817", "0a993974-e314-4f76-8c80-c3770fdefe37",
        "3edc905c-2830-442a-98cc-463cc3701dd1", "dfab6d07-b1b6-4210-ac8a-b8a0d095c8ab",
        "5101d1ac-b96f-4dd9-a42e-e3f765f747e1"), "Småbørns mad"),
    _codes("FindingInformerCodes", CS, (
        "25b4e705-2e9a-47a2-b11a-c829316b9d3a", "b66dc78a-a673-43fc-8ac0-1e859ba626e0",
        "12428e48-7df8-441f-9a89-d92bb7874066", "166d2437-4e47-4a52-bd94-cdbe91086ca6",
        "8fe80acb-2c2a-4f10-b2b8-ddb77d2f69dc", "329774f9-7700-47cf-9c00-63765d9e8078"),
        "Kilde til oplysningen"),
    _codes("HearingCodes", FBOE, (
        "9628db65-7460-4ecc-bbb1-48c0ac4b3f02", "c4c79311-ba80-4890-9008-c2f62ab00eda",
        "4d4b20b6-0159-4014-ac1c-46a7a860b204"), "Hørelse"),
    _codes("IndicatorCodesChildren", FBOE, (
        PARENT_MENTAL, PARENT_SOCIAL, NETWORK, SOCIAL_INTERACTION, PARENT_RELATIONSHIP,
        COMMUNICATION, SLEEP, MOTOR_FUNCTION, PHYSICAL_ACTIVITY, HEARING, SIGHT,
        PASSIVE_SMOKING, NICOTINE, NUTRITION), "Sundhedsplejens indikatorer"),
    ValueSet("KLHealthNurseConditions", (
        Include(value_sets=("ExamResults",)),
        Include(FBOE, codes=(
            "e1c1674c-9384-4d95-999f-763f3868f444", "80aa0dab-aa41-45b1-a2cc-16d7e3733fdd",
            "f86c2526-3b04-454c-a99e-d350f699dc94", "2461e246-b75c-46bb-b6ad-c68d529ace7e",
            "983ff338-2e77-413d-b157-66d0141a4a96", "d9f00ad4-4305-4bd0-aedf-2e51bef602e2",
            "c25b5cda-3f6b-4ef7-998d-c22c58c6dd18", "aeade013-b14a-4ad3-80da-66742782411e",
            "019e3a2d-775c-4660-8183-75206b47048f", "38f72570-630f-40c6-8a60-cf2e1bddc8eb",
            "2ef19cdf-f6e6-4b2c-aaef-f466e33cf261", "c4c79311-ba80-4890-9008-c2f62ab00eda",
            "4d4b20b6-0159-4014-ac1c-46a7a860b204", "0896610c-1322-44f2-836c-774de52fc3f1",
            "e489119b-de75-47cc-a53b-6ba90ed2c7e8", "5bc59698-bdf9-48db-ab97-20c43d7ff4f1",
            "cfe9150e-380e-4ce3-a120-2e2b227c8b9f", "37ef9400-2229-4cea-877c-8d653c9ec5ca",
            "3c8735c2-f599-44ea-840d-a0d09db4ce2b", "8bb204b0-9d83-4562-bcde-aea7aee78e34",
            "03093611-8e3e-4d9b-9f65-6c9670c3fc91", "0e7c61be-403e-495b-90ec-348fd0647e66",
            "aabcb5b7-1523-4de9-9505-d685246beb04", "f4971268-d17b-41ec-a1d7-526ce0d08bec",
            "54f8263c-c4ac-494c-b276-90073c1f1a33", "3bdc1cf9-dae1-40b1-9a82-b39ef72a433f",
            "28a77e7c-c718-4187-9f46-84f50664a967", "03b4d589-3ff5-437e-ba83-f212579d9707",
            "dc822827-a548-4e90-8bd6-90f231b89cb5", "45144c31-9818-4dc8-9b63-4bf997a49961"))),
        exclude=_GLAD, title="Sundhedsplejetilstande"),
    ValueSet("KLHealthNurseInterventions", (Include(FBOE, descendent_of=(
        "6cbf8b19-5aff-4f6f-a7dc-9a411197bcff", "5a45df21-d80c-4b41-9e5a-4896a519c6c6",
        "76a96391-7b5a-4d29-8471-9b7d238cb9df", "3cd144c0-7b1e-4ca3-9f21-28f9c8918a74",
        "52d1d013-4fdd-49b1-bba0-b7c00458852c", "b062a901-1364-4ed6-8d40-f4f14cfc737a")),),
        title="Sundhedsplejeindsatser"),
    _codes("MotorFunctionCodes", FBOE, (
        "d5b876e1-a86c-4768-b46d-cd795eaa89e4", "936a0163-08eb-4fdb-bf0c-bcf5bc7cb3f6",
        "aeade013-b14a-4ad3-80da-66742782411e"), "Motorik"),
    _codes("NicotineCodes", FBOE, (
        "a7a53cfd-c7bb-4573-a4ae-2eb18e3dda1f", "fd145ea6-b7de-466c-9053-8b4a0be960ac",
        "cfe9150e-380e-4ce3-a120-2e2b227c8b9f"), "Nikotin"),
    _codes("NutritionCodes", FBOE, (
        "78dcf013-8ae9-4541-b175-100cde77a9f0", "abecea75-32cd-4388-80fd-319a30701bf6",
        "019e3a2d-775c-4660-8183-75206b47048f"), "Ernæring"),
    _codes("ObservationUnitsWeight", UCUM, ("kg", "g"), "Vægtenheder (UCUM)"),
    _codes("ParentSocialStatusCodes", FBOE, (
        "57dd67d7-175a-4541-87ff-db1381c4e1d9", "546e7bef-7a22-451e-971a-326fcd78a843",
        "2461e246-b75c-46bb-b6ad-c68d529ace7e"), "Forælders sårbarhed"),
    _codes("ParentTypes", V3_ROLE_CODE, ("PRN",), "Forælder (v3-RoleCode)"),
    _codes("ParentsMentalCodes", FBOE, (
        "0e5db980-8c6e-4034-abab-054e0eb40935", "b8220216-e185-451b-8d2a-67cdf73c42c3",
        "f86c2526-3b04-454c-a99e-d350f699dc94"), "Forælders psykiske tilstand"),
    _codes("PassiveSmokingCodes", FBOE, (
        "b54723cf-3114-4119-b1cb-28107a283a99", "5bc59698-bdf9-48db-ab97-20c43d7ff4f1"),
        "Passiv rygning"),
    _codes("PhysicalActivityCodes", FBOE, (
        "05086dad-8718-4a6c-b096-54c7101d0b2c", "2effe989-0cc3-4dce-ad93-9f6503b91eaa",
        "38f72570-630f-40c6-8a60-cf2e1bddc8eb", "2ef19cdf-f6e6-4b2c-aaef-f466e33cf261"),
        "Fysisk aktivitet"),
    _codes("SightCodes", FBOE, (
        "bdcb835d-6ef6-4c4f-9fdf-94c3ebd17182", "0896610c-1322-44f2-836c-774de52fc3f1",
        "e489119b-de75-47cc-a53b-6ba90ed2c7e8"), "Syn"),
    _codes("SleepCodes", FBOE, (
        "b07eec60-941d-484d-8c2a-aeaa2ba798bf", "d13ad530-d8f6-4933-be18-bb77e2334f9f",
        "c25b5cda-3f6b-4ef7-998d-c22c58c6dd18"), "Søvn"),
    _codes("SocialInteractionCodes", FBOE, (
        "008b1890-4be5-463a-b618-0ab3d89515d0", "18938eb0-3f40-48c5-9971-7255aa86336a",
        "e1c1674c-9384-4d95-999f-763f3868f444"), "Social kontakt"),
    _codes("SocialSupportNetworkCodes", FBOE, (
        "fbd9a8a5-0ed6-4e1a-9841-066ade34b071", "983ff338-2e77-413d-b157-66d0141a4a96"),
        "Netværk"),
)

_WHEN = "et besøg af typen {} med fremmøde (klasse HH eller AMB)"
RULES = (
    Rule("obs-1", "error", f"{CLAUSE}, invariant",
         "En måling (vægt, længde, hovedomfang) må højst have én decimal."),
    Rule("obs-2", "error", f"{CLAUSE}, invariant",
         "En observation uden værdi skal forklare hvorfor med dataAbsentReason."),
    Rule("questionnaire-response-string-length", "error", f"{CLAUSE}, invariant",
         "Et svar givet som tekst skal være 1-30 tegn langt."),
    Rule("gateway-children-report-1", "error", f"{CLAUSE}, invariant",
         "Hver observation i rapporten skal angive en af guidens observationsprofiler."),
    *(Rule(rule.id, "error",
           f"{CLAUSE}, invariant" + (f" ({rule.note})" if rule.note else ""),
           f"Har rapporten {_WHEN.format(' / '.join(ENCOUNTER_NAMES[e] for e in rule.encounters))}"
           f", skal den indeholde en observation af {rule.label}.")
      for rule in REPORT_RULES),
)
