"""KL's FHIR CodeSystems: the current files and every earlier publication in kl-term/history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from termserver.errors import ImportRefused
from termserver.importers import ImportOptions, load_files
from termserver.settings import Settings
from termserver.store import Store

from .conftest import KL_CURRENT, KL_TERM, require_shared


def raw_codes(path: Path) -> dict[str, str | None]:
    """code → parent code, walking the published JSON with the json module."""
    raw = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
    out: dict[str, str | None] = {}
    stack = [(None, item) for item in raw["concept"]]
    while stack:
        parent, item = stack.pop()
        out[item["code"]] = parent
        stack.extend((item["code"], child) for child in item.get("concept", []))
    return out


@pytest.mark.parametrize("path", KL_CURRENT, ids=lambda p: p.name)
def test_current_file_has_every_code_and_parent(path: Path) -> None:
    require_shared(path)
    (release,) = load_files([path], ImportOptions())
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert (release.scheme, release.version) == (raw["id"].lower(), raw["version"])
    assert release.info.uri == raw["url"]
    expected = raw_codes(path)
    assert set(release.concepts) == set(expected)
    for code, parent in expected.items():
        assert release.concepts[code].broader[:1] == ([parent] if parent else [])


def test_every_publication_in_history_imports(history_settings: Settings) -> None:
    store = Store.open(history_settings.data_dir)
    files = sorted((KL_TERM / "history").glob("*/CodeSystem-*.json"))
    assert len(files) >= 10
    for path in files:
        raw = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
        scheme = raw["id"].lower()
        matching = [r for r in store.versions(scheme)
                    if r.version == raw["version"] or r.version.startswith(raw["version"] + "~")]
        codes = set(raw_codes(path))
        assert any(set(r.concepts) == codes for r in matching), path


def test_latin1_publication_is_refused_until_the_encoding_is_named() -> None:
    """KL's 2024-05-30 FFB file is ISO-8859-1: refused by default, readable on request."""
    path = KL_TERM / "history" / "2024-05-30-2d6ca66" / "CodeSystem-FFB.json"
    require_shared(path)
    with pytest.raises(ImportRefused) as caught:
        load_files([path], ImportOptions())
    assert "not valid UTF-8" in caught.value.message
    assert "--encoding latin-1" in caught.value.message
    (release,) = load_files([path], ImportOptions(encoding="latin-1"))
    raw = json.loads(path.read_bytes().decode("latin-1"))
    first = raw["concept"][0]
    assert release.concepts[first["code"]].labels["da"] == first["display"]
