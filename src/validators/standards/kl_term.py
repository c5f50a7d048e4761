"""kl-term 2.3.0 (kl.dk.fhir.term, 2025-08) and the guides' own value sets, as our data.

Each value set is written in the standard's semantics (note §5): `descendent_of` excludes
the root, `exclude` removes codes. Names follow KL's ValueSet.name so that
tests/test_validate_standard.py can compare every expansion against KL's published
ValueSets (read from ../shared at test time) and catch drift.
"""

from __future__ import annotations

from ..model import Include, ValueSet

FFB = "urn:oid:1.2.208.176.2.22"
FSIII = "urn:oid:1.2.208.176.2.21"
CS = "http://fhir.kl.dk/term/CodeSystem/CareSocialCodes"
LTT = "http://fhir.kl.dk/term/CodeSystem/LTT"
SNOMED = "http://snomed.info/sct"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_ACT_ENCOUNTER_CODES = ("AMB", "EMER", "FLD", "HH", "IMP", "ACUTE", "NONAC", "OBSENC",
                          "PRENC", "SS", "VR")
"""HL7's v3-ActEncounterCode as FHIR R4 expands it (codes of v3-ActCode)."""
FOLLOW_UP_ENCOUNTER = "9f03dfbb-7a97-45a5-94db-d4c3501714a9"
"""CareSocialCodes »opfølgning«: the type of every follow-up Encounter."""
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
STS_ORG_SYSTEM = "https://www.kombit.dk/organisation"
SOR_SYSTEM = "urn:oid:1.2.208.176.1.1"

FBOE = "http://fhir.kl.dk/term/CodeSystem/FBOE"
KL_SYSTEMS = (FFB, FSIII, CS, FBOE, LTT)
"""KL's classifications: validation needs them in the store (imported from kl-term)."""
KL_NAMESPACES = ("urn:oid:1.2.208.176.2.", "http://fhir.kl.dk/term/CodeSystem/",
                 "http://kl.dk/fhir/common/caresocial/CodeSystem/")
"""Where KL's code systems live: an unknown system here is a typo, not a foreign system."""
KNOWN_FOREIGN = ("urn:oid:1.2.208.176.2.1", "urn:oid:1.2.208.176.2.4.",
                 "http://fhir.kl.dk/term/CodeSystem/KLCommonproprietary",
                 "http://kl.dk/fhir/common/caresocial/CodeSystem/KLCommonproprietary")
"""Systems in those namespaces that are not KL classifications: NPU, SKS (1.2.208.176.2.4.*),
the KLCommonproprietary fragment. Exact URLs, or prefixes when ending in a dot."""

LEGACY_CANONICALS = {
    "http://kl.dk/fhir/common/caresocial/CodeSystem/FFB": FFB,
    "http://kl.dk/fhir/common/caresocial/CodeSystem/FSIII": FSIII,
    "http://kl.dk/fhir/common/caresocial/CodeSystem/KLCommonCareSocialCodes": CS,
    "http://kl.dk/fhir/common/caresocial/CodeSystem/KLCommonproprietary":
        "http://fhir.kl.dk/term/CodeSystem/KLCommonproprietary",
}
"""KL-dk 0.7.0 canonicals still used by the messaging and care-data guides (note §7.2)."""


def _vs(name: str, *include: Include, exclude: tuple[str, ...] = (), title: str = "") -> ValueSet:
    return ValueSet(name, tuple(include), exclude, title)


def _union(name: str, *names: str, title: str = "") -> ValueSet:
    return ValueSet(name, (Include(value_sets=names),), (), title)


_FFB_AD_THEMES = (  # Aktivitet og deltagelse: the six themes (themes themselves not selectable)
    "3856b434-f72e-42a5-b9d1-0cc93f48434b", "dfbe6ff6-223b-436a-b864-8ba29bda41e2",
    "c2b186f9-9c10-478e-8345-2d2c37ab4c46", "eef71492-65f5-4297-aa95-3c3a6866ddef",
    "da3f488f-1742-4d00-b247-a7d47500b36b", "d1495b2c-1452-4e49-8dbe-8193af5d8823")
_FFB_FF_THEMES = (  # Funktioner og forhold: four themes
    "a134c31d-d316-46d4-935e-e500874dbbe1", "25c5c614-305f-46cd-9891-55d564fc30cf",
    "e1836145-0c20-4e20-971e-d62dfe4ea1a0", "4fb78b88-d3af-4cfb-84d7-f06daf423317")
