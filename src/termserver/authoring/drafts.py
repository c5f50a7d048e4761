"""Drafts: named change sets of one scheme, and the concept edits inside them.

A draft starts from a published base release (default the latest) or from nothing, for a
new scheme. Its content is never stored whole: it is the base plus its edits, applied in
order (`DraftContent`), and `release()` materialises it as a `termserver.model.Release`
(version `draft-<id>`), so diffs now, and checks and publishing later, reuse the code
that handles published releases.

Every change goes through `writes.write`: the permission check, the edit row and its
audit entry commit together. Concept writes are conditional (`If-Match` with the ETag a
read gave, or `If-None-Match: *` to create); the condition is tested inside the write
transaction, which writers take one at a time, so two editors can never both win.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..bodies import diff_body
from ..diff import diff_releases
from ..errors import BadRequest, NotFound, TermserverError
from ..model import Mapping, Release, ReleaseInfo
from ..namespaces import concept_iri, parse_concept_iri, scheme_iri
from ..store import Store
from . import audit
from .concepts import (
    RETIREMENT_NOTE,
    State,
    concept_of,
    etag,
    mappings_of,
    state_from_body,
    state_of,
)
from .db import AuthoringDB
from .models import DRAFT_STATUSES, Draft, DraftEdit, utcnow
from .permissions import ACTIONS, OFFICIAL_SCHEMES, Actor, allows
from .writes import authorize, authorize_token, write

_SCHEME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
OPEN = "open"
IN_REVIEW = "in_review"
APPROVED = "approved"
EDITABLE = {OPEN: OPEN, IN_REVIEW: OPEN, APPROVED: IN_REVIEW}
"""The states that take edits, and where an edit sends the draft: an edit in review
withdraws the submission (the author checks and submits again), an edit after approval
sends the draft back to review (the approval was for what the reviewer saw)."""
REBASED = "rebase"
"""The kind of the edits a rebase records (`authoring.rebase`); they are not undone."""


class PreconditionFailed(TermserverError):
    """The `If-Match` ETag is stale (or `If-None-Match: *` met an existing concept)."""

    status_code = 412
    code = "precondition_failed"
    exit_code = 1

    def __init__(self, message: str, *, details: dict[str, Any], tag: str | None) -> None:
        super().__init__(message, details=details)
        self.headers = {"ETag": tag} if tag else {}


class PreconditionRequired(TermserverError):
    """A concept write without `If-Match` or `If-None-Match` (HTTP 428)."""

    status_code = 428
    code = "precondition_required"
    exit_code = 1


class Conflict(TermserverError):
    """The draft's state does not allow the change (closed draft, published concept)."""

    status_code = 409
    code = "conflict"
    exit_code = 1


