"""The one way an authoring action happens: permission check, change, audit entry.

`authorize` asks `permissions.require` and, when it refuses, records the denied attempt
(in a transaction of its own: the refused change never starts). `write` then makes the
change and its audit entry in one transaction, so neither exists without the other.
Everything that changes authoring state, from the CLI or over HTTP, goes through here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..errors import Forbidden, Unauthorized
from . import audit
from .db import AuthoringDB
from .permissions import Actor, require, require_token


def authorize(db: AuthoringDB, actor: Actor, action: str, scheme: str | None = None, *,
              target: str = "") -> None:
    """`require`, with every refusal written to the audit log before it is raised."""
    _audited(db, actor, action, scheme, target, lambda: require(actor, action, scheme))


def authorize_token(db: AuthoringDB, actor: Actor, action: str) -> None:
    """`require_token` (a valid token, whatever the scheme), refusals audited likewise."""
    _audited(db, actor, action, None, "", lambda: require_token(actor, action))


def _audited(db: AuthoringDB, actor: Actor, action: str, scheme: str | None, target: str,
             check: Callable[[], None]) -> None:
    try:
        check()
    except (Unauthorized, Forbidden) as refusal:
        record_denial(db, actor, action, scheme, target, refusal)
        raise


def record_denial(db: AuthoringDB, actor: Actor, action: str, scheme: str | None,
                  target: str, refusal: Unauthorized | Forbidden,
                  detail: dict[str, Any] | None = None) -> None:
    """Write a refused attempt to the audit log, in a transaction of its own (the
    refused change, if it had started, is rolled back). Also for refusals that are not a
    missing role, such as a reviewer who wrote the draft under review."""
    with db.write() as session:
        audit.append(session, actor=actor.name, action=action, scheme=scheme, target=target,
                     outcome=audit.DENIED, reason=refusal.message,
                     detail={"status": refusal.status_code, **(detail or {})})


@dataclass
class Change:
    """What a `write` block fills in: the session to change things with, and what the
    audit entry will say about it."""

    session: Session
    target: str = ""
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    """Before/after (`{"before": …, "after": …}`) or whatever else says what changed."""


@contextmanager
def write(db: AuthoringDB, actor: Actor, action: str, scheme: str | None = None, *,
          target: str = "", reason: str = "") -> Iterator[Change]:
    """Check, then yield a Change; on leaving the block its audit entry is added and
    everything commits together (an exception rolls both back)."""
    authorize(db, actor, action, scheme, target=target)
    with db.write() as session:
        audit.lock(session)
        change = Change(session=session, target=target, reason=reason)
        yield change
        audit.append(session, actor=actor.name, action=action, scheme=scheme,
                     target=change.target, reason=change.reason, detail=change.detail)