_FFB_TARGET_GROUPS = (
    "1f23325e-c9c9-455b-bfe7-b4dcd1bb63e5", "f1c7ee41-21b4-4dba-9424-c874bf72b5e7",
    "ab7b7d7b-b7bb-4b8c-99d9-5c98a302b771", "0d66b364-958e-48cf-a18b-744fab284194",
    "7ef8be83-90d1-4375-b1cb-24710bea21c7", "5cb8997c-eb10-477f-b653-b2a5ff11ce7d",
    "6e155207-db12-419a-8d9c-d67756533056", "615310e8-f702-4455-910b-9d6d8aa684fb",
    "da298aec-cd7d-436c-9927-d88d00066881", "7b48f1a0-579b-4976-ae7c-4074b5981449",
    "d26f97e8-99ed-46a9-94db-93340f77a950", "1097d07f-1dba-4cc2-ae3a-399a501c2eb6",
    "9b3fd322-a75a-4ed8-9b74-425fa1e01c95", "cc6a58cf-d3d2-4e5f-b7fe-98b009647eac",
    "e6a269f5-944a-4ff8-b4d8-6dc2134d9167", "93d52b11-faa7-4ff7-b552-11a84cce8bf1",
    "71dfe6d1-ebc1-4414-8527-edf8e605c356", "5cfc9530-a193-4f66-9981-3b980ee9ea7b",
    "97c355cc-84e3-46d0-ac1b-00bc627d089f", "17ce646b-4469-4a73-82a9-9628436f6c70",
    "303deb9b-84f0-49d2-ab7a-f8b98eed40a2", "ee5b52bd-b839-4e69-ad04-c8b33eabfbde",
    "f2ccc0c0-2a0a-49c9-9d6a-741a7cd220a3", "6aac5ae6-ef06-4866-9c66-16d51ebbc83b",
    "192b7d79-415c-4f4f-9223-607938ecbe97", "afaa7e31-2b5d-4a49-9008-56aa8df8dc13",
    "d42d8f41-2d07-4391-a687-bad51172d0c9", "851b2a9d-cde2-4d5d-8f33-d03789022cbb",
    "293bf940-c075-4e3d-b5ef-6e331202e556", "3e3f5ebf-82c1-401b-ab5e-e6138a31da3a",
    "16075f99-3694-4878-a48d-b2f4b515cb76", "e1b59a4a-9cc2-4113-a5f1-84af588b02a2",
    "66fac925-3488-43b3-8e50-4510d3821b37", "3b166cb0-df17-4002-a4c4-69e9a943645c",
    "df42d472-06f6-4c5f-9dcf-64aa6cc20925", "6a038911-d866-4910-90ae-72ca55c641ea",
    "f1f4d709-19d2-48cc-8942-231bf912323d", "ab4413f0-fa81-41c0-ad8c-21782c12a0fa",
    "0e25a2ec-4f04-4d14-a5ad-a6519a7d1d5f", "122f3f8e-84a0-476f-b9c5-0e40b1dcf113",
    "6fd0f315-2297-4d66-b638-3f867a0900e0", "5e95db73-4d16-4084-93a3-595c0650b160",
    "c47fd846-f1e0-4786-89a4-88d00e7a86c0", "3412d671-22bf-456c-b963-c4e05c2725a0",
    "905caa77-2b98-48ce-b0e1-35dc4c1cc4bd")
_FFB_INTERVENTION_GROUPS = (
    "72a2a2d4-5a83-4093-ba1c-7f759c132801", "a2256d86-1cf8-4da5-be49-1f49f4335ecb",
    "a1eaa022-9e5c-493c-83d3-7cc40b9df9e9", "d8505298-6ea5-4ca8-923d-6e4451cc9a48",
    "a63f7092-63d9-4cb5-ace5-655b552fdacc", "309b778e-52ed-448a-91ae-0650a6cd8b1b",
    "4ff4a2d4-4cde-4a22-bb37-ecfbd3fd9650", "329782cf-a740-4eb7-aa7e-aaaa9a53c99e",
    "21dca9cf-c238-465b-9f12-15351f51b038")
