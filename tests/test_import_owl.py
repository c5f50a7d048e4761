"""WHO's ICF OWL against an independent conversion of the same file (icf-2001-en.from-owl.*)."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from termserver.model import Release

from .conftest import SHARED_DATA, require_shared
from .icf_loaded import icf_releases

ICF_TABLE = SHARED_DATA / "icf" / "icf-2001-en.from-owl.json"
QUALIFIER_TABLE = SHARED_DATA / "icf" / "icf-qualifiers-en.from-owl.csv"


@pytest.fixture(scope="module")
def icf() -> Release:
    return icf_releases()["icf"]


@pytest.fixture(scope="module")
def icf_table() -> list[dict]:
    require_shared(ICF_TABLE)
    return json.loads(ICF_TABLE.read_text(encoding="utf-8"))


def test_every_class_has_its_parent_title_definition_and_notes(icf: Release,
                                                               icf_table: list[dict]) -> None:
    assert len(icf.concepts) == len(icf_table) == 1495
    for row in icf_table:
        concept = icf.concepts[row["code"]]
        assert concept.labels["en"] == row["title_en"]
        assert concept.broader == ([row["parent"]] if row["parent"] else [])
        assert concept.properties["kind"] == [row["class_kind"]]
        if row["definition_en"]:
            assert concept.definitions["en"] == row["definition_en"]
        else:
            assert "en" not in concept.definitions
        assert [n.text for n in concept.notes if n.kind == "inclusion"] == row["inclusions_en"]
        exclusions = [n for n in concept.notes if n.kind == "exclusion"]
        assert [n.text for n in exclusions] == [e["text"] for e in row["exclusions_en"]]
        assert [sorted(n.refs) for n in exclusions] == [sorted(e["refs"])
                                                        for e in row["exclusions_en"]]
        assert all(n.lang == "en" for n in concept.notes)


def test_counts_per_kind_and_component_match_the_independent_table(
    icf: Release, icf_table: list[dict]
) -> None:
    kinds = Counter(c.properties["kind"][0] for c in icf.concepts.values())
    assert kinds == Counter(row["class_kind"] for row in icf_table)
    assert kinds == {"component": 4, "chapter": 30, "block": 37, "category": 1424}
    assert kinds["chapter"] + kinds["category"] == 1454
    per_component = Counter(c.code[0] for c in icf.concepts.values()
                            if c.properties["kind"][0] in {"chapter", "category"})
    assert per_component == Counter(row["code"][0] for row in icf_table
                                    if row["class_kind"] in {"chapter", "category"})


def test_release_identity(icf: Release) -> None:
    info = icf.info
    assert (info.scheme, info.version, info.title) == ("icf", "2001", "ICF")
    assert info.uri == "http://hl7.org/fhir/sid/icf"
    assert set(info.identifiers) == {"urn:oid:2.16.840.1.113883.6.254", "http://who.int/icf"}
    assert info.source_format == "owl"


def test_order_is_icf_order(icf: Release, icf_table: list[dict]) -> None:
    """Components b, s, d, e; a chapter or block before its first category; codes ascending."""
    assert icf.top_concepts == ["b", "s", "d", "e"]
    ordered = [c.code for c in sorted(icf.concepts.values(), key=lambda c: c.order)]
    assert ordered == [row["code"] for row in icf_table]  # the table is in ICF order
    assert len({c.order for c in icf.concepts.values()}) == len(ordered)
    position = {code: i for i, code in enumerate(ordered)}
    for code, concept in icf.concepts.items():
        for parent in concept.broader:
            assert position[parent] < position[code], (parent, code)
    assert ordered.index("b1") < ordered.index("b110-b139") < ordered.index("b110")
    assert ordered.index("d450") < ordered.index("d455") < ordered.index("d460")
    components = [code[0] for code in ordered]
    assert components == sorted(components, key="bsde".index)
    # the children of d4 are listed as the printed classification lists them
    assert icf.narrower["d4"][:2] == ["d410-d429", "d430-d449"]


def test_qualifier_scales_are_their_own_scheme() -> None:
    require_shared(QUALIFIER_TABLE)
    qualifiers = icf_releases()["icf-qualifiers"]
    with open(QUALIFIER_TABLE, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert (qualifiers.scheme, qualifiers.version) == ("icf-qualifiers", "2001")
    assert len(qualifiers.top_concepts) == len({r["qualifier_set"] for r in rows}) == 6
    values = [c for c in qualifiers.concepts.values() if c.broader]
    assert len(values) == len(rows) == 54
    expected = {(r["qualifier_set"], r["value"], r["label_en"]) for r in rows}
    got = {(c.broader[0], c.properties["value"][0], c.labels["en"]) for c in values}
    assert got == expected
    assert "/" not in "".join(qualifiers.concepts)
