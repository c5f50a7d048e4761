"""A data directory stays consistent through interrupted imports, read-only mounts, other
service accounts and live reloads (issue: operations faults 1, 3 and 4)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES, make_settings, run_cli
from servers import TERMSERVER, get, serving
from termserver import publishing
from termserver.api import create_app
from termserver.atomic import data_dir_lock
from termserver.importers import ImportOptions, load_files
from termserver.publishing import import_paths
from termserver.releases import ReleaseRepository
from termserver.reload import Reloader, fingerprint
from termserver.search import generations, open_search
from termserver.services import open_services
from termserver.settings import Settings
from termserver.store import Store

SMALL = FIXTURES / "small.ttl"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path / "data", vocab_dir=tmp_path / "no-vocab")
    import_paths(settings, [SMALL], ImportOptions())
    return settings


def _publish_without_index(settings: Settings, version: str) -> None:
    """The state a kill -9 between an import's release and its index leaves behind."""
    releases = load_files([SMALL], ImportOptions(version=version))
    with data_dir_lock(settings.data_dir):
        ReleaseRepository(settings.data_dir).publish_many(releases)


def _found(settings: Settings, version: str) -> list[str]:
    code, out, err = run_cli(settings, "search", "Bevægelse", "--scheme", "small",
                             "--version", version, "--json")
    assert code == 0, err
    return [hit["code"] for hit in json.loads(out)["results"]]


def test_a_release_published_without_its_index_is_found_after_reopening(settings) -> None:
    """Fault 1: the release was visible to lookup and never to search, across restarts."""
    _publish_without_index(settings, "2.0")
    store = Store.open(settings.data_dir)
    found = generations.current(settings.data_dir, "tantivy",
                                (r.info for r in store.releases()))
    assert found.status == generations.STALE and found.missing == ["small@2.0"]
    opened = open_search(settings.data_dir, "tantivy", store)
    assert opened.state == "repaired"
    assert _found(settings, "2.0") == ["A"]


def test_reimporting_repairs_an_index_an_interrupted_import_left_behind(settings) -> None:
    _publish_without_index(settings, "2.0")
    code, out, err = run_cli(settings, "import", "--version", "2.0", str(SMALL))
    assert code == 0, err
    assert "unchanged, already published" in out and "search index: repaired" in err
    assert generations.current(settings.data_dir, "tantivy", (
        r.info for r in Store.open(settings.data_dir).releases())).status == generations.CURRENT


def test_check_data_reports_a_stale_index_and_a_damaged_release(settings) -> None:
    code, out, _ = run_cli(settings, "check-data")
    assert code == 0 and "ready to serve" in out
    _publish_without_index(settings, "2.0")
    code, out, _ = run_cli(settings, "check-data")
    assert code == 1 and "lacks small@2.0" in out and "termserver reindex" in out
    assert code == 1 and "NOT ready" in out
    run_cli(settings, "reindex")
    nt = ReleaseRepository(settings.data_dir).nt_path("small", "1.0")
    nt.write_text(nt.read_text().replace("Bevægelse", "Bevaegelse"))
    code, out, _ = run_cli(settings, "check-data", "--json")
    body = json.loads(out)
    damaged = [r for r in body["releases"] if not r["ok"]]
    assert code == 1 and body["ok"] is False
    assert [(r["scheme"], r["version"]) for r in damaged] == [("small", "1.0")]
    assert "checksum" in damaged[0]["problem"] and "backup" in damaged[0]["problem"]


def test_an_import_whose_index_fails_says_the_release_is_published(
        settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while indexing exited 2 although the release *was* published."""

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(settings.data_dir))

    monkeypatch.setattr(publishing, "rebuild_index", disk_full)
    code, out, err = run_cli(settings, "import", "--version", "2.0", str(SMALL))
    assert code == 0
    assert "small 2.0: published" in out
    assert "ARE published" in err and "No space left on device" in err
    assert "termserver reindex" in err
    monkeypatch.undo()
    assert _found(settings, "2.0") == ["A"]  # the next reader repairs it


def test_one_bad_file_among_many_names_its_whole_path_and_the_others(settings,
                                                                     tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    shutil.copy(FIXTURES / "overlay.ttl", folder / "a-overlay.ttl")
    shutil.copy(FIXTURES / "broken.ttl", folder / "b-broken.ttl")
    shutil.copy(FIXTURES / "mappings.ttl", folder / "c-mappings.ttl")
    code, _, err = run_cli(settings, "import", str(folder))
    assert code == 2
    assert str(folder / "b-broken.ttl") in err
    assert "Nothing was imported from the 3 files given" in err
    assert "1 read without problems before it, 1 not read yet" in err
    assert Store.open(settings.data_dir).schemes() == ["small"]


def _modes(root: Path) -> set[int]:
    return {stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*")
            if p.name not in (".lock",)}


@pytest.mark.parametrize(("umask", "expected"), [(0o022, {0o644, 0o755}),
                                                 (0o027, {0o640, 0o750})])
def test_published_files_follow_the_umask(tmp_path: Path, umask: int,
                                          expected: set[int]) -> None:
    """Fault 4: releases and indexes were 0700/0600 whatever the umask, so a service
    account other than the importer's could not read them."""
    data = tmp_path / "data"
    subprocess.run(
        ["sh", "-c", f'umask {umask:03o} && exec "$0" "$@"', str(TERMSERVER),
         "--data-dir", str(data), "import", str(SMALL)],
        check=True, capture_output=True)
    assert _modes(data / "releases") == expected
    assert _modes(data / "index") == expected


def _read_only(data_dir: Path, mount: Path, *command: str) -> subprocess.CompletedProcess:
    """Run a termserver command with `data_dir` bind-mounted read-only at `mount`, in a
    private mount namespace (the process is root in CI; plain permissions would not stop
    it)."""
    mount.mkdir(exist_ok=True)
    script = ('mount --bind "$1" "$2" && mount -o remount,bind,ro "$2" && shift 2 && '
              'exec "$@"')
    return subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, "sh", str(data_dir), str(mount),
         str(TERMSERVER), "--data-dir", str(mount), *command],
        capture_output=True, text=True, timeout=120)