# -- the draft's content --------------------------------------------------------------------
@dataclass
class DraftContent:
    """A draft's base release plus its edits: the state of every concept it changed."""

    draft_id: int
    base: Release
    changed: dict[str, State | None] = field(default_factory=dict)
    """Code → state after the edits (None: deleted, or renamed away)."""
    _by_source: dict[str, list[Mapping]] | None = None

    def apply(self, edit: DraftEdit) -> None:
        if edit.before is not None:
            self.changed[edit.before["code"]] = None
        if edit.after is not None:
            self.changed[edit.after["code"]] = edit.after

    def state(self, code: str) -> State | None:
        """The concept's current state, or None when the draft does not have it."""
        if code in self.changed:
            return self.changed[code]
        concept = self.base.concepts.get(code)
        if concept is None:
            return None
        return state_of(concept, self._base_mappings().get(concept.uri, []))

    def has(self, code: str) -> bool:
        return self.state(code) is not None

    def ref(self, code: str) -> dict[str, Any]:
        """{scheme, code, label} of a concept of the draft (label None if it has none)."""
        state = self.state(code)
        label = concept_of(state).label() if state is not None else None
        return {"scheme": self.base.scheme, "code": code, "label": label}

    def children(self, code: str) -> list[str]:
        """The draft's narrower concepts of `code`, in source order."""
        kids = [c for c in self.base.narrower.get(code, ()) if c not in self.changed]
        kids += [c for c, s in self.changed.items() if s is not None and code in s["broader"]]
        return sorted(kids, key=lambda c: (self.state(c) or {"order": 0})["order"])

    def next_order(self) -> int:
        orders = [c.order for c in self.base.concepts.values()]
        orders += [s["order"] for s in self.changed.values() if s is not None]
        return max(orders, default=0) + 1

    def release(self) -> Release:
        """The draft as a Release: base concepts, the changed ones replaced, and each
        changed concept's own mappings instead of the base's."""
        concepts = dict(self.base.concepts)
        replaced_uris = set()
        for code, state in self.changed.items():
            old = concepts.pop(code, None)
            if old is not None:
                replaced_uris.add(old.uri)
            if state is not None:
                replaced_uris.add(state["uri"])
        mappings = [m for m in self.base.mappings if m.source not in replaced_uris]
        for state in self.changed.values():
            if state is not None:
                concepts[state["code"]] = concept_of(state)
                mappings += mappings_of(state)
        info = dataclasses.replace(self.base.info, version=draft_version(self.draft_id),
                                   status="draft", checksum="", source="", imported_at="",
                                   issued=None)
        release = Release(info=info, concepts=concepts, mappings=mappings)
        release.index_hierarchy()
        return release

    def _base_mappings(self) -> dict[str, list[Mapping]]:
        if self._by_source is None:
            self._by_source = {}
            for m in self.base.mappings:
                self._by_source.setdefault(m.source, []).append(m)
        return self._by_source


def draft_version(draft_id: int) -> str:
    return f"draft-{draft_id}"


def base_release(store: Store, draft: Draft) -> Release:
    """The release the draft starts from, as published (without the labels overlays such
    as the search words add to the loaded view: they are another release's content and
    must not be copied into this one); an empty release for a new scheme."""
    if draft.base_version is not None:
        return store.published(store.release(draft.scheme, draft.base_version))
    info = ReleaseInfo(scheme=draft.scheme, version="", title=draft.title,
                       uri=scheme_iri(draft.scheme), status="draft")
    return Release(info=info, concepts={})


def content(store: Store, draft: Draft, edits: list[DraftEdit]) -> DraftContent:
    result = DraftContent(draft.id, base_release(store, draft))
    for edit in edits:
        result.apply(edit)
    return result


# -- drafts ---------------------------------------------------------------------------------
def create(db: AuthoringDB, store: Store, actor: Actor, scheme: Any, title: Any,
           base: Any = None) -> dict[str, Any]:
    """Open a draft of `scheme` from `base` (default the latest release), or of a new
    scheme when none is published under that id."""
    if not isinstance(scheme, str) or not _SCHEME.fullmatch(scheme):
        raise BadRequest("scheme: give a scheme id (lower-case letters, digits, . _ -), e.g. "
                         '"catalogue", or a new one to start a scheme.',
                         details={"field": "scheme"})
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        raise BadRequest('title: say what the draft is for in 1–200 characters, e.g. '
                         '"Nye ydelser 2027".', details={"field": "title"})
    if base is not None and not isinstance(base, str):
        raise BadRequest("base: a version string, e.g. \"2026.2\".", details={"field": "base"})
    with write(db, actor, "draft.create", scheme, target=scheme) as change:
        base_version = _base_version(store, scheme, base)
        draft = Draft(scheme=scheme, base_version=base_version, title=title.strip(),
                      status=OPEN, created_by=actor.name or "")
        change.session.add(draft)
        change.session.flush()
        change.target = f"draft {draft.id}"
        change.detail = {"after": {"draft": draft.id, "scheme": scheme, "base": base_version,
                                   "title": draft.title}}
        return draft_body(draft, [])


