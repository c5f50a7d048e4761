"""The real `termserver serve` in a subprocess on 127.0.0.1, for end-to-end and browser
tests: one way to pick a port, start it, wait until it answers and stop it."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

TERMSERVER = Path(sys.executable).with_name("termserver")


def free_port(ports: range | None = None) -> int:
    """A port nothing listens on: any (the kernel's choice), or one in `ports` tried from
    a random start, for tests that keep to a documented range."""
    if ports is None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    start = random.randrange(len(ports))
    for port in (*ports[start:], *ports[:start]):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {ports.start}-{ports.stop - 1}")


def get(url: str, accept: str = "application/json") -> tuple[int, str, bytes]:
    """(status, content type, body), also for error statuses."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["content-type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read()


@dataclass
class Served:
    process: subprocess.Popen
    base: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@contextlib.contextmanager
def serving(data_dir: Path, log: Path, *args: str, ports: range | None = None,
            env: dict[str, str] | None = None, prefix: Sequence[str] = (),
            ready: str = "/api/v1/schemes", timeout: float = 60) -> Iterator[Served]:
    """`termserver --data-dir DATA serve ARGS --port P`, yielded once `ready` answers 200
    and stopped afterwards. `prefix` runs the command through another (e.g. `unshare`);
    `env` adds to the environment."""
    port = free_port(ports)
    command = [*prefix, str(TERMSERVER), "--data-dir", str(data_dir), "serve", *args,
               "--port", str(port)]
    with open(log, "wb") as stderr:
        # no FHIR package fetched from the internet unless a test asks for one
        process = subprocess.Popen(command, env={**os.environ,
                                                 "TERMSERVER_SERVE_PACKAGES": "[]",
                                                 **(env or {})},
                                   stdout=subprocess.DEVNULL, stderr=stderr)
    served = Served(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"termserver serve exited: {log.read_text()}")
            try:
                if get(served.base + ready)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"termserver serve did not answer within {timeout:.0f} s: "
                            f"{log.read_text()}")
            time.sleep(0.1)
        yield served
    finally:
        served.stop()
