"""Clear answers where an operator or a new user met a traceback, a blank page or silence.

A very deep hierarchy exports as FHIR (it failed from 126 levels on), the API docs load
nothing from a CDN, `validate` on an empty folder says so, a document of unknown type is
not reported valid, and a bad TERMSERVER_* variable is one line, not pydantic's dump.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.cli import main
from termserver.exporters.fhir import MAX_NESTING
from termserver.importers import ImportOptions, load_files
from termserver.publishing import import_paths
from termserver.rdf import checksum, content_lines
from termserver.releases import ReleaseRepository
from termserver.settings import Settings
from validators.standard import DOCUMENT_TYPES

from .conftest import KL_CURRENT, KL_TERM, SHARED_DATA, make_settings, require_shared, run_cli

EXAMPLES = SHARED_DATA / "kl-fhir-examples"
PATIENT = EXAMPLES / "KL-dk/examples/Patient-Andreas.json"

# -- a hierarchy deeper than FHIR nesting can carry -------------------------------------------


def chain_codesystem(levels: int, *, nested: bool) -> str:
    """A CodeSystem whose concepts form one chain `levels` deep, as JSON text.

    Written by hand: the JSON libraries themselves stop at a few hundred brackets.
    `nested` puts each concept inside its parent; otherwise every concept is top-level
    with a `parent` property (FHIR's other spelling of the same hierarchy).
    """
    head = ('{"resourceType": "CodeSystem", "id": "kaede", "url": "http://example.org/kaede", '
            '"version": "1", "name": "kaede", "title": "Kæde", "description": "En lang kæde", '
            '"status": "active", "hierarchyMeaning": "is-a", "content": "complete", '
            '"language": "da", "concept": [')
    if nested:
        items = "".join(f'{{"code": "k{i}", "display": "Niveau {i}", "concept": ['
                        for i in range(levels))
        return head + items + "]}" * levels + "]}"
    parent = '"property": [{{"code": "parent", "valueCode": "k{}"}}], '
    items = ", ".join(
        f'{{"code": "k{i}", {parent.format(i - 1) if i else ""}"display": "Niveau {i}"}}'
        for i in range(levels))
    return (head.replace('"concept": [', '"property": [{"code": "parent", "type": "code"}], '
                         '"concept": [') + items + "]}")


def nesting(items: list) -> int:
    """How deep `concept` lists nest (1 = only top-level concepts), without recursion."""
    deepest, stack = 0, [(items, 1)]
    while stack:
        level_items, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((item["concept"], level + 1) for item in level_items if "concept" in item)
    return deepest


@pytest.mark.parametrize(("levels", "nested"), [(600, False), (500, True)],
                         ids=["600-flat", "500-nested"])
def test_a_very_deep_hierarchy_exports_as_fhir_and_imports_back_unchanged(
        tmp_path: Path, levels: int, nested: bool) -> None:
    """FHIR export recursed once per level and died at 126 levels: a traceback in the CLI,
    a 500 over HTTP. Now: the CLI and HTTP give the same file, and it imports as the very
    release it came from (same checksum)."""
    source = tmp_path / "kaede.json"
    source.write_text(chain_codesystem(levels, nested=nested), encoding="utf-8")
    settings = make_settings(tmp_path / "data", vocab_dir=tmp_path / "no-vocab")
    code, _, err = run_cli(settings, "import", str(source))
    assert code == 0, err
    published = ReleaseRepository(settings.data_dir).info("kaede", "1")
    assert published is not None

    code, out, err = run_cli(settings, "export", "kaede", "--format", "fhir")
    assert code == 0, err
    response = TestClient(create_app(settings)).get(
        "/api/v1/schemes/kaede/export", params={"format": "fhir"})
    assert response.status_code == 200
    assert response.content == out.encode("utf-8")

    resource = json.loads(response.content)
    assert resource["count"] == levels
    assert nesting(resource["concept"]) <= MAX_NESTING
    exported = tmp_path / "exported.json"
    exported.write_bytes(response.content)
    (again,) = load_files([exported], ImportOptions())
    assert checksum(content_lines(again)) == published.checksum
    assert again.concepts[f"k{levels - 1}"].broader == [f"k{levels - 2}"]


def test_a_shallow_hierarchy_still_nests_under_the_first_parent(tmp_path: Path) -> None:
    source = tmp_path / "kaede.json"
    source.write_text(chain_codesystem(MAX_NESTING, nested=True), encoding="utf-8")
    (release,) = load_files([source], ImportOptions())
    release.index_hierarchy()
    from termserver.exporters import export_release

    resource = json.loads(export_release(release, "fhir"))
    assert nesting(resource["concept"]) == MAX_NESTING
    assert "property" not in resource  # no parent properties needed


def test_nesting_deeper_than_json_can_be_read_is_refused_with_the_way_out(
        tmp_path: Path) -> None:
    source = tmp_path / "kaede.json"
    source.write_text(chain_codesystem(600, nested=True), encoding="utf-8")
    settings = make_settings(tmp_path / "data", vocab_dir=tmp_path / "no-vocab")
    code, _, err = run_cli(settings, "import", str(source))
    assert code == 2
    assert "kaede.json" in err and "1024 levels" in err and "`parent` properties" in err
    assert "Traceback" not in err and "not valid JSON" not in err


# -- the interactive API docs, offline --------------------------------------------------------
_REFERENCE = re.compile(r"""(?:src|href|spec-url)="([^"]*)"|url: '([^']*)'""")
_EXPECTED_TYPE = {".js": "text/javascript", ".css": "text/css", ".png": "image/png",
                  ".json": "application/json"}


