"""Broken and hostile input: refused with a message saying what, where and how to fix,
and the data directory is left exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from termserver.errors import ImportRefused
from termserver.importers import ImportOptions, load_files
from termserver.publishing import import_paths
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


def test_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="no such file"):
        load_files([tmp_path / "nope.ttl"], ImportOptions())
