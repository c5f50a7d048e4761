"""End to end: the real `termserver serve` on 127.0.0.1, spoken to over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from termserver.settings import Settings

pytestmark = pytest.mark.e2e

TERMSERVER = Path(sys.executable).with_name("termserver")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, accept: str = "application/json") -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["content-type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read()


@pytest.fixture(scope="module")
def server(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "TERMSERVER_VOCAB_DIR": str(real_settings.vocab_dir)}
    log = tmp_path_factory.mktemp("serve") / "stderr.log"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [str(TERMSERVER), "--data-dir", str(real_settings.data_dir), "serve",
             "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"termserver serve exited: {log.read_text()}")
        try:
            if get(f"{base}/api/v1/schemes")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("termserver serve did not answer within 30 s")
    yield base
    process.terminate()
    process.wait(10)


def test_serves_schemes_and_lookup(server: str) -> None:
    status, _, body = get(f"{server}/api/v1/schemes")
    assert status == 200
    assert "icf" in {s["id"] for s in json.loads(body)}
    status, _, body = get(f"{server}/api/v1/schemes/icf/concepts/d450")
    assert status == 200 and json.loads(body)["label"] == "Walking"


def test_errors_are_json_envelopes(server: str) -> None:
    status, content_type, body = get(f"{server}/api/v1/schemes/icf/concepts/nope")
    assert status == 404 and content_type.startswith("application/json")
    assert json.loads(body)["error"]["code"] == "not_found"


def test_concept_iri_turtle(server: str) -> None:
    status, content_type, body = get(f"{server}/id/icf/d450", accept="text/turtle")
    assert status == 200 and content_type.startswith("text/turtle")
    assert b"skos:notation \"d450\"" in body


def test_openapi_is_served(server: str) -> None:
    status, _, body = get(f"{server}/api/v1/openapi.json")
    paths = json.loads(body)["paths"]
    assert status == 200
    assert {"/api/v1/schemes", "/api/v1/search", "/api/v1/schemes/{scheme}/concepts/{code}",
            "/api/v1/schemes/{scheme}/diff"} <= set(paths)
