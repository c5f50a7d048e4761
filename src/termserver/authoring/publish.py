"""Publishing an approved draft: a new immutable release, its search entries, its notes.

The steps, and why in this order:

1. In one read: the draft is approved, its newest check passed at its current revision,
   and its base is still the scheme's newest release on disk (the data directory, not this
   process's store, which a reload refreshes only every few seconds). Otherwise 409, saying
   what to do (check, review, `rebase`).
2. The release is the draft's content under the new version (given, or the scheme's next
   `YYYY.N`), with Danish release notes made from its diff against the base. It names the
   draft it came from (`extra["draft"]`).
3. `publishing.publish_releases` writes it and its index as an import does (atomically,
   under the data directory's lock). Running servers load it at their next reload check.
4. One transaction marks the draft published and writes the audit entry.

A crash between 3 and 4 leaves the release published and the draft approved: publishing
the draft again finds the release that names it and only finishes step 4, so the draft
is never published twice and never stuck.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from ..errors import BadRequest, TermserverError
from ..model import Release
from ..publishing import publish_releases
from ..releases import ReleaseRepository, version_from_dir
from ..settings import Settings
from ..store import Store
from ..versions import version_key
from . import checks
from .db import AuthoringDB
from .drafts import APPROVED, Conflict, DraftContent, content, draft_body, find, load, revision
from .models import utcnow
from .permissions import Actor
from .release_notes import release_notes
from .workflow import PUBLISHED
from .writes import authorize, write

DRAFT_KEY = "draft"
"""`ReleaseInfo.extra` key naming the draft a release was published from."""
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-_~]{0,63}")
_YEARLY = re.compile(r"(\d{4})\.(\d+)")


class VersionTaken(Conflict):
    code = "version-exists"


def next_version(published: list[str], today: dt.date) -> str:
    """The scheme's next version by our rule: the year, a dot, the year's release count."""
    counts = [int(m.group(2)) for v in published
              if (m := _YEARLY.fullmatch(v)) and int(m.group(1)) == today.year]
    return f"{today.year}.{max(counts, default=0) + 1}"


def publish(db: AuthoringDB, settings: Settings, store: Store, actor: Actor, draft_id: int,
            version: Any = None) -> dict[str, Any]:
    """Publish an approved draft as a new release of its scheme (see the module's steps)."""
    draft, edits = load(db, draft_id)
    target = f"draft {draft_id}"
    authorize(db, actor, "draft.publish", draft.scheme, target=target)
    repository = ReleaseRepository(settings.data_dir)
    on_disk = versions_on_disk(repository, draft.scheme)
    earlier = _published_from(repository, draft.scheme, on_disk, draft_id)
    if draft.status == PUBLISHED:
        raise Conflict(f"Draft {draft_id} is published already (version "
                       f"{earlier or '?'}).", details={"draft": draft_id, "version": earlier})
    if draft.status != APPROVED:
        raise Conflict(f"Draft {draft_id} is {draft.status}: only an approved draft is "
                       "published. Submit it for review and have a reviewer approve it.",
                       details={"draft": draft_id, "status": draft.status})
    _require_passing_check(db, draft_id, revision(edits))
    now = content(store, draft, edits)
    if earlier is None:
        _require_current_base(draft.scheme, draft.base_version, on_disk, draft_id)
        chosen = _chosen_version(version, on_disk)
        release = _release(now, chosen, draft_id, draft.title, actor)
        publish_releases(settings, [release])
        earlier = chosen
        notes = release.info.extra["release_notes"]
    else:  # published before a crash: finish the bookkeeping only
        notes = (repository.info(draft.scheme, earlier) or _missing(earlier)).extra.get(
            "release_notes", "")
    with write(db, actor, "draft.publish", draft.scheme, target=target) as change:
        row = find(change.session, draft_id)
        row.status = PUBLISHED
        row.updated_at = utcnow()
        change.detail = {"draft": draft_id, "version": earlier, "base": draft.base_version,
                         "revision": revision(edits), "release_notes": notes}
        body = draft_body(row, list(row.edits))
    base = draft.base_version
    changes = (f"/api/v1/schemes/{draft.scheme}/diff?from={base}&to={earlier}" if base
               else f"/api/v1/schemes/{draft.scheme}")
    return {**body, "version": earlier, "release_notes": notes, "changes": changes}


def published_version(settings: Settings, scheme: str, draft_id: int) -> str | None:
    """The version a draft was published as, read from the releases on disk."""
    repository = ReleaseRepository(settings.data_dir)
    return _published_from(repository, scheme, versions_on_disk(repository, scheme), draft_id)


def versions_on_disk(repository: ReleaseRepository, scheme: str) -> list[str]:
    """The scheme's published versions as the data directory has them right now (a
    server's store catches up only at its next reload check)."""
    pairs = (version_from_dir(path) for path in repository.iter_release_dirs())
    return [version for owner, version in pairs if owner == scheme]


def _published_from(repository: ReleaseRepository, scheme: str, versions: list[str],
                    draft_id: int) -> str | None:
    for version in versions:
        info = repository.info(scheme, version)
        if info is not None and info.extra.get(DRAFT_KEY) == str(draft_id):
            return version
    return None


def _require_passing_check(db: AuthoringDB, draft_id: int, current: int) -> None:
    with db.read() as session:
        stored = checks.newest(session, draft_id)
        if stored is None or stored.revision != current or not stored.passed:
            why = ("has not been checked" if stored is None
                   else "was changed after its last check" if stored.revision != current
                   else f"failed its last check ({stored.errors} errors)")
            raise Conflict(f"Draft {draft_id} {why}: publishing needs a passing check at the "
                           f"draft's current revision. Run `termserver draft check "
                           f"{draft_id}` (POST /api/v1/drafts/{draft_id}/check).",
                           details={"draft": draft_id, "revision": current})


def _require_current_base(scheme: str, base: str | None, on_disk: list[str],
                          draft_id: int) -> None:
    newest = max(on_disk, key=version_key) if on_disk else None
    if newest != base:
        raise Conflict(
            f"{scheme} has a newer release ({newest}) than this draft's base "
            f"({base or 'none: a new scheme'}): another draft was published meanwhile. "
            f"Rebase the draft onto {newest} (`termserver draft rebase {draft_id}`, POST "
            f"/api/v1/drafts/{draft_id}/rebase), resolve any conflicts, check it and have it "
            "reviewed again.",
            details={"draft": draft_id, "base": base, "latest": newest})


def _chosen_version(version: Any, on_disk: list[str]) -> str:
    if version is None or version == "":
        return next_version(on_disk, dt.date.today())
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise BadRequest("version: letters, digits and . - _ ~ only, starting with a letter "
                         "or digit, at most 64 characters, e.g. 2026.3; or leave it out for "
                         "the scheme's next version.", details={"version": version})
    if version in on_disk:
        raise VersionTaken(f"Version {version} is published already, and a published "
                           "release never changes. Choose another version, or leave it out "
                           f"for the next one ({next_version(on_disk, dt.date.today())}).",
                           details={"version": version})
    return version


def _release(now: DraftContent, version: str, draft_id: int, title: str,
             actor: Actor) -> Release:
    draft_release = now.release()
    issued = dt.date.today().isoformat()
    info = dataclasses.replace(
        now.base.info, version=version, status="active", issued=issued,
        source=f"draft {draft_id}", source_format="authoring", checksum="",
        imported_at="", extra=dict(now.base.info.extra))
    if not info.title:
        info.title = title
    release = Release(info=info, concepts=draft_release.concepts,
                      mappings=draft_release.mappings, top_concepts=draft_release.top_concepts)
    release.index_hierarchy()
    info.extra[DRAFT_KEY] = str(draft_id)
    info.extra["release_notes"] = release_notes(now.base, release, draft_id, title,
                                                actor.name or "")
    return release


def _missing(version: str) -> Any:
    raise TermserverError(f"Release {version} vanished while it was being published.")