def _base_version(store: Store, scheme: str, base: str | None) -> str | None:
    if scheme not in store.schemes():
        if base is not None:
            raise NotFound(f"Scheme {scheme!r} has no published release, so there is no "
                           f"base {base!r}; leave base out to start a new scheme.",
                           details={"scheme": scheme, "base": base})
        if scheme in OFFICIAL_SCHEMES:
            raise BadRequest(f"{scheme} is an official scheme; import its publisher's "
                             "release first.", details={"scheme": scheme})
        return None
    return store.release(scheme, base).version


def list_drafts(db: AuthoringDB, actor: Actor, scheme: str | None = None,
                status: str | None = None) -> dict[str, Any]:
    """The drafts the actor may read (at least editor, reviewer or publisher on the
    scheme), newest first; filtering by a scheme the actor cannot read is refused."""
    if scheme is not None:
        authorize(db, actor, "draft.read", scheme)
    else:
        authorize_token(db, actor, "draft.read")
    if status is not None and status not in DRAFT_STATUSES:
        raise BadRequest(f"status: {status!r} is not a draft state; states are "
                         f"{', '.join(DRAFT_STATUSES)}.", details={"field": "status"})
    spec = ACTIONS["draft.read"]
    with db.read() as session:
        query = select(Draft).order_by(Draft.id.desc())
        if scheme is not None:
            query = query.where(Draft.scheme == scheme)
        if status is not None:
            query = query.where(Draft.status == status)
        drafts = [d for d in session.scalars(query) if allows(actor.grants, spec, d.scheme)]
        counts: dict[int, int] = {
            draft_id: count for draft_id, count in session.execute(
                select(DraftEdit.draft_id, func.count()).group_by(DraftEdit.draft_id)
                .where(DraftEdit.draft_id.in_([d.id for d in drafts])))}
        return {"drafts": [draft_body(d, counts.get(d.id, 0)) for d in drafts]}


def load(db: AuthoringDB, draft_id: int) -> tuple[Draft, list[DraftEdit]]:
    """A draft and its edits, detached from the session; the caller authorizes."""
    with db.read() as session:
        draft = find(session, draft_id)
        edits = list(draft.edits)
        session.expunge_all()
    return draft, edits


def open_draft(db: AuthoringDB, actor: Actor, draft_id: int) -> tuple[Draft, list[DraftEdit]]:
    """A draft and its edits, for reading (detached from the session)."""
    draft, edits = load(db, draft_id)
    authorize(db, actor, "draft.read", draft.scheme, target=f"draft {draft_id}")
    return draft, edits


def show(db: AuthoringDB, actor: Actor, draft_id: int) -> dict[str, Any]:
    draft, edits = open_draft(db, actor, draft_id)
    return draft_body(draft, edits)


def diff(db: AuthoringDB, store: Store, actor: Actor, draft_id: int) -> dict[str, Any]:
    """What the draft changes against its base, in the release diff's shape."""
    draft, edits = open_draft(db, actor, draft_id)
    now = content(store, draft, edits)
    return diff_body(diff_releases(now.base, now.release()))


def revision(edits: list[DraftEdit]) -> int:
    """The draft's edit revision: the id of its newest edit, 0 before the first.

    Edits are only ever added (an undo is an edit too), so the revision grows with every
    change and names the exact content a check or a review saw."""
    return max((e.id for e in edits), default=0)


def draft_body(draft: Draft, edits: list[DraftEdit] | int) -> dict[str, Any]:
    """The draft; with its edits (and revision) when given them, else (listings) only
    their number."""
    body: dict[str, Any] = {
        "id": draft.id, "scheme": draft.scheme, "base": draft.base_version,
        "version": draft_version(draft.id), "title": draft.title, "status": draft.status,
        "created_by": draft.created_by, "created_at": audit.iso(draft.created_at),
        "updated_at": audit.iso(draft.updated_at),
        "edit_count": edits if isinstance(edits, int) else len(edits)}
    if not isinstance(edits, int):
        body["revision"] = revision(edits)
        undone = {e.undoes: e.id for e in edits if e.undoes is not None}
        body["edits"] = [{"id": e.id, "code": e.code, "kind": e.kind, "author": e.author,
                          "at": audit.iso(e.at), "comment": e.comment, "undoes": e.undoes,
                          "undone_by": undone.get(e.id)} for e in edits]
    return body


