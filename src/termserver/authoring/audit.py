"""The audit log: append-only and hash-chained, so a changed or deleted entry shows.

Each entry's hash is SHA-256 over the previous entry's hash followed by the entry's
canonical JSON. Changing an entry breaks its own hash; deleting one leaves a gap in the
sequence numbers and a link that points at nothing; deleting the newest ones leaves the
head row (the newest seq and hash) pointing past the end. What this cannot catch is a
rewrite of the whole chain and the head by someone with write access to the database:
`verify` prints the head hash so that it can be kept somewhere else and compared.

Entries are written by `append` inside the caller's transaction, the same one that makes
the change they record: neither exists without the other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64
"""The previous hash of the first entry."""
OK = "ok"
DENIED = "denied"


def lock(session: Session) -> AuditHead:
    """Take the chain's head for this transaction.

    On PostgreSQL this row lock makes concurrent writers wait their turn (SQLite's
    write transactions are already one at a time), so every change sees the state the
    previous one left and every entry links to the one before.
    """
    return session.execute(select(AuditHead).where(AuditHead.id == 1)
                           .with_for_update()).scalar_one()


def append(session: Session, *, actor: str | None, action: str, scheme: str | None = None,
           target: str = "", outcome: str = OK, reason: str = "",
           detail: dict[str, Any] | None = None) -> AuditEntry:
    """Add the next entry to the chain, in the caller's transaction."""
    head = lock(session)
    entry = AuditEntry(seq=head.seq + 1, at=utcnow(), actor=actor, action=action,
                       scheme=scheme, target=target, outcome=outcome, reason=reason,
                       detail=detail or {}, prev_hash=head.hash)
    entry.hash = chain_hash(head.hash, entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.add(entry)
    session.flush()
    return entry


def canonical(entry: AuditEntry) -> bytes:
    """The entry's content as canonical JSON (sorted keys, no spaces, UTF-8)."""
    return json.dumps(_content(entry), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(entry)).hexdigest()


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "at": iso(entry.at), "actor": entry.actor,
            "action": entry.action, "scheme": entry.scheme, "target": entry.target,
            "outcome": entry.outcome, "reason": entry.reason, "detail": entry.detail}


def iso(moment: datetime) -> str:
    """UTC, microseconds: the same text whichever database gave the value back
    (SQLite returns it without a time zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_body(entry: AuditEntry) -> dict[str, Any]:
    """One entry as the API and `termserver audit --json` show it."""
    return {**_content(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}


def page(session: Session, *, limit: int = 100, before: int | None = None) -> dict[str, Any]:
    """Newest entries first; `next_before` continues the listing (None at the start)."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    entries = list(session.scalars(query))
    total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    more = bool(entries) and entries[-1].seq > 1
    return {"total": total, "entries": [entry_body(e) for e in entries],
            "next_before": entries[-1].seq if more else None}


@dataclass
class Break:
    """Where the chain is broken: the entry (by seq) and what happened to it."""

    seq: int
    kind: str
    """`changed` or `deleted`."""
    message: str


@dataclass
class Verdict:
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks

    def body(self) -> dict[str, Any]:
        return {"intact": self.intact, "entries": self.entries, "head_seq": self.head_seq,
                "head_hash": self.head_hash,
                "breaks": [{"seq": b.seq, "kind": b.kind, "message": b.message}
                           for b in self.breaks]}


def verify(session: Session) -> Verdict:
    """Walk the whole chain and name every entry that was changed or deleted."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    verdict = Verdict(head_seq=head.seq, head_hash=head.hash)
    previous: AuditEntry | None = None
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)
                                 .execution_options(yield_per=1000)):
        verdict.entries += 1
        _check_link(verdict, previous, entry)
        if chain_hash(entry.prev_hash, entry) != entry.hash:
            verdict.breaks.append(Break(entry.seq, "changed",
                                        f"entry {entry.seq} was changed: its content no "
                                        "longer matches its hash"))
        previous = entry
    _check_head(verdict, previous, head)
    return verdict


def _check_link(verdict: Verdict, previous: AuditEntry | None, entry: AuditEntry) -> None:
    expected_seq = previous.seq + 1 if previous else 1
    expected_prev = previous.hash if previous else GENESIS
    if entry.seq > expected_seq:
        verdict.breaks.append(_deleted(expected_seq, entry.seq - 1,
                                       f"the log goes from {expected_seq - 1} to {entry.seq}"))
    elif entry.prev_hash != expected_prev:
        seq = previous.seq if previous else entry.seq
        verdict.breaks.append(Break(seq, "changed", f"entry {seq} was changed or replaced: "
                                    f"entry {entry.seq} recorded a different hash for it"))


def _check_head(verdict: Verdict, last: AuditEntry | None, head: AuditHead) -> None:
    last_seq = last.seq if last else 0
    if head.seq > last_seq:
        verdict.breaks.append(_deleted(last_seq + 1, head.seq,
                                       f"the log ends at {last_seq}; its head says {head.seq}"))
    elif last is not None and (head.seq != last.seq or head.hash != last.hash):
        verdict.breaks.append(Break(last.seq, "changed", f"entry {last.seq} was changed or "
                                    "added outside termserver: the log's head records "
                                    f"entry {head.seq} with another hash"))


def _deleted(first: int, last: int, evidence: str) -> Break:
    """One break for a run of deleted entries (named by the first)."""
    which = f"entry {first} was" if first == last else f"entries {first}–{last} were"
    return Break(first, "deleted", f"{which} deleted ({evidence})")
