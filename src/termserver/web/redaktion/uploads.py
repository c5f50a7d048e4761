"""Uploaded bulk-edit files kept on the server between the preview and the confirmation.

The bulk page previews a file (a dry run) and applies it only when the user confirms. The
file is not sent twice and its path never comes from the browser: it is kept in a
directory of its own under the server's temporary directory, named by a random id, with a
note of the login (web session id) and draft it belongs to. The confirmation names only
the id; another login, another draft or an expired id finds nothing. A file is deleted once
it is applied or refused, and any older than `MAX_AGE` whenever a new one is kept.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT_NAME = "termserver-uploads"
MAX_AGE = 60 * 60
"""Seconds an uploaded file waits for its confirmation."""
SUFFIXES = (".csv", ".xlsx", ".ttl", ".turtle", ".nt")
_ID = re.compile(r"[A-Za-z0-9_-]{20,64}")
_UNSAFE = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class Upload:
    id: str
    path: Path
    """The file, under its (cleaned) original name: the reports name it."""
    session: int
    draft: int


def root() -> Path:
    folder = Path(tempfile.gettempdir()) / ROOT_NAME
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def safe_name(filename: str) -> str | None:
    """The uploaded file's name as kept (letters, digits, . - _), or None if its suffix
    is not one a bulk edit reads."""
    name = _UNSAFE.sub("_", Path(filename.replace("\\", "/")).name).strip("._")[-100:]
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return None
    return name if Path(name).stem else f"ark{suffix}"


def keep(data: bytes, name: str, session: int, draft: int) -> Upload:
    """Store the file for `session` and `draft`; old uploads are swept first."""
    sweep()
    upload_id = secrets.token_urlsafe(24)
    folder = root() / upload_id
    folder.mkdir(mode=0o700)
    path = folder / name
    path.write_bytes(data)
    (folder / "upload.json").write_text(json.dumps({"session": session, "draft": draft,
                                                    "name": name, "at": time.time()}))
    return Upload(upload_id, path, session, draft)


def find(upload_id: str, session: int, draft: int) -> Upload | None:
    """The kept upload with this id, if it belongs to this login (`session`, the web
    session's id) and draft and has not expired."""
    if not _ID.fullmatch(upload_id or ""):
        return None
    folder = root() / upload_id
    try:
        note = json.loads((folder / "upload.json").read_text())
    except (OSError, ValueError):
        return None
    if note.get("session") != session or note.get("draft") != draft:
        return None
    if time.time() - float(note.get("at", 0)) > MAX_AGE:
        discard(upload_id)
        return None
    path = folder / str(note.get("name", ""))
    if path.parent != folder or not path.is_file():
        return None
    return Upload(upload_id, path, session, draft)


def discard(upload_id: str) -> None:
    if _ID.fullmatch(upload_id or ""):
        shutil.rmtree(root() / upload_id, ignore_errors=True)


def sweep(now: float | None = None) -> None:
    """Delete uploads older than `MAX_AGE` (never confirmed)."""
    now = time.time() if now is None else now
    for folder in root().iterdir():
        try:
            at = float(json.loads((folder / "upload.json").read_text()).get("at", 0))
        except (OSError, ValueError):  # being written, or a stray file: judge by its age
            try:
                at = folder.stat().st_mtime
            except OSError:  # deleted meanwhile (another server sweeping)
                continue
        if now - at > MAX_AGE:
            shutil.rmtree(folder, ignore_errors=True)