def find(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"No draft {draft_id}. List drafts with GET /api/v1/drafts or "
                       "`termserver draft list`.", details={"draft": draft_id})
    return draft


def scheme_of(db: AuthoringDB, draft_id: int) -> str:
    with db.read() as session:
        return find(session, draft_id).scheme


# -- concepts in a draft --------------------------------------------------------------------
@dataclass
class ConceptAnswer:
    body: dict[str, Any]
    etag: str
    created: bool = False


def read_concept(db: AuthoringDB, store: Store, actor: Actor, draft_id: int,
                 code: str) -> ConceptAnswer:
    draft, edits = open_draft(db, actor, draft_id)
    now = content(store, draft, edits)
    state = now.state(code)
    if state is None:
        raise _no_concept(draft, code)
    return ConceptAnswer(concept_body(store, now, state), etag(state))


def put_concept(db: AuthoringDB, store: Store, actor: Actor, draft_id: int, code: str,
                body: Any, *, if_match: str | None, if_none_match: str | None
                ) -> ConceptAnswer:
    """Create or change one concept, if the caller's condition still holds."""
    scheme = scheme_of(db, draft_id)
    comment = _comment(body)
    with write(db, actor, "draft.edit", scheme, target=f"draft {draft_id} {code}") as change:
        draft, now = _for_writing(change.session, store, draft_id)
        current = now.state(code)
        _check_condition(store, now, code, current, if_match, if_none_match)
        new_code = _new_code(body, code)
        if new_code != code:
            _check_rename(store, draft, now, code, new_code)
        uri = _uri_for(draft.scheme, new_code, current, body)
        order = current["order"] if current else now.next_order()
        after, reason = state_from_body(body, code=new_code, uri=uri, order=order,
                                        resolve_target=_target_resolver(store, now))
        _check_references(now, after, code)
        kind = _kind(current, after, code, new_code)
        if kind == "retire":
            _record_reason(after, reason)
        if after == current:
            change.detail = {"draft": draft_id, "code": code, "unchanged": True}
            return ConceptAnswer(concept_body(store, now, after), etag(after))
        edit = _record(change.session, draft, actor, code, kind, comment, current, after)
        change.reason = comment
        change.detail = {"draft": draft_id, "edit": edit.id, "kind": kind,
                         "before": current, "after": after}
        now.apply(edit)
        return ConceptAnswer(concept_body(store, now, after), etag(after),
                             created=current is None)


def delete_concept(db: AuthoringDB, store: Store, actor: Actor, draft_id: int, code: str, *,
                   if_match: str | None, comment: str = "") -> dict[str, Any]:
    """Delete a concept that was never published (a published one is retired instead)."""
    scheme = scheme_of(db, draft_id)
    with write(db, actor, "draft.edit", scheme, target=f"draft {draft_id} {code}") as change:
        draft, now = _for_writing(change.session, store, draft_id)
        current = now.state(code)
        if current is None:
            raise _no_concept(draft, code)
        if if_match is None:
            raise _precondition_required("DELETE")
        _check_condition(store, now, code, current, if_match, None)
        published = _published_in(store, draft.scheme, code)
        if published:
            raise Conflict(f"{code} is published ({draft.scheme} {', '.join(published)}), "
                           "so it cannot be deleted: retire it instead (status retired, "
                           "with a reason and replaced_by).",
                           details={"code": code, "published_in": published})
        edit = _record(change.session, draft, actor, code, "delete", comment, current, None)
        change.reason = comment
        change.detail = {"draft": draft_id, "edit": edit.id, "kind": "delete",
                         "before": current, "after": None}
        return {"draft": draft_id, "code": code, "deleted": True, "edit": edit.id}