_FSIII_NURSING_AREAS_UUID = (
    "fa6aa904-d06e-4029-b4c4-13ead04ace27", "55670b1e-7a36-46b2-8712-b7536237f22d",
    "25dcedb3-7149-4ef9-a2c3-be30267441fb", "1bb534f3-e526-41a9-b9c3-6157ea19c915",
    "3f00a76f-8e7b-4b13-80cc-f2ceef4e51d1", "5bfe4bda-2358-41da-946e-1fdaa33d5fe8",
    "01150cdb-6098-48ce-bb61-60967f6bcc37", "cc377732-7f14-49b7-8940-1aa07b8884e7",
    "94e9c867-fbc8-4d35-8596-e6b8765b12e8", "8c539fd9-7f31-4b4e-8b30-8298c8ab640f",
    "9162d29a-1c7f-4585-8145-8fb4f1a999e3", "045fa500-35b0-46b7-97dd-adb60888a8ea")
_FSIII_NURSING_AREAS = _FSIII_NURSING_AREAS_UUID + tuple(f"I{n}" for n in range(1, 13))
_FSIII_HOME_CARE_AREAS = (
    "43c2b7f0-5e55-4627-8fcf-bdaf5a9d84ac", "1c850a09-aa49-4fae-9354-f932f13e030b",
    "462f9352-0129-4d8e-8c75-a6dfed78ddcf", "4571f168-a92a-4caf-8dc8-35f45c2a1cb4",
    "86b53158-6d05-412e-ad55-2e1fa26359b3", "J1", "J2", "J3", "J4", "J5")
_FSIII_HOME_CARE_INTERVENTION_GROUPS = (
    "23a80ae9-ab88-48ed-a689-36bdd3cc6e41", "3823d4cd-c38f-49f7-bb15-bd2488b07cd9",
    "6cacf7a2-97ef-4981-a16a-338d571fc115", "fe266687-9efd-4aea-a37c-49c88632d4f3",
    "4bfff76f-cc05-4635-96e5-282f4abb2986", "90910722-a79d-4c35-8110-3adc988b206b",
    "aeb52f84-c587-4e12-8793-69ebf83819f5", "db582ef3-121c-4061-9569-3dbede361d47",
    "ae759142-4006-454f-a585-ca02519e5579", "6f9ed46f-6498-4567-9637-2324dbfaa0a0",
    "2a668eb0-25f1-4101-863c-11e81c4bf210",
    "83_stk_1_nr_1_Personlig_hjaelp_og_pleje", "83_stk_1_nr_2_Praktisk_hjaelp_i_hjemmet",
    "83_stk_1_nr_3_Madservice", "83a_Rehabilitering_personlig_hjaelp_og_pleje",
    "83a_Rehabilitering_praktisk_hjaelp_i_hjemmet", "H3", "H4", "H5", "H6", "H7",
    "Aeldrelovsindsats")

