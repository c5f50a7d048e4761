"""OpenID Connect bearer JWTs: keys made here, the key set served by a real HTTP server on
127.0.0.1 (ports 18800–18899), tokens checked by the running app on SQLite and PostgreSQL.

A valid token acts with the roles its claims give, per scheme; a token with the wrong
issuer or audience, expired or not yet valid, with a bad signature, unsigned, HMAC-signed
with the public key, or signed with a key the key set does not hold is refused with 401
naming what failed, and audited; with OpenID Connect off a JWT is refused as before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from termserver.api import create_app
from termserver.authoring import users
from termserver.authoring.db import AuthoringDB
from termserver.authoring.models import GRANTABLE_ROLES
from termserver.authoring.permissions import ANONYMOUS
from termserver.services import Services
from termserver.settings import OIDC_GRANT, Settings

from .conftest import bearer
from .drafting import make_store

PORTS = range(18800, 18900)
ISSUER = "https://login.kommune.example/realms/metode"
AUDIENCE = "termserver"


def _free_socket() -> socket.socket:
    for port in PORTS:
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        return sock
    pytest.fail(f"no free port in {PORTS.start}–{PORTS.stop - 1} for the key set server")


@dataclass
class Provider:
    """The identity provider's side: its keys, the key set it serves, what was asked."""

    port: int
    keys: dict[str, Any] = field(default_factory=dict)
    """kid → private key; the served key set holds the public halves of `published`."""
    published: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/jwks.json"

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid in self.published:
            key = self.keys[kid]
            if isinstance(key, rsa.RSAPrivateKey):
                jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
                jwk["alg"] = "RS256"
            else:
                jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
            out.append({**jwk, "kid": kid, "use": "sig"})
        return {"keys": out}

    def sign(self, kid: str, alg: str = "RS256", *, signer: str | None = None,
             headers: dict[str, Any] | None = None, **claims: Any) -> str:
        """A token from `kid` (signed by `signer`'s key if given), valid for 5 minutes,
        as user mette with the claims given (None removes a claim)."""
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "b6f3c0de", "iat": now,
                "exp": now + 300, "preferred_username": "mette", **claims}
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, self.keys[signer or kid], algorithm=alg,
                          headers={"kid": kid, **(headers or {})})


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {"rsa-1": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ec-1": ec.generate_private_key(ec.SECP256R1()),
            "rsa-2": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "attacker": rsa.generate_private_key(public_exponent=65537, key_size=2048)}


