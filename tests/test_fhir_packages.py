"""FHIR packages: KL's terminology package built at test time from ../shared/data (never
committed), imported from a .tgz, fetched from a real package registry on 127.0.0.1
(ports 19200-19299) into a temporary package cache, installed by `serve`, and the
offline start. Hostile archives are refused whole."""

from __future__ import annotations

import gzip
import io
import json
import socket
import tarfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.cli import main
from termserver.importers import package as package_format
from termserver.settings import Settings

from .conftest import KL_CURRENT, SHARED_DATA, make_settings, require_shared
from .servers import free_port, get, serving

CONFORMANCE = SHARED_DATA / "kl-fhir-examples" / "kl-term" / "conformance"
PORTS = range(19200, 19300)
NAME, VERSION = "kl.dk.fhir.term", "2.3.0"
SEVERITIES = "http://fhir.kl.dk/term/ValueSet/KLSeveritiesFFB"
FFB = "urn:oid:1.2.208.176.2.22"


def build_package(target: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(target, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return target


def kl_members() -> dict[str, bytes]:
    require_shared(CONFORMANCE, *KL_CURRENT)
    members = {"package/package.json": json.dumps(
        {"name": NAME, "version": VERSION, "fhirVersions": ["4.0.1"]}).encode()}
    for path in [*KL_CURRENT, *sorted(CONFORMANCE.glob("*.json"))]:
        members[f"package/{path.name}"] = path.read_bytes()
    members["package/other/spreadsheet.xlsx"] = b"not read"
    return members


@pytest.fixture(scope="module")
def kl_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package(tmp_path_factory.mktemp("pkg") / f"{NAME}-{VERSION}.tgz",
                         kl_members())


class Registry:
    """A FHIR package registry over HTTP: GET /{name} lists, GET /{name}/{version} is
    the .tgz."""

    def __init__(self, packages: dict[tuple[str, str], bytes]) -> None:
        self.packages = packages
        self.requests: list[str] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests.append(self.path)
                parts = self.path.strip("/").split("/")
                if len(parts) == 2 and tuple(parts) in registry.packages:
                    self._answer(registry.packages[tuple(parts)], "application/tar+gzip")
                elif len(parts) == 1 and any(n == parts[0] for n, _ in registry.packages):
                    versions = sorted(v for n, v in registry.packages if n == parts[0])
                    self._answer(json.dumps({"name": parts[0],
                                             "dist-tags": {"latest": versions[-1]},
                                             "versions": {v: {} for v in versions}}).encode(),
                                 "application/json")
                else:
                    self.send_error(404)

            def _answer(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port(PORTS)), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def registry(kl_package: Path) -> Iterator[Registry]:
    served = Registry({(NAME, VERSION): kl_package.read_bytes()})
    yield served
    served.close()


def unreachable_url() -> str:
    """A registry address where nothing listens: the connection is refused."""
    return f"http://127.0.0.1:{free_port(PORTS)}"


def cli(data_dir: Path, *args: str, env: dict[str, str] | None = None
        ) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def fhir(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def test_import_package_serves_its_code_systems_and_value_sets(
        kl_package: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", vocab_dir=tmp_path / "none")
    code, out, err = cli(settings.data_dir, "import", str(kl_package))
    assert code == 0, err
    assert f"ffb 20240530: published ({kl_package.name}:package/CodeSystem-FFB.json)" in out
    assert f"ValueSet {SEVERITIES}|{VERSION}: published" in out
    value_sets = len(list(CONFORMANCE.glob("ValueSet-*.json")))
    assert out.count("ValueSet ") == value_sets
    code, out, _ = cli(settings.data_dir, "import", str(kl_package))  # immutable: a no-op
    assert code == 0 and "published" not in out.replace("already published", "")

    client = fhir(settings)
    found = client.get("/fhir/ValueSet", params={"url": SEVERITIES}).json()
    assert found["total"] == 1
    entry = found["entry"][0]["resource"]
    assert (entry["id"], entry["version"], entry["name"]) == (
        f"KLSeveritiesFFB-{VERSION}", VERSION, "KLSeveritiesFFB")
    assert client.get("/fhir/ValueSet", params={"name": "klseverities"}).json()["total"] == 3
    assert client.get("/fhir/ValueSet", params={"version": "9.9"}).json()["total"] == 0
    assert client.get("/fhir/ValueSet", params={"status": "active"}).json()["total"] == \
        value_sets
    read = client.get(f"/fhir/ValueSet/KLSeveritiesFFB-{VERSION}").json()
    assert read["compose"]["include"][0]["system"] == FFB
    missing = client.get("/fhir/ValueSet/nope")
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"

    expanded = client.get("/fhir/ValueSet/$expand", params={"url": SEVERITIES}).json()
    codes = [c["code"] for c in expanded["expansion"]["contains"]]
    assert codes and all(c["system"] == FFB for c in expanded["expansion"]["contains"])
    member = codes[0]
    answer = client.get("/fhir/ValueSet/$validate-code", params={
        "url": SEVERITIES, "system": FFB, "code": member}).json()
    assert {p["name"]: p.get("valueBoolean") for p in answer["parameter"]}["result"] is True
    root = "e89d317c-4657-4970-b614-ada2ed220595"  # the filter's parent: not a descendant
    answer = client.get("/fhir/ValueSet/$validate-code", params={
        "url": SEVERITIES, "system": FFB, "code": root}).json()
    assert {p["name"]: p.get("valueBoolean") for p in answer["parameter"]}["result"] is False
    # a value set made of other value sets resolves them from the store
    union = client.get("/fhir/ValueSet/$expand", params={
        "url": "http://fhir.kl.dk/term/ValueSet/KLSeverities"}).json()
    assert set(codes) < {c["code"] for c in union["expansion"]["contains"]}
    assert client.get("/fhir/CodeSystem", params={"url": FFB}).json()["total"] == 1


def test_a_value_set_file_needs_a_version_and_never_changes(tmp_path: Path) -> None:
    require_shared(CONFORMANCE)
    data = tmp_path / "data"
    source = CONFORMANCE / "ValueSet-KLSeveritiesFFB.json"
    code, _, err = cli(data, "import", str(source))
    assert code != 0
    assert "has no version" in err and "--version" in err and "Traceback" not in err
    code, out, err = cli(data, "import", "--version", "2.3.0", str(source))
    assert code == 0, err
    assert f"ValueSet {SEVERITIES}|2.3.0: published" in out
    changed = json.loads(source.read_text())
    changed["title"] = "Ændret"
    other = tmp_path / "ValueSet-changed.json"
    other.write_text(json.dumps(changed))
    code, _, err = cli(data, "import", "--version", "2.3.0", str(other))
    assert code != 0 and "already published with different content" in err
    code, out, err = cli(data, "import", "--version", "2.3.1", str(other))
    assert code == 0 and "|2.3.1: published" in out
    client = fhir(make_settings(data))
    titles = {e["resource"]["version"]: e["resource"]["title"] for e in client.get(
        "/fhir/ValueSet", params={"url": SEVERITIES}).json()["entry"]}
    assert titles == {"2.3.0": json.loads(source.read_text())["title"], "2.3.1": "Ændret"}


def _bomb() -> bytes:
    """101 MB of zeros in one member: a few hundred kB compressed."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
        info = tarfile.TarInfo("package/ValueSet-bomb.json")
        info.size = package_format.MAX_MEMBER_BYTES + 1
        archive.addfile(info, _Zeros(info.size))
    return buffer.getvalue()


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return bytes(n)


def _link(kind: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("package/package.json")
        info.type, info.linkname = kind, "/etc/passwd"
        archive.addfile(info)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


MANIFEST = {"package/package.json": b'{"name": "evil", "version": "1.0.0"}'}
HOSTILE = {
    "traversal": (lambda p: build_package(p, {**MANIFEST, "package/../../evil.json": b"{}"}),
                  "points outside the package"),
    "absolute": (lambda p: build_package(p, {**MANIFEST, "/etc/evil.json": b"{}"}),
                 "points outside the package"),
    "symlink": (lambda p: _write(p, _link(tarfile.SYMTYPE)), "is a link"),
    "hardlink": (lambda p: _write(p, _link(tarfile.LNKTYPE)), "is a link"),
    "bomb": (lambda p: _write(p, _bomb()), "decompression bomb"),
    "not json": (lambda p: build_package(p, {**MANIFEST, "package/ValueSet-x.json": b"<x/>"}),
                 "is not valid JSON"),
    "no manifest": (lambda p: build_package(p, {"package/ValueSet-x.json": b"{}"}),
                    "no package/package.json"),
    "not a tar": (lambda p: _write(p, gzip.compress(b"hello")),
                  "not a readable FHIR package"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_archives_are_refused_whole(case: str, tmp_path: Path) -> None:
    make, expected = HOSTILE[case]
    archive = make(tmp_path / "evil.tgz")
    started = time.monotonic()
    code, _, err = cli(tmp_path / "data", "import", str(archive))
    assert code != 0
    assert expected in err and "Nothing was imported" in err, err
    assert len([line for line in err.splitlines() if line.startswith("termserver:")]) == 1
    assert "Traceback" not in err
    assert time.monotonic() - started < 30
    assert not (tmp_path / "data" / "releases").exists()
    assert not (tmp_path / "data" / "resources").exists()
    assert not (tmp_path.parent / "evil.json").exists()


def test_import_package_from_the_registry_into_the_package_cache(
        registry: Registry, tmp_path: Path) -> None:
    cache = tmp_path / "fhir-packages"
    env = {"TERMSERVER_FHIR_PACKAGE_REGISTRY": registry.url,
           "TERMSERVER_FHIR_PACKAGE_CACHE": str(cache)}
    code, out, err = cli(tmp_path / "data", "import", "--package", f"{NAME}#{VERSION}",
                         env=env)
    assert code == 0, err
    assert f"/{NAME}/{VERSION}" in registry.requests
    assert (cache / f"{NAME}#{VERSION}" / "package" / "package.json").is_file()
    assert not list(cache.glob(".download-*"))
    assert f"ValueSet {SEVERITIES}|{VERSION}: published" in out
    assert "fsiii 20240530: published" in out
    # the cached package is used without the registry; no version asks for the latest
    fetched = len(registry.requests)
    code, out, err = cli(tmp_path / "data2", "import", "--package", f"{NAME}#{VERSION}",
                         env={**env, "TERMSERVER_FHIR_PACKAGE_REGISTRY": unreachable_url()})
    assert code == 0, err
    assert len(registry.requests) == fetched
    code, out, err = cli(tmp_path / "data3", "import", "--package", NAME,
                         env={**env, "TERMSERVER_FHIR_PACKAGE_CACHE": str(tmp_path / "c2")})
    assert code == 0, err
    assert f"/{NAME}" in registry.requests and "|2.3.0: published" in out
    code, _, err = cli(tmp_path / "data4", "import", "--package", "no.such.package#1.0.0",
                       env=env)
    assert code == 2 and "not found in the registry" in err
    assert len([line for line in err.splitlines() if line.startswith("termserver:")]) == 1


@pytest.fixture
def silent_registry() -> Iterator[str]:
    """A registry that accepts connections and never answers (a hung mirror)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", free_port(PORTS)))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.parametrize("where", ["refused", "silent"])
def test_import_package_offline_says_so_in_one_line(where: str, tmp_path: Path,
                                                    silent_registry: str) -> None:
    url = unreachable_url() if where == "refused" else silent_registry
    env = {"TERMSERVER_FHIR_PACKAGE_REGISTRY": url,
           "TERMSERVER_FHIR_PACKAGE_CACHE": str(tmp_path / "cache"),
           "TERMSERVER_FHIR_PACKAGE_TIMEOUT": "2"}
    started = time.monotonic()
    code, _, err = cli(tmp_path / "data", "import", "--package", f"{NAME}#{VERSION}",
                       env=env)
    assert time.monotonic() - started < 10
    assert code == 2
    assert len(err.strip().splitlines()) == 2  # "fetching …" and the one-line refusal
    line = err.strip().splitlines()[-1]
    assert f"could not fetch the FHIR package {NAME}#{VERSION} from {url}" in line
    assert f"termserver import {NAME}-{VERSION}.tgz" in line
    assert not (tmp_path / "cache" / f"{NAME}#{VERSION}").exists()


def _wait_for(url: str, check, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        status, _, body = get(url)
        if status == 200 and check(json.loads(body)):
            return json.loads(body)
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer as expected within {seconds} s: {body[:300]!r}")
        time.sleep(0.3)


def test_serve_installs_the_default_package_and_serves_it_without_restart(
        registry: Registry, tmp_path: Path) -> None:
    default = Settings.model_fields["serve_packages"].default_factory()  # type: ignore[misc]
    assert default == [f"{NAME}#{VERSION}"]
    env = {"TERMSERVER_FHIR_PACKAGE_REGISTRY": registry.url,
           "TERMSERVER_FHIR_PACKAGE_CACHE": str(tmp_path / "cache"),
           "TERMSERVER_SERVE_PACKAGES": json.dumps(default),
           "TERMSERVER_RELOAD_INTERVAL": "0.5"}
    data = tmp_path / "data"
    log = tmp_path / "serve.log"
    with serving(data, log, "--no-vocab", ports=PORTS, env=env) as served:
        found = _wait_for(f"{served.base}/fhir/ValueSet?url={SEVERITIES}",
                          lambda b: b.get("total") == 1, 90)
        assert found["entry"][0]["resource"]["version"] == VERSION
        _wait_for(f"{served.base}/fhir/CodeSystem?url={FFB}", lambda b: b["total"] == 1, 30)
        assert f"imported the FHIR package {NAME}#{VERSION}" in log.read_text()
        # a value set imported while the server runs is served without a restart
        changed = json.loads((CONFORMANCE / "ValueSet-KLSeveritiesFFB.json").read_text())
        changed["title"] = "Ny titel"
        source = tmp_path / "ValueSet-new.json"
        source.write_text(json.dumps(changed))
        code, _, err = cli(data, "import", "--version", "2.4.0", str(source))
        assert code == 0, err
        _wait_for(f"{served.base}/fhir/ValueSet?url={SEVERITIES}",
                  lambda b: b.get("total") == 2, 30)
    # installed once: the next start does not fetch it again
    before = len(registry.requests)
    with serving(data, tmp_path / "serve2.log", "--no-vocab", ports=PORTS, env=env) as served:
        time.sleep(1.5)
    assert len(registry.requests) == before
    assert "FHIR package" not in (tmp_path / "serve2.log").read_text()


def test_serve_offline_starts_at_once_and_says_what_it_could_not_fetch(
        tmp_path: Path, silent_registry: str) -> None:
    env = {"TERMSERVER_FHIR_PACKAGE_REGISTRY": silent_registry,
           "TERMSERVER_FHIR_PACKAGE_CACHE": str(tmp_path / "cache"),
           "TERMSERVER_SERVE_PACKAGES": json.dumps([f"{NAME}#{VERSION}"]),
           "TERMSERVER_SERVE_PACKAGE_TIMEOUT": "2"}
    log = tmp_path / "serve.log"
    started = time.monotonic()
    with serving(tmp_path / "data", log, "--no-vocab", ports=PORTS, env=env) as served:
        answered = time.monotonic() - started
        deadline = time.monotonic() + 15
        while "could not fetch" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert get(f"{served.base}/api/v1/schemes")[0] == 200
    assert answered < 15  # started without waiting for the registry
    lines = [line for line in log.read_text().splitlines() if NAME in line]
    assert len(lines) == 1, log.read_text()
    assert f"could not fetch the FHIR package {NAME}#{VERSION} from {silent_registry}" \
        in lines[0]
    assert f"termserver import {NAME}-{VERSION}.tgz" in lines[0]


def test_a_package_concept_map_translates_and_check_data_verifies_resources(
        tmp_path: Path) -> None:
    """A small package of our own: a code system without a version (it takes the
    package's), a value set and a concept map; check-data finds a damaged value set."""
    system = "http://example.org/fhir/CodeSystem/colours"
    members = {
        "package/package.json": b'{"name": "example.colours", "version": "1.0.0"}',
        "package/CodeSystem-colours.json": json.dumps({
            "resourceType": "CodeSystem", "id": "colours", "url": system, "status": "active",
            "content": "complete", "concept": [{"code": "r", "display": "rød"},
                                               {"code": "g", "display": "grøn"}]}).encode(),
        "package/ValueSet-red.json": json.dumps({
            "resourceType": "ValueSet", "id": "red", "url": "http://example.org/vs/red",
            "status": "active",
            "compose": {"include": [{"system": system, "concept": [{"code": "r"}]}]}}).encode(),
        "package/ConceptMap-colours-en.json": json.dumps({
            "resourceType": "ConceptMap", "id": "colours-en", "status": "active",
            "url": "http://example.org/cm/colours-en", "group": [{
                "source": system, "target": "http://example.org/en",
                "element": [{"code": "r", "target": [{"code": "red",
                                                      "equivalence": "equivalent"}]}]}]}).encode(),
        "package/StructureDefinition-x.json": b'{"resourceType": "StructureDefinition"}',
    }
    archive = build_package(tmp_path / "example.colours-1.0.0.tgz", members)
    data = tmp_path / "data"
    code, out, err = cli(data, "import", str(archive))
    assert code == 0, err
    assert "colours 1.0.0: published" in out
    assert "ConceptMap http://example.org/cm/colours-en|1.0.0: published" in out
    client = fhir(make_settings(data))
    answer = client.get("/fhir/ConceptMap/$translate", params={
        "url": "http://example.org/cm/colours-en", "system": system, "code": "r"}).json()
    parts = {p["name"]: p for p in answer["parameter"]}
    assert parts["result"]["valueBoolean"] is True
    match = {p["name"]: p for p in parts["match"]["part"]}
    assert match["concept"]["valueCoding"]["code"] == "red"
    found = client.get("/fhir/ConceptMap", params={"url": "http://example.org/cm/colours-en"})
    assert found.json()["total"] == 1
    assert client.get("/fhir/ConceptMap/colours-en-1.0.0").json()["group"][0]["source"] == system
    expanded = client.get("/fhir/ValueSet/$expand",
                          params={"url": "http://example.org/vs/red"}).json()
    assert [c["code"] for c in expanded["expansion"]["contains"]] == ["r"]

    code, out, _ = cli(data, "check-data")
    assert code == 0 and "ValueSet http://example.org/vs/red|1.0.0: ok" in out
    stored = next((data / "resources" / "ValueSet").glob("*/1.0.0/resource.json"))
    stored.chmod(0o644)
    stored.write_text(stored.read_text().replace('"r"', '"g"'))
    code, out, _ = cli(data, "check-data")
    assert code == 1
    assert "ValueSet http://example.org/vs/red|1.0.0: DAMAGED: resource.json has checksum" in out


def test_a_package_keeps_its_own_versions(kl_package: Path, tmp_path: Path) -> None:
    code, _, err = cli(tmp_path / "data", "import", "--version", "9", str(kl_package))
    assert code != 0 and "--version and --scheme apply to single files only" in err
    assert not (tmp_path / "data" / "releases").exists()
