"""Invalid variants: each takes a real example (loaded at test time) and plants one defect.

tests/validation/manifest.json names, for every variant, the example it starts from and
the one rule it must trigger; the functions here are only the mutations. Nothing from
the examples is copied into the repository.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

Mutation = Callable[[dict], dict | None]
VARIANTS: dict[str, Mutation] = {}
RAW: dict[str, Callable[[], tuple[bytes, str]]] = {}
RANK_URL = "http://fhir.kl.dk/core/StructureDefinition/ConditionRank"


def variant(function: Mutation) -> Mutation:
    VARIANTS[function.__name__] = function
    return function


def raw(function: Callable[[], tuple[bytes, str]]) -> Callable[[], tuple[bytes, str]]:
    RAW[function.__name__] = function
    return function


def resources(doc: dict, kind: str, profile_part: str = "") -> list[dict]:
    return [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == kind
            and profile_part in " ".join(e["resource"].get("meta", {}).get("profile", []))]


def ad_condition(doc: dict) -> dict:
    return next(c for c in resources(doc, "Condition") if c.get("severity"))


def by_id(doc: dict, rid: str) -> dict:
    return next(e["resource"] for e in doc["entry"] if e["resource"].get("id") == rid)


def open_plan(doc: dict) -> dict:
    return next(p for p in resources(doc, "CarePlan", "ffb-carePlan")
                if p["intent"] == "order" and p["status"] != "completed")


# -- syntax --------------------------------------------------------------------------------
@raw
def broken_json() -> tuple[bytes, str]:
    return b'{"resourceType": "Bundle", ', "application/fhir+json"


@raw
def latin1() -> tuple[bytes, str]:
    return '{"resourceType": "Patient", "id": "Søren"}'.encode("latin-1"), "application/fhir+json"


@raw
def xml_entity() -> tuple[bytes, str]:
    return (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<Patient xmlns="http://hl7.org/fhir"><id value="&e;"/></Patient>',
            "application/fhir+xml")


@raw
def too_deep() -> tuple[bytes, str]:
    return (b'{"resourceType": "Patient", "extension": ' + b'{"extension": ' * 300 + b"{}"
            + b"}" * 301, "application/fhir+json")


@raw
def xml_too_deep() -> tuple[bytes, str]:
    return (b'<Patient xmlns="http://hl7.org/fhir">' + b'<extension url="x">' * 300
            + b"</extension>" * 300 + b"</Patient>", "application/fhir+xml")


@raw
def xml_billion_laughs() -> tuple[bytes, str]:
    return (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b'<Patient xmlns="http://hl7.org/fhir"><id value="&lol2;"/></Patient>',
            "application/fhir+xml")


@raw
def xml_latin1() -> tuple[bytes, str]:
    return ('<?xml version="1.0" encoding="ISO-8859-1"?><Patient xmlns="http://hl7.org/fhir">'
            '<id value="Søren"/></Patient>'.encode("latin-1"), "application/fhir+xml")


# -- structure and Bundle --------------------------------------------------------------------
@variant
def drop_condition_code(doc: dict) -> None:
    del resources(doc, "Condition")[0]["code"]


@variant
def free_text_note(doc: dict) -> None:
    resources(doc, "Condition", "ffb-condition")[0]["note"] = [{"text": "Fritekst om borgeren"}]


@variant
def service_request_ordered(doc: dict) -> None:
    resources(doc, "ServiceRequest")[0]["intent"] = "order"


@variant
def unknown_resource_type(doc: dict) -> None:
    doc["resourceType"] = doc["resourceType"] + "t"


@variant
def no_profiles(doc: dict) -> None:
    doc.pop("meta", None)
    for entry in doc["entry"]:
        entry["resource"].pop("meta", None)


@variant
def entry_without_profile(doc: dict) -> None:
    resources(doc, "Condition")[0].pop("meta")


@variant
def duplicate_full_url(doc: dict) -> None:
    doc["entry"][1]["fullUrl"] = doc["entry"][2]["fullUrl"] = (
        "urn:uuid:00000000-0000-4000-8000-000000000004")


@variant
def typo_full_url(doc: dict) -> None:  # like KL's own "Careplan/…" and "Enconter/…"
    entry = doc["entry"][1]
    kind = entry["resource"]["resourceType"]
    entry["fullUrl"] = entry["fullUrl"].replace(kind, kind.capitalize()[:-1] + "x")


@variant
def duplicate_id(doc: dict) -> None:
    clone = copy.deepcopy(doc["entry"][2])
    clone["fullUrl"] = "urn:uuid:" + clone["resource"]["id"]
    doc["entry"].append(clone)


@variant
def entry_without_resource(doc: dict) -> None:
    doc["entry"].append({"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000002"})


@variant
def message_header_last(doc: dict) -> None:
    doc["entry"].append(doc["entry"].pop(0))


@variant
def dangling_reference(doc: dict) -> None:
    resources(doc, "Condition")[0]["subject"]["reference"] = "Patient/not-in-this-bundle"


@variant
def reversed_period(doc: dict) -> None:
    resources(doc, "CarePlan", "ffb-carePlan")[0]["period"] = {"start": "2022-01-01",
                                                                "end": "2021-01-01"}


@variant
def date_written_the_danish_way(doc: dict) -> None:
    resources(doc, "Condition")[0]["recordedDate"] = "30-05-2024"


# -- terminology -----------------------------------------------------------------------------
@variant
def legacy_system(doc: dict) -> None:
    resources(doc, "Condition")[0]["code"]["coding"][0]["system"] = (
        "http://kl.dk/fhir/common/caresocial/CodeSystem/FFB")


@variant
def unknown_code(doc: dict) -> None:
    resources(doc, "Condition")[0]["code"]["coding"][0]["code"] = "not-an-ffb-code"


@variant
def ffb_code_labelled_fsiii(doc: dict) -> None:
    resources(doc, "Condition")[0]["code"]["coding"][0]["system"] = "urn:oid:1.2.208.176.2.21"


@variant
def unknown_code_system_version(doc: dict) -> None:
    resources(doc, "Condition")[0]["code"]["coding"][0]["version"] = "19990101"


@variant
def retired_code(doc: dict) -> None:
    """A code that left CareSocialCodes in 20230517, in a report of 2024 (the report itself
    is of 2021, when the code was in force: it is dated on after its retirement)."""
    doc["timestamp"] = "2024-06-01T10:00:00Z"
    coding = resources(doc, "Condition")[0]["code"]["coding"][0]
    coding["system"] = "http://fhir.kl.dk/term/CodeSystem/CareSocialCodes"
    coding["code"] = "e6f35a88-6665-4471-9dce-9a98854532b4"  # "FSIII indsatsmål", gone 2023-05


@variant
def reported_before_its_code(doc: dict) -> None:
    """LTT's second report of Josefine (2025-06-02) dated back to 2025-05-20, before KL's
    CareSocialCodes 20250530 brought the intervention code it uses (in force: 20241031)."""
    text = json.dumps(doc).replace("2025-06-02", "2025-05-20")
    doc.clear()
    doc.update(json.loads(text))


@variant
def wrong_display(doc: dict) -> None:
    resources(doc, "Condition")[0]["code"]["coding"][0]["display"] = "Noget helt andet"


@variant
def support_need_as_severity(doc: dict) -> None:
    """A støttebehovsniveau where a funktionsevneniveau is required (both FFB codes)."""
    ad_condition(doc)["severity"]["coding"][0]["code"] = "dd628e73-d6c9-4837-a2b8-aa62d73bd6ae"


@variant
def goal_measure_outside_value_set(doc: dict) -> None:
    """An extra target measured by a CareSocialCodes code that is no target measure."""
    goal = resources(doc, "Goal")[0]
    extra = copy.deepcopy(goal["target"][0])
    extra["measure"]["coding"][0]["code"] = "9f03dfbb-7a97-45a5-94db-d4c3501714a9"
    extra["measure"]["coding"][0].pop("display", None)
    goal["target"].append(extra)


# -- citizen ---------------------------------------------------------------------------------
@variant
def bad_cpr(doc: dict) -> None:
    resources(doc, "Patient")[0]["identifier"][0]["value"] = "3213991234"


@variant
def deceased(doc: dict) -> None:
    resources(doc, "Patient")[0]["deceasedBoolean"] = True


@variant
def second_patient(doc: dict) -> None:
    patient = copy.deepcopy(resources(doc, "Patient")[0])
    patient["id"] = "00000000-0000-4000-8000-000000000001"
    doc["entry"].append({"fullUrl": f"Patient/{patient['id']}", "resource": patient})


@variant
def municipality_as_cvr(doc: dict) -> None:
    identifier = resources(doc, "Patient")[0]["managingOrganization"]["identifier"]
    identifier["system"] = "urn:oid:2.16.840.1.113883.2.24.1.1"
    identifier["value"] = "29189765"


@variant
def non_uuid_id(doc: dict) -> dict:
    condition = resources(doc, "Condition")[0]
    return json.loads(json.dumps(doc).replace(condition["id"], "tilstand-1"))


# -- FFB rules ------------------------------------------------------------------------------
@variant
def drop_severity(doc: dict) -> None:
    del ad_condition(doc)["severity"]


@variant
def goal_on_non_ad(doc: dict) -> None:
    target = next(c for c in resources(doc, "Condition") if not c.get("severity"))
    resources(doc, "Goal")[0]["addresses"].append(
        {"reference": f"Condition/{target['id']}",
         "extension": [{"url": RANK_URL, "valuePositiveInt": 2}]})


@variant
def goal_two_primaries(doc: dict) -> None:
    goal = next(g for g in resources(doc, "Goal") if len(g["addresses"]) > 1)
    for item in goal["addresses"]:
        item["extension"][0]["valuePositiveInt"] = 1


@variant
def goal_without_change_target(doc: dict) -> None:
    goal = resources(doc, "Goal")[0]
    change = "90c48f03-f194-4b2f-ad7d-6cba1069ae48"
    goal["target"] = [t for t in goal["target"] if t["measure"]["coding"][0]["code"] != change]
    goal["target"].append(copy.deepcopy(goal["target"][0]))  # keep min 2 targets


@variant
def plan_without_follow_up(doc: dict) -> None:
    plan = open_plan(doc)
    plan["extension"] = [e for e in plan["extension"] if "follow-up" not in e["url"]]


@variant
def plan_two_primary_groups(doc: dict) -> None:
    for item in resources(doc, "CarePlan", "ffb-carePlan")[0]["addresses"]:
        item["extension"][0]["valuePositiveInt"] = 1


@variant
def plan_no_primary_group(doc: dict) -> None:
    for item in resources(doc, "CarePlan", "ffb-carePlan")[0]["addresses"]:
        item["extension"][0]["valuePositiveInt"] = 2


@variant
def plan_without_support_need(doc: dict) -> None:
    del open_plan(doc)["activity"]


@variant
def plan_without_target_group(doc: dict) -> None:
    del open_plan(doc)["addresses"]


@variant
def plan_two_support_needs(doc: dict) -> None:
    plan = open_plan(doc)
    ref = plan["activity"][0]["outcomeReference"][0]["reference"]
    evaluation = copy.deepcopy(by_id(doc, ref.split("/")[-1]))
    evaluation["id"] = "00000000-0000-4000-8000-000000000003"
    doc["entry"].append({"fullUrl": f"Observation/{evaluation['id']}", "resource": evaluation})
    second = {"reference": f"Observation/{evaluation['id']}"}
    plan["activity"].append({"outcomeReference": [second]})


@variant
def plan_without_case_number(doc: dict) -> None:
    plan = open_plan(doc)
    plan["extension"] = [e for e in plan["extension"] if "CaseNumber" not in e["url"]]


@variant
def follow_up_preliminary(doc: dict) -> None:
    resources(doc, "Observation", "followUp")[0]["status"] = "preliminary"


# -- FSIII gateway ---------------------------------------------------------------------------
@variant
def home_care_without_severity(doc: dict) -> None:
    del next(c for c in resources(doc, "Condition") if c.get("severity"))["severity"]


@variant
def goal_on_nursing_condition(doc: dict) -> None:
    nursing = next(c for c in resources(doc, "Condition") if not c.get("severity"))
    resources(doc, "Goal")[0]["addresses"] = [{"reference": f"Condition/{nursing['id']}"}]


@variant
def own_observation_value_mismatch(doc: dict) -> None:
    observation = resources(doc, "Observation", "citizens-own-observation")[0]
    observation["code"]["coding"][0]["code"] = "D"


@variant
def gateway_follow_up_preliminary(doc: dict) -> None:
    resources(doc, "Observation", "follow-up-observation")[0]["status"] = "preliminary"


# -- § 119 / § 140 ------------------------------------------------------------------------------
@variant
def activity_cancelled_without_reason(doc: dict) -> None:
    plan = next(p for p in resources(doc, "CarePlan") if p["meta"]["profile"][0].endswith(
        "-care-plan"))
    plan["activity"][0]["detail"]["status"] = "cancelled"


@variant
def treatment_without_forloeb(doc: dict) -> None:
    del next(p for p in resources(doc, "CarePlan", "planned-intervention")
             if p.get("basedOn"))["basedOn"]


@variant
def standalone_with_forloeb(doc: dict) -> None:
    plan = next(p for p in resources(doc, "CarePlan", "planned-intervention")
                if not p.get("basedOn"))
    forloeb = next(p for p in resources(doc, "CarePlan", "-care-plan"))
    plan["basedOn"] = [{"reference": f"CarePlan/{forloeb['id']}"}]


@variant
def rehab_plan_type_missing(doc: dict) -> None:
    request = resources(doc, "ServiceRequest")[0]
    request["category"] = [{"coding": [{"system": "http://fhir.kl.dk/term/CodeSystem/"
                                        "CareSocialCodes",
                                        "code": "8b962281-2ab6-4b10-9c91-4bac592d6d49"}]}]


# -- LTT ---------------------------------------------------------------------------------------
@variant
def completed_forloeb_without_end(doc: dict) -> None:
    plan = resources(doc, "CarePlan", "ltt-care-plan")[0]
    plan["status"] = "completed"
    plan["period"].pop("end", None)


@variant
def treatment_encounter_without_participant(doc: dict) -> None:
    resources(doc, "Encounter", "ltt-encounter")[0].pop("participant")


# -- FKI core / FFB bestilling -------------------------------------------------------------
@variant
def theme_as_condition(doc: dict) -> None:
    """A theme (Mobilitet) where a tilstand is required: descendent-of excludes the root."""
    coding = resources(doc, "Condition")[0]["code"]["coding"][0]
    coding["code"] = "c2b186f9-9c10-478e-8345-2d2c37ab4c46"
    coding.pop("display", None)


@variant
def fsiii_severity_on_ffb_condition(doc: dict) -> None:
    doc["severity"] = {"coding": [{"system": "urn:oid:1.2.208.176.2.21", "code": "B3"}]}


# -- policies ------------------------------------------------------------------------------
@variant
def unchanged(doc: dict) -> None:
    """For variants that differ by validator policy only (manifest `options`)."""


@variant
def ffb_oid_typo(doc: dict) -> None:
    resources(doc, "Condition")[0]["code"]["coding"][0]["system"] = "urn:oid:1.2.208.176.2.222"


@variant
def own_observation_about_the_citizen(doc: dict) -> None:
    observation = resources(doc, "Observation", "citizens-own-observation")[0]
    patient = resources(doc, "Patient")[0]
    observation["focus"] = [{"reference": f"Patient/{patient['id']}"}]


# -- Sundhedspleje (kl-children) ----------------------------------------------------------------
def observations(doc: dict, code: str) -> list[dict]:
    return [r for r in resources(doc, "Observation")
            if any(c.get("code") == code for c in r["code"]["coding"])]


@variant
def weight_with_two_decimals(doc: dict) -> None:
    observations(doc, "27113001")[0]["valueQuantity"].update(value=6.25, unit="kg", code="kg")


@variant
def indicator_without_value_or_reason(doc: dict) -> None:
    del observations(doc, "73f981f8-455a-4158-b435-7c6d83ab84da")[0]["valueCodeableConcept"]


@variant
def questionnaire_answer_too_long(doc: dict) -> None:
    answer = resources(doc, "QuestionnaireResponse")[0]["item"][0]["answer"][0]
    answer.clear()
    answer["valueString"] = "Et svar, der er længere end tredive tegn"


@variant
def observation_without_children_profile(doc: dict) -> None:
    del observations(doc, "73f981f8-455a-4158-b435-7c6d83ab84da")[0]["meta"]


@variant
def school_start_made_school_end(doc: dict) -> None:
    """Udskolingsundersøgelse instead of indskoling: the report lacks the nicotine answer."""
    coding = resources(doc, "Encounter")[0]["type"][0]["coding"][0]
    coding["code"] = "dd766967-4d02-4c17-8ed3-021852785fdf"
    coding["display"] = "Udskolingsundersøgelse"


def _without(*codes: str) -> Mutation:
    def drop(doc: dict) -> None:
        doc["entry"] = [e for e in doc["entry"] if not (
            e["resource"]["resourceType"] == "Observation"
            and {c.get("code") for c in e["resource"]["code"]["coding"]} & set(codes))]
    return drop


for _name, _codes in {
    "parent_mental_state": ("2c39af9f-8e45-4c88-962f-e7a9e2cd31b6",),
    "parent_social_status": ("58997614-ba43-4534-90bd-10c7e76802f4",),
    "support_network": ("7e7fab2f-278a-4b14-9bc9-efc36fffcba5",),
    "social_interaction": ("68605f88-49fb-44b9-b327-86947af6aa93",),
    "parent_relationship": ("763c6f21-5467-4713-82fb-716c9d0a1fdf",),
    "weight": ("27113001",),
    "height": ("1153637007", "248333004", "1149101003"),
    "head_circumference": ("363812007",),
    "passive_smoking": ("28972d4b-fea3-42ec-b2a5-e2a26f79b14d",),
    "nutrition": ("e61e4dab-54bb-4bf4-9b76-8d991cf4de08",),
    "communication": ("653c2b0b-bb64-4906-888b-aea6fef3c3f8",),
    "sleep": ("73f981f8-455a-4158-b435-7c6d83ab84da",),
    "motor_function": ("e04f2ca1-888a-4671-a97a-371b525cd2a3",),
    "physical_activity": ("b331fe02-a781-4abd-b6db-9331d6a69b15",),
    "hearing": ("a22c4b53-b622-4394-ba13-910a7b0d7b0d",),
    "sight": ("01fddd46-ed7c-423d-b191-ffdd977dd61e",),
}.items():
    VARIANTS[f"report_without_{_name}"] = _without(*_codes)


# -- dates within one document ---------------------------------------------------------------
LAST_ASSERTED = "http://fhir.kl.dk/core/StructureDefinition/ConditionLastAssertedDate"


@variant
def assessed_before_recorded(doc: dict) -> None:
    condition = next(c for c in resources(doc, "Condition")
                     if any(e["url"] == LAST_ASSERTED for e in c.get("extension", [])))
    next(e for e in condition["extension"] if e["url"] == LAST_ASSERTED)[
        "valueDateTime"] = "2021-05-01"


@variant
def follow_up_before_its_plan(doc: dict) -> None:
    resources(doc, "Observation", "followUp")[0]["effectiveDateTime"] = "2021-05-01"


@variant
def goal_before_its_plan(doc: dict) -> None:
    plan = next(p for p in resources(doc, "CarePlan") if p.get("goal") and p.get("period"))
    by_id(doc, plan["goal"][0]["reference"].split("/")[-1])["startDate"] = "2020-01-01"


@variant
def intervention_created_after_the_report(doc: dict) -> None:
    resources(doc, "CarePlan", "ffb-intervention")[0]["created"] = "2030-01-01T10:00:00Z"


@variant
def local_extension_on_condition(doc: dict) -> None:
    """A municipality's own extension where the FFB condition profile closes the list."""
    resources(doc, "Condition", "ffb-condition")[0].setdefault("extension", []).append(
        {"url": "http://kommune.example.dk/fhir/StructureDefinition/sagsbehandler",
         "valueString": "Jens"})
