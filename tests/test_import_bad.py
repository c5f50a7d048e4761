"""Broken and hostile input: refused with a message saying what, where and how to fix,
and the data directory is left exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from termserver.errors import ImportRefused
from termserver.importers import ImportOptions, load_files
from termserver.publishing import import_paths
from termserver.rdf import content_lines
from termserver.settings import Settings

from .conftest import FIXTURES, ICF_CLAML, KL_TERM, require_shared

CASES = [
    # fixture, forced format (None = auto-detect), words the message must contain
    ("broken.json", None, ["not valid JSON", "line 3"]),
    ("broken.ttl", None, ["line 6", "not valid Turtle"]),
    ("broken.rdf", None, ["line 4, column 2", "not valid RDF/XML", "mismatched tag"]),
    ("broken.nt", None, ["line 2", "not valid N-Triples"]),
    ("broken.jsonld", None, ["line 1, column 38", "not valid JSON-LD"]),
    ("unknown.txt", None, ["cannot tell what format", "--format"]),
    ("dup-codes.json", None, ["'A'", "occurs twice"]),
    ("dup.ttl", None, ["used by two concepts", "https://data.termserver.dk/id/dup/"]),
    ("two-preflabels.ttl", None, ["two preferred labels", "altLabel"]),
    ("cycle.ttl", None, ["cycle", "→"]),
    ("latin1.json", None, ["not valid UTF-8", "line 2", "--encoding latin-1"]),
    ("latin1.ttl", None, ["not valid UTF-8", "line 4", "Født"]),
    ("no-version.ttl", None, ["owl:versionInfo", "--version"]),
    ("foreign-scheme.ttl", None, ["--scheme"]),
    ("billion-laughs-icf.owl", None, ["line 2", "entities"]),
    ("xxe-icf.owl", None, ["line 2", "entities"]),
    ("billion-laughs.rdf", None, ["entities"]),
    ("xxe.rdf", None, ["entities"]),
    ("billion-laughs-claml.xml", None, ["line 2", "entities"]),
    ("xxe-claml.xml", None, ["entities"]),
    # hostile XML is refused whichever importer is forced on it
    ("xxe-icf.owl", "skos", ["entities"]),
    ("xxe-claml.xml", "owl", ["entities"]),
    ("billion-laughs.rdf", "claml", ["entities"]),
    ("small.ttl", "csv", ["Unknown format"]),
]


def listing(settings: Settings) -> list[tuple[str, int]]:
    root = settings.data_dir
    return sorted((str(p.relative_to(root)), p.stat().st_size)
                  for p in root.rglob("*") if p.is_file() and p.name != ".lock")


@pytest.fixture
def seeded(empty_settings: Settings) -> Settings:
    require_shared(KL_TERM)
    import_paths(empty_settings, [KL_TERM / "CodeSystem-LTT.json"], ImportOptions())
    return empty_settings


@pytest.mark.parametrize(("name", "fmt", "words"), CASES,
                         ids=[f"{c[0]}-{c[1] or 'auto'}" for c in CASES])
def test_refused_with_a_helpful_message_and_nothing_changes(
    seeded: Settings, name: str, fmt: str | None, words: list[str]
) -> None:
    before = listing(seeded)
    assert before  # the seed release is there
    with pytest.raises(ImportRefused) as caught:
        import_paths(seeded, [FIXTURES / name], ImportOptions(format=fmt or "auto"))
    message = caught.value.message
    for word in words:
        assert word in message, (word, message)
    if fmt != "csv":
        assert name in message
    assert "root:" not in message and "lollol" not in message  # nothing expanded or leaked
    assert "Traceback" not in message
    assert listing(seeded) == before


def test_a_bad_file_among_good_ones_imports_none_of_them(seeded: Settings) -> None:
    before = listing(seeded)
    with pytest.raises(ImportRefused, match=r"cycle\.ttl"):
        import_paths(seeded, [FIXTURES / "small.ttl", FIXTURES / "cycle.ttl"], ImportOptions())
    assert listing(seeded) == before


def test_claml_forced_as_owl_is_a_clear_error() -> None:
    require_shared(ICF_CLAML)
    with pytest.raises(ImportRefused, match=r"not readable as RDF/XML|no ICF classes"):
        load_files([ICF_CLAML], ImportOptions(format="owl"))


def test_claml_forced_as_skos_says_what_the_file_is() -> None:
    """Not rdflib's "sequence item 0: expected str instance": the root element and the fix."""
    with pytest.raises(ImportRefused) as refused:
        load_files([FIXTURES / "small-claml.xml"], ImportOptions(format="skos"))
    assert "<ClaML>" in refused.value.message and "--format claml" in refused.value.message


