"""Publishing is all-or-nothing: conflicts refused, crashes leave the old state intact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from termserver.cli import main
from termserver.errors import DataDirDamaged, ImportRefused
from termserver.importers import ImportOptions
from termserver.publishing import import_paths
from termserver.settings import Settings
from termserver.store import Store

from .conftest import KL_TERM, require_shared

FFB = KL_TERM / "CodeSystem-FFB.json"
LTT = KL_TERM / "CodeSystem-LTT.json"


def _listing(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"
    }


def test_identical_reimport_is_a_noop(empty_settings: Settings) -> None:
    require_shared(FFB)
    first = import_paths(empty_settings, [FFB], ImportOptions())
    before = _listing(empty_settings.data_dir)
    again = import_paths(empty_settings, [FFB], ImportOptions())
    assert [r.outcome for r in first.releases] == ["created"]
    assert [r.outcome for r in again.releases] == ["unchanged"]
    assert _listing(empty_settings.data_dir) == before


def test_same_version_with_other_content_is_refused(empty_settings: Settings) -> None:
    require_shared(KL_TERM)
    current = KL_TERM / "CodeSystem-FSIII.json"
    older = KL_TERM / "history/2024-05-31-4c6bc7f/CodeSystem-FSIII.json"
    import_paths(empty_settings, [current], ImportOptions())
    before = _listing(empty_settings.data_dir)
    with pytest.raises(ImportRefused, match=r"already published with different content.*--version"
                       ) as refused:
        import_paths(empty_settings, [older], ImportOptions())
    assert refused.value.message.startswith("CodeSystem-FSIII.json: fsiii version 20240530")
    assert refused.value.details["file"] == "CodeSystem-FSIII.json"
    assert _listing(empty_settings.data_dir) == before
    named = import_paths(empty_settings, [older], ImportOptions(version="20240530~4c6bc7f"))
    assert named.releases[0].outcome == "created"
    assert Store.open(empty_settings.data_dir).latest("fsiii").version == "20240530"


def test_a_bad_file_among_good_ones_imports_nothing(empty_settings: Settings,
                                                    tmp_path: Path) -> None:
    require_shared(FFB, LTT)
    bad = tmp_path / "broken.json"
    bad.write_text('{"resourceType": "CodeSystem", "id": "x", "version": "1", "concept": [')
    with pytest.raises(ImportRefused, match=r"broken\.json"):
        import_paths(empty_settings, [FFB, bad, LTT], ImportOptions())
    assert not (empty_settings.data_dir / "releases").exists() or not any(
        (empty_settings.data_dir / "releases").rglob("meta.json"))


def test_latin1_file_is_refused_unless_encoding_is_given(empty_settings: Settings) -> None:
    require_shared(KL_TERM)
    latin1 = KL_TERM / "history/2024-05-30-2d6ca66/CodeSystem-FFB.json"
    with pytest.raises(ImportRefused) as caught:
        import_paths(empty_settings, [latin1], ImportOptions())
    message = caught.value.message
    assert "not valid UTF-8" in message and "line 21" in message and "--encoding latin-1" in message
    results = import_paths(empty_settings, [latin1], ImportOptions(encoding="latin-1"))
    concept_labels = [c.label() for c in Store.open(empty_settings.data_dir).latest(
        "ffb").concepts.values()]
    assert results.releases[0].outcome == "created"
    assert any("æ" in label or "ø" in label or "å" in label for label in concept_labels)
    assert not any("Ã" in label for label in concept_labels)  # no mojibake


def test_crash_mid_publish_leaves_previous_state(empty_settings: Settings,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    require_shared(FFB, LTT)
    import_paths(empty_settings, [FFB], ImportOptions())
    before = _listing(empty_settings.data_dir)

    def crash(src: object, dst: object) -> None:
        raise OSError("simulated power loss during rename")

    monkeypatch.setattr(os, "rename", crash)
    with pytest.raises(OSError, match="simulated"):
        import_paths(empty_settings, [LTT], ImportOptions())
    monkeypatch.undo()
    assert _listing(empty_settings.data_dir) == before
    store = Store.open(empty_settings.data_dir)
    assert store.schemes() == ["ffb"]
    # and the next import succeeds normally
    import_paths(empty_settings, [LTT], ImportOptions())
    assert Store.open(empty_settings.data_dir).schemes() == ["ffb", "ltt"]


@pytest.mark.parametrize("name", ["release.json", "meta.json"])
def test_a_damaged_release_file_is_named_not_a_traceback(empty_settings: Settings,
                                                         name: str) -> None:
    """A truncated release.json made every command (and serve) end in a JSONDecodeError
    traceback; it is now a data_dir_damaged error naming the file (CLI exit 2)."""
    require_shared(FFB, LTT)
    import_paths(empty_settings, [FFB], ImportOptions())
    damaged = next(empty_settings.data_dir.rglob(name))
    damaged.write_bytes(damaged.read_bytes()[:100])
    with pytest.raises(DataDirDamaged) as caught:
        if name == "release.json":
            Store.open(empty_settings.data_dir)
        else:
            import_paths(empty_settings, [FFB], ImportOptions())
    assert str(damaged) in caught.value.message and "import the release again" in \
        caught.value.message
    command = ["schemes"] if name == "release.json" else ["import", str(FFB)]
    result = CliRunner().invoke(main, ["--data-dir", str(empty_settings.data_dir), *command])
    assert result.exit_code == 2 and str(damaged) in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