def undo(db: AuthoringDB, store: Store, actor: Actor, draft_id: int,
         edit_id: int | None = None, comment: str = "") -> dict[str, Any]:
    """Reverse one edit (default: the newest one not yet undone) by the opposite edit.

    Refused when a later edit changed the same concept again: undo that one first."""
    scheme = scheme_of(db, draft_id)
    with write(db, actor, "draft.edit", scheme, target=f"draft {draft_id}") as change:
        draft, now = _for_writing(change.session, store, draft_id)
        target = _undo_target(draft, edit_id)
        key = (target.after or target.before or {})["code"]
        if now.state(key) != target.after or (
                target.before and target.before["code"] != key and now.has(
                    target.before["code"])):
            raise Conflict(f"Edit {target.id} of {key} cannot be undone: a later edit "
                           f"changed {key} again. Undo the later edits first.",
                           details={"edit": target.id, "code": key})
        edit = _record(change.session, draft, actor, key, "undo", comment or
                       f"undo edit {target.id}", target.after, target.before,
                       undoes=target.id)
        change.target = f"draft {draft_id} {key}"
        change.reason = edit.comment
        change.detail = {"draft": draft_id, "edit": edit.id, "kind": "undo",
                         "undoes": target.id, "before": target.after, "after": target.before}
        return {"draft": draft_id, "edit": edit.id, "undoes": target.id, "code": key}


def _for_writing(session: Session, store: Store, draft_id: int
                 ) -> tuple[Draft, DraftContent]:
    draft = find(session, draft_id)
    if draft.status not in EDITABLE:
        raise Conflict(f"Draft {draft_id} is {draft.status}, so it takes no more edits; open "
                       "a new draft for further changes.",
                       details={"draft": draft_id, "status": draft.status})
    return draft, content(store, draft, list(draft.edits))


def _record(session: Session, draft: Draft, actor: Actor, code: str, kind: str,
            comment: str, before: State | None, after: State | None,
            undoes: int | None = None) -> DraftEdit:
    edit = DraftEdit(draft=draft, code=code, kind=kind, author=actor.name or "",
                     at=utcnow(), comment=comment, before=before, after=after, undoes=undoes)
    session.add(edit)
    draft.updated_at = edit.at
    session.flush()
    _back_to_work(session, draft, actor, edit)
    return edit


def _back_to_work(session: Session, draft: Draft, actor: Actor, edit: DraftEdit) -> None:
    """An edit of a submitted or approved draft sends it back (see EDITABLE), recorded in
    the audit log beside the edit, in the same transaction."""
    now = EDITABLE[draft.status]
    if now == draft.status:
        return
    before, draft.status = draft.status, now
    why = ("an edit after approval sends the draft back to review" if before == APPROVED
           else "an edit in review withdraws the submission: check and submit again")
    audit.append(session, actor=actor.name, action="draft.edit", scheme=draft.scheme,
                 target=f"draft {draft.id}", reason=why,
                 detail={"draft": draft.id, "edit": edit.id,
                         "status": {"before": before, "after": now}})


