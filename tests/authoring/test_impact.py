"""The impact report of a draft's check: catalogue entries, crosswalk mappings, search
words and validation bindings that refer to what the draft retires or moves; and the
documents whose verdict changes (`--documents`, in test_workflow_cli.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from termserver.authoring import impact
from termserver.authoring.db import AuthoringDB
from termserver.namespaces import concept_iri
from termserver.services import Services
from termserver.settings import Settings

from .drafting import T1, Drafts, drafts_over, make_store, release


@pytest.fixture
def drafts(settings: Settings, db: AuthoringDB) -> Iterator[Drafts]:
    with drafts_over(Services(settings=settings, store=make_store()), db) as api:
        yield api


def test_what_refers_to_a_moved_and_a_retired_concept(drafts: Drafts) -> None:
    draft = drafts.new("fie", scheme="fsiii")
    drafts.change(draft, "T1", who="fie", broader=["Z"])
    drafts.change(draft, "T2", who="fie", status="retired", reason="Udgår",
                  replaced_by=["T1"])
    report = drafts.check(draft, who="vera")["impact"]

    assert [(a["code"], a["change"]) for a in report["concepts"]] == \
        [("T1", "moved"), ("T2", "retired")]
    assert sorted((c["code"], c["via"], c["concept"]) for c in report["catalogue"]) == [
        ("1.1", "addressesCondition", "T1"), ("1.1", "closeMatch", "T1")]
    (mapping,) = report["mappings"]
    assert (mapping["release"], mapping["concept"], mapping["relation"], mapping["other"]) == \
        ("crosswalk-fsiii-icf@2026.1", "T1", "closeMatch", concept_iri("icf", "d640"))
    (words,) = report["search_words"]
    assert (words["release"], words["concept"], words["labels"]) == \
        ("search-words@2026.1", "T1", ["støvsuge"])

    sets = {(v["value_set"], v["concept"]): v for v in report["value_sets"]}
    moved = sets[("KLConditionCodesHomeCare", "T1")]
    assert (moved["member_before"], moved["member_after"], moved["named"]) == \
        (True, False, False)
    union = sets[("FSIIICareConditions", "T1")]  # holds the other through its include
    assert union["member_before"] and not union["member_after"]
    assert {"profile": "klgateway-care-condition", "path": "code",
            "strength": "required"} in union["bindings"]
    retired = sets[("KLConditionCodesHomeCare", "T2")]
    assert retired["member_before"] and retired["member_after"]
    assert drafts.check(draft, who="vera")["passed"]  # the report informs, never blocks


def test_a_catalogue_draft_reports_no_catalogue_entries_of_its_own(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.change(draft, "1.2", status="retired", reason="Udgår", replaced_by=["1.1"])
    report = drafts.check(draft)["impact"]
    assert [(a["code"], a["change"]) for a in report["concepts"]] == [("1.2", "retired")]
    assert report["catalogue"] == report["mappings"] == report["value_sets"] == []


def test_affected_names_deleted_retired_and_moved_concepts() -> None:
    base = release("local", "1", {"A": ("A", []), "B": ("B", ["A"]), "C": ("C", []),
                                  "D": ("D", [])})
    draft = release("local", "draft-1", {"A": ("A", []), "B": ("B", ["C"]), "C": ("C", []),
                                         "E": ("E", [])})
    draft.concepts["C"].status = "retired"
    assert [(a.code, a.change) for a in impact.affected(base, draft)] == [
        ("B", "moved"), ("C", "retired"), ("D", "deleted")]


def test_the_draft_store_leaves_the_running_store_as_it_was() -> None:
    store = make_store()
    fsiii = store.latest("fsiii")
    before = list(fsiii.concepts["T1"].hidden_labels.get("da", []))
    draft = release("fsiii", "draft-1", {"T1": ("Rengøring", []), "NEW": ("Ny", [])})
    draft.info.uri = fsiii.info.uri
    both = impact.with_draft(store, draft)
    assert both.latest("fsiii").version == "2025.1.draft-1"
    assert "NEW" in both.latest("fsiii").concepts and "NEW" not in store.latest(
        "fsiii").concepts
    assert store.latest("fsiii").concepts["T1"].hidden_labels.get("da", []) == before
    assert both.concept("fsiii", "T1").hidden_labels["da"] == ["støvsuge"]
    assert both.concept("fsiii", "T1").uri == T1
