"""Rebase: carry a draft over to the scheme's newest release after another was published.

Three states of every concept the draft changed are compared, field by field: the old
base's, the draft's and the new base's. A field only the draft changed keeps the draft's
value; a field only the other release changed takes the new value; a field both changed,
differently, is a conflict. So is a concept one side deleted (or renamed away) and the
other changed, and a code both created. Conflicts are never settled silently: the rebase
is refused with the list, and is repeated with a resolution per conflict (`ours` or
`theirs`; for a whole concept, field `*`).

A rebase is an edit of the draft: it records each merged concept as an edit and a
`rebase` edit naming the new base, so the draft's revision moves on, its check goes stale
and an approved draft goes back to review, as after any other edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..errors import BadRequest, Overloaded
from ..model import Release
from ..releases import ReleaseRepository
from ..settings import Settings
from ..store import Store
from ..versions import version_key
from .concepts import State
from .db import AuthoringDB
from .drafts import (
    REBASED,
    Conflict,
    DraftContent,
    _back_to_work,
    _for_writing,
    base_release,
    content,
    draft_body,
    load,
)
from .models import Draft, DraftEdit, utcnow
from .permissions import Actor
from .publish import versions_on_disk
from .writes import write

WHOLE = "*"
"""The `field` of a conflict about a whole concept (deleted on one side, changed on the
other, or created on both)."""
_SIDES = ("ours", "theirs")


@dataclass(slots=True)
class FieldConflict:
    code: str
    field: str
    base: Any
    ours: Any
    theirs: Any

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "base": self.base,
                "ours": self.ours, "theirs": self.theirs}


class RebaseConflicts(Conflict):
    code = "rebase-conflicts"


def rebase(db: AuthoringDB, settings: Settings, store: Store, actor: Actor, draft_id: int,
           resolutions: Any = None) -> dict[str, Any]:
    """Move the draft onto its scheme's newest release, merging as the module says."""
    chosen = _resolutions(resolutions)
    draft, edits = load(db, draft_id)
    target = f"draft {draft_id}"
    newest = _newest_on_disk(settings, draft.scheme)
    if newest is None or newest == draft.base_version:
        raise Conflict(f"Draft {draft_id} is based on {draft.scheme} "
                       f"{draft.base_version or '(new scheme)'}, the newest release: there "
                       "is nothing to rebase onto.",
                       details={"draft": draft_id, "base": draft.base_version})
    if newest not in {r.version for r in store.versions(draft.scheme)}:
        raise Overloaded(f"{draft.scheme} {newest} is published but not loaded by this "
                         "server yet; send the request again in a few seconds.",
                         retry_after=max(1, round(settings.reload_interval)),
                         details={"version": newest})
    old_base = base_release(store, draft)
    new_base = store.published(store.release(draft.scheme, newest))
    ours = content(store, draft, edits).changed
    merged, conflicts = merge(ours, _states(old_base), _states(new_base))
    unresolved = [c for c in conflicts if (c.code, c.field) not in chosen]
    if unresolved:
        raise RebaseConflicts(
            f"Rebasing draft {draft_id} onto {draft.scheme} {newest}: {len(unresolved)} "
            "change(s) of the draft collide with the newer release (both changed the same "
            "field of the same concept). Nothing was changed. Repeat the rebase with a "
            "resolution for each, e.g. {\"resolutions\": {\"CODE\": {\"FIELD\": \"ours\"}}} "
            "(`termserver draft rebase ID --take CODE:FIELD=ours`); the field * stands for "
            "the whole concept.",
            details={"draft": draft_id, "onto": newest,
                     "conflicts": [c.body() for c in unresolved]})
    for conflict in conflicts:
        _settle(merged, conflict, chosen[(conflict.code, conflict.field)])
    with write(db, actor, "draft.rebase", draft.scheme, target=target) as change:
        row, _now = _for_writing(change.session, store, draft_id)
        before = row.base_version
        row.base_version = newest
        marker = _record_rebase(change.session, row, actor, ours, merged, before, newest)
        change.detail = {"draft": draft_id, "base": {"before": before, "after": newest},
                         "edit": marker.id,
                         "resolved": [{**c.body(), "took": chosen[(c.code, c.field)]}
                                      for c in conflicts]}
        return {**draft_body(row, list(row.edits)), "rebased": change.detail}


def _record_rebase(session: Session, draft: Draft, actor: Actor,
                   ours: dict[str, State | None], merged: dict[str, State | None],
                   before: str | None, onto: str) -> DraftEdit:
    """An edit per concept the merge changed, then the marker naming the new base; the
    draft goes back to work once (as after one edit), not once per concept."""
    at = utcnow()
    for code, after in merged.items():
        if after != ours.get(code):
            session.add(DraftEdit(draft=draft, code=code, kind=REBASED, author=actor.name or "",
                                  at=at, comment=f"rebase onto {onto}", before=ours.get(code),
                                  after=after))
    marker = DraftEdit(draft=draft, code="", kind=REBASED, author=actor.name or "", at=at,
                       comment=f"rebased from {before or '(new scheme)'} onto {onto}")
    session.add(marker)
    draft.updated_at = at
    session.flush()
    _back_to_work(session, draft, actor, marker)
    return marker


def merge(ours: dict[str, State | None], old: dict[str, State], new: dict[str, State]
          ) -> tuple[dict[str, State | None], list[FieldConflict]]:
    """The draft's changed concepts after a three-way merge, and what collided."""
    merged: dict[str, State | None] = {}
    conflicts: list[FieldConflict] = []
    for code, mine in ours.items():
        was, theirs = old.get(code), new.get(code)
        if was == theirs or mine == theirs:
            merged[code] = mine
        elif mine is None or theirs is None or was is None:
            merged[code] = mine
            conflicts.append(FieldConflict(code, WHOLE, was, mine, theirs))
        else:
            state = dict(mine)
            for field, value in mine.items():
                base_value, their_value = was.get(field), theirs.get(field)
                if their_value == base_value or value == their_value:
                    continue
                if value == base_value:
                    state[field] = their_value
                else:
                    conflicts.append(FieldConflict(code, field, base_value, value,
                                                   their_value))
            merged[code] = state
    return merged, conflicts


def _settle(merged: dict[str, State | None], conflict: FieldConflict, side: str) -> None:
    if side == "ours":
        return
    if conflict.field == WHOLE:
        merged[conflict.code] = conflict.theirs
    else:
        state = merged[conflict.code]
        assert state is not None  # a field conflict is between two states
        state[conflict.field] = conflict.theirs


def _states(release: Release) -> dict[str, State]:
    """Every concept of a release as a draft stores it (the release read as a draft base)."""
    base = DraftContent(0, release)
    return {code: base.state(code) for code in release.concepts}  # type: ignore[misc]


def _newest_on_disk(settings: Settings, scheme: str) -> str | None:
    versions = versions_on_disk(ReleaseRepository(settings.data_dir), scheme)
    return max(versions, key=version_key) if versions else None


def _resolutions(value: Any) -> dict[tuple[str, str], str]:
    if value is None:
        return {}
    problem = BadRequest("resolutions: an object of concept codes, each an object of field "
                         "names (or *) to \"ours\" or \"theirs\", e.g. "
                         "{\"d450\": {\"labels\": \"theirs\"}}.", details={"resolutions": value})
    if not isinstance(value, dict):
        raise problem
    chosen: dict[tuple[str, str], str] = {}
    for code, fields in value.items():
        if not isinstance(fields, dict):
            raise problem
        for field, side in fields.items():
            if side not in _SIDES:
                raise problem
            chosen[(str(code), str(field))] = side
    return chosen