def _undo_target(draft: Draft, edit_id: int | None) -> DraftEdit:
    undone = {e.undoes for e in draft.edits if e.undoes is not None}
    if edit_id is None:
        for edit in reversed(draft.edits):
            if edit.undoes is None and edit.id not in undone and edit.kind != REBASED:
                return edit
        raise Conflict(f"Draft {draft.id} has no edit left to undo.",
                       details={"draft": draft.id})
    for edit in draft.edits:
        if edit.id == edit_id:
            if edit.kind == REBASED:
                raise Conflict(f"Edit {edit_id} is part of a rebase, which is not undone "
                               "edit by edit; edit the concepts it merged instead.",
                               details={"edit": edit_id})
            if edit.id in undone:
                raise Conflict(f"Edit {edit_id} is already undone.",
                               details={"edit": edit_id})
            return edit
    raise NotFound(f"Draft {draft.id} has no edit {edit_id}; `termserver draft show "
                   f"{draft.id}` lists its edits.", details={"edit": edit_id})


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def _check_condition(store: Store, now: DraftContent, code: str, current: State | None,
                     if_match: str | None, if_none_match: str | None) -> None:
    if if_match is None and if_none_match is None:
        raise _precondition_required("PUT")
    if if_none_match is not None and current is not None and (
            "*" in _tags(if_none_match) or etag(current) in _tags(if_none_match)):
        raise _stale(store, now, code, current, "exists already (If-None-Match)")
    if if_match is not None:
        if current is None:
            raise _stale(store, now, code, None, "does not exist in the draft (If-Match)")
        tags = _tags(if_match)
        if "*" not in tags and etag(current) not in tags:
            raise _stale(store, now, code, current, "was changed since you read it")


def _precondition_required(method: str) -> PreconditionRequired:
    return PreconditionRequired(
        f"{method} of a draft concept must say which version it replaces: GET the concept "
        "and send its ETag as If-Match (or If-None-Match: * to create a new concept), so "
        "that no one's edit is silently lost.")


def _stale(store: Store, now: DraftContent, code: str, current: State | None,
           what: str) -> PreconditionFailed:
    tag = etag(current) if current is not None else None
    body = concept_body(store, now, current) if current is not None else None
    return PreconditionFailed(
        f"{code} {what}: your change was not made. The current state is in "
        "details.current (ETag details.etag); apply your change to it and send again.",
        details={"code": code, "etag": tag, "current": body}, tag=tag)


def _comment(body: Any) -> str:
    comment = body.get("comment", "") if isinstance(body, dict) else ""
    if not isinstance(comment, str) or len(comment) > 2000:
        raise BadRequest("comment: why the change is made, as text (at most 2000 characters).",
                         details={"field": "comment"})
    return comment.strip()


def _new_code(body: Any, code: str) -> str:
    new = body.get("code", code) if isinstance(body, dict) else code
    if not isinstance(new, str) or not new.strip() or "/" in new:
        raise BadRequest("code: the concept's code (its notation) as text without '/'.",
                         details={"field": "code"})
    return new.strip()


def _check_rename(store: Store, draft: Draft, now: DraftContent, code: str,
                  new_code: str) -> None:
    if not now.has(code):
        raise BadRequest(f"code: {new_code!r} differs from the concept {code!r} in the path, "
                         "which does not exist; PUT a new concept to its own code.",
                         details={"field": "code"})
    published = _published_in(store, draft.scheme, code)
    if published:
        raise Conflict(f"The notation of {code} cannot change: it is published "
                       f"({draft.scheme} {', '.join(published)}) and others refer to it. "
                       f"Create {new_code} and retire {code} with replaced_by instead.",
                       details={"code": code, "published_in": published})
    if now.has(new_code):
        raise Conflict(f"{new_code} exists already in the draft; choose another code.",
                       details={"code": new_code})


def _published_in(store: Store, scheme: str, code: str) -> list[str]:
    if scheme not in store.schemes():
        return []
    return store.release_appearances(scheme, code)


def _uri_for(scheme: str, code: str, current: State | None, body: Any) -> str:
    """A concept keeps its IRI; a renamed one follows its code when the IRI ended in it;
    a new one takes the body's `uri` or one of ours."""
    if current is not None:
        old_uri, old_code = current["uri"], current["code"]
        if old_code == code:
            return old_uri
        if old_uri.endswith(old_code):
            return old_uri[: -len(old_code)] + code
        return concept_iri(scheme, code)
    uri = body.get("uri") if isinstance(body, dict) else None
    return uri if isinstance(uri, str) and uri.startswith(("http://", "https://")) \
        else concept_iri(scheme, code)


