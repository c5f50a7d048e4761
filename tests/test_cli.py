"""The CLI: `--json` prints exactly the HTTP body; exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from termserver.cli import main
from termserver.settings import REPO_VOCAB_DIR, Settings

from .conftest import FIXTURES, KL_TERM, require_shared, run_cli


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (["schemes", "--json"], "/api/v1/schemes"),
        (["lookup", "icf", "d450", "--json"], "/api/v1/schemes/icf/concepts/d450"),
        (["lookup", "icf", "d450", "--version", "2001", "--json"],
         "/api/v1/schemes/icf/concepts/d450?version=2001"),
        (["search", "gang", "--json"], "/api/v1/search?q=gang"),
        (["search", "hukommelse", "--scheme", "ffb", "--limit", "3", "--json"],
         "/api/v1/search?q=hukommelse&scheme=ffb&limit=3"),
        (["diff", "icf", "2001", "2001", "--json"], "/api/v1/schemes/icf/diff?from=2001&to=2001"),
    ],
)
def test_json_output_is_the_http_body(real_settings: Settings, client: TestClient,
                                      args: list[str], path: str) -> None:
    code, out, _ = run_cli(real_settings, *args)
    assert code == 0
    assert json.loads(out) == client.get(path).json()


def test_not_found_exits_1_with_the_error_envelope(real_settings: Settings) -> None:
    code, out, _ = run_cli(real_settings, "lookup", "icf", "x999", "--json")
    assert code == 1
    assert json.loads(out)["error"]["code"] == "not_found"
    code, _, err = run_cli(real_settings, "lookup", "icf", "x999")
    assert code == 1 and "x999" in err


def test_human_output_is_readable(real_settings: Settings) -> None:
    code, out, _ = run_cli(real_settings, "lookup", "icf", "d450")
    assert code == 0
    assert out.splitlines()[0].startswith("Gå  [icf 2001 d450]")
    assert "not an official translation" in out.splitlines()[1]  # our Danish working label
    assert "publisher's label: Walking" in out
    assert "narrower: d4500" in out


def test_import_reports_progress_and_outcome(tmp_path: Path) -> None:
    require_shared(KL_TERM)
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    files = [str(KL_TERM / "CodeSystem-LTT.json"), str(KL_TERM / "CodeSystem-FBOE.json")]
    code, out, err = run_cli(settings, "import", *files)
    assert code == 0
    assert "[1/2] reading CodeSystem-LTT.json" in err
    assert "ltt 20250530: published" in out
    code, out, _ = run_cli(settings, "import", "--json", *files)
    assert code == 0
    assert [r["outcome"] for r in json.loads(out)["releases"]] == ["unchanged", "unchanged"]


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    bad = tmp_path / "mystery.json"
    bad.write_text("{}")
    code, _, err = run_cli(settings, "import", str(bad))
    assert code == 2 and "cannot tell what format" in err
    code, _, _ = run_cli(settings, "import", str(tmp_path / "missing.json"))
    assert code == 2


def test_a_data_dir_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    """Import, reindex and serve ended in a NotADirectoryError traceback (exit 1)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings = Settings(data_dir=blocker / "data", vocab_dir=REPO_VOCAB_DIR)
    small = str(FIXTURES / "small.ttl")
    for args in (["import", small], ["reindex"], ["serve", "--port", "1"]):
        code, out, err = run_cli(settings, *args)
        assert code == 2, (args, code, out, err)
        assert str(blocker / "data") in err and "Not a directory" in err
        assert "Traceback" not in err + out
    code, out, _ = run_cli(settings, "import", "--json", small)
    assert code == 2
    assert json.loads(out)["error"]["code"] == "io_error"
    code, _, err = run_cli(settings, "schemes")
    assert code == 0 and str(blocker / "data") in err


def test_an_empty_folder_says_what_it_looked_for(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a vocabulary")
    code, out, err = run_cli(settings, "import", str(folder))
    assert code == 1 and out == ""
    assert "nothing to import" in err and str(folder) in err and ".ttl" in err


def test_serve_refuses_an_address_it_cannot_listen_on(tmp_path: Path) -> None:
    """A port in use ended with uvicorn's exit code 3, and `serve --port 99999` printed
    "listening" and hung. Both are now exit 2 before anything is loaded. (The port in
    use is checked first: without the fix that fails, where 99999 would hang.)"""
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run_cli(settings, "serve", "--no-vocab", "--port", str(port))
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err
    assert "listening" not in err
    code, _, err = run_cli(settings, "serve", "--port", "99999")
    assert code == 2 and "99999" in err
    result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "serve",
                                       "--no-vocab"], env={"TERMSERVER_PORT": "70000"})
    assert result.exit_code == 2 and "70000" in result.stderr


def test_a_reader_that_stops_early_is_not_an_error(real_settings: Settings) -> None:
    """`termserver search … | head -1`: the closed pipe is the reader's choice, not a
    data-directory problem to report."""
    import subprocess
    import sys

    command = [str(Path(sys.executable).parent / "termserver"), "--data-dir",
               str(real_settings.data_dir), "search", "støtte", "--limit", "200"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) == 0
    assert stderr == "", stderr
