"""A draft published over HTTP is served by two running servers within 5 seconds.

Two real `termserver serve` processes on 127.0.0.1 share one data directory and its
authoring database (the default SQLite file). The draft goes the whole way over HTTP to
the first; the test measures when each server answers with the new release, while
lookups run against both all along: none may fail, and neither server restarts.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from authoring.drafting import releases, team
from servers import serving
from termserver.authoring.db import AuthoringDB
from termserver.authoring.publish import next_version
from termserver.publishing import publish_releases
from termserver.settings import Settings

PORTS = range(18700, 18800)
WITHIN = 5.0


def call(base: str, method: str, path: str, token: str, body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


class Lookups(threading.Thread):
    """Looks a concept up on every server, again and again, and keeps what went wrong."""

    def __init__(self, bases: list[str]) -> None:
        super().__init__(daemon=True)
        self.bases, self.done, self.failures = bases, threading.Event(), []
        self.count = 0

    def run(self) -> None:
        while not self.done.is_set():
            for base in self.bases:
                try:
                    with urllib.request.urlopen(
                            f"{base}/api/v1/schemes/catalogue/concepts/1.1", timeout=10) as r:
                        r.read()
                        self.count += 1
                except (OSError, urllib.error.HTTPError) as exc:
                    self.failures.append(f"{base}: {exc}")


def serves(base: str, version: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/api/v1/schemes/catalogue", timeout=5) as answer:
            return version in [v["version"] for v in json.loads(answer.read())["versions"]]
    except urllib.error.HTTPError:
        return False


def test_two_running_servers_serve_a_published_draft_within_five_seconds(
        tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "no-vocab")
    publish_releases(settings, releases())
    db = AuthoringDB.from_settings(settings)
    tokens = team(db)
    db.dispose()
    version = next_version(["2026.1"], dt.date.today())
    with serving(settings.data_dir, tmp_path / "a.log", "--no-vocab", ports=PORTS) as one, \
            serving(settings.data_dir, tmp_path / "b.log", "--no-vocab", ports=PORTS) as two:
        lookups = Lookups([one.base, two.base])
        lookups.start()
        base = one.base
        status, _, made = call(base, "POST", "/api/v1/drafts", tokens["anna"],
                               {"scheme": "catalogue", "title": "Klarere betegnelse"})
        assert status == 201, made
        draft = made["id"]
        path = f"/api/v1/drafts/{draft}/concepts/1.1"
        status, headers, concept = call(base, "GET", path, tokens["anna"])
        assert status == 200, concept
        status, _, changed = call(base, "PUT", path, tokens["anna"],
                                  concept | {"labels": {"da": "Rengøring i hjemmet"}},
                                  {"If-Match": headers["etag"]})
        assert status == 200, changed
        for who, step, body in (("anna", "check", None), ("anna", "submit", {}),
                                ("rita", "review", {"decision": "approve"})):
            status, _, answer = call(base, "POST", f"/api/v1/drafts/{draft}/{step}",
                                     tokens[who], body)
            assert status == 200, answer
        assert not serves(one.base, version) and not serves(two.base, version)

        status, _, done = call(base, "POST", f"/api/v1/drafts/{draft}/publish", tokens["pia"])
        published_at = time.monotonic()
        assert status == 200, done
        assert done["version"] == version
        waited = {}
        while len(waited) < 2 and time.monotonic() - published_at < WITHIN + 5:
            for name, server in (("first", one), ("second", two)):
                if name not in waited and serves(server.base, version):
                    waited[name] = time.monotonic() - published_at
            time.sleep(0.05)
        time.sleep(1.0)  # lookups across the switch and after it
        lookups.done.set()
        lookups.join(15)

        print(f"new release served after: {waited}, lookups: {lookups.count}")
        assert set(waited) == {"first", "second"}, waited
        assert max(waited.values()) <= WITHIN, waited
        assert lookups.failures == [] and lookups.count > 20
        for server in (one, two):
            assert server.process.poll() is None  # no restart
            with urllib.request.urlopen(
                    f"{server.base}/api/v1/schemes/catalogue/concepts/1.1") as answer:
                assert json.loads(answer.read())["labels"]["da"] == "Rengøring i hjemmet"
