"""Is a data directory fit to serve? Every release's checksum, and its search index.

The pre-flight check for a replica (`termserver check-data`): releases are copied or
mounted from elsewhere, so a truncated file or a release without its index must be
found before a load balancer sends traffic, not by the first caseworker. Nothing here
writes: it is safe on a read-only mount and beside a running server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from . import atomic
from .errors import TermserverError
from .model import Release, ReleaseInfo
from .releases import ReleaseRepository, release_from_json, version_from_dir
from .resources import ResourceRepository, check_dir
from .resources import version_from_dir as resource_dir_name
from .search import generations, get_backend
from .store import Store


@dataclass(slots=True)
class ReleaseCheck:
    scheme: str
    version: str
    path: str
    problem: str | None = None


@dataclass(slots=True)
class ResourceCheck:
    """A published value set or concept map (`resources/`)."""

    name: str
    path: str
    problem: str | None = None


@dataclass(slots=True)
class DataCheck:
    data_dir: str
    backend: str
    releases: list[ReleaseCheck] = field(default_factory=list)
    resources: list[ResourceCheck] = field(default_factory=list)
    index_status: str = generations.MISSING
    index_problem: str | None = None

    @property
    def ok(self) -> bool:
        return (all(r.problem is None for r in [*self.releases, *self.resources])
                and self.index_status == generations.CURRENT and self.index_problem is None)

    def as_dict(self) -> dict:
        return {
            "data_dir": self.data_dir,
            "ok": self.ok,
            "releases": [{"scheme": r.scheme, "version": r.version, "path": r.path,
                          "ok": r.problem is None, "problem": r.problem}
                         for r in self.releases],
            "resources": [{"name": r.name, "path": r.path, "ok": r.problem is None,
                           "problem": r.problem} for r in self.resources],
            "index": {"backend": self.backend, "status": self.index_status,
                      "problem": self.index_problem},
        }


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_release(directory: Path) -> tuple[ReleaseCheck, Release | None]:
    scheme, version = version_from_dir(directory)
    check = ReleaseCheck(scheme, version, str(directory))
    try:
        info = ReleaseInfo(**orjson.loads((directory / "meta.json").read_bytes()))
        actual = _file_sha256(directory / "release.nt")
        if actual != info.checksum:
            check.problem = (f"release.nt has checksum {actual[:12]}…, but the release was "
                             f"published with {info.checksum[:12]}…: the file was changed "
                             "or damaged; restore the release directory from a backup")
            return check, None
        release = release_from_json((directory / "release.json").read_bytes())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        where = getattr(exc, "filename", None) or directory
        check.problem = (f"{where}: cannot be read ({type(exc).__name__}: {str(exc)[:200]}); "
                         "restore the release directory from a backup or import it again")
        return check, None
    if (release.scheme, release.version) != (info.scheme, info.version):
        check.problem = (f"release.json holds {release.scheme} {release.version}, meta.json "
                         f"{info.scheme} {info.version}; restore the directory from a backup")
        return check, None
    return check, release


def check_data_dir(data_dir: Path, backend: str,
                   progress: Callable[[int, int, str], None] | None = None) -> DataCheck:
    """Check every published release and the index generation in use."""
    result = DataCheck(str(data_dir), backend)
    directories = list(ReleaseRepository(data_dir).iter_release_dirs())
    loaded: list[Release] = []
    for number, directory in enumerate(directories, 1):
        if progress is not None:
            progress(number, len(directories), directory.relative_to(data_dir).as_posix())
        check, release = _check_release(directory)
        result.releases.append(check)
        if release is not None:
            loaded.append(release)
    for directory in ResourceRepository(data_dir).iter_dirs():
        kind, url, version = resource_dir_name(directory)
        result.resources.append(ResourceCheck(f"{kind} {url}|{version}", str(directory),
                                              check_dir(directory)))
    infos = [r.info for r in loaded]
    found = generations.current(data_dir, backend, infos)
    result.index_status = found.status
    if found.status != generations.CURRENT:
        result.index_problem = (found.describe() + ". Run `termserver reindex` where the "
                                "data directory is writable.")
        return result
    if len(loaded) != len(directories):
        return result  # the damaged releases are reported; the index cannot be opened
    result.index_problem = _open_problem(found.directory, backend, loaded)
    return result


def _open_problem(directory: Path | None, backend: str, releases: list[Release]) -> str | None:
    """Open the generation the way a server does and ask it one question."""
    assert directory is not None
    try:
        if backend == "tantivy" and not atomic.is_writable(directory):
            directory = generations.private_copy(directory)
        store = Store(releases)
        index = get_backend(backend).open(store, directory)
        probe = next((c.label() for r in store.latest_releases() for c in r.concepts.values()
                      if c.label()), None)
        if probe is not None:
            index.search(probe[:100], limit=1)
    except (OSError, ValueError, KeyError, TypeError, TermserverError) as exc:
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {str(exc)[:200]}"
        return (f"the index in {directory} cannot be opened ({message}). Run "
                "`termserver reindex` where the data directory is writable.")
    return None
