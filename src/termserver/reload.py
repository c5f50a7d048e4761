"""A serving process picks up newly published releases without a restart.

Every `reload_interval` seconds a background thread compares a cheap fingerprint of the
data directory (the release directories and the index generation `CURRENT` names) with
the one it loaded. When they differ it loads a complete new `Services` — store and search
index together — beside the one in service and swaps the app's reference between
requests; a request keeps the `Services` it started with. Releases are only ever added,
so a directory that lost releases in service (unmounted, deleted, an older backup put
back) is not loaded: the process keeps serving and reports why on /readyz and /metrics.
While an importer still holds the data directory's lock (its release is on disk, its
index not yet) the reloader waits, so a reader never sees a release that search does not
know.

Replicas over one data directory each reload on their own: none of them needs to be told.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import atomic
from .releases import ReleaseRepository
from .resources import fingerprint_names
from .search import generations
from .services import Services, open_services
from .settings import Settings

log = logging.getLogger(__name__)

CLOSE_AFTER = 60.0
"""Seconds a replaced Services stays usable for the requests that still hold it."""


def fingerprint(settings: Settings) -> tuple:
    """What changes when anything is published (releases, value sets, concept maps) or
    reindexed; a few `stat`s and reads."""
    found = [f"{path.parent.name}/{path.name}"
             for path in ReleaseRepository(settings.data_dir).iter_release_dirs()]
    found += [f"resources/{name}" for name in fingerprint_names(settings.data_dir)]
    pointer = generations.root(settings.data_dir, settings.search_backend) / "CURRENT"
    try:
        current = pointer.read_text().strip()
    except OSError:
        current = ""
    return tuple(found), current


@dataclass
class ReloadStatus:
    """What /readyz and /metrics report about reloading."""

    reloads: int = 0
    last_reload: float | None = None
    last_error: str | None = None
    checked_at: float | None = None


class Reloader:
    """Keeps `holder.services` in step with the data directory.

    `holder` is anything with a `services` attribute: the FastAPI app's `state`.
    """

    def __init__(self, holder: Any, settings: Settings, loaded: tuple | None = None,
                 open_new: Callable[[Settings], Services] = open_services) -> None:
        """`loaded` is the fingerprint taken *before* the services in service were opened,
        so that a release published while they loaded is not missed."""
        self._holder = holder
        self._settings = settings
        self._open_new = open_new
        self._loaded = loaded if loaded is not None else fingerprint(settings)
        self._failed: tuple | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.status = ReloadStatus()

    def start(self) -> None:
        if self._settings.reload_interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="termserver-reload",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._settings.reload_interval):
            try:
                self.check()
            except Exception:  # never let the thread die: the next check may succeed
                log.exception("reloading %s failed", self._settings.data_dir)

    def check(self) -> bool:
        """Load and swap in new releases if there are any; True when it swapped."""
        self.status.checked_at = time.time()
        now = fingerprint(self._settings)
        if now == self._loaded or now == self._failed:
            return False
        if atomic.writer_active(self._settings.data_dir):
            return False  # an import or reindex is under way: load its finished result
        gone = sorted(set(self._loaded[0]) - set(now[0]))
        if gone:
            self._refuse(now, f"{len(gone)} release(s) in service are gone from "
                         f"{self._settings.data_dir} (e.g. releases/{gone[0]}). Published "
                         "releases are never removed by termserver, so the directory was "
                         "changed outside it (unmounted, deleted, restored from an older "
                         "backup): still serving what was loaded. Restart the server if the "
                         "removal was intended.")
            return False
        try:
            fresh = self._open_new(self._settings)
            _ = fresh.search  # store and index together, or not at all
        except Exception as exc:
            self._refuse(now, "new releases could not be loaded; still serving the ones "
                         f"loaded before: {getattr(exc, 'message', None) or exc}")
            return False
        self._swap(fresh, now)
        return True

    def _refuse(self, now: tuple, why: str) -> None:
        """Keep what is in service; say why once per state of the data directory."""
        self._failed = now
        self.status.last_error = why
        log.error("%s: %s", self._settings.data_dir, why)

    def _swap(self, fresh: Services, now: tuple) -> None:
        old = getattr(self._holder, "services", None)
        self._holder.services = fresh
        self._loaded, self._failed = now, None
        self.status.reloads += 1
        self.status.last_reload = time.time()
        self.status.last_error = None
        count = sum(1 for _ in fresh.store.releases())
        log.warning("loaded %d releases from %s (reload %d)", count, self._settings.data_dir,
                    self.status.reloads)
        # as at start: the new store's long-lived objects out of the collector's walks
        gc.collect()
        gc.freeze()
        close = getattr(old, "close", None)
        if close is not None:
            timer = threading.Timer(CLOSE_AFTER, close)
            timer.daemon = True
            timer.start()