def _listing(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


def test_read_commands_work_on_a_read_only_data_directory(settings, tmp_path: Path) -> None:
    """Fault 3: `termserver search` crashed with tantivy's lock-file error."""
    before = _listing(settings.data_dir)
    result = _read_only(settings.data_dir, tmp_path / "ro", "search", "Bevægelse")
    assert result.returncode == 0, result.stderr
    assert "Bevægelse" in result.stdout and "Traceback" not in result.stderr
    result = _read_only(settings.data_dir, tmp_path / "ro", "check-data")
    assert result.returncode == 0 and "ready to serve" in result.stdout
    assert _listing(settings.data_dir) == before


def test_a_stale_index_on_a_read_only_mount_is_served_privately(settings,
                                                                 tmp_path: Path) -> None:
    _publish_without_index(settings, "2.0")
    before = _listing(settings.data_dir)
    result = _read_only(settings.data_dir, tmp_path / "ro", "search", "Bevægelse",
                        "--scheme", "small", "--version", "2.0")
    assert result.returncode == 0, result.stderr
    assert "Bevægelse" in result.stdout and "read-only" in result.stderr
    assert "termserver reindex" in result.stderr
    assert _listing(settings.data_dir) == before
    result = _read_only(settings.data_dir, tmp_path / "ro", "import", str(SMALL))
    assert result.returncode == 2 and "Read-only file system" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_server_reloads_new_releases_with_their_index(settings) -> None:
    services = open_services(settings)
    app = create_app(settings, services)
    reloader = Reloader(app.state, settings, fingerprint(settings))
    client = TestClient(app)
    assert client.get("/api/v1/schemes/small").json()["latest"] == "1.0"
    assert reloader.check() is False  # nothing new
    import_paths(settings, [SMALL], ImportOptions(version="2.0"))
    with data_dir_lock(settings.data_dir):  # a writer at work: wait for its result
        assert reloader.check() is False
    assert reloader.check() is True
    assert app.state.services is not services
    assert client.get("/api/v1/schemes/small").json()["latest"] == "2.0"
    hits = client.get("/api/v1/search", params={"q": "Bevægelse", "scheme": "small",
                                                "version": "2.0"}).json()["results"]
    assert [h["code"] for h in hits] == ["A"]
    assert reloader.status.reloads == 1 and reloader.status.last_error is None


def test_a_reload_that_fails_keeps_serving_what_was_loaded(settings) -> None:
    app = create_app(settings, open_services(settings))
    reloader = Reloader(app.state, settings, fingerprint(settings))
    import_paths(settings, [SMALL], ImportOptions(version="2.0"))
    damaged = ReleaseRepository(settings.data_dir).release_dir("small", "2.0") / "release.json"
    damaged.write_bytes(b"{")
    assert reloader.check() is False
    assert "release.json" in (reloader.status.last_error or "")
    client = TestClient(app)
    assert client.get("/api/v1/schemes/small").json()["latest"] == "1.0"
    os.remove(damaged.parent / "meta.json")  # the operator removes the damaged release
    shutil.rmtree(damaged.parent)
    assert reloader.check() is True


@pytest.mark.e2e
def test_serve_answers_from_a_read_only_data_directory(settings, tmp_path: Path) -> None:
    """`serve` on a read-only mount: no vocab/ publishing, no lock, no index rebuild."""
    mount = tmp_path / "ro"
    mount.mkdir()
    log = tmp_path / "serve.log"
    script = ('mount --bind "$1" "$2" && mount -o remount,bind,ro "$2" && shift 2 && '
              'exec "$@"')
    before = _listing(settings.data_dir)
    prefix = ["unshare", "--mount", "sh", "-c", script, "sh", str(settings.data_dir),
              str(mount)]
    with serving(mount, log, prefix=prefix,
                 env={"TERMSERVER_VOCAB_DIR": str(FIXTURES.parent.parent / "vocab")}) as served:
        query = urllib.parse.quote("Bevægelse")
        status, _, body = get(f"{served.base}/api/v1/search?q={query}&scheme=small")
        assert status == 200 and json.loads(body)["results"][0]["code"] == "A"
    assert "read-only" in log.read_text() and "Traceback" not in log.read_text()
    assert _listing(settings.data_dir) == before


def test_a_reload_never_drops_releases_in_service(settings, tmp_path: Path) -> None:
    """A data directory deleted or unmounted under a running server emptied its store
    on the next reload: every lookup became 404 'none imported'."""
    app = create_app(settings, open_services(settings))
    reloader = Reloader(app.state, settings, fingerprint(settings))
    shutil.move(settings.data_dir / "releases", tmp_path / "moved-away")
    assert reloader.check() is False
    assert "gone from" in (reloader.status.last_error or "")
    assert "releases/small/1.0" in (reloader.status.last_error or "")
    client = TestClient(app)
    assert client.get("/api/v1/schemes/small/concepts/A").status_code == 200
    shutil.move(tmp_path / "moved-away", settings.data_dir / "releases")
    import_paths(settings, [SMALL], ImportOptions(version="2.0"))
    assert reloader.check() is True  # back, and a new release: loaded
    assert client.get("/api/v1/schemes/small").json()["latest"] == "2.0"
