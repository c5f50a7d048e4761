"""Exports: FHIR CodeSystem JSON against KL's original files, SKOS round trips, edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.cli import main
from termserver.errors import BadRequest
from termserver.exporters import EXPORT_FORMATS, export_release
from termserver.importers import ImportOptions, load_files
from termserver.model import Concept, Release, ReleaseInfo
from termserver.rdf import checksum, content_lines
from termserver.releases import ReleaseRepository
from termserver.settings import Settings
from termserver.store import Store

from .conftest import FIXTURES, ICF_CLAML, KL_CURRENT, require_shared
from .icf_loaded import icf_releases


def fhir_table(items: list, parent: str | None, out: dict) -> dict:
    """code → (nesting parent, display, definition) from CodeSystem JSON, read independently."""
    for item in items:
        out[item["code"]] = (parent, item.get("display"), item.get("definition"))
        fhir_table(item.get("concept", []), item["code"], out)
    return out


@pytest.mark.parametrize("path", KL_CURRENT, ids=lambda p: p.name)
def test_fhir_export_reproduces_the_original_json(path: Path, tmp_path: Path) -> None:
    require_shared(path)
    (release,) = load_files([path], ImportOptions())
    exported = tmp_path / path.name
    exported.write_bytes(export_release(release, "fhir"))
    original = json.loads(path.read_text(encoding="utf-8"))
    again = json.loads(exported.read_text(encoding="utf-8"))
    assert fhir_table(again["concept"], None, {}) == fhir_table(original["concept"], None, {})
    order = list(fhir_table(again["concept"], None, {}))
    assert order == list(fhir_table(original["concept"], None, {}))  # same order, depth first
    assert (again["url"], again["version"]) == (original["url"], original["version"])
    assert (again["resourceType"], again["status"], again["content"],
            again["hierarchyMeaning"]) == ("CodeSystem", "active", "complete", "is-a")
    assert again["count"] == len(order)
    (reimported,) = load_files([exported], ImportOptions())
    assert content_lines(reimported) == content_lines(release)


def test_fhir_export_of_icf_uses_english_displays_and_nests_by_parent() -> None:
    icf = icf_releases()["icf"]
    resource = json.loads(export_release(icf, "fhir"))
    table = fhir_table(resource["concept"], None, {})
    assert len(table) == 1495 and resource["url"] == "http://hl7.org/fhir/sid/icf"
    for code, (parent, display, definition) in table.items():
        concept = icf.concepts[code]
        assert display == concept.labels["en"]
        assert definition == concept.definitions.get("en")
        assert ([parent] if parent else []) == concept.broader
    assert [c["code"] for c in resource["concept"]] == ["b", "s", "d", "e"]


def fhir_table_items(items: list) -> list[dict]:
    out = []
    for item in items:
        out.append(item)
        out.extend(fhir_table_items(item.get("concept", [])))
    return out


def poly_release() -> Release:
    """A tiny release with two parents on one concept and an alt label in another language."""
    info = ReleaseInfo(scheme="poly", version="1", title="Poly", uri="http://example.org/poly",
                       languages=["da", "en"])
    concepts = {
        "A": Concept("A", "http://example.org/poly/A", labels={"da": "a"}, order=0),
        "B": Concept("B", "http://example.org/poly/B", labels={"da": "b"}, order=1),
        "C": Concept("C", "http://example.org/poly/C", labels={"da": "c", "en": "see"},
                     alt_labels={"da": ["cc"]}, broader=["B", "A"], order=2,
                     status="deprecated"),
    }
    release = Release(info=info, concepts=concepts)
    release.index_hierarchy()
    return release


def test_fhir_export_nests_under_the_first_parent_and_names_the_others() -> None:
    resource = json.loads(export_release(poly_release(), "fhir"))
    assert [c["code"] for c in resource["concept"]] == ["A", "B"]
    assert "concept" not in resource["concept"][0]
    (c,) = resource["concept"][1]["concept"]
    assert c["code"] == "C" and c["display"] == "c"
    assert {"code": "parent", "valueCode": "A"} in c["property"]
    assert {"code": "status", "valueCode": "deprecated"} in c["property"]
    assert {"language": "en", "value": "see"} in c["designation"]
    assert {"value": "cc"} in c["designation"]
    declared = {p["code"]: p for p in resource["property"]}
    assert declared["parent"]["type"] == "code"
    # every property a concept uses is declared (C uses parent and status)
    assert declared["status"] == {"code": "status", "type": "code",
                                  "uri": "http://hl7.org/fhir/concept-properties#status"}
    used = {p["code"] for item in fhir_table_items(resource["concept"])
            for p in item.get("property", [])}
    assert used <= set(declared)


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_skos_export_reimports_to_identical_content(fmt: str, tmp_path: Path) -> None:
    releases = [*load_files([FIXTURES / "small.ttl", FIXTURES / "mappings.ttl",
                             FIXTURES / "overlay.ttl"], ImportOptions()), poly_release()]
    require_shared(ICF_CLAML)
    releases.extend(icf_releases().values())
    releases.extend(load_files([ICF_CLAML], ImportOptions()))  # an overlay with notes
    for release in releases:
        target = tmp_path / f"{release.scheme}.{fmt}"
        target.write_bytes(export_release(release, fmt))
        (again,) = load_files([target], ImportOptions(format="skos"))
        assert content_lines(again) == content_lines(release), (release.scheme, fmt)
        assert again.info.kind == release.info.kind


def test_nt_export_is_the_canonical_lines() -> None:
    release = load_files([FIXTURES / "small.ttl"], ImportOptions())[0]
    assert export_release(release, "nt").decode("utf-8").splitlines() == content_lines(release)


def test_turtle_export_uses_prefixes_and_one_block_per_subject() -> None:
    release = load_files([FIXTURES / "small.ttl"], ImportOptions())[0]
    text = export_release(release, "ttl").decode("utf-8")
    assert "@prefix small: <https://data.termserver.dk/id/small/> ." in text
    assert "\nsmall:B\n    a skos:Concept ;" in text
    subjects = {line.split(" ", 1)[0] for line in content_lines(release)}
    blocks = [b for b in text.split("\n\n")[1:] if b.strip()]
    assert len(blocks) == len(subjects)


def test_unknown_export_format_is_a_bad_request() -> None:
    assert set(EXPORT_FORMATS) == {"ttl", "nt", "jsonld", "fhir"}
    with pytest.raises(BadRequest, match="csv"):
        export_release(poly_release(), "csv")


def test_a_crosswalk_is_not_exported_as_a_codesystem() -> None:
    (crosswalk,) = load_files([FIXTURES / "mappings.ttl"], ImportOptions())
    with pytest.raises(BadRequest, match=r"crosswalk.*ttl, nt or jsonld"):
        export_release(crosswalk, "fhir")
    assert b"exactMatch" in export_release(crosswalk, "ttl")


@pytest.mark.parametrize(("scheme", "fmt"), [("icf", "ttl"), ("icf", "fhir"), ("ffb", "nt"),
                                             ("ffb", "jsonld"), ("catalogue", "ttl")])
def test_a_served_export_is_the_release_as_published(real_settings: Settings, tmp_path: Path,
                                                     scheme: str, fmt: str) -> None:
    """Exports from a running store carried the overlays' labels (German ICF, everyday
    search words) as if they were the release's own, so the file no longer had the
    published checksum and re-importing it beside the original was refused."""
    published = ReleaseRepository(real_settings.data_dir).info(
        scheme, Store.open(real_settings.data_dir).latest(scheme).version)
    assert published is not None
    client = TestClient(create_app(real_settings))
    response = client.get(f"/api/v1/schemes/{scheme}/export", params={"format": fmt})
    assert response.status_code == 200
    cli = CliRunner().invoke(main, ["--data-dir", str(real_settings.data_dir), "export",
                                    scheme, "--format", fmt])
    assert cli.exit_code == 0 and cli.stdout_bytes == response.content
    target = tmp_path / f"{scheme}.{'json' if fmt == 'fhir' else fmt}"
    target.write_bytes(response.content)
    (again,) = load_files([target], ImportOptions(version=published.version))
    if fmt != "fhir":  # SKOS carries everything: the very same release
        assert checksum(content_lines(again)) == published.checksum
    else:  # FHIR carries labels, definitions and hierarchy: no German designations added
        assert all(set(c.labels) == {"en"} for c in again.concepts.values())
