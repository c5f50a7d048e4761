"""OpenID Connect login to the web pages: the authorization code flow with PKCE.

Optional, by setting (`oidc_client_id` beside the `oidc_issuer`, `oidc_audience` and
`oidc_jwks_url` the API's bearer JWTs need). `start` sends the browser to the provider's
authorization endpoint with a fresh `state`, `nonce` and PKCE code challenge (S256); the
three (and the page to return to) stay behind in a short-lived cookie of the browser
(`Pending`), never in a URL. `finish` takes the code the provider sent back, checks that
its `state` is the cookie's, exchanges the code at the token endpoint (server to server,
with the PKCE verifier, a timeout, a size limit and no redirects followed), and checks the
ID token with the API's machinery (`oidc.Verifier`: signature by a key of the configured
key set, `iss`, `exp`, and `aud` = the client id) and its `nonce` against the cookie's.
The user's name and roles come from the ID token's claims, mapped exactly as for API JWTs.

The endpoints are the settings `oidc_authorization_url` and `oidc_token_url`, or, unset,
those of the provider's discovery document, fetched only from
`{oidc_issuer}/.well-known/openid-configuration` (and only if it names that issuer).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, replace
from typing import Any

from ..settings import Settings, trusted_url
from .oidc import IdentityProviderUnavailable, OidcConfig, Refused, Verifier
from .permissions import Actor

MAX_ANSWER_BYTES = 1024 * 1024
"""The largest answer read from the provider (discovery document, token response)."""
PENDING_SECONDS = 600
"""How long a started login may take at the provider before its cookie is worthless."""
CALLBACK = "/redaktion/login/oidc"


class LoginFailed(Exception):
    """Why an OpenID Connect login was refused: `reason` for the audit log (English, as
    the log's other reasons) and `message` for the browser (Danish)."""

    def __init__(self, reason: str, message: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Pending:
    """A started login, kept in the browser's pre-login cookie until the provider answers."""

    state: str
    nonce: str
    verifier: str
    next: str
    started: float

    def cookie(self) -> str:
        data = json.dumps([self.state, self.nonce, self.verifier, self.next, self.started])
        return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    @classmethod
    def from_cookie(cls, value: str | None) -> Pending | None:
        if not value or len(value) > 4000:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
            state, nonce, verifier, next_, started = data
            pending = cls(str(state), str(nonce), str(verifier), str(next_), float(started))
        except (ValueError, TypeError):
            return None
        return pending if all((pending.state, pending.nonce, pending.verifier)) else None


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Answers come from the configured URLs, not from wherever they redirect."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl} refused",
                                     headers, fp)


class BrowserLogin:
    """The OpenID Connect login flow for one app: its settings, endpoints and key set."""

    def __init__(self, settings: Settings, config: OidcConfig) -> None:
        assert settings.oidc_client_id
        self.settings = settings
        self.client_id = settings.oidc_client_id
        self.provider_name = settings.oidc_provider_name
        self.verifier = Verifier(replace(config, audience=self.client_id))
        self.timeout = settings.oidc_jwks_timeout
        self._opener = urllib.request.build_opener(_NoRedirects)
        self._endpoints: Endpoints | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> BrowserLogin | None:
        """The flow, or None when the login is off (`oidc_client_id` unset)."""
        config = OidcConfig.from_settings(settings)
        if config is None or not settings.oidc_client_id:
            return None
        return cls(settings, config)

    # -- the endpoints ------------------------------------------------------------------
    def endpoints(self) -> Endpoints:
        """The configured endpoints, or the discovery document's (fetched once)."""
        with self._lock:
            if self._endpoints is None:
                self._endpoints = self._find_endpoints()
            return self._endpoints

    def _find_endpoints(self) -> Endpoints:
        authorization = self.settings.oidc_authorization_url
        token = self.settings.oidc_token_url
        if not (authorization and token):
            issuer = self.settings.oidc_issuer or ""
            url = issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                document = json.loads(self._read(urllib.request.Request(
                    url, headers={"Accept": "application/json", "User-Agent": "termserver"})))
            except (OSError, ValueError) as exc:
                raise LoginFailed(f"the discovery document {url} could not be read ({exc})",
                                  _UNREACHABLE, 503) from None
            if not isinstance(document, dict) or document.get("issuer") != issuer:
                raise LoginFailed(f"the discovery document {url} does not name the issuer "
                                  f"{issuer}", _UNREACHABLE, 503)
            authorization = authorization or document.get("authorization_endpoint")
            token = token or document.get("token_endpoint")
        for name, value in (("authorization", authorization), ("token", token)):
            if not isinstance(value, str) or not trusted_url(value):
                raise LoginFailed(f"the provider's {name} endpoint {value!r} is not an "
                                  "https:// URL", _UNREACHABLE, 503)
        assert isinstance(authorization, str) and isinstance(token, str)
        return Endpoints(authorization, token)

    # -- the flow -----------------------------------------------------------------------
    def start(self, redirect_uri: str, next: str) -> tuple[str, Pending]:
        """The provider's URL to send the browser to, and what its cookie keeps."""
        pending = Pending(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                          verifier=secrets.token_urlsafe(48), next=next, started=time.time())
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(pending.verifier.encode()).digest()).decode().rstrip("=")
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": self.client_id,
            "redirect_uri": redirect_uri, "scope": "openid profile",
            "state": pending.state, "nonce": pending.nonce,
            "code_challenge": challenge, "code_challenge_method": "S256"})
        endpoint = self.endpoints().authorization
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", pending

    def finish(self, pending: Pending | None, params: dict[str, str],
               redirect_uri: str) -> Actor:
        """The user the provider's answer names, with the roles the ID token gives; or
        LoginFailed saying why not."""
        if pending is None:
            raise LoginFailed("OpenID Connect callback without a started login (no or an "
                              "unreadable pre-login cookie)", _START_AGAIN, 400)
        if time.time() - pending.started > PENDING_SECONDS:
            raise LoginFailed("OpenID Connect login took longer than "
                              f"{PENDING_SECONDS // 60} minutes", _START_AGAIN, 400)
        if not secrets.compare_digest(pending.state.encode(),
                                      params.get("state", "").encode()):
            raise LoginFailed("OpenID Connect callback with a state that is not the "
                              "login's (forged or from another login)", _START_AGAIN, 400)
        if "error" in params:
            error = params["error"][:100]
            described = params.get("error_description", "")[:300]
            raise LoginFailed(f"the identity provider answered {error}"
                              + (f": {described}" if described else ""),
                              _PROVIDER_REFUSED.format(error=error), 401)
        code = params.get("code", "")
        if not code:
            raise LoginFailed("OpenID Connect callback without a code", _START_AGAIN, 400)
        id_token = self._exchange(code, pending.verifier, redirect_uri)
        try:
            claims = self.verifier.claims(id_token)
            if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(
                    claims["nonce"].encode(), pending.nonce.encode()):
                raise Refused("its nonce is not the login's (a replayed or foreign ID token)")
            return Actor(name=self.verifier.name(claims),
                         grants=self.verifier.grants(claims), issuer=self.verifier.config.issuer)
        except Refused as refused:
            raise LoginFailed(f"the ID token was refused: {refused}", _TOKEN_REFUSED,
                              401) from None
        except IdentityProviderUnavailable as exc:
            raise LoginFailed(exc.message, _UNREACHABLE, 503) from None

    def _exchange(self, code: str, verifier: str, redirect_uri: str) -> str:
        """The ID token for `code`, from the token endpoint."""
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri, "client_id": self.client_id,
                "code_verifier": verifier}
        headers = {"Accept": "application/json", "User-Agent": "termserver",
                   "Content-Type": "application/x-www-form-urlencoded"}
        secret = self.settings.oidc_client_secret
        if secret is not None:
            pair = (f"{urllib.parse.quote(self.client_id, safe='')}:"
                    f"{urllib.parse.quote(secret.get_secret_value(), safe='')}")
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        url = self.endpoints().token
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(),
                                         headers=headers, method="POST")
        try:
            answer = json.loads(self._read(request))
        except urllib.error.HTTPError as exc:
            raise LoginFailed(f"the token endpoint refused the code: HTTP {exc.code} "
                              f"{_oauth_error(exc)}", _CODE_REFUSED, 401) from None
        except (OSError, ValueError) as exc:
            raise LoginFailed(f"the token endpoint {url} could not be reached or read "
                              f"({exc})", _UNREACHABLE, 503) from None
        token = answer.get("id_token") if isinstance(answer, dict) else None
        if not isinstance(token, str):
            raise LoginFailed("the token endpoint's answer holds no id_token",
                              _TOKEN_REFUSED, 401)
        return token

    def _read(self, request: urllib.request.Request) -> bytes:
        deadline = time.monotonic() + self.timeout
        with self._opener.open(request, timeout=self.timeout) as answer:
            data = b""
            while chunk := answer.read(65536):
                data += chunk
                if len(data) > MAX_ANSWER_BYTES:
                    raise ValueError(f"the answer is larger than {MAX_ANSWER_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the answer took longer than {self.timeout:g} s")
        return data


