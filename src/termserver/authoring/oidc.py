"""OpenID Connect bearer tokens: JWTs from the municipality's identity provider.

Optional, by setting (`oidc_issuer`, `oidc_audience`, `oidc_jwks_url`): a caller may send
`Authorization: Bearer <JWT>` instead of a termserver token. The JWT is accepted only if
it is signed with RS256 or ES256 by a key of the provider's key set (JWKS), fetched from
the configured URL alone — never from a URL the token names (`jku`, `x5u`) nor from a
key it carries (`jwk`) — and its `iss`, `aud`, `exp` and `nbf` hold. Unsigned tokens
(`alg: none`) and shared-secret ones (`HS256`…) are refused whatever their key id: a
public key is public, so an HMAC "signed" with it proves nothing.

The acting user's name and roles come from the token alone; the database's users and
grants are not consulted. Roles are claim values: `termserver:<role>:<scheme>` directly,
or any value the `oidc_role_map` setting maps to grants (a provider's group names).

The key set is cached (`oidc_jwks_cache_seconds`) and fetched again — on expiry, or for a
token signed with a key id it does not hold (the provider rotated its keys) — at most
once every `oidc_jwks_refetch_seconds`, so tokens with made-up key ids cannot make the
server hammer the provider. A provider that cannot be reached before any key set was
fetched is a 503; once one was, the last good key set stays in use.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from ..errors import TermserverError
from ..settings import OIDC_GRANT, Settings
from .models import GRANTABLE_ROLES
from .permissions import Actor, Grant

log = logging.getLogger(__name__)

ALGORITHMS = ("RS256", "ES256")
"""The signatures accepted: RSA and P-256 ECDSA with SHA-256, as providers publish them."""
_KEY_TYPES = {"RS256": "RSA", "ES256": "EC"}
_CURVES = {"ES256": "P-256"}
ROLE_PREFIX = "termserver"
"""Claim values `termserver:<role>:<scheme>` grant that role on that scheme."""
MAX_JWKS_BYTES = 1024 * 1024
_SEGMENT = r"[A-Za-z0-9_-]*"
_JWT = re.compile(rf"{_SEGMENT}\.{_SEGMENT}\.{_SEGMENT}")
_NAME = re.compile(r"[^\x00-\x1f\x7f()]{1,200}")
"""A user name from a claim: 1–200 characters, no control characters, no parentheses
(which the audit log keeps for its own actors, such as `(bootstrap)`)."""


class IdentityProviderUnavailable(TermserverError):
    """The provider's key set could not be fetched, and none was fetched before (503)."""

    status_code = 503
    code = "identity_provider_unavailable"
    exit_code = 2


def looks_like_jwt(token: str) -> bool:
    """Three base64url segments joined by dots: what a JWS in compact form looks like."""
    return bool(_JWT.fullmatch(token))


@dataclass(frozen=True)
class OidcConfig:
    """The OpenID Connect settings, read once."""

    issuer: str
    audience: str
    jwks_url: str
    roles_claim: str
    role_map: Mapping[str, frozenset[Grant]]
    username_claim: str
    leeway: float
    cache_seconds: float
    refetch_seconds: float
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        """The configuration, or None when OpenID Connect is off (`oidc_issuer` unset).
        The settings have checked that issuer, audience and JWKS URL come together."""
        if not settings.oidc_issuer:
            return None
        assert settings.oidc_audience and settings.oidc_jwks_url
        role_map = {value: frozenset(_grant(g) for g in grants)
                    for value, grants in settings.oidc_role_map.items()}
        return cls(issuer=settings.oidc_issuer, audience=settings.oidc_audience,
                   jwks_url=settings.oidc_jwks_url, roles_claim=settings.oidc_roles_claim,
                   role_map=role_map, username_claim=settings.oidc_username_claim,
                   leeway=settings.oidc_leeway, cache_seconds=settings.oidc_jwks_cache_seconds,
                   refetch_seconds=settings.oidc_jwks_refetch_seconds,
                   timeout=settings.oidc_jwks_timeout)


def _grant(text: str) -> Grant:
    role, _, scheme = text.partition(":")
    return Grant(role, scheme)