@pytest.fixture
def provider(keys: dict[str, Any]) -> Iterator[Provider]:
    """A real HTTP server on 127.0.0.1 serving the key set at /jwks.json (and a redirect
    to it at /moved), counting every request."""
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    state = Provider(port=port, keys=keys, published=["rsa-1", "ec-1"])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", state.url)
                self.end_headers()
                return
            if self.path != "/jwks.json":
                self.send_error(404)
                return
            body = json.dumps(state.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _settings(tmp_path, database_url: str | None, **oidc: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "no-vocab",
                    database_url=database_url, **oidc)


def _oidc(provider: Provider, **more: Any) -> dict[str, Any]:
    return {"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks_url": provider.url,
            "oidc_role_map": {"Metodeteam": ["editor:catalogue", "reviewer:catalogue"]},
            **more}


@pytest.fixture
def client_for(tmp_path, database_url: str | None) -> Iterator[Any]:
    """Start the app with these OpenID Connect settings (over the drafting store)."""
    apps = []

    def start(**oidc: Any) -> TestClient:
        settings = _settings(tmp_path, database_url, **oidc)
        app = create_app(settings, Services(settings=settings, store=make_store()))
        client = TestClient(app)
        client.__enter__()
        apps.append((app, client))
        return client

    yield start
    for app, client in apps:
        client.__exit__(None, None, None)
        opened = getattr(app.state, "authoring_db", None)
        if opened is not None:
            opened.dispose()


@pytest.fixture
def api(client_for: Any, provider: Provider) -> TestClient:
    return client_for(**_oidc(provider))


def _last_audit(api: TestClient, provider: Provider) -> dict[str, Any]:
    """The newest audit entry before this read, read with an admin's JWT."""
    admin = provider.sign("rsa-1", preferred_username="root", roles=["termserver:admin:*"])
    entries = api.get("/api/v1/audit", headers=bearer(admin)).json()["entries"]
    return next(e for e in entries if e["action"] != "audit.read")


def test_a_valid_token_acts_with_its_roles(api: TestClient, provider: Provider) -> None:
    token = provider.sign("rsa-1", roles=["termserver:editor:catalogue", "offline_access"])
    me = api.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json() == {"name": "mette", "anonymous": False, "token": None,
                         "issuer": ISSUER, "roles": [{"role": "reader", "scheme": "*"},
                                                     {"role": "editor",
                                                      "scheme": "catalogue"}]}
    made = api.post("/api/v1/drafts", headers=bearer(token),
                    json={"scheme": "catalogue", "title": "Fra OIDC"})
    assert made.status_code == 201, made.text
    assert made.json()["created_by"] == "mette"
    entry = _last_audit(api, provider)
    assert (entry["actor"], entry["action"], entry["outcome"]) == \
        ("mette", "draft.create", "ok")
    assert provider.requests == ["/jwks.json"]  # fetched once, then cached


def test_es256_and_the_role_map(api: TestClient, provider: Provider) -> None:
    token = provider.sign("ec-1", "ES256", roles="Metodeteam Andet",
                          preferred_username=None)
    me = api.get("/api/v1/me", headers=bearer(token)).json()
    assert me["name"] == "b6f3c0de"  # no preferred_username: sub
    assert {(r["role"], r["scheme"]) for r in me["roles"]} == {
        ("reader", "*"), ("editor", "catalogue"), ("reviewer", "catalogue")}


def test_a_nested_roles_claim(client_for: Any, provider: Provider) -> None:
    api = client_for(**_oidc(provider, oidc_roles_claim="realm_access.roles",
                             oidc_username_claim="email"))
    token = provider.sign("rsa-1", email="mette@kommune.example",
                          realm_access={"roles": ["termserver:publisher:catalogue"]})
    me = api.get("/api/v1/me", headers=bearer(token)).json()
    assert me["name"] == "mette@kommune.example"
    assert {"role": "publisher", "scheme": "catalogue"} in me["roles"]


def test_roles_from_claims_hold_per_scheme(api: TestClient, provider: Provider) -> None:
    editor = provider.sign("rsa-1", roles=["termserver:editor:catalogue"])
    refused = api.post("/api/v1/drafts", headers=bearer(editor),
                       json={"scheme": "other", "title": "x"})
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert "needs the role editor on other" in error["message"]
    assert "mette has: editor on catalogue" in error["message"]
    assert error["details"]["missing_role"] == "editor"
    official = api.post("/api/v1/drafts", headers=bearer(
        provider.sign("rsa-1", roles=["termserver:editor:*"])),
        json={"scheme": "fsiii", "title": "x"})
    assert official.status_code == 403
    assert "granted on fsiii by name" in official.json()["error"]["message"]
    reviewer = provider.sign("rsa-1", roles=["termserver:reviewer:catalogue",
                                             "termserver:owner:catalogue"])
    refused = api.post("/api/v1/drafts", headers=bearer(reviewer),
                       json={"scheme": "catalogue", "title": "x"})
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["held"] == ["reviewer on catalogue"]
    entry = _last_audit(api, provider)
    assert (entry["actor"], entry["outcome"], entry["scheme"]) == \
        ("mette", "denied", "catalogue")


def _unsigned(provider: Provider, alg: str, secret: bytes = b"") -> str:
    """A token with `alg` none or HS256, made by hand (no library makes these from a
    public key): what an attacker would send."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    header = b64(json.dumps({"alg": alg, "kid": "rsa-1", "typ": "JWT"}).encode())
    payload = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 300,
                              "preferred_username": "mallory",
                              "roles": ["termserver:admin:*"]}).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest() if secret else b""
    return f"{header}.{payload}.{b64(signature)}"


def _public_pem(provider: Provider) -> bytes:
    return provider.keys["rsa-1"].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


REFUSALS: dict[str, tuple[Any, str]] = {
    "wrong issuer": (lambda p: p.sign("rsa-1", iss="https://evil.example"),
                     "its issuer (iss) 'https://evil.example' is not the configured"),
    "wrong audience": (lambda p: p.sign("rsa-1", aud="another-app"),
                       "its audience (aud) 'another-app' does not include 'termserver'"),
    "expired": (lambda p: p.sign("rsa-1", exp=int(time.time()) - 3600), "it expired at"),
    "not yet valid": (lambda p: p.sign("rsa-1", nbf=int(time.time()) + 3600),
                      "it is not valid before"),
    "no exp": (lambda p: p.sign("rsa-1", exp=None), "it has no exp claim"),
    "bad signature": (lambda p: p.sign("rsa-1", signer="attacker"),
                      "its signature does not verify with the provider's key rsa-1"),
    "tampered": (lambda p: _tamper(p.sign("rsa-1")), "its signature does not verify"),
    "alg none": (lambda p: _unsigned(p, "none"), "it is unsigned (alg none)"),
    "HS256 with the public key": (lambda p: _unsigned(p, "HS256", _public_pem(p)),
                                  "signed with a shared secret (HS256)"),
    "unknown kid": (lambda p: p.sign("rsa-9", signer="attacker"),
                    "signed with the key 'rsa-9', which the key set"),
    "key of another kind": (lambda p: p.sign("rsa-1", "ES256", signer="ec-1"),
                            "it says ES256, but the provider's key rsa-1 is a RSA key"),
    "not a JWT": (lambda p: "abc.def.ghi", "it is not a well-formed JWT"),
}


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["termserver:admin:*"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_are_401_naming_what_failed(api: TestClient, provider: Provider,
                                             case: str) -> None:
    make, message = REFUSALS[case]
    answer = api.post("/api/v1/drafts", headers=bearer(make(provider)),
                      json={"scheme": "catalogue", "title": "x"})
    assert answer.status_code == 401, answer.text
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    error = answer.json()["error"]
    assert error["code"] == "unauthorized"
    assert "The OpenID Connect token was refused: " in error["message"]
    assert message in error["message"]
    entry = _last_audit(api, provider)
    assert (entry["actor"], entry["action"], entry["outcome"]) == \
        (None, "draft.create", "denied")
    assert message in entry["reason"] and entry["detail"]["status"] == 401


def test_unknown_key_ids_refetch_the_key_set_at_most_every_n_seconds(
        api: TestClient, provider: Provider) -> None:
    assert api.get("/api/v1/me", headers=bearer(provider.sign("rsa-1"))).status_code == 200
    for n in range(20):
        made_up = provider.sign(f"made-up-{n}", signer="attacker")
        assert api.get("/api/v1/me", headers=bearer(made_up)).status_code == 401
    assert provider.requests == ["/jwks.json"]  # once at first, none for the made-up kids


def test_a_rotated_key_is_fetched(client_for: Any, provider: Provider) -> None:
    api = client_for(**_oidc(provider, oidc_jwks_refetch_seconds=0.5))
    assert api.get("/api/v1/me", headers=bearer(provider.sign("rsa-1"))).status_code == 200
    provider.published = ["rsa-2"]  # the provider rotates its key
    rotated = provider.sign("rsa-2")
    assert api.get("/api/v1/me", headers=bearer(rotated)).status_code == 401  # too soon
    assert len(provider.requests) == 1
    time.sleep(0.6)
    me = api.get("/api/v1/me", headers=bearer(rotated))
    assert me.status_code == 200, me.text
    assert len(provider.requests) == 2
    # the old key is gone from the set: its tokens are refused from now on
    old = api.get("/api/v1/me", headers=bearer(provider.sign("rsa-1")))
    assert old.status_code == 401


def test_keys_come_only_from_the_configured_url(api: TestClient, provider: Provider) -> None:
    """A token naming its own key set (jku) or carrying its own key (jwk) is checked
    against the provider's key set alone, and nothing is fetched from the token's URL."""
    attacker_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(
        provider.keys["attacker"].public_key(), as_dict=True)
    token = provider.sign("rsa-1", signer="attacker", headers={
        "jku": f"http://127.0.0.1:{provider.port}/attacker.json", "jwk": attacker_jwk})
    answer = api.get("/api/v1/me", headers=bearer(token))
    assert answer.status_code == 401
    assert "signature does not verify" in answer.json()["error"]["message"]
    assert provider.requests == ["/jwks.json"]


def test_with_oidc_off_a_jwt_is_refused_as_before(client_for: Any,
                                                  provider: Provider) -> None:
    api = client_for()
    answer = api.get("/api/v1/me", headers=bearer(provider.sign("rsa-1")))
    assert answer.status_code == 401
    message = answer.json()["error"]["message"]
    assert "not a termserver token" in message and "TERMSERVER_OIDC_ISSUER" in message
    assert provider.requests == []


def test_termserver_tokens_work_beside_jwts(api: TestClient, db_for: Any,
                                            provider: Provider) -> None:
    token = users.add_user(db_for(), ANONYMOUS, "admin", [], None).token
    me = api.get("/api/v1/me", headers=bearer(token)).json()
    assert (me["name"], me["token"], me["issuer"]) == ("admin", token[:12], None)
    assert provider.requests == []  # a termserver token never asks the provider


@pytest.fixture
def db_for(tmp_path, database_url: str | None) -> Iterator[Any]:
    opened: list[AuthoringDB] = []

    def open_() -> AuthoringDB:
        opened.append(AuthoringDB.from_settings(_settings(tmp_path, database_url)))
        return opened[-1]

    yield open_
    for db in opened:
        db.dispose()


def test_an_unreachable_provider_is_503_not_a_refusal(client_for: Any, provider: Provider
                                                      ) -> None:
    silent = _free_socket()
    silent.listen(1)  # accepts connections and never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/jwks.json"
        api = client_for(**{**_oidc(provider), "oidc_jwks_url": url,
                            "oidc_jwks_timeout": 0.5})
        started = time.monotonic()
        answer = api.get("/api/v1/me", headers=bearer(provider.sign("rsa-1")))
        assert time.monotonic() - started < 5
        assert answer.status_code == 503
        error = answer.json()["error"]
        assert error["code"] == "identity_provider_unavailable"
        assert url in error["message"] and "timed out" in error["message"]
        again = api.get("/api/v1/me", headers=bearer(provider.sign("rsa-1")))
        assert again.status_code == 503  # not tried again within the refetch interval
        assert time.monotonic() - started < 5
    finally:
        silent.close()


def test_a_redirect_is_not_followed(client_for: Any, provider: Provider) -> None:
    api = client_for(**{**_oidc(provider),
                        "oidc_jwks_url": f"http://127.0.0.1:{provider.port}/moved"})
    answer = api.get("/api/v1/me", headers=bearer(provider.sign("rsa-1")))
    assert answer.status_code == 503
    assert "redirect" in answer.json()["error"]["message"]
    assert provider.requests == ["/moved"]


def test_settings_refuse_a_half_or_unsafe_configuration(tmp_path) -> None:
    with pytest.raises(ValidationError, match="missing: TERMSERVER_OIDC_AUDIENCE"):
        Settings(oidc_issuer=ISSUER, oidc_jwks_url="https://login.example/jwks")
    with pytest.raises(ValidationError, match="must be an https:// URL"):
        Settings(oidc_issuer=ISSUER, oidc_audience=AUDIENCE,
                 oidc_jwks_url="http://login.example/jwks")
    with pytest.raises(ValidationError, match="'Metodeteam' maps to 'owner:catalogue'"):
        Settings(oidc_role_map={"Metodeteam": ["owner:catalogue"]})
    assert Settings(oidc_role_map={"Alle": ["admin:*"]}).oidc_role_map == {"Alle": ["admin:*"]}


def test_the_settings_know_the_grantable_roles() -> None:
    """settings.py spells the roles out (it never imports the authoring side)."""
    for role in GRANTABLE_ROLES:
        assert OIDC_GRANT.fullmatch(f"{role}:catalogue")
    assert not OIDC_GRANT.fullmatch("reader:catalogue")
