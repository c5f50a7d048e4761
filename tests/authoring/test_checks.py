"""The checks of a draft: every integrity rule and the SHACL shapes, each with a draft
that breaks it (made through the draft API), on SQLite and PostgreSQL.

Each test asserts the rule's id in the check's findings, so it fails when the rule is
gone; the clean draft asserts that none of them fires on a good change.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from termserver.authoring import checks, integrity, shacl
from termserver.authoring.concepts import state_of
from termserver.authoring.db import AuthoringDB
from termserver.authoring.drafts import DraftContent
from termserver.model import Note, Release
from termserver.namespaces import concept_iri
from termserver.services import Services
from termserver.settings import Settings

from .drafting import Drafts, drafts_over, make_store, release


@pytest.fixture
def drafts(settings: Settings, db: AuthoringDB) -> Iterator[Drafts]:
    with drafts_over(Services(settings=settings, store=make_store()), db) as api:
        yield api


def _only(findings: dict[str, list[dict]], rule: str) -> dict:
    assert rule in findings, f"{rule} not found in {sorted(findings)}"
    (finding,) = findings[rule]
    return finding


def test_a_good_change_passes_with_no_findings(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "1.3", {"labels": {"da": "Indkøb"}, "broader": ["1"],
                                 "properties": {"legalBasis": ["Serviceloven § 83"]}})
    drafts.change(draft, "1.2", definitions={"da": "Vask af borgerens tøj."})
    result = drafts.check(draft)
    assert result["findings"] == []
    assert (result["passed"], result["errors"], result["warnings"]) == (True, 0, 0)
    assert result["current"] is True and result["checked_by"] == "anna"


def test_pref_label_unique_among_siblings(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "1.3", {"labels": {"da": "rengøring "}, "broader": ["1"]})
    found = drafts.findings(draft)
    finding = _only(found, "pref-label-unique")
    assert (finding["severity"], finding["code"], finding["related"]) == \
        ("error", "1.3", ["1.1"])
    assert "«rengøring»" in finding["message"] and "samme overbegreb" in finding["message"]
    assert "pref-label-ambiguous" not in found


def test_pref_label_ambiguous_elsewhere_in_the_scheme(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "3", {"labels": {"da": "Rengøring"}})
    found = drafts.findings(draft)
    finding = _only(found, "pref-label-ambiguous")
    assert (finding["severity"], finding["code"], finding["related"]) == \
        ("warning", "3", ["1.1"])
    assert "pref-label-unique" not in found


def test_broader_cycle(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "A", {"labels": {"da": "A"}, "broader": ["1"]})
    drafts.create(draft, "B", {"labels": {"da": "B"}, "broader": ["A"]})
    drafts.change(draft, "A", broader=["B"])
    finding = _only(drafts.findings(draft), "broader-cycle")
    assert finding["severity"] == "error"
    assert {finding["code"], *finding["related"]} == {"A", "B"}
    assert "A → B → A" in finding["message"] or "B → A → B" in finding["message"]


def test_broader_target_missing(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "P", {"labels": {"da": "Forælder"}})
    drafts.create(draft, "C", {"labels": {"da": "Barn"}, "broader": ["P"]})
    drafts.delete(draft, "P")
    finding = _only(drafts.findings(draft), "broader-target-missing")
    assert (finding["severity"], finding["code"], finding["related"]) == ("error", "C", ["P"])
    assert "opret «P»" in finding["message"]


def test_replaced_by_missing_and_retired(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "N", {"labels": {"da": "Ny"}, "broader": ["1"]})
    drafts.change(draft, "1.2", status="retired", reason="Slået sammen", replaced_by=["N"])
    drafts.delete(draft, "N")
    found = drafts.findings(draft)
    finding = _only(found, "replaced-by-missing")
    assert (finding["severity"], finding["code"]) == ("error", "1.2")
    drafts.change(draft, "1.2", replaced_by=["1.1"])
    drafts.change(draft, "1.1", status="retired", reason="Udgår", replaced_by=["2"])
    found = drafts.findings(draft)
    assert "replaced-by-missing" not in found
    assert _only(found, "replaced-by-retired")["severity"] == "warning"


def test_mapping_targets_exist_in_the_release_they_name(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "M", {"labels": {"da": "Mapning"}, "mappings": [
        {"relation": "closeMatch", "uri": concept_iri("fsiii", "NOPE")},
        {"relation": "relatedMatch", "uri": concept_iri("fsiii", "O1")},
        {"relation": "broadMatch", "uri": "http://example.org/unknown/x"},
        {"relation": "exactMatch", "uri": concept_iri("catalogue", "GONE")}]})
    found = drafts.findings(draft)
    missing = {f["target"]: f for f in found["mapping-target-missing"]}
    assert set(missing) == {concept_iri("fsiii", "NOPE"), concept_iri("catalogue", "GONE")}
    assert all(f["severity"] == "error" and f["code"] == "M" for f in missing.values())
    assert "fsiii 2025.1 har ikke koden «NOPE»" in missing[concept_iri("fsiii", "NOPE")][
        "message"]
    retired = _only(found, "mapping-target-retired")
    assert retired["severity"] == "warning" and "sidst med i fsiii 2024.1" in retired["message"]
    assert _only(found, "mapping-target-unknown")["severity"] == "warning"


def test_property_targets_exist(drafts: Drafts) -> None:
    """The issue's example: `addressesIcf icf:d5999` and an all-zero FFB UUID."""
    draft = drafts.new()
    zero = concept_iri("ffb", "00000000-0000-0000-0000-000000000000")
    drafts.change(draft, "1.2", properties={
        "legalBasis": ["Serviceloven § 83"], "addressesIcf": [concept_iri("icf", "d5999")],
        "targetGroup": [zero], "addressesCondition": [concept_iri("fsiii", "O1")]})
    found = drafts.findings(draft)
    targets = {f["target"] for f in found["property-target-missing"]}
    assert targets == {concept_iri("icf", "d5999"), zero}
    assert _only(found, "property-target-retired")["code"] == "1.2"