def _oauth_error(exc: urllib.error.HTTPError) -> str:
    """The OAuth error code of a refusal (`invalid_grant`…), if its body names one."""
    try:
        body = json.loads(exc.read(65536) or b"{}")
    except (OSError, ValueError):
        return ""
    if isinstance(body, dict):
        return " ".join(str(body.get(k, ""))[:200] for k in ("error", "error_description")
                        if body.get(k)).strip()
    return ""


_START_AGAIN = ("Login via identitetsudbyderen kunne ikke gennemføres, fordi svaret ikke "
                "hørte til et login, der var startet i denne browser (eller det tog mere end "
                "10 minutter). Tillad cookies for denne side, og start forfra med knappen "
                "nedenfor.")
_PROVIDER_REFUSED = ("Identitetsudbyderen afviste login ({error}). Prøv igen, eller spørg "
                     "IT-afdelingen, om du har adgang til termserveren.")
_CODE_REFUSED = ("Identitetsudbyderen ville ikke udlevere et ID-token for login-koden (den "
                 "kan være brugt eller udløbet). Start forfra med knappen nedenfor.")
_TOKEN_REFUSED = ("ID-tokenet fra identitetsudbyderen blev afvist, så du er ikke logget "
                  "ind. Start forfra; sker det igen, så bed en administrator se i "
                  "revisionsloggen, hvorfor.")
_UNREACHABLE = ("Identitetsudbyderen kunne ikke nås eller svarede ikke som forventet. Prøv "
                "igen om lidt, eller log ind med brugernavn og adgangskode.")