# -- the key set ----------------------------------------------------------------------------
class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """The key set comes from the configured URL, not from wherever it redirects."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl} refused "
                                     "(set oidc_jwks_url to the key set's own URL)",
                                     headers, fp)


class KeySet:
    """The provider's signing keys by key id, fetched from one URL and cached.

    Thread-safe: the server verifies tokens in its worker threads; one fetch runs at a
    time and the others wait for its result."""

    def __init__(self, config: OidcConfig, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, Any]] | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self._error = ""
        self._opener = urllib.request.build_opener(_NoRedirects)
        self.fetches = 0
        """How many times the key set was requested (for the logs and the tests)."""

    def find(self, kid: str | None) -> dict[str, Any] | None:
        """The JWK for `kid` (None: the set's only key), fetching the set when it is
        missing, expired, or lacks `kid` — each at most once per refetch interval."""
        with self._lock:
            now = self._clock()
            if self._keys is None or now - self._fetched_at >= self.config.cache_seconds:
                self._refresh(now)
            found = self._pick(kid)
            if found is None and self._may_fetch(now):
                self._refresh(now)
                found = self._pick(kid)
            return found

    def age(self) -> float:
        """Seconds since the key set in use was fetched."""
        return self._clock() - self._fetched_at

    def _pick(self, kid: str | None) -> dict[str, Any] | None:
        keys = self._keys or {}
        if kid is None:
            return next(iter(keys.values())) if len(keys) == 1 else None
        return keys.get(kid)

    def _may_fetch(self, now: float) -> bool:
        return self._attempted_at is None or \
            now - self._attempted_at >= self.config.refetch_seconds

    def _refresh(self, now: float) -> None:
        if self._may_fetch(now):
            self._attempted_at = now
            try:
                self._keys = self._fetch()
                self._fetched_at, self._error = now, ""
            except (OSError, ValueError) as exc:
                self._error = str(exc) or type(exc).__name__
                log.warning("OpenID Connect key set %s could not be fetched: %s%s",
                            self.config.jwks_url, self._error,
                            "; using the one fetched before" if self._keys is not None
                            else "")
        if self._keys is None:
            raise IdentityProviderUnavailable(
                f"The identity provider's key set ({self.config.jwks_url}) could not be "
                f"fetched ({self._error}), so no OpenID Connect token can be checked; it is "
                f"tried again at most every {self.config.refetch_seconds:g} s. termserver "
                "tokens (tsk_…) keep working.",
                details={"jwks_url": self.config.jwks_url, "problem": self._error})

    def _fetch(self) -> dict[str, dict[str, Any]]:
        self.fetches += 1
        request = urllib.request.Request(self.config.jwks_url, headers={
            "Accept": "application/json", "User-Agent": "termserver"})
        deadline = time.monotonic() + self.config.timeout
        with self._opener.open(request, timeout=self.config.timeout) as answer:
            data = b""
            while chunk := answer.read(65536):
                data += chunk
                if len(data) > MAX_JWKS_BYTES:
                    raise ValueError(f"the key set is larger than {MAX_JWKS_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the key set took longer than "
                                       f"{self.config.timeout:g} s to arrive")
        document = json.loads(data)
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise ValueError('the answer is not a JWK set (a JSON object with "keys")')
        usable = {str(k.get("kid") or ""): k for k in keys
                  if isinstance(k, dict) and k.get("kty") in ("RSA", "EC")
                  and k.get("use", "sig") == "sig"}
        log.info("OpenID Connect key set %s: %d signing keys", self.config.jwks_url,
                 len(usable))
        return usable


# -- verifying a token ----------------------------------------------------------------------
class Verifier:
    """Turns a bearer JWT into an Actor, or into an anonymous Actor whose `problem` says
    what failed (the permission check refuses it with 401, audited)."""

    def __init__(self, config: OidcConfig, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.config = config
        self.keys = KeySet(config, clock)

    @classmethod
    def from_settings(cls, settings: Settings) -> Verifier | None:
        config = OidcConfig.from_settings(settings)
        return cls(config) if config is not None else None

    def actor(self, token: str) -> Actor:
        try:
            claims = self._claims(token)
            return Actor(name=self._name(claims), grants=self.grants(claims),
                         issuer=self.config.issuer)
        except _Refused as refused:
            return Actor(problem=f"The OpenID Connect token was refused: {refused}")

    def claims(self, token: str) -> dict[str, Any]:
        """A token's claims once its signature, `iss`, `aud` and `exp` hold, else `Refused`
        saying what failed: the web pages' OpenID Connect login checks ID tokens so."""
        return self._claims(token)

    def name(self, claims: dict[str, Any]) -> str:
        """The acting user's name from verified claims, else `Refused`."""
        return self._name(claims)

    def _claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise _Refused(f"it is not a well-formed JWT ({exc})") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise _Refused(_refused_algorithm(alg))
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise _Refused("its key id (kid) is not a string")
        jwk = self.keys.find(kid)
        if jwk is None:
            raise _Refused(self._unknown_key(kid))
        key = _public_key(jwk, alg, kid)
        config = self.config
        try:
            return jwt.decode(token, key, algorithms=[alg], audience=config.audience,
                              issuer=config.issuer, leeway=config.leeway,
                              options={"require": ["exp", "iss", "aud"]})
        except jwt.InvalidSignatureError:
            raise _Refused(f"its signature does not verify with the provider's key "
                           f"{kid or '(the only one)'} ({alg})") from None
        except jwt.ExpiredSignatureError:
            raise _Refused(f"it expired at {_when(token, 'exp')} (allowing "
                           f"{config.leeway:g} s of clock difference); get a new one "
                           "from the identity provider") from None
        except jwt.ImmatureSignatureError:
            raise _Refused(f"it is not valid before {_when(token, 'nbf', 'iat')} (allowing "
                           f"{config.leeway:g} s of clock difference)") from None
        except jwt.InvalidIssuerError:
            raise _Refused(f"its issuer (iss) {_claim(token, 'iss')!r} is not the "
                           f"configured {config.issuer!r}") from None
        except jwt.InvalidAudienceError:
            raise _Refused(f"its audience (aud) {_claim(token, 'aud')!r} does not include "
                           f"{config.audience!r}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _Refused(f"it has no {exc.claim} claim") from None
        except jwt.InvalidTokenError as exc:
            raise _Refused(f"it could not be read ({exc})") from None

    def _unknown_key(self, kid: str | None) -> str:
        held = "the key set" + f" ({self.config.jwks_url}, fetched "
        held += f"{self.keys.age():.0f} s ago)"
        if kid is None:
            return (f"it names no key id (kid) and {held} holds more than one key, so "
                    "which one signed it is unknown")
        return (f"it is signed with the key {kid!r}, which {held} does not hold; the set "
                f"is fetched again for an unknown key at most every "
                f"{self.config.refetch_seconds:g} s")

    def _name(self, claims: dict[str, Any]) -> str:
        for claim in dict.fromkeys((self.config.username_claim, "sub")):
            value = claims.get(claim)
            if isinstance(value, str) and value.strip():
                name = value.strip()
                if not _NAME.fullmatch(name):
                    raise _Refused(f"its user name ({claim}) is not usable: 1–200 "
                                   "characters without control characters or parentheses")
                return name
        raise _Refused(f"it names no user (no {self.config.username_claim} or sub claim)")

    def grants(self, claims: dict[str, Any]) -> frozenset[Grant]:
        """The roles a token's claims give: `termserver:<role>:<scheme>` values and the
        values the role map names; other values (a provider's other groups) are ignored."""
        grants: set[Grant] = set()
        for value in _values(claims, self.config.roles_claim):
            grants |= self.config.role_map.get(value, frozenset())
            prefix, _, rest = value.partition(":")
            if prefix != ROLE_PREFIX:
                continue
            if OIDC_GRANT.fullmatch(rest):
                grants.add(_grant(rest))
            else:
                log.warning("OpenID Connect role %r ignored: roles are termserver:<role>:"
                            "<scheme> with a role of %s", value, ", ".join(GRANTABLE_ROLES))
        return frozenset(grants)


class _Refused(Exception):
    """Why a token is not accepted (becomes the Actor's problem)."""


Refused = _Refused


def _refused_algorithm(alg: Any) -> str:
    accepted = " or ".join(ALGORITHMS)
    if alg is None or str(alg).lower() == "none":
        return f"it is unsigned (alg none), which is never accepted; {accepted} is needed"
    if str(alg).upper().startswith("HS"):
        return (f"it is signed with a shared secret ({alg}), which is never accepted; "
                f"{accepted} with a key of the provider's key set is needed")
    return f"its algorithm {alg!r} is not accepted; {accepted} is needed"


def _public_key(jwk: dict[str, Any], alg: str, kid: str | None) -> Any:
    """The verification key of `jwk`, if it is a key for `alg` (type, curve, its own
    `alg`); a key of another kind would let a token choose how it is checked."""
    name = kid or "(the only one)"
    if jwk.get("kty") != _KEY_TYPES[alg] or (alg in _CURVES and jwk.get("crv") != _CURVES[alg]):
        raise _Refused(f"it says {alg}, but the provider's key {name} is a "
                       f"{jwk.get('kty')} {jwk.get('crv') or ''}key".replace("  ", " "))
    if jwk.get("alg") not in (None, alg):
        raise _Refused(f"it says {alg}, but the provider's key {name} is for {jwk['alg']}")
    try:
        return jwt.PyJWK(jwk, algorithm=alg).key
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError) as exc:
        raise _Refused(f"the provider's key {name} cannot be used ({exc})") from None


def _values(claims: dict[str, Any], path: str) -> list[str]:
    """The strings at a claim path (`roles`, or nested as `realm_access.roles`): a list,
    or one string of values separated by spaces (as OAuth's `scope` is)."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _claim(token: str, name: str) -> Any:
    """A claim of a token whose signature verified (read again to word a refusal)."""
    return jwt.decode(token, options={"verify_signature": False}).get(name)


def _when(token: str, *names: str) -> str:
    """The latest of the named time claims, as an ISO time for a message."""
    times = [v for v in (_claim(token, n) for n in names) if isinstance(v, int | float)]
    if not times:
        return "an unreadable time"
    return datetime.fromtimestamp(max(times), UTC).isoformat(timespec="seconds")