def _target_resolver(store: Store, now: DraftContent) -> Any:
    def resolve(scheme: str, code: str, version: str | None) -> str:
        if scheme == now.base.scheme and version is None:
            state = now.state(code)
            if state is not None:
                return state["uri"]
        try:
            return store.resolve(scheme, code, version).concept.uri
        except NotFound as missing:
            raise BadRequest(f"mappings: the target does not exist: {missing.message}",
                             details={"field": "mappings", **missing.details}) from None

    return resolve


def _check_references(now: DraftContent, after: State, code: str) -> None:
    for name in ("broader", "replaced_by"):
        for target in after[name]:
            if target in (after["code"], code):
                raise BadRequest(f"{name}: a concept cannot name itself.",
                                 details={"field": name})
            if not now.has(target):
                raise BadRequest(f"{name}: {target!r} is not a concept of this draft; "
                                 "create it first, or name an existing code.",
                                 details={"field": name, "code": target})


def _kind(current: State | None, after: State, code: str, new_code: str) -> str:
    if current is None:
        return "create"
    if new_code != code:
        return "rename"
    if after["status"] != "active" and current["status"] == "active":
        return "retire"
    return "update"


def _record_reason(after: State, reason: str) -> None:
    if not reason:
        raise BadRequest("reason: retiring a concept needs a reason (and usually "
                         'replaced_by), e.g. "reason": "Slået sammen med 1.2".',
                         details={"field": "reason"})
    note = {"kind": RETIREMENT_NOTE, "text": reason, "lang": "da", "refs": []}
    if note not in after["notes"]:
        after["notes"].append(note)


def _no_concept(draft: Draft, code: str) -> NotFound:
    return NotFound(f"{code!r} is not a concept of draft {draft.id} ({draft.scheme}). To "
                    "create it, PUT it with If-None-Match: *.",
                    details={"draft": draft.id, "code": code})


# -- bodies ---------------------------------------------------------------------------------
def concept_body(store: Store, now: DraftContent, state: State) -> dict[str, Any]:
    """A draft concept in the shape of GET /api/v1/schemes/{s}/concepts/{c}, plus the
    draft's id and the ETag to send back.

    Built from the concept's state and its neighbours' alone, without materialising the
    whole draft: an edit of a large scheme answers in the time of its own concept."""
    concept = concept_of(state)
    return {
        "scheme": now.base.scheme,
        "version": draft_version(now.draft_id),
        "draft": now.draft_id,
        "code": concept.code,
        "uri": concept.uri,
        "label": concept.label(),
        "labels": concept.labels,
        "alt_labels": concept.alt_labels,
        "hidden_labels": concept.hidden_labels,
        "definition": concept.definition(),
        "definitions": concept.definitions,
        "status": concept.status,
        "broader": [now.ref(c) for c in concept.broader],
        "narrower": [now.ref(c) for c in now.children(concept.code)],
        "mappings": [_mapping_body(store, now, m) for m in mappings_of(state)],
        "replaced_by": [now.ref(c) for c in concept.replaced_by],
        "notes": state["notes"],
        "properties": concept.properties,
        "etag": etag(state),
    }


def _mapping_body(store: Store, now: DraftContent, mapping: Mapping) -> dict[str, Any]:
    entry: dict[str, Any] = {"relation": mapping.relation, "uri": mapping.target,
                             "scheme": None, "code": None, "label": None,
                             "source": f"{now.base.scheme}@{draft_version(now.draft_id)}",
                             "note": mapping.note}
    found = store.resolve_uri(mapping.target) or parse_concept_iri(mapping.target)
    if found is not None:
        scheme, code = found
        if scheme == now.base.scheme:
            label = now.ref(code)["label"]
        else:
            other = store.concept(scheme, code)
            label = other.label() if other is not None else None
        entry.update(scheme=scheme, code=code, label=label)
    return entry



