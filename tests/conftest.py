"""Shared fixtures: where the reference data is, and data directories built from it.

Tests that need ../shared/data fail loudly in CI (CI=true) when it is missing and are
skipped elsewhere, so a green CI always means they ran.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.cli import main
from termserver.importers import ImportOptions, load_files
from termserver.publishing import import_paths
from termserver.services import Services
from termserver.settings import REPO_VOCAB_DIR, Settings
from termserver.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TERMSERVER_SHARED_DATA", REPO.parent / "shared" / "data"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"

KL_TERM = SHARED_DATA / "kl-term"
ICF_OWL = SHARED_DATA / "icf" / "ICF_1.0.2_2012-08-05.owl"
ICF_CLAML = SHARED_DATA / "icf" / "icf2005syst_claml_20120619.xml"
KL_CURRENT = sorted(KL_TERM.glob("CodeSystem-*.json"))

# Every `termserver serve` a test starts (the replicas, the end-to-end server) serves
# what the test gave it: no FHIR package is fetched unless a test asks for one.
os.environ.setdefault("TERMSERVER_SERVE_PACKAGES", "[]")


def require_shared(*paths: Path) -> None:
    """Fail in CI, skip elsewhere, when reference data is missing."""
    missing = [p for p in (SHARED_DATA, *paths) if not p.exists()]
    if not missing:
        return
    message = f"reference data missing: {', '.join(str(p) for p in missing)}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must have ../shared/data beside the checkout)")
    pytest.skip(message)


@pytest.fixture
def shared_data() -> Path:
    require_shared()
    return SHARED_DATA


def make_settings(data_dir: Path, **overrides) -> Settings:
    return Settings(data_dir=data_dir, vocab_dir=overrides.pop("vocab_dir", REPO_VOCAB_DIR),
                    **overrides)


@pytest.fixture
def empty_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", vocab_dir=tmp_path / "no-vocab")


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A data directory with every current official release, ICF (en + de) and vocab/.

    Built once per test session; tests must treat it as read-only.
    """
    require_shared(KL_TERM, ICF_OWL, ICF_CLAML)
    settings = make_settings(tmp_path_factory.mktemp("real") / "data")
    import_paths(settings, [*KL_CURRENT, ICF_OWL, ICF_CLAML], ImportOptions())
    vocab = sorted(REPO_VOCAB_DIR.glob("*.ttl"))
    if vocab:
        import_paths(settings, vocab, ImportOptions(format="skos"))
    yield settings


def import_kl_history(settings: Settings) -> dict[str, str]:
    """Import every earlier KL publication after the current files.

    Returns {history file (folder/name): version it was published as}. A file whose
    version string is already taken by other content is published as
    `<version>~<commit>` (an earlier re-publication); KL's Latin-1 files are read with
    an explicit encoding, as an operator would after checking them.
    """
    from termserver.errors import ImportRefused
    from termserver.importers import load_files

    published: dict[str, str] = {}
    for folder in sorted((KL_TERM / "history").iterdir()):
        for path in sorted(folder.glob("CodeSystem-*.json")):
            key = f"{folder.name}/{path.name}"
            try:
                path.read_bytes().decode("utf-8")
                encoding = None
            except UnicodeDecodeError:
                encoding = "latin-1"
            options = ImportOptions(encoding=encoding)
            try:
                results = import_paths(settings, [path], options)
            except ImportRefused as exc:
                if "already published with different content" not in exc.message:
                    raise
                version = load_files([path], options)[0].version
                options.version = f"{version}~{folder.name.rsplit('-', 1)[1]}"
                results = import_paths(settings, [path], options)
            published[key] = results.releases[0].info.version
    return published


@pytest.fixture(scope="session")
def history_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Current KL releases plus every earlier publication in kl-term/history (no ICF)."""
    require_shared(KL_TERM)
    settings = make_settings(tmp_path_factory.mktemp("history") / "data",
                             vocab_dir=tmp_path_factory.mktemp("novocab"))
    import_paths(settings, KL_CURRENT, ImportOptions())
    import_kl_history(settings)
    yield settings


@pytest.fixture(scope="module")
def client(real_settings: Settings) -> TestClient:
    """The app over the real releases, in-process."""
    return TestClient(create_app(real_settings))


def run_cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    """`termserver --data-dir … ARGS` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def slash_code_client(tmp_path: Path) -> TestClient:
    """An app over one small code system whose code holds "/" (FHIR allows UCUM's mg/dL)."""
    source = tmp_path / "units.json"
    source.write_text(json.dumps({
        "resourceType": "CodeSystem", "id": "units", "version": "1",
        "concept": [{"code": "mass", "display": "Masse",
                     "concept": [{"code": "mg/dL", "display": "milligram pr. deciliter"}]}]}))
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    store = Store(load_files([source], ImportOptions()))
    return TestClient(create_app(settings, Services(settings=settings, store=store)))
