"""The one permission check every authoring action asks: `require(actor, action, scheme)`.

Routes and commands never test roles themselves: they name an action, and this module
decides. Roles hold per scheme: `reader` is everyone's (anonymous too: all reading stays
public), `editor`, `reviewer`, `publisher` and `admin` are granted, on one scheme or on
`*` (every scheme). `admin` on a scheme includes the other roles there.

KL's and WHO's schemes are official: their content changes only through the publishers'
own releases, so a grant on `*` does not reach them; only a grant that names the scheme
(which an admin makes deliberately) lets someone change one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Forbidden, Unauthorized

READER = "reader"
ADMIN = "admin"
ALL = "*"
ROLES = (READER, "editor", "reviewer", "publisher", ADMIN)
OFFICIAL_SCHEMES = frozenset(
    {"icf", "icf-de", "icf-qualifiers", "ffb", "fsiii", "fboe", "caresocialcodes", "ltt"})
"""KL's and WHO's schemes: read-only unless a role is granted on one by name."""

HOW_TO_AUTHENTICATE = ("Send `Authorization: Bearer <token>` (CLI: --token or "
                       "TERMSERVER_TOKEN); an admin creates tokens with "
                       "`termserver users add` or `termserver users token`.")


@dataclass(frozen=True)
class Action:
    """Something a caller may be allowed to do, and the role it takes."""

    name: str
    role: str
    about: str
    """What the action is, for messages: "reading the audit log"."""
    content: bool = False
    """Changes a scheme's content: official schemes need a grant by name."""
    also: tuple[str, ...] = ()
    """Other roles that suffice as well (reading a draft: its reviewers and publishers)."""


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("me", READER, "asking who you are"),
    Action("audit.read", ADMIN, "reading the audit log"),
    Action("users.list", ADMIN, "listing users and tokens"),
    Action("user.add", ADMIN, "adding a user"),
    Action("role.grant", ADMIN, "granting a role"),
    Action("token.create", ADMIN, "creating a token"),
    Action("token.revoke", ADMIN, "revoking a token"),
    Action("user.password", ADMIN, "setting a password"),
    Action("draft.read", "editor", "reading drafts", also=("reviewer", "publisher")),
    Action("draft.create", "editor", "creating a draft", content=True),
    Action("draft.edit", "editor", "editing a draft", content=True),
    Action("draft.check", "editor", "checking a draft", also=("reviewer", "publisher")),
    Action("draft.submit", "editor", "submitting a draft for review", content=True),
    Action("draft.review", "reviewer", "reviewing a draft", content=True),
    Action("draft.close", "editor", "closing a draft", content=True, also=("publisher",)),
    Action("draft.publish", "publisher", "publishing a draft", content=True),
    Action("draft.rebase", "editor", "rebasing a draft", content=True),
)}


@dataclass(frozen=True)
class Grant:
    role: str
    scheme: str

    def __str__(self) -> str:
        return f"{self.role} on {self.scheme}"


@dataclass(frozen=True)
class Actor:
    """Who is asking: a user and their grants, or anonymous (`name` None).

    `problem` says why a presented credential was not accepted (unknown, revoked,
    malformed): such a caller is refused even what anonymous callers may do, so that a
    client with a broken token finds out rather than silently reading as nobody.
    """

    name: str | None = None
    grants: frozenset[Grant] = field(default_factory=frozenset)
    token_prefix: str | None = None
    problem: str | None = None
    issuer: str | None = None
    """The OpenID Connect issuer whose token named this caller (None: a termserver
    token); such a caller's name and roles come from the token, not the database."""

    @property
    def anonymous(self) -> bool:
        return self.name is None


ANONYMOUS = Actor()


def require(actor: Actor, action: str, scheme: str | None = None) -> None:
    """Return if `actor` may do `action` on `scheme` (None: the whole server), else raise
    Unauthorized (no valid token, 401) or Forbidden (403, naming the missing role)."""
    spec = ACTIONS[action]
    require_token(actor, action)
    if spec.role == READER:
        return
    target = scheme or ALL
    if not allows(actor.grants, spec, target):
        raise Forbidden(_forbidden_message(actor, spec, target), details={
            "action": action, "scheme": target, "missing_role": spec.role,
            "official": _official_rule_applies(spec, target),
            "held": sorted(str(g) for g in actor.grants)})


def require_token(actor: Actor, action: str) -> None:
    """The first half of `require`, which needs no scheme: raise Unauthorized unless the
    caller presented a valid token (or the action is open to every reader).

    Write routes ask this before the request body is read, so an anonymous caller is
    refused the same way whatever they sent; `require` then checks the role."""
    spec = ACTIONS[action]
    if actor.problem:
        raise Unauthorized(f"{actor.problem}. {HOW_TO_AUTHENTICATE}",
                           details={"action": action})
    if actor.anonymous and spec.role != READER:
        raise Unauthorized(f"{_capital(spec.about)} needs a token. {HOW_TO_AUTHENTICATE}",
                           details={"action": action})


def allows(grants: frozenset[Grant], spec: Action, scheme: str) -> bool:
    """Whether some grant gives `spec.role` (or admin) on `scheme`."""
    for grant in grants:
        if grant.role not in (spec.role, ADMIN, *spec.also):
            continue
        if grant.scheme == scheme:
            return True
        if grant.scheme == ALL and not _official_rule_applies(spec, scheme):
            return True
    return False


def _official_rule_applies(spec: Action, scheme: str) -> bool:
    return spec.content and scheme in OFFICIAL_SCHEMES


def _forbidden_message(actor: Actor, spec: Action, scheme: str) -> str:
    held = ", ".join(sorted(str(g) for g in actor.grants)) or "no roles"
    if _official_rule_applies(spec, scheme):
        return (f"{_capital(spec.about)} of {scheme} needs the role {spec.role} granted on "
                f"{scheme} by name: {scheme} is an official KL/WHO scheme, read-only unless "
                f"an admin grants a role on it explicitly (a grant on * does not count). "
                f"{actor.name} has: {held}.")
    where = "every scheme (*)" if scheme == ALL else scheme
    return (f"{_capital(spec.about)} needs the role {spec.role} on {where}; "
            f"{actor.name} has: {held}. An admin can grant it with `termserver users grant`.")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
