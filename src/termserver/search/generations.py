"""Index generations on disk, and whether one covers exactly the published releases.

`<data_dir>/index/<backend>/<generation>/` holds one complete index; `CURRENT` names the
generation in use. Each generation carries a manifest of the releases it was built from
(scheme, version, checksum). Publishing writes the release first and its index second, so
a crash in between (or a full disk) leaves a release that search does not know; comparing
the manifest with the releases on disk is how every reader notices that and how a
writer knows to repair it, instead of trusting that the last import finished.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import atomic
from ..model import ReleaseInfo
from . import documents

MANIFEST_FILE = "releases.json"

CURRENT = "current"
"""The generation in use covers every published release."""
MISSING = "missing"
"""No index yet (a fresh data directory)."""
OUTDATED = "outdated"
"""Built by an older analysis (an upgraded termserver)."""
STALE = "stale"
"""Built, but not from the releases published now (an interrupted import)."""


@dataclass(slots=True)
class Generation:
    """The generation in use and how it relates to the published releases."""

    status: str
    directory: Path | None
    missing: list[str]
    """Releases published but not in the index, as `scheme@version`."""
    extra: list[str]
    """Releases in the index that are no longer (or not yet) published."""

    def describe(self) -> str:
        if self.status == MISSING:
            return "no search index has been built yet"
        if self.status == OUTDATED:
            return "the search index was built by an older termserver"
        if self.status == STALE:
            parts = []
            if self.missing:
                parts.append(f"it lacks {', '.join(self.missing[:5])}"
                             + (f" and {len(self.missing) - 5} more" if len(self.missing) > 5
                                else ""))
            if self.extra:
                parts.append(f"it has {', '.join(self.extra[:5])}, which is not published")
            return "the search index does not match the published releases: " + \
                "; ".join(parts)
        return "the search index covers every published release"


def root(data_dir: Path, backend: str) -> Path:
    return Path(data_dir) / "index" / backend


def manifest_entries(infos: Iterable[ReleaseInfo]) -> list[list[str]]:
    return sorted([info.scheme, info.version, info.checksum] for info in infos)


def write_manifest(directory: Path, infos: Iterable[ReleaseInfo]) -> None:
    body = {"format": documents.FORMAT, "releases": manifest_entries(infos)}
    (Path(directory) / MANIFEST_FILE).write_text(json.dumps(body, ensure_ascii=False))


def _read_manifest(directory: Path) -> list[list[str]] | None:
    try:
        body = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        return [list(entry) for entry in body["releases"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def current(data_dir: Path, backend: str, infos: Iterable[ReleaseInfo]) -> Generation:
    """The generation `CURRENT` names, checked against the releases given."""
    base = root(data_dir, backend)
    pointer = base / "CURRENT"
    try:
        name = pointer.read_text().strip() if pointer.is_file() else ""
    except OSError:
        name = ""
    directory = base / name if name else None
    if directory is None or not directory.is_dir():
        return Generation(MISSING, None, [], [])
    if not documents.is_current(directory):
        return Generation(OUTDATED, directory, [], [])
    wanted = manifest_entries(infos)
    built = _read_manifest(directory)
    if built is None:  # from before generations listed their releases
        return Generation(OUTDATED, directory, [], [])
    if built == wanted:
        return Generation(CURRENT, directory, [], [])
    built_keys = {tuple(entry) for entry in built}
    wanted_keys = {tuple(entry) for entry in wanted}
    return Generation(
        STALE, directory,
        missing=[f"{s}@{v}" for s, v, _ in sorted(wanted_keys - built_keys)],
        extra=[f"{s}@{v}" for s, v, _ in sorted(built_keys - wanted_keys)],
    )


def open_up(directory: Path) -> None:
    """Give every file an engine wrote the umask's mode (tantivy writes some as 0600)."""
    for path in Path(directory).rglob("*"):
        atomic.publish_mode(path, directory=path.is_dir())


def private_copy(directory: Path) -> Path:
    """A copy of a generation in a private scratch directory, removed at exit.

    tantivy takes a lock file inside the index directory even to read it, which a
    read-only mount refuses; a replica reads its own copy instead (the KL and ICF index
    is about a megabyte).
    """
    target = Path(tempfile.mkdtemp(prefix="termserver-index-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    copy = target / directory.name
    shutil.copytree(directory, copy)
    return copy


def private_scratch() -> Path:
    """An empty private directory (removed at exit) to build an index a read-only data
    directory has no room for."""
    target = Path(tempfile.mkdtemp(prefix="termserver-index-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    return target