def test_notation_unique_and_uri_unique(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "X", {"labels": {"da": "Eks"}})
    drafts.create(draft, "x", {"labels": {"da": "Eks to"}})
    drafts.create(draft, "Y", {"labels": {"da": "Why"}, "uri": concept_iri("catalogue", "2")})
    found = drafts.findings(draft)
    notation = _only(found, "notation-unique")
    assert {notation["code"], *notation["related"]} == {"X", "x"}
    uri = _only(found, "uri-unique")
    assert (uri["code"], uri["related"], uri["severity"]) == ("Y", ["2"], "error")


def test_active_under_retired(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.change(draft, "1", status="retired", reason="Området udgår", replaced_by=["2"])
    found = drafts.findings(draft)
    codes = sorted(f["code"] for f in found["active-under-retired"])
    assert codes == ["1.1", "1.2"]  # unchanged children of a concept the draft retired
    assert all(f["severity"] == "error" and not f["inherited"]
               for f in found["active-under-retired"])


def test_retired_without_reason_and_replacement(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.change(draft, "2", status="retired", reason="Udgår")
    found = drafts.findings(draft)
    assert "retired-without-reason" not in found
    assert _only(found, "retired-without-replacement")["severity"] == "warning"
    drafts.change(draft, "2", notes=[])  # the reason (a history note) removed later
    finding = _only(drafts.findings(draft), "retired-without-reason")
    assert (finding["severity"], finding["code"]) == ("error", "2")


def test_pref_label_missing() -> None:
    """No edit can remove every label (a PUT needs one), so a base release without one is
    the way it happens: the rule reports it, as inherited when the draft did not touch it."""
    base = release("local", "1", {"A": ("A", []), "B": ("B", [])})
    base.concepts["B"].labels = {}
    found = integrity.check(base, make_store(), {"B"})
    assert [(f.rule, f.code, f.severity) for f in found] == [
        ("pref-label-missing", "B", "error")]
    result = checks.evaluate(make_store(), _touching(base, "B"))
    assert [(f["rule"], f["severity"], f["inherited"]) for f in result["findings"]
            if f["source"] == "integrity"] == [("pref-label-missing", "warning", True)]
    assert result["passed"] is True


def _touching(base: Release, *codes: str) -> DraftContent:
    """A draft of `base` that rewrote `codes` unchanged (it touched them)."""
    now = DraftContent(1, base)
    for code in codes:
        now.changed[code] = state_of(base.concepts[code], [])
    return now


def test_problems_of_the_base_are_warnings_not_blockers() -> None:
    base = release("local", "1", {"A": ("Samme", ["B"]), "B": ("Samme", ["A"]), "C": ("C", []),
                                  "D": ("D", ["E"]), "E": ("E", ["D"])})
    result = checks.evaluate(make_store(), _touching(base, "A", "C"))
    rules = {f["rule"]: f for f in result["findings"]}
    assert set(rules) == {"broader-cycle", "pref-label-ambiguous"}
    assert all(f["inherited"] and f["severity"] == "warning" for f in rules.values())
    assert "findes allerede i grundudgaven" in rules["broader-cycle"]["message"]
    assert result["inherited_elsewhere"] == 1  # the D-E cycle: not touched, only counted
    assert result["passed"] is True

    worse = _touching(base, "C")
    worse.changed["C"] = {**worse.changed["C"], "broader": ["C2"]}
    worse.changed["C2"] = {**state_of(base.concepts["C"], []), "code": "C2",
                           "uri": "https://example.org/C2", "broader": ["C"]}
    cycle = [f for f in checks.evaluate(make_store(), worse)["findings"]
             if f["rule"] == "broader-cycle" and "C" in (f["code"], *f["related"])]
    assert [(f["severity"], f["inherited"]) for f in cycle] == [("error", False)]


def test_cycles_of_any_length_are_found_once() -> None:
    chain = {str(i): (f"K{i}", [str(i + 1)]) for i in range(1, 6)}
    chain["6"] = ("K6", ["1"])
    chain["7"] = ("K7", ["7"])
    found = integrity.check(release("local", "1", chain), make_store(), set(chain))
    cycles = sorted(len(f.related) + 1 for f in found if f.rule == "broader-cycle")
    assert cycles == [1, 6]


# -- SHACL ----------------------------------------------------------------------------------
def test_shacl_findings_are_reported_with_the_shape_as_rule(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "E", {"labels": {"en": "English only"}})
    drafts.create(draft, "K", {"labels": {"da": "Indsats"}, "broader": ["1"], "properties": {
        "addressesIcf": ["d450"], "area": ["elsewhere"]}})
    found = drafts.findings(draft)
    danish = _only(found, "shacl-pref-label-danish")
    assert (danish["code"], danish["severity"], danish["source"]) == ("E", "warning", "shacl")
    assert "ingen dansk foretrukken betegnelse" in danish["message"]
    icf = _only(found, "shacl-addresses-icf")
    assert (icf["code"], icf["severity"]) == ("K", "error")
    assert "værdi: d450" in icf["message"]
    assert _only(found, "shacl-area")["severity"] == "error"
    assert _only(found, "shacl-legal-basis")["code"] == "K"
    assert _only(found, "shacl-definition")["code"] == "K"  # an entry says what it is
    assert "mangler en definition" in _only(found, "shacl-definition")["message"]


def test_shacl_checks_a_code_with_a_space(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "ny kode", {"labels": {"da": "Med mellemrum"}})
    finding = _only(drafts.findings(draft), "shacl-notation-trimmed")
    assert finding["code"] == "ny kode" and "mellemrum" in finding["message"]


def test_shacl_runs_only_on_changed_concepts_and_leaves_rdflib_as_it_was() -> None:
    import rdflib

    base = release("local", "1", {"A": ("A", []), "B": ("B", [])})
    base.concepts["A"].labels = {"en": "A"}
    base.concepts["B"].labels = {"en": "B"}
    base.concepts["B"].notes = [Note("history", "x")]
    assert [f.code for f in shacl.check(base, {"B"})] == ["B"]
    assert shacl.check(base, set()) == []
    assert rdflib.NORMALIZE_LITERALS is True


def test_every_shape_is_named_and_has_a_danish_message() -> None:
    from rdflib.namespace import RDF

    graph = shacl.shapes_graph()
    shapes = set(graph.subjects(RDF.type, shacl.SH.PropertyShape))
    assert len(shapes) >= 15
    for shape in shapes:
        assert shacl.rule_id(shape).startswith("shacl-") and shacl.rule_id(shape) != "shacl-"
        messages = [m for m in graph.objects(shape, shacl.SH.message) if m.language == "da"]
        assert len(messages) == 1, shape


def test_docs_list_every_rule_and_shape() -> None:
    from rdflib.namespace import RDF

    from termserver.docs_gen import DOCS

    text = (DOCS / "authoring.md").read_text(encoding="utf-8")
    shapes = {shacl.rule_id(s) for s in shacl.shapes_graph().subjects(
        RDF.type, shacl.SH.PropertyShape)}
    missing = [rule for rule in [*integrity.RULES, *shapes] if f"`{rule}`" not in text]
    assert missing == [], "document these rules in docs/authoring.md"