def test_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="no such file"):
        load_files([tmp_path / "nope.ttl"], ImportOptions())


def _codesystem(**fields) -> bytes:
    resource = {"resourceType": "CodeSystem", "id": "t", "version": "1",
                "concept": [{"code": "a", "display": "A"}]}
    resource.update(fields)
    return json.dumps(resource).encode("utf-8")


WRONG_TYPES = [
    # JSON that parses but has the wrong shape: refused naming the place, no traceback
    (_codesystem(concept=[{"code": "a", "designation": ["x"]}]), "concept[0].designation[0]"),
    (_codesystem(concept=[{"code": "a", "designation": [{"value": 7}]}]),
     "concept[0].designation[0].value"),
    (_codesystem(concept=[{"code": "a", "property": ["x"]}]), "concept[0].property[0]"),
    (_codesystem(concept=[{"code": "a", "display": 5}]), "concept[0].display"),
    (_codesystem(concept=[{"code": "a", "definition": ["x"]}]), "concept[0].definition"),
    (_codesystem(concept=[{"code": "a", "concept": {"code": "b"}}]), "concept[0].concept"),
    (_codesystem(concept={"code": "a"}), "concept must be a list"),
    (_codesystem(date=20240530), "date"),
    (_codesystem(language=5), "language"),
    (_codesystem(version={"v": 1}), "version"),
    (_codesystem(identifier={"value": "x"}), "identifier"),
]


@pytest.mark.parametrize(("content", "place"), WRONG_TYPES,
                         ids=[w[1] for w in WRONG_TYPES])
def test_fhir_json_of_the_wrong_shape_is_refused_naming_the_place(
    seeded: Settings, tmp_path: Path, content: bytes, place: str
) -> None:
    path = tmp_path / "shape.json"
    path.write_bytes(content)
    before = listing(seeded)
    with pytest.raises(ImportRefused) as caught:
        import_paths(seeded, [path], ImportOptions())
    assert "shape.json" in caught.value.message and place in caught.value.message
    assert listing(seeded) == before


UNUSABLE_IDS = [
    ({"id": ".."}, None, "scheme id '..'"),
    ({"id": "../../etc"}, None, "--scheme etc"),
    ({"id": "Big Scheme"}, None, "--scheme big-scheme"),
    ({"version": ".."}, None, "version '..'"),
    ({"version": "."}, None, "version '.'"),
    ({"version": "../x"}, None, "version '../x'"),
    ({"version": ".hidden"}, None, "version '.hidden'"),
    ({}, {"scheme": "Not OK"}, "scheme id 'Not OK'"),
    ({}, {"version": "1 0"}, "version '1 0'"),
    ({"version": "latest"}, None, "'latest' cannot be a version"),
]


@pytest.mark.parametrize(("fields", "options", "words"), UNUSABLE_IDS,
                         ids=[u[2] for u in UNUSABLE_IDS])
def test_scheme_ids_and_versions_that_cannot_name_a_directory_are_refused(
    seeded: Settings, tmp_path: Path, fields: dict, options: dict | None, words: str
) -> None:
    """`..` as a scheme id once wrote a release outside releases/, `.` hid it, `..` as a
    version crashed half-way: an id is a URL segment and a directory name, so it is checked."""
    path = tmp_path / "ids.json"
    path.write_bytes(_codesystem(**fields))
    before = sorted(p for p in seeded.data_dir.parent.rglob("*") if p.name != ".lock")
    with pytest.raises(ImportRefused) as caught:
        import_paths(seeded, [path], ImportOptions(**(options or {})))
    assert words in caught.value.message and "ids.json" in caught.value.message
    after = sorted(p for p in seeded.data_dir.parent.rglob("*") if p.name != ".lock")
    assert after == before


SKOS_HEAD = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ts: <https://data.termserver.dk/def#> .
<https://data.termserver.dk/id/odd> a skos:ConceptScheme ; owl:versionInfo "1" .
<https://data.termserver.dk/id/odd/A> a skos:Concept ;
    skos:inScheme <https://data.termserver.dk/id/odd> ; skos:prefLabel "A"@da ;