@pytest.mark.parametrize("page", ["/api/v1/docs", "/api/v1/redoc"])
def test_api_docs_pages_load_everything_from_this_server(empty_settings: Settings,
                                                         page: str) -> None:
    """/api/v1/docs loaded Swagger UI from a CDN and was blank offline; ReDoc was missing."""
    client = TestClient(create_app(empty_settings))
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    urls = [a or b for a, b in _REFERENCE.findall(response.text)]
    assert len(urls) >= 3  # script, favicon, the OpenAPI document (+ stylesheet)
    assert any(u.endswith(".js") for u in urls) and "/api/v1/openapi.json" in urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        expected = _EXPECTED_TYPE[Path(url).suffix]
        assert asset.headers["content-type"].startswith(expected), url
        assert len(asset.content) > 1000, url


# -- validate: an empty folder, a document of unknown type ------------------------------------


@pytest.fixture(scope="module")
def kl_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """KL's current code systems only: what validation needs."""
    require_shared(KL_TERM)
    root = tmp_path_factory.mktemp("kl-only")
    settings = make_settings(root / "data", vocab_dir=root / "no-vocab")
    import_paths(settings, KL_CURRENT, ImportOptions())
    yield settings


def test_validate_on_a_folder_without_documents_says_so(kl_settings: Settings,
                                                       tmp_path: Path) -> None:
    """It printed nothing and exited 0, as if every document were valid."""
    folder = tmp_path / "tom"
    (folder / "under").mkdir(parents=True)
    (folder / "under" / "noter.txt").write_text("ikke et dokument")
    code, out, err = run_cli(kl_settings, "validate", str(folder))
    assert code == 2 and out == ""
    assert f"no documents found in {folder}" in err and "*.json and *.xml" in err
    code, out, _ = run_cli(kl_settings, "validate", "--json", str(folder))
    assert code == 2 and json.loads(out)["error"]["code"] == "no_documents"


def test_a_document_of_unknown_type_is_an_error_naming_the_known_types(
        kl_settings: Settings, tmp_path: Path) -> None:
    """Without a known meta.profile only generic checks ran, and the report said valid."""
    require_shared(PATIENT)
    document = json.loads(PATIENT.read_text(encoding="utf-8"))
    document.pop("meta")
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    code, out, _ = run_cli(kl_settings, "validate", "--json", str(path))
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    (issue,) = [i for i in report["issues"] if i["rule"] == "doc-type-unknown"]
    assert issue["severity"] == "error" and issue["path"] == "Patient.meta.profile"
    assert all(t.id in issue["message"] for t in DOCUMENT_TYPES)
    assert "--profile" in issue["message"] and "?profile=" in issue["message"]
    assert run_cli(kl_settings, "validate", "--profile", "fki-core", str(path))[0] == 0

    client = TestClient(create_app(kl_settings))
    body = json.dumps(document)
    headers = {"Content-Type": "application/fhir+json"}
    answer = client.post("/api/v1/validate", content=body, headers=headers).json()
    assert answer["valid"] is False and answer["issues"][0]["rule"] == "doc-type-unknown"
    named = client.post("/api/v1/validate", content=body, headers=headers,
                        params={"profile": "fki-core"}).json()
    assert named["valid"] is True and named["document_type"] == "fki-core"


# -- a bad setting in the environment ---------------------------------------------------------


@pytest.mark.parametrize("command", [["schemes"], ["serve", "--no-vocab"]])
def test_a_bad_environment_setting_is_one_line_naming_the_variable(
        tmp_path: Path, command: list[str]) -> None:
    """TERMSERVER_PORT=abc printed pydantic's multi-line error with its URL."""
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), *command],
                                env={"TERMSERVER_PORT": "abc"})
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("termserver: TERMSERVER_PORT='abc' is not valid: it takes a "
                           "whole number")
    assert "default 8000" in line and "pydantic" not in line


def test_every_bad_setting_is_named_on_its_own_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), "schemes"],
                                env={"TERMSERVER_SPARQL_TIMEOUT": "fem",
                                     "TERMSERVER_MAX_XML_DEPTH": "1.5"})
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert any("TERMSERVER_SPARQL_TIMEOUT='fem'" in x and "a number" in x for x in lines)
    assert any("TERMSERVER_MAX_XML_DEPTH='1.5'" in x and "a whole number" in x for x in lines)
