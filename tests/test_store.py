"""The store against KL's real history: every version loaded, retired codes, hierarchy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from termserver.errors import NotFound
from termserver.importers import ImportOptions, load_files
from termserver.store import Store

from .conftest import FIXTURES, KL_TERM


def _codes(path: Path) -> dict[str, str | None]:
    """code → parent code, walked from the raw FHIR JSON (independent of our importer)."""
    out: dict[str, str | None] = {}

    def walk(items: list, parent: str | None) -> None:
        for item in items:
            out[item["code"]] = parent
            walk(item.get("concept", []), item["code"])

    raw = path.read_bytes().decode("utf-8", errors="strict")
    walk(json.loads(raw)["concept"], None)
    return out


@pytest.fixture(scope="module")
def store(history_settings) -> Store:
    return Store.open(history_settings.data_dir)


def test_every_published_version_is_loaded(store: Store) -> None:
    assert [r.version for r in store.versions("ffb")] == ["20200908", "20230517", "20240530"]
    fsiii = [r.version for r in store.versions("fsiii")]
    assert fsiii[:3] == ["20200908", "20230517", "20230622"]
    assert fsiii[-1] == "20240530"
    assert all(v.startswith("20240530~") for v in fsiii[3:-1])


def test_latest_is_the_current_publication(store: Store) -> None:
    current = _codes(KL_TERM / "CodeSystem-FSIII.json")
    assert set(store.latest("fsiii").concepts) == set(current)


def test_removed_code_resolves_as_retired_with_last_version(store: Store) -> None:
    before = _codes(KL_TERM / "history/2023-05-18-bf16321/CodeSystem-FSIII.json")
    after = _codes(KL_TERM / "history/2023-06-22-1b14f5b/CodeSystem-FSIII.json")
    later = [_codes(p) for p in sorted(KL_TERM.glob("history/2024-*/CodeSystem-FSIII.json"))]
    later.append(_codes(KL_TERM / "CodeSystem-FSIII.json"))
    removed = [c for c in before if c not in after and not any(c in v for v in later)]
    assert len(removed) == 32  # documented in kl-term/SOURCES.md and the standard note
    for code in removed:
        resolved = store.resolve("fsiii", code)
        assert resolved.status == "retired"
        assert resolved.last_version == "20230517"
        assert resolved.release.version == "20230517"
    # in the version that still had it, it is an ordinary active concept
    assert store.resolve("fsiii", removed[0], "20230517").status == "active"


def test_unknown_code_and_version_are_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="not in ffb"):
        store.resolve("ffb", "no-such-code")
    with pytest.raises(NotFound, match="Known versions: 20200908"):
        store.release("ffb", "1999")
    with pytest.raises(NotFound, match="Unknown scheme"):
        store.release("nope")


def test_hierarchy_matches_the_nesting_in_the_source(store: Store) -> None:
    raw = _codes(KL_TERM / "CodeSystem-FFB.json")
    release = store.latest("ffb")
    for code, parent in raw.items():
        assert release.concepts[code].broader == ([parent] if parent else [])
    leaf = next(c for c in raw if raw[c] and c not in raw.values())
    chain = []
    node = raw[leaf]
    while node:
        chain.append(node)
        node = raw[node]
    assert [c.code for c in store.ancestors(release, leaf)] == chain
    root = chain[-1]
    expected_desc = {c for c in raw if root in _ancestors(raw, c)}
    assert {c.code for c in store.descendants(release, root)} == expected_desc
    assert store.is_descendant(release, leaf, root)
    assert not store.is_descendant(release, root, root)  # descendent-of excludes the root


def _ancestors(raw: dict[str, str | None], code: str) -> set[str]:
    out = set()
    node = raw[code]
    while node:
        out.add(node)
        node = raw[node]
    return out


def test_in_process_lookup_returns_the_concept(store: Store) -> None:
    release = store.latest("ffb")
    code = next(iter(release.concepts))
    assert store.concept("ffb", code) is release.concepts[code]
    assert store.concept("ffb", code, "20200908") is store.release("ffb", "20200908").concepts.get(
        code)
    assert store.concept("ffb", "nope") is None
    assert store.concept("nope", code) is None


def test_a_code_missing_from_one_release_resolves_from_the_release_before_it(
        store: Store) -> None:
    """KL's first FSIII 20240530 (history 2024-05-30-2d6ca66) left out the legacy letter
    codes, which came back in the next publication. Asked for in that release, such a
    code is retired since the release before it, not unknown."""
    before = _codes(KL_TERM / "history/2023-06-22-1b14f5b/CodeSystem-FSIII.json")
    gap = _codes(KL_TERM / "history/2024-05-30-2d6ca66/CodeSystem-FSIII.json")
    current = _codes(KL_TERM / "CodeSystem-FSIII.json")
    returned = sorted(c for c in before if c not in gap and c in current)
    assert "H1.10" in returned
    version = next(r.version for r in store.versions("fsiii")
                   if r.version.startswith("20240530~") and set(r.concepts) == set(gap))
    for code in returned:
        resolved = store.resolve("fsiii", code, version)
        assert (resolved.status, resolved.last_version) == ("retired", "20230622")
        assert store.resolve("fsiii", code).status == "active"


def _skos(tmp_path: Path, version: str, codes: list[str]) -> Path:
    concepts = "".join(
        f"<http://example.org/v/{c}> skos:inScheme <http://example.org/v/scheme> ; "
        f'skos:notation "{c}" ; skos:prefLabel "{c}"@da .\n' for c in codes)
    path = tmp_path / f"v{version}.ttl"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix dct: <http://purl.org/dc/terms/> .\n"
        f'<http://example.org/v/scheme> a skos:ConceptScheme ; owl:versionInfo "{version}" ;'
        ' dct:identifier "ext" .\n' + concepts, encoding="utf-8")
    return path


def test_a_retired_concept_resolves_by_its_own_iri(tmp_path: Path) -> None:
    """IRIs were indexed from the latest releases only: a retired concept with a
    publisher's IRI (not ours) could no longer be looked up by it."""
    releases = load_files([_skos(tmp_path, "1", ["x", "y"]), _skos(tmp_path, "2", ["x"])],
                          ImportOptions())
    store = Store(releases)
    assert store.resolve_uri("http://example.org/v/x") == ("ext", "x")
    assert store.resolve_uri("http://example.org/v/y") == ("ext", "y")
    resolved = store.resolve("ext", "y")
    assert (resolved.status, resolved.last_version) == ("retired", "1")


def test_an_overlay_never_takes_over_the_iri_of_the_concept_it_labels() -> None:
    overlay = load_files([FIXTURES / "overlay.ttl"], ImportOptions())
    small = load_files([FIXTURES / "small.ttl"], ImportOptions())
    store = Store([*overlay, *small])
    for concept in store.latest("small").concepts.values():
        assert store.resolve_uri(concept.uri) == ("small", concept.code)
