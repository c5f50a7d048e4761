"""Invalid courses: each takes KL's five FFB reporting Bundles of one citizen (loaded at test
time, in date order) and plants one defect that only the course rules can see.

KL's Bundles are the successive reports of one citizen (Patient da16c0a1): the
udredning (2021-05-28), the indsatsmål (05-29 12:13), the plan with its indsatser (05-29
17:13), the opfølgning (06-18) and the closing report (08-30). Nothing from the examples
is copied into the repository.
"""

from __future__ import annotations

import json
from collections.abc import Callable

Course = list[dict]
COURSE_VARIANTS: dict[str, Callable[[Course], None]] = {}
"""Course rule id → the mutation that breaks it (and nothing else)."""
LAST_ASSERTED = "http://fhir.kl.dk/core/StructureDefinition/ConditionLastAssertedDate"


def course_variant(rule: str) -> Callable[[Callable[[Course], None]], Callable[[Course], None]]:
    def register(function: Callable[[Course], None]) -> Callable[[Course], None]:
        COURSE_VARIANTS[rule] = function
        return function
    return register


def resource(document: dict, rid: str) -> dict:
    return next(e["resource"] for e in document["entry"] if e["resource"].get("id") == rid)


def _asserted(condition: dict, day: str) -> None:
    condition["extension"] = [e for e in condition.get("extension", [])
                              if e["url"] != LAST_ASSERTED]
    condition["extension"].append({"url": LAST_ASSERTED, "valueDateTime": day})


@course_variant("course-undated")
def undated_report(course: Course) -> None:
    """The closing report loses its timestamp (its own struct-required says so too)."""
    del course[4]["timestamp"]


@course_variant("course-one-citizen")
def another_citizen(course: Course) -> None:
    """The closing report is about someone else: another Patient id and CPR number."""
    text = json.dumps(course[4]).replace("da16c0a1-840a-46b0-98b3-761e4501b343",
                                         "0d7e1c52-5a43-4c2e-9d1f-3b2a6c8e9f10")
    course[4].clear()
    course[4].update(json.loads(text))
    patient = resource(course[4], "0d7e1c52-5a43-4c2e-9d1f-3b2a6c8e9f10")
    patient["identifier"][0]["value"] = "0101800000"


@course_variant("course-immutable")
def tilstand_changes_its_code(course: Course) -> None:
    """The follow-up report keeps tilstand 3a0e2994 (Indgå i samspil og kontakt) but
    codes it as Varetage beskæftigelse: a changed tilstand keeps its code."""
    condition = resource(course[3], "3a0e2994-9f3f-44ab-a684-06bb85c7bf9d")
    condition["code"]["coding"][0]["code"] = "685e8517-2f5c-4ef8-a7c4-fa2d008fdd9d"


@course_variant("course-follow-up-earlier")
def follow_up_of_a_new_plan(course: Course) -> None:
    """The follow-up of 06-18 follows up on the indsats d54a2bb0 reported only then."""
    follow_up = resource(course[3], "a03a8641-e845-45c3-a7a9-16bf077af069")
    follow_up["focus"] = [{"reference": "CarePlan/d54a2bb0-4fdc-4ea8-adaf-1241836a94f5"}]


@course_variant("course-closed-condition-active")
def closed_tilstand_active_again(course: Course) -> None:
    """Tilstand 57dc36db is closed (resolved, assessed 05-29) in the goals report and
    active again (assessed 06-18) in the follow-up report, without recurrence."""
    closing = resource(course[1], "57dc36db-56ce-4a4a-95e8-2d2c8a85871a")
    closing["clinicalStatus"]["coding"][0]["code"] = "resolved"
    _asserted(closing, "2021-05-29")
    _asserted(resource(course[3], "57dc36db-56ce-4a4a-95e8-2d2c8a85871a"), "2021-06-18")


@course_variant("course-contradiction")
def reassessed_without_a_newer_date(course: Course) -> None:
    """The follow-up report gives tilstand 3a0e2994 another level (Let instead of
    Moderat nedsat funktionsevne) but dates the assessment 05-28, as the first one."""
    condition = resource(course[3], "3a0e2994-9f3f-44ab-a684-06bb85c7bf9d")
    condition["severity"]["coding"][0]["code"] = "8328ce4a-6238-4f73-bf1a-74aadb68eff8"
    _asserted(condition, "2021-05-28")
