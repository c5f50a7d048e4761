"""Authoring under load: concurrent editors, publishing a large draft, kill -9 mid-publish.

    .venv/bin/python bench/bench_authoring.py                       # SQLite (the default)
    .venv/bin/python bench/bench_authoring.py --postgres            # a throwaway cluster
    .venv/bin/python bench/bench_authoring.py --only editors,publish --json

Targets (issue "Methodologists edit vocabularies", Measured):
- 10 concurrent editors over HTTP: edit p99 reported; zero lost updates: every write
  made against a stale ETag is a 412, and each concept's edits form one unbroken chain
  (every edit's "before" is the previous edit's "after");
- publishing a draft of 100 changed FSIII concepts (checks, release, reindex) ≤ 2 s;
- kill -9 of the server during publish leaves the old or the new release, never half of
  one (`termserver check-data` passes), and the draft stays publishable.

Everything runs against the real `termserver serve` on 127.0.0.1 (ports 18400–18499) over
a copy of the bench data directory (every current KL release and vocab/).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import opslib

EDITORS = 10
SCHEME = "fsiii"
PUBLISH_CONCEPTS = 100
PUBLISH_LIMIT_S = 2.0
KILL_WITHIN_S = 0.5
"""The kill lands this long after the publish request at most (a 3-concept publish takes
some 0.2-0.4 s on the 2-core machine, so some kills land before the release is written)."""


# -- HTTP -------------------------------------------------------------------------------------
def call(base: str, method: str, path: str, token: str, body: Any = None,
         headers: dict[str, str] | None = None, timeout: float = 60
         ) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, dict(error.headers), json.loads(raw) if raw else None


# -- the team ---------------------------------------------------------------------------------
def make_team(data: Path, database_url: str | None) -> dict[str, str]:
    """admin, editors e0…e9, a reviewer and a publisher, all on fsiii by name (an official
    scheme: only grants that name it allow changing it)."""
    from termserver.authoring import users
    from termserver.authoring.db import AuthoringDB
    from termserver.authoring.permissions import ANONYMOUS
    from termserver.authoring.tokens import authenticate
    from termserver.settings import Settings

    db = AuthoringDB.from_settings(Settings(data_dir=data, database_url=database_url))
    try:
        admin = users.add_user(db, ANONYMOUS, "admin", [], None)
        boss = authenticate(db, admin.token)
        tokens = {"admin": admin.token}
        for name, roles in ([(f"e{i}", ["editor"]) for i in range(EDITORS)]
                            + [("reviewer", ["reviewer"]), ("publisher", ["publisher"])]):
            tokens[name] = users.add_user(db, boss, name, roles, SCHEME).token
        return tokens
    finally:
        db.dispose()


# -- concurrent editors -----------------------------------------------------------------------
def bench_editors(base: str, tokens: dict[str, str], codes: list[str], seconds: float,
                  data: Path, database_url: str | None) -> dict[str, Any]:
    """EDITORS threads edit a handful of shared concepts of one draft for `seconds`, each
    reading the concept, changing its Danish label and writing it back with the ETag."""
    status, _, draft = call(base, "POST", "/api/v1/drafts", tokens["e0"],
                            {"scheme": SCHEME, "title": "Samtidige rettelser"})
    assert status == 201, draft
    hot = codes[:5]  # few concepts: editors collide often
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def editor(i: int) -> None:
        rng = random.Random(i)
        token = tokens[f"e{i}"]
        n = 0
        while time.monotonic() < stop:
            code = rng.choice(hot)
            path = f"/api/v1/drafts/{draft['id']}/concepts/{quote(code, safe='')}"
            got_status, headers, concept = call(base, "GET", path, token)
            if got_status != 200:
                with lock:
                    statuses[f"GET {got_status}"] += 1
                continue
            n += 1
            concept["labels"] = {**concept["labels"], "da": f"e{i} rettelse {n}"}
            started = time.perf_counter()
            put_status, _, _ = call(base, "PUT", path, token, concept,
                                    {"If-Match": headers["etag"]})
            elapsed = time.perf_counter() - started
            with lock:
                statuses[str(put_status)] += 1
                latencies.append(elapsed)

    threads = [threading.Thread(target=editor, args=(i,)) for i in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    broken = lost_updates(data, database_url, draft["id"])
    writes = sum(v for k, v in statuses.items() if not k.startswith("GET"))
    return {"draft": draft["id"], "editors": EDITORS, "seconds": seconds,
            "writes": writes, "statuses": dict(statuses),
            "edit_p50_ms": round(opslib.percentile(latencies, 0.5) * 1000, 1),
            "edit_p99_ms": round(opslib.percentile(latencies, 0.99) * 1000, 1),
            "edits_per_s": round(statuses["200"] / seconds, 1),
            "broken_chains": broken,
            "pass": broken == 0 and set(statuses) <= {"200", "412"}}


def lost_updates(data: Path, database_url: str | None, draft_id: int) -> int:
    """Edits whose "before" is not the "after" of the edit before them on that concept: an
    update made over another one without having seen it. Read from the database itself."""
    from sqlalchemy import select

    from termserver.authoring.db import AuthoringDB
    from termserver.authoring.models import DraftEdit
    from termserver.settings import Settings

    db = AuthoringDB.from_settings(Settings(data_dir=data, database_url=database_url))
    try:
        with db.read() as session:
            edits = session.scalars(select(DraftEdit).where(DraftEdit.draft_id == draft_id)
                                    .order_by(DraftEdit.id)).all()
            last: dict[str, Any] = {}
            broken = 0
            for edit in edits:
                if edit.code in last and edit.before != last[edit.code]:
                    broken += 1
                last[edit.code] = edit.after
            return broken
    finally:
        db.dispose()


# -- publishing a large draft -----------------------------------------------------------------
def approved_draft(base: str, tokens: dict[str, str], codes: list[str], tag: str) -> int:
    status, _, draft = call(base, "POST", "/api/v1/drafts", tokens["e1"],
                            {"scheme": SCHEME, "title": f"{len(codes)} rettelser {tag}"})
    assert status == 201, draft
    for code in codes:
        path = f"/api/v1/drafts/{draft['id']}/concepts/{quote(code, safe='')}"
        status, headers, concept = call(base, "GET", path, tokens["e1"])
        assert status == 200, concept
        concept["labels"] = {**concept["labels"], "da": concept["labels"].get("da", code)
                             + f" ({tag})"}
        status, _, answer = call(base, "PUT", path, tokens["e1"], concept,
                                 {"If-Match": headers["etag"]})
        assert status == 200, answer
    for who, step, body in (("e1", "check", None), ("e1", "submit", {}),
                            ("reviewer", "review", {"decision": "approve"})):
        status, _, answer = call(base, "POST", f"/api/v1/drafts/{draft['id']}/{step}",
                                 tokens[who], body, timeout=300)
        assert status == 200, (step, answer)
    return draft["id"]


def bench_publish(base: str, tokens: dict[str, str], codes: list[str]) -> dict[str, Any]:
    draft = approved_draft(base, tokens, codes[:PUBLISH_CONCEPTS], "udgivelse")
    started = time.perf_counter()
    status, _, answer = call(base, "POST", f"/api/v1/drafts/{draft}/publish",
                             tokens["publisher"], timeout=300)
    seconds = time.perf_counter() - started
    assert status == 200, answer
    return {"concepts": PUBLISH_CONCEPTS, "version": answer["version"],
            "seconds": round(seconds, 2), "limit_s": PUBLISH_LIMIT_S,
            "pass": seconds <= PUBLISH_LIMIT_S}


# -- kill -9 during publish -------------------------------------------------------------------
def bench_kill(server: opslib.Server, tokens: dict[str, str], codes: list[str], tries: int,
               seed: int) -> dict[str, Any]:
    """Publish a small approved draft and SIGKILL the server at a random moment of it;
    then check the data directory, restart, and finish the publication."""
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    for attempt in range(tries):
        chunk = codes[PUBLISH_CONCEPTS + attempt * 3: PUBLISH_CONCEPTS + attempt * 3 + 3]
        draft = approved_draft(server.base, tokens, chunk, f"k{attempt}")
        before = on_disk(server.data)
        request = threading.Thread(target=quietly, daemon=True, args=(
            server.base, "POST", f"/api/v1/drafts/{draft}/publish", tokens["publisher"]))
        request.start()
        time.sleep(rng.uniform(0.0, KILL_WITHIN_S))
        os.kill(server.pid, signal.SIGKILL)
        server.process.wait(10)
        request.join(10)
        new = on_disk(server.data) - before
        half = [line for line in check_data(server.data).splitlines()
                if ": " in line and not line.endswith(": ok")
                and not line.startswith(("search index", str(server.data)))]
        if half or len(new) > 1:
            problems.append(f"try {attempt}: after the kill: {half or sorted(new)}")
        server.start()  # a writable server repairs an index an interrupted publish left
        status, _, answer = call(server.base, "POST", f"/api/v1/drafts/{draft}/publish",
                                 tokens["publisher"], timeout=60)
        if not new:
            outcomes["killed before the release was written"] += 1
            finished = status == 200
        elif status == 200:
            outcomes["killed after the release, before the draft was marked"] += 1
            finished = answer["version"] in new
        else:
            outcomes["killed after the publication had finished"] += 1
            finished = status == 409 and "published already" in answer["error"]["message"]
        if not finished:
            problems.append(f"try {attempt}: publishing again answered {status}: {answer}")
        if len(on_disk(server.data) - before) != 1:
            problems.append(f"try {attempt}: not exactly one new release after finishing")
        if "NOT ready" in (report := check_data(server.data)):
            problems.append(f"try {attempt}: after the restart: {report[-300:]}")
    return {"tries": tries, "outcomes": dict(outcomes), "problems": problems,
            "pass": not problems}


def quietly(*args: Any) -> None:
    """`call`, for a request whose server is killed under it."""
    with contextlib.suppress(OSError):
        call(*args, timeout=60)


def on_disk(data: Path) -> set[str]:
    from termserver.authoring.publish import versions_on_disk
    from termserver.releases import ReleaseRepository

    return set(versions_on_disk(ReleaseRepository(data), SCHEME))


def check_data(data: Path) -> str:
    done = subprocess.run([str(opslib.TERMSERVER), "--data-dir", str(data), "check-data"],
                          capture_output=True, text=True)
    return done.stdout + done.stderr


# -- PostgreSQL -------------------------------------------------------------------------------
class Postgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (Debian's postgresql package), run as
    the `postgres` user when we are root, as PostgreSQL requires."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
        self.bindir = found[-1].parent
        self.root = Path(tempfile.mkdtemp(prefix="termserver-bench-pg-"))
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self.port = opslib.free_port()

    def _pg(self, *args: str) -> None:
        subprocess.run([*self.run_as, *args], check=True, capture_output=True, timeout=120)

    def __enter__(self) -> str:
        data = self.root / "data"
        self._pg(str(self.bindir / "initdb"), "-D", str(data), "-U", "termserver",
                 "--auth=trust", "-E", "UTF8", "--no-locale")
        self._pg(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.root / "log"),
                 "-w", "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}",
                 "start")
        self._pg(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", "termserver", "authoring")
        return f"postgresql+psycopg://termserver@127.0.0.1:{self.port}/authoring"

    def __exit__(self, *exc: object) -> None:
        subprocess.run([*self.run_as, str(self.bindir / "pg_ctl"), "-D",
                        str(self.root / "data"), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(self.root, ignore_errors=True)


# -- the run ------------------------------------------------------------------------------------
def run(args: argparse.Namespace, database_url: str | None) -> dict[str, Any]:
    only = set(args.only.split(",")) if args.only else {"editors", "publish", "kill"}
    report: dict[str, Any] = {**opslib.header(),
                              "database": "postgresql" if database_url else "sqlite"}
    with opslib.scratch("termserver-bench-authoring-") as work:
        data = work / "data"
        shutil.copytree(opslib.data_dir("small"), data)
        tokens = make_team(data, database_url)
        env = {"TERMSERVER_DATABASE_URL": database_url} if database_url else {}
        server = opslib.Server(data, work / "server.log", extra_env=env)
        server.start()
        try:
            from termserver.store import Store

            codes = list(Store.open(data).latest(SCHEME).concepts)
            random.Random(args.seed).shuffle(codes)
            if "editors" in only:
                report["editors"] = bench_editors(server.base, tokens, codes, args.seconds,
                                                  data, database_url)
            if "publish" in only:
                report["publish"] = bench_publish(server.base, tokens, codes)
            if "kill" in only:
                report["kill"] = bench_kill(server, tokens, codes, args.tries, args.seed)
        finally:
            server.stop()
    report["loadavg_end"] = opslib.loadavg()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma list of editors,publish,kill")
    parser.add_argument("--seconds", type=float, default=20.0, help="editing time")
    parser.add_argument("--tries", type=int, default=10, help="kill -9 tries")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--postgres", action="store_true",
                        help="store authoring state in a throwaway PostgreSQL cluster")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    if args.postgres:
        with Postgres() as url:
            report = run(args, url)
    else:
        report = run(args, None)
    path = opslib.write_result(f"authoring-{report['database']}", report)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    print(f"{report['date']}  {report['machine']}  code {report['code']}  "
          f"database {report['database']}")
    for name in ("editors", "publish", "kill"):
        if name in report:
            part = report[name]
            verdict = "PASS" if part.get("pass") else "FAIL"
            shown = {k: v for k, v in part.items() if k != "pass"}
            print(f"{name:8} {verdict}  {json.dumps(shown, ensure_ascii=False)}")
    print(f"written to {path.relative_to(opslib.REPO)}")


if __name__ == "__main__":
    main()