"""
SKOS_ODDITIES = [
    ('ts:order "first" .', ["ts:order 'first'", "not a whole number", "/id/odd/A"]),
    ("ts:order 99999999999999999999999 .", ["order 99999999999999999999999", "64 bits"]),
    ('ts:status "exploded" .', ["status 'exploded'", "active, deprecated, retired, draft"]),
]


@pytest.mark.parametrize(("tail", "words"), SKOS_ODDITIES, ids=[s[0] for s in SKOS_ODDITIES])
def test_skos_values_of_the_wrong_kind_are_refused(
    seeded: Settings, tmp_path: Path, tail: str, words: list[str]
) -> None:
    path = tmp_path / "odd.ttl"
    path.write_text(SKOS_HEAD + "    " + tail + "\n", encoding="utf-8")
    before = listing(seeded)
    with pytest.raises(ImportRefused) as caught:
        import_paths(seeded, [path], ImportOptions())
    for word in [*words, "odd.ttl"]:
        assert word in caught.value.message, (word, caught.value.message)
    assert listing(seeded) == before


def test_utf16_is_named_as_utf16_and_accepted_with_encoding(seeded: Settings,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "wide.json"
    path.write_bytes(_codesystem(concept=[{"code": "a", "display": "Æble"}]).decode()
                     .encode("utf-16"))
    before = listing(seeded)
    with pytest.raises(ImportRefused) as caught:
        import_paths(seeded, [path], ImportOptions())
    assert "UTF-16" in caught.value.message and "--encoding utf-16" in caught.value.message
    assert "Latin-1" not in caught.value.message and "cannot tell" not in caught.value.message
    assert listing(seeded) == before
    (release,) = load_files([path], ImportOptions(encoding="utf-16"))
    assert release.concepts["a"].labels["da"] == "Æble"


def test_a_path_that_is_not_a_file_is_named_as_such() -> None:
    with pytest.raises(ImportRefused, match="not a regular file"):
        load_files([Path("/dev/null")], ImportOptions())


def test_a_directory_reached_through_dot_dot_is_imported(empty_settings: Settings) -> None:
    """README: `termserver import ../shared/data/kl-term/history/2023-02-08-9bbffd6/` once
    found "nothing to import": the `..` of the path counted as a hidden directory."""
    require_shared(KL_TERM)
    folder = KL_TERM / ".." / KL_TERM.name / "history" / "2023-02-08-9bbffd6"
    assert ".." in folder.parts
    results = import_paths(empty_settings, [folder], ImportOptions())
    assert sorted((r.info.scheme, r.info.version) for r in results.releases) == [
        ("caresocialcodes", "20200908"), ("ffb", "20200908"), ("fsiii", "20200908")]


def test_an_owl_qualifier_value_without_its_number_is_refused(seeded: Settings,
                                                              tmp_path: Path) -> None:
    """A qualifier class named without `.<value>` ended in an IndexError traceback."""
    path = tmp_path / "qualifier.owl"
    path.write_text("""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
    xmlns:owl="http://www.w3.org/2002/07/owl#" xmlns:icd="http://who.int/icd#"
    xmlns:skos="http://www.w3.org/2004/02/skos/core#" xmlns="http://who.int/icf#"
    xml:base="http://who.int/icf">
  <owl:Class rdf:ID="b"><icd:icdCode>b</icd:icdCode><skos:altLabel>Body</skos:altLabel>
  </owl:Class>
  <owl:Class rdf:ID="Q_Scale"><rdfs:subClassOf rdf:resource="#ICFQualifier"/></owl:Class>
  <owl:Class rdf:ID="Nodot"><rdfs:subClassOf rdf:resource="#Q_Scale"/></owl:Class>
</rdf:RDF>
""", encoding="utf-8")
    before = listing(seeded)
    with pytest.raises(ImportRefused, match=r"qualifier\.owl: qualifier value .*#Nodot"):
        import_paths(seeded, [path], ImportOptions())
    assert listing(seeded) == before


def test_encoding_for_a_folder_leaves_its_utf8_files_utf8(empty_settings: Settings) -> None:
    """KL's 2024-05-30 folder holds three Latin-1 files and a UTF-8 FSIII. `--encoding
    latin-1` on the folder used to decode FSIII as Latin-1 too: "Netværk" became
    "NetvÃ¦rk", silently."""
    require_shared(KL_TERM)
    folder = KL_TERM / "history" / "2024-05-30-2d6ca66"
    fsiii = folder / "CodeSystem-FSIII.json"
    fsiii.read_bytes().decode("utf-8")  # it is UTF-8, with Danish letters
    assert "æ".encode() in fsiii.read_bytes()
    releases = {r.scheme: r for r in load_files([folder], ImportOptions(encoding="latin-1"))}
    assert set(releases) == {"caresocialcodes", "fboe", "ffb", "fsiii"}
    (plain,) = load_files([fsiii], ImportOptions())
    assert content_lines(releases["fsiii"]) == content_lines(plain)
    for release in releases.values():
        labels = [c.label() for c in release.concepts.values()]
        assert not any("Ã" in label for label in labels), release.scheme
        assert any(ch in label for label in labels for ch in "æøå"), release.scheme
