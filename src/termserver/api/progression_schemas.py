"""The progression report's shape in the contract: POST /api/v1/progression.

As with the validation report, the route sends the bytes the domain encoded; these
models document them (docs/openapi.json) and tests check real reports against them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CodedOut(_Shape):
    system: str
    code: str
    label: str = Field(description="The label a caseworker reads (the code when unknown).")


class LevelOut(CodedOut):
    level: int | None = Field(description="The ordinal on its scale, 0 the best (FFB: Ingen "
                                          "… Fuldstændig nedsat funktionsevne; FSIII: 0 … 4 "
                                          "begrænsninger); null for ikke vurderet/relevant.")


class AssessmentOut(LevelOut):
    date: str = Field(description="conditionLastAssertedDate, else recordedDate, as written.")
    document: str = Field(description="The document whose statement of it counts (the "
                                      "latest that repeats the assessment).")


class GoalOut(_Shape):
    goal: str = Field(description="`Goal/<id>`: the latest goal addressing the tilstand as "
                                  "primary, else the latest addressing it at all.")
    rank: int | None = Field(description="The tilstand's ConditionRank in the goal (1 primary).")
    target: LevelOut | None = Field(description="Forventet funktionsevneniveau (measure "
                                                "66959f77).")
    change: CodedOut | None = Field(description="Måltype (measure 90c48f03): fastholde, "
                                                "udvikle, begrænse tab.")


class TilstandProgressOut(CodedOut):
    condition: str = Field(description="`Condition/<id>`: the tilstand through the course.")
    scale: str = Field(description="`FFB funktionsevneniveau` or `FSIII funktionsniveau`.")
    icf: list[str] = Field(description="ICF codes our crosswalks relate the tilstand to.")
    assessments: list[AssessmentOut] = Field(description="In time order.")
    goal: GoalOut | None
    direction: Literal["bedre", "uændret", "værre"] | None = Field(
        description="The last level against the first; null with fewer than two levels.")
    last_follow_up: str | None = Field(description="The date of the course's last follow-up "
                                                   "about the tilstand.")
    level_at_follow_up: LevelOut | None = Field(description="The level then (the latest "
                                                            "assessment on or before it).")
    goal_met: bool | None = Field(description="Whether that level is at least as good as the "
                                              "goal's target; null without both.")


class CourseInterventionOut(CodedOut):
    conditions: list[str] = Field(description="The tilstande (`Condition/<id>`) it addresses.")


class CitizenProgressOut(_Shape):
    citizen: str = Field(description="`Patient/<id>` (a CPR number is never echoed).")
    documents: list[str] = Field(description="The course's documents in date order.")
    tilstande: list[TilstandProgressOut]
    interventions: list[CourseInterventionOut]


class InterventionTilstandOut(CodedOut):
    scale: str
    icf: list[str]
    improved: int = Field(description="Citizens with the intervention who got better (bedre).")
    unchanged: int = Field(description="… who stayed the same (uændret).")
    declined: int = Field(description="… who got worse (værre).")
    unknown: int = Field(description="… with fewer than two assessments so far.")
    goal_met: int = Field(description="… whose goal was met at the last follow-up.")
    goal_not_met: int = Field(description="… whose goal was not met then.")


class InterventionProgressOut(CodedOut):
    citizens: int = Field(description="Citizens who got the intervention.")
    tilstande: list[InterventionTilstandOut] = Field(description="The tilstande it addresses.")


class ProgressionReportOut(_Shape):
    """Progression (FKO): each citizen's course, and per intervention what became of the
    citizens who got it."""

    citizens: int
    documents: int
    icf: str | None = Field(description="The ICF filter asked for (`?icf=d450`): only "
                                        "tilstande our crosswalks relate to it or below it.")
    interventions: list[InterventionProgressOut]
    courses: list[CitizenProgressOut]
    unreadable: list[str] = Field(description="Documents that could not be read.")
    unattributed: list[str] = Field(description="Documents that name no citizen (Patient).")
