"""Writes that either happen completely or not at all.

A publish or reindex that crashes half-way must leave the previous state readable:
files are written under a temporary name in the same directory, flushed to disk, and
renamed into place (rename is atomic on POSIX within one file system).

Scratch files and directories are created private (mkstemp/mkdtemp give 0600/0700) and
opened up to what the process umask allows before they become visible, so a service
account other than the importer can read what the importer published.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

_umask_lock = threading.Lock()
_umask_value: int | None = None


def umask() -> int:
    """The process umask (read once: reading it means setting it, briefly)."""
    global _umask_value
    with _umask_lock:
        if _umask_value is None:
            _umask_value = os.umask(0o022)
            os.umask(_umask_value)
        return _umask_value


def publish_mode(path: Path | str, *, directory: bool) -> None:
    """Give a scratch file or directory the mode a plain create would have given it."""
    os.chmod(path, (0o777 if directory else 0o666) & ~umask())


def is_writable(directory: Path) -> bool:
    """Can this process write here? False on a read-only mount (a replica's data
    directory) or a directory owned by another account."""
    probe = Path(directory)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return os.access(probe, os.W_OK)


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        publish_mode(tmp, directory=False)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def staging_dir(parent: Path, prefix: str = ".staging-") -> Iterator[Path]:
    """A scratch directory beside its final place; removed unless it was renamed away."""
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    publish_mode(path, directory=True)
    try:
        yield path
    finally:
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_staging(parent: Path, prefix: str = ".staging-") -> None:
    """Clear scratch directories a crashed writer left behind (they were never visible)."""
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        if entry.name.startswith(prefix) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """One writer at a time per data directory (readers never need it): publishing,
    reindexing and the rebuild of a stale index on open all take it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def writer_active(data_dir: Path) -> bool:
    """Is a writer (import, reindex, repair) holding the data directory's lock now?

    Asked without waiting and through a read-only handle, so a replica on a read-only
    mount can ask too; a directory that never had a writer has no lock file: False.
    """
    try:
        handle = open(Path(data_dir) / ".lock")  # noqa: SIM115 - closed below
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