# -- bulk edits -----------------------------------------------------------------------------
def apply_file(db: AuthoringDB, store: Store, actor: Actor, draft_id: int, path: Any, *,
               dry_run: bool = False, comment: str = "") -> dict[str, Any]:
    """Apply a file of changed concepts to a draft, all or nothing: Turtle (or N-Triples)
    with each concept whole, or a CSV/XLSX sheet with one row per concept and only the
    cells that change (`sheet_edits`).

    Returns the report: each concept of the file with its kind (create, update, retire,
    rename, unchanged), the fields that change and, for a sheet, its row. With `dry_run`
    nothing is written."""
    from . import bulk, sheet_edits, sheets

    scheme = scheme_of(db, draft_id)
    if sheets.is_sheet(path):
        sheet = sheets.read_sheet(path)  # read before the write transaction starts

        def planner(now: DraftContent, draft_release: Release
                    ) -> tuple[list[bulk.Planned], list[str]]:
            return sheet_edits.plan(sheet, _sheet_context(store, now, draft_release))
    else:
        release, parents = bulk.read_file(path, scheme)

        def planner(now: DraftContent, draft_release: Release
                    ) -> tuple[list[bulk.Planned], list[str]]:
            uri_to_code = {c.uri: c.code for c in draft_release.concepts.values()}
            return bulk.plan(release, parents, now.state, uri_to_code)
    try:
        with write(db, actor, "draft.edit", scheme, target=f"draft {draft_id}") as change:
            draft, now = _for_writing(change.session, store, draft_id)
            planned, problems = planner(now, now.release())
            if problems:
                raise bulk.refused(problems, path)
            report = {"draft": draft_id, "file": path.name, "dry_run": dry_run,
                      "concepts": [_planned_body(p) for p in planned]}
            if dry_run:
                raise _DryRun(report)
            edits = []
            for p in planned:
                if p.kind == "unchanged":
                    continue
                before = now.state(p.code)
                edit = _record(change.session, draft, actor, p.code, p.kind,
                               comment or f"apply {path.name}", before, p.after)
                audit.append(change.session, actor=actor.name, action="draft.edit",
                             scheme=scheme, target=f"draft {draft_id} {p.code}",
                             reason=edit.comment, detail={"draft": draft_id, "edit": edit.id,
                                                          "kind": p.kind, "before": before,
                                                          "after": p.after})
                now.apply(edit)
                edits.append(edit.id)
            change.reason = comment or f"apply {path.name}"
            change.detail = {"draft": draft_id, "file": path.name, "edits": edits}
            return report
    except _DryRun as done:
        return done.report


def _planned_body(planned: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": planned.code, "kind": planned.kind,
                            "fields": planned.fields}
    if planned.row is not None:
        body["row"] = planned.row
    if planned.after["code"] != planned.code:
        body["new_code"] = planned.after["code"]
    return body


def _sheet_context(store: Store, now: DraftContent, draft_release: Release) -> Any:
    """What a sheet's rows are read against: the draft, and the schemes `scheme:code` may
    name in a property cell (those termserver has, and those the draft's properties
    already point into, so `icf:d450` is an ICF IRI even where ICF is not loaded)."""
    from .sheet_edits import Context

    named = {parsed[0] for c in draft_release.concepts.values()
             for values in c.properties.values() for v in values
             if (parsed := parse_concept_iri(v))}
    return Context(
        scheme=now.base.scheme, state=now.state, next_order=now.next_order(),
        property_keys={k for c in draft_release.concepts.values() for k in c.properties},
        schemes=set(store.schemes()) | named, resolve_target=_target_resolver(store, now),
        published_in=lambda code: _published_in(store, now.base.scheme, code),
        uri_for=lambda code, current: _uri_for(now.base.scheme, code, current, None))


class _DryRun(Exception):
    """Leaves the write transaction without a trace (no edit, no audit entry)."""

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.report = report