_DECLARED = (
    # -- FFB (adults) ------------------------------------------------------------------------
    _vs("KLConditionADCodesFFB", Include(FFB, descendent_of=_FFB_AD_THEMES),
        title="FFB tilstande under Aktivitet og deltagelse"),
    _vs("KLConditionFFCodesFFB", Include(FFB, descendent_of=_FFB_FF_THEMES),
        title="FFB tilstande under Funktioner og forhold"),
    _vs("KLConditionOCodesFFB", Include(FFB, descendent_of=(
        "7445fb2b-0009-43d9-b49b-1b9782f2fcd9",)), title="FFB tilstande under Omgivelser"),
    _union("KLConditionCodesFFB", "KLConditionFFCodesFFB", "KLConditionADCodesFFB",
           "KLConditionOCodesFFB", title="FFB tilstande"),
    _vs("KLTargetGroupsFFB", Include(FFB, codes=_FFB_TARGET_GROUPS), title="FFB målgrupper"),
    _union("KLConditionsAndTargetGroupsFFB", "KLConditionCodesFFB", "KLTargetGroupsFFB",
           title="FFB tilstande og målgrupper"),
    _vs("KLSeveritiesFFB", Include(FFB, descendent_of=("e89d317c-4657-4970-b614-ada2ed220595",)),
        title="FFB funktionsevneniveau"),
    _vs("KLNeedsAssessmentCodesFFB",
        Include(FFB, descendent_of=("7ac451dc-773b-4877-baaf-1e6b1d5c8e28",)),
        title="FFB støttebehovsniveau"),
    _vs("KLChangeValueCodesFFB",
        Include(FFB, descendent_of=("b5257b2d-0fbf-4d00-bf38-d298c8568116",)),
        title="FFB måltype"),
    _vs("KLFollowUpCodesFFB", Include(FFB, descendent_of=("90479ffa-bf46-4b3a-a172-91f2798e2a43",)),
        title="FFB status på indsats"),
    _vs("KLInterventionsFFB", Include(FFB, descendent_of=_FFB_INTERVENTION_GROUPS),
        exclude=("794ebc42-0639-46eb-aca2-40e996568578",), title="FFB ydelser"),
    _vs("KLServiceCodesFFB", Include(FFB, codes=(
        "9401777d-bdc5-4f52-9804-63c8cae9a792", "a0fb02a2-367c-48bc-bacd-92e49a861a4c",
        "25de7444-3919-4dab-b844-8cec6c15f30e", "498fe92c-d7f7-41cd-9404-5b38fe113be0",
        "070016aa-e164-4813-aca5-b75acab89d63", "d90f4da6-f87a-43b5-833f-646b4baf16d6",
        "a7cbf55b-6906-4b2a-872e-c48b4d728837", "5ea75f09-8eec-4edc-aafd-a330a523c33e")),
        title="FFB tilbudstyper"),
    # -- CareSocialCodes -----------------------------------------------------------------------
    _vs("KLEncounterTypes", Include(CS, descendent_of=("25303acd-dcaf-4a8e-a8a3-3961a43858aa",)),
        title="Kontakttyper"),
    ValueSet("EncounterClassCodes", (
        Include(V3_ACT_CODE, codes=V3_ACT_ENCOUNTER_CODES),
        Include(CS, codes=("1b55a4b0-1156-4f58-b2df-b5c6014d9048",
                           "124be95d-6924-4609-9d2a-e7c73ae3ab3d"))),
        title="Kontaktklasse (v3-ActEncounterCode, telefonisk, skærmbesøg)"),
    _vs("KLGoalTypeCodes", Include(CS, descendent_of=("253bbdc0-c4ca-4e77-9d3e-3a9e51281636",)),
        title="Måltyper (kategori)"),
    ValueSet("KLTargetMeasureCodes", (Include(CS, codes=(
        "66959f77-6e2a-4574-8423-3ff097f8b9fa", "90c48f03-f194-4b2f-ad7d-6cba1069ae48")),),
        title="Målemål (KL-delen; SNOMED/NPU-delen prøves ikke)",
        unchecked_systems=("http://snomed.info/sct", "urn:oid:1.2.208.176.2.1")),
    _vs("CancellationTypes", Include(CS, descendent_of=("2c059407-fed5-4852-92d8-6bb5ad63d7bb",)),
        title="Begrundelse for indsatsophør"),
    _vs("DeliveryTypes", Include(CS, descendent_of=("3f79cee2-b148-4f2c-9cbd-387820e74685",)),
        title="Leveringstyper"),
    _vs("DeliveryTypes119", Include(CS, descendent_of=("3f79cee2-b148-4f2c-9cbd-387820e74685",)),
        title="Leveringstyper (§ 119)"),
    _vs("DeliveryTypes140", Include(CS, descendent_of=("3f79cee2-b148-4f2c-9cbd-387820e74685",)),
        title="Leveringstyper (§ 140)"),
    _vs("CarePlanCategories119", Include(CS, codes=(
        "9791e55a-656f-47eb-8fd5-c4a06b0a4662", "5c160c02-e858-4c1f-925a-71ed64844749")),
        title="Forløbskategorier § 119"),
    _vs("CarePlanCategories140", Include(CS, codes=(
        "4863001e-14c7-4be8-a2da-e4f21a4b6ac4", "f15b2663-94d9-4d0c-a5de-d8bd8e1e4ebb")),
        title="Forløbskategorier § 140"),
    _vs("ServiceTypes119", Include(CS, codes=("a71921ea-fe83-441d-933b-cc21d0b3c8c3",)),
        title="Ydelsestype § 119"),
    _vs("ServiceTypes140", Include(CS, codes=("7fc66c15-0cb3-4c89-9e18-f3a01e6a6592",)),
        title="Ydelsestype § 140"),
    _vs("ServiceRequestTypes140", Include(CS, codes=(
        "ffd81f78-352e-4589-a195-5350dd1df2a4", "8b962281-2ab6-4b10-9c91-4bac592d6d49",
        "b679c454-2da2-46dd-9425-0e52d4aa2bf3", "0c8e2bfc-1350-45d1-90da-c07e2645d073",
        "83c89857-8fb8-4163-97b1-eb1a56345c29")), title="Genoptræningsplantyper § 140"),
    _vs("ServiceRequestStatusReasons140", Include(CS, codes=(
        "f64b8f5e-8ced-4a8b-ab73-8994fb524915", "a8632e22-bf0c-4f5a-92a7-70977ba104d5",
        "3796fa11-305f-47d6-b164-45b05489afb2", "8ac7be88-5d16-4dbd-a61a-ab02673f4b34",
        "46a6bc1f-bfe8-4390-a71f-44ad4a384b9d")), title="Statusårsager § 140"),
    # -- FSIII -------------------------------------------------------------------------------
    _vs("KLConditionCodesNursing", Include(FSIII, descendent_of=_FSIII_NURSING_AREAS),
        title="FSIII sygeplejetilstande"),
    _vs("KLConditionCodesHomeCare", Include(FSIII, descendent_of=_FSIII_HOME_CARE_AREAS),
        title="FSIII hjemmeplejetilstande"),
    _union("FSIIICareConditions", "KLConditionCodesNursing", "KLConditionCodesHomeCare",
           title="FSIII tilstande (gateway)"),
    _vs("KLNursingAreasFSIII", Include(FSIII, codes=_FSIII_NURSING_AREAS),
        title="FSIII sygeplejeområder"),
    _vs("KLHomeCareAreasFSIII", Include(FSIII, codes=_FSIII_HOME_CARE_AREAS),
        title="FSIII hjemmeplejeområder"),
    _union("FSIIICareMatterOfInterests", "KLNursingAreasFSIII", "KLHomeCareAreasFSIII",
           title="FSIII områder (gateway)"),
    _vs("KLNursingInterventionsFSIII", Include(FSIII, descendent_of=(
        "993d8f7b-fbed-4a78-90d9-6efbfa835114", "ff47f955-3179-446f-b211-dc29de9456e3",
        "G1", "G2")), title="FSIII sygeplejeindsatser"),
    _vs("KLHomeCareInterventionsFSIII",
        Include(FSIII, descendent_of=_FSIII_HOME_CARE_INTERVENTION_GROUPS),
        title="FSIII hjemmeplejeindsatser"),
    _union("FSIIICareInterventions", "KLNursingInterventionsFSIII",
           "KLHomeCareInterventionsFSIII", title="FSIII indsatser (gateway)"),
    _vs("KLTrainingInterventionsFSIII",
        Include(FSIII, descendent_of=("7deb81de-12c0-4a49-bd5b-72ea6fe89d83",)),
        title="FSIII træningsindsatser"),
    _vs("KLSeveritiesFSIII", Include(FSIII, descendent_of=(
        "2c02a704-deee-4878-9378-1167613b3da6", "B")), title="FSIII funktionsniveau"),
    _vs("KLFollowUpCodesFSIII", Include(FSIII, descendent_of=(
        "ad78224f-b339-462c-9f2c-90b3120605cb", "E")), title="FSIII opfølgning"),
    _vs("KLCitizenObservationCodesFSIII", Include(FSIII, codes=(
        "d6d48a71-b96f-4b88-86f9-b13bd3c03560", "687159ad-a61c-47c0-a878-53aa54bae2d5",
        "C", "D")), title="Borgerens egen vurdering (koder)"),
    _vs("KLPerformanceLevelCodesFSIII", Include(FSIII, descendent_of=(
        "d6d48a71-b96f-4b88-86f9-b13bd3c03560", "C")), title="Udførelse"),
    _vs("KLImportanceLevelCodesFSIII", Include(FSIII, descendent_of=(
        "687159ad-a61c-47c0-a878-53aa54bae2d5", "D")), title="Betydning"),
    _union("KLCitizenObservationResultCodesFSIII", "KLPerformanceLevelCodesFSIII",
           "KLImportanceLevelCodesFSIII", title="Borgerens egen vurdering (værdier)"),
    _vs("KLGatewayCareMatterOfInterestValues", Include(FSIII, codes=(
        "B6", "d7ff926a-4955-478f-b300-0b0ec0785013")), title="Ikke relevant"),
    _vs("KLConditionCodes119", Include(FSIII, descendent_of=(
        "d03da587-94dc-46e6-ba71-eb1e43ec7df6", "7b3b3587-4ddd-4b93-a81b-455bfc601492",
        "b349c7ec-86c5-4c52-aaf2-9034d98b0e3b")), Include(FSIII, codes=(
        "0520a107-2bb0-47b8-8856-c53e27607e51", "43ad3091-f684-4d6f-8885-20ecd1cf2255",
        "ba083ca7-fe46-41d0-acd5-85851ac8137f", "cb55874a-93d9-45c7-a25a-8ff677c24385")),
        title="Tilstande § 119"),
    _vs("KLInterventionCodes119", Include(FSIII, codes=(
        "01a500f6-c221-4fd0-b518-cd361218b60d", "03a3ebdb-9e2d-4be1-b32b-42f0bd2a3362",
        "61692d91-69b8-4830-9453-3d58454e49d3", "6d24992e-e0a2-43e7-bc27-0234622a8655",
        "6eddbaf7-2a73-49d4-91e7-6138d419f58c", "924e9828-84cf-4689-9551-0ebb6dc71b98",
        "ab87c0b5-40be-4e0a-b749-d9f833bfed2d", "abe847e0-1ce0-44dc-a675-ce05b66f47e6",
        "c9a99304-1788-43b7-b7be-e187b092ae9c", "cf7a55c2-7061-47ed-b7c5-e29620fe93bf",
        "d1e016b5-150a-4ac4-97ba-d3e19e28471e", "e71b7d85-5c78-49c2-8624-8499d162317b",
        "ee5606ac-1bed-487e-aa3c-72dcc30ec037", "f30cab6d-2a42-4358-99d7-811127fb6e05")),
        title="Indsatser § 119"),
    _vs("Conditions140", Include(FSIII, codes=(
        "2bd07f7c-e6bb-424b-ab8f-f7c1de2afe80", "b53bca74-fd3f-4127-89ae-1a39d7836b93",
        "bd088375-65fc-4e1d-9a8b-78dc918e6581", "86e1982c-f459-4658-9071-e4bf3453a687",
        "dd41df82-3c13-4523-b9c5-e83676425299", "243ae4ae-4e36-4192-88cb-399711ac3766",
        "290baa56-5d8c-40a6-b40c-1de05649f0d1", "6a2c3341-c13e-4638-961d-72ba0fe29a80",
        "064f983b-5ec5-40a3-bc90-c3fcec6b6ef5", "1d9759c6-6526-4d07-994a-5dee3fa65177",
        "56860429-eabe-4d48-b8ad-d7f7b28f6df5", "b16668ff-9c02-491e-b082-7b699d93f5bc",
        "263a2c2f-7ae2-4264-8808-7e8216b1a118", "26b05040-94f3-4c8c-9ede-c7223bddf518",
        "3c685f14-5d48-4b1c-a451-9da780e2b41c", "bbc99471-a9f3-41f1-a95b-6842abfb551a",
        "c6f49b84-58af-43df-bb3e-0d6a67fa0aba")), title="Tilstande § 140"),
    # -- LTT ---------------------------------------------------------------------------------
    _vs("LTTCarePlanActivityTypes", Include(CS, codes=("01302bcb-c7f3-42c4-8ded-68e33da064eb",)),
        title="LTT aktivitetstype"),
    _vs("LTTEncounterTypes", Include(LTT, codes=(
        "afd9445a-7ca5-42f8-8011-c3802db3f30b", "3b1d8884-5a1d-43cf-aabb-8c1035148c46",
        "ac1057da-a510-4bab-a2b1-d96efa464bdc", "e2eee938-a58c-42d0-a514-dc91779b1243",
        "404665f4-3488-4225-953e-3f1c5a061829", "b7f9217c-2315-4d6f-bba5-5117e202302c")),
        title="LTT kontakttyper"),
    _vs("LTTFocusArea", Include(LTT, descendent_of=("d09ad8c9-7ade-455f-b34a-54c8c6cce266",)),
        title="LTT temaer"),
    _vs("LTTDeliveryTypes", Include(CS, codes=(
        "2865f123-15a7-4a36-a514-32ea37c400ca", "8d12d74c-17da-47a7-a4fe-e69dbaec0a8c")),
        title="LTT leveringstype"),
    _vs("LTTParticipantTypes", Include(CS, descendent_of=("880028ec-5f16-4242-ba53-57a902094d5b",)),
        title="LTT deltagertyper"),
    _vs("LTTTypeOfReferral", Include(LTT, descendent_of=("92aa0b05-ed46-4fd6-8009-adf97d0fc187",)),
        title="LTT henvisningstyper"),
)
VALUE_SETS: dict[str, ValueSet] = {vs.name: vs for vs in _DECLARED}
