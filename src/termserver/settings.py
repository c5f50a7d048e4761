"""The one settings object every entry point builds: CLI, server and tests alike."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_VOCAB_DIR = Path(__file__).resolve().parents[2] / "vocab"
OIDC_GRANT = re.compile(r"(editor|reviewer|publisher|admin):(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,99})")
"""A grant in `oidc_role_map`: `role:scheme`. The roles are the authoring side's
grantable ones (termserver.authoring.models.GRANTABLE_ROLES; a test keeps them equal),
spelled out here because the settings never import the authoring side."""
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def trusted_url(value: str) -> bool:
    """https, or plain http on the loopback address: a URL an attacker in the network
    path cannot answer."""
    url = urlsplit(value)
    return url.scheme == "https" or (url.scheme == "http" and url.hostname in _LOOPBACK)


class Settings(BaseSettings):
    """Runtime configuration, read from `TERMSERVER_*` environment variables.

    Every field is documented in docs/settings.md; a test keeps the two in step.
    """

    model_config = SettingsConfigDict(env_prefix="TERMSERVER_", extra="forbid")

    data_dir: Path = Field(
        default=Path("data"),
        description="Directory holding published releases and the search index.",
    )
    vocab_dir: Path = Field(
        default=REPO_VOCAB_DIR,
        description="Our own SKOS sources (catalogue, crosswalks, search words); "
        "`termserver serve` publishes them from here on start.",
    )
    search_backend: str = Field(
        default="tantivy",
        description="Search engine: `tantivy` (default, fast) or `whoosh` (pure Python).",
    )
    host: str = Field(default="127.0.0.1", description="Address `termserver serve` binds to.")
    port: int = Field(default=8000, description="Port `termserver serve` listens on.")
    sparql_timeout: float = Field(
        default=5.0, description="Seconds a SPARQL query may run before it is stopped."
    )
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024,
        description="Largest document accepted for validation (bytes); larger gets HTTP 413.",
    )
    max_xml_depth: int = Field(
        default=256, description="Deepest element nesting accepted in an XML document."
    )
    reload_interval: float = Field(
        default=2.0, ge=0,
        description="Seconds between `termserver serve`'s checks of the data directory for "
        "newly published releases, which it then loads without a restart (0 turns it off).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the authoring database (users, tokens, roles, audit): "
        "unset means the SQLite file `authoring.sqlite3` in `data_dir`; PostgreSQL as "
        "`postgresql+psycopg://user:password@host:5432/dbname`.",
    )
    worker_processes: int = Field(
        default=2, ge=1,
        description="Processes that run validation and exports off the event loop (forked "
        "from the loaded server on first use, sharing its memory copy-on-write).",
    )
    sparql_max_concurrent: int = Field(
        default=2, ge=1,
        description="SPARQL queries evaluated at the same time (each in its own process).",
    )
    busy_queue_seconds: float = Field(
        default=5.0, ge=0,
        description="Seconds a validation, export or SPARQL request waits for a free worker "
        "before it is answered 503 with Retry-After.",
    )
    busy_queue_length: int = Field(
        default=16, ge=0,
        description="Requests of one kind (validation/export, SPARQL) that may wait for a "
        "worker; more are answered 503 with Retry-After after busy_refusal_delay.",
    )
    busy_refusal_delay: float = Field(
        default=1.0, ge=0, le=30,
        description="Seconds a request that finds the workers busy and the queue full "
        "waits before its 503: a client that ignores Retry-After then sends a request a "
        "second per connection instead of as fast as the server can refuse them.",
    )
    sparql_max_rows: int = Field(
        default=10_000, ge=1,
        description="Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) a SPARQL answer may "
        "hold; a larger one is refused with HTTP 400 `result_too_large`.",
    )
    sparql_max_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1,
        description="Largest serialised SPARQL answer (bytes); larger is refused with HTTP "
        "400 `result_too_large`.",
    )
    cache_max_entries: int = Field(
        default=20_000, ge=1,
        description="Entries each in-memory memo keeps (rendered responses, search results, "
        "index terms); the least recently used go first.",
    )
    cache_max_bytes: int = Field(
        default=64 * 1024 * 1024, ge=0,
        description="Approximate bytes each in-memory memo keeps; the least recently used "
        "entries go first.",
    )
    http_header_timeout: float = Field(
        default=10.0, gt=0,
        description="Seconds a connection has to send a request's headers, from connecting "
        "or from a next request's first byte; then it is closed.",
    )
    http_body_timeout: float = Field(
        default=30.0, gt=0,
        description="Seconds a client has to send a request's whole body after its "
        "headers; then it is answered 408 and the connection closed.",
    )
    http_keep_alive_timeout: float = Field(
        default=5.0, gt=0,
        description="Seconds an idle keep-alive connection stays open between requests.",
    )
    http_max_connections: int = Field(
        default=1000, ge=1,
        description="Open connections (or running requests) beyond which new requests are "
        "answered 503 at once.",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect: the identity provider's issuer (the `iss` its tokens "
        "carry). Set, with oidc_audience and oidc_jwks_url, to accept its bearer JWTs "
        "beside termserver tokens; unset (the default), only termserver tokens count.",
    )
    oidc_audience: str | None = Field(
        default=None,
        description="OpenID Connect: the audience (`aud`) a token must name: termserver's "
        "client id at the provider.",
    )
    oidc_jwks_url: str | None = Field(
        default=None,
        description="OpenID Connect: the URL of the provider's signing keys (JWKS), the "
        "only place keys are fetched from (https, or http on the loopback address).",
    )
    oidc_roles_claim: str = Field(
        default="roles",
        description="OpenID Connect: the claim holding the caller's roles (a list, or "
        "values separated by spaces); a dotted path reaches into objects "
        "(`realm_access.roles`). Values `termserver:<role>:<scheme>` are grants.",
    )
    oidc_role_map: dict[str, list[str]] = Field(
        default_factory=dict,
        description="OpenID Connect: other claim values (the provider's group names) and "
        "the grants each gives, as JSON: "
        '`{"Metodeteam": ["editor:catalogue", "reviewer:catalogue"]}`.',
    )
    oidc_username_claim: str = Field(
        default="preferred_username",
        description="OpenID Connect: the claim naming the acting user (`sub` when the "
        "token lacks it).",
    )
    oidc_leeway: float = Field(
        default=60.0, ge=0, le=600,
        description="OpenID Connect: seconds of clock difference allowed when checking a "
        "token's exp and nbf.",
    )
    oidc_jwks_cache_seconds: float = Field(
        default=3600.0, ge=0,
        description="OpenID Connect: seconds the provider's key set is used before it is "
        "fetched again.",
    )
    oidc_jwks_refetch_seconds: float = Field(
        default=60.0, ge=0,
        description="OpenID Connect: the key set is fetched at most once in this many "
        "seconds, however many tokens name a key it lacks (the provider rotated its keys).",
    )
    oidc_jwks_timeout: float = Field(
        default=5.0, gt=0, le=60,
        description="OpenID Connect: seconds fetching the key set may take.",
    )
    oidc_client_id: str | None = Field(
        default=None,
        description="OpenID Connect login to the web pages: termserver's client id at the "
        "provider (the `aud` of its ID tokens). Set, with oidc_issuer, to offer "
        "\"Log ind med <provider>\" on /redaktion/login; unset, only passwords log in.",
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None,
        description="OpenID Connect login: the client secret, if the provider gave one "
        "(sent to the token endpoint with HTTP Basic); unset for a public client (PKCE only).",
    )
    oidc_authorization_url: str | None = Field(
        default=None,
        description="OpenID Connect login: the provider's authorization endpoint; unset, "
        "read from {oidc_issuer}/.well-known/openid-configuration.",
    )
    oidc_token_url: str | None = Field(
        default=None,
        description="OpenID Connect login: the provider's token endpoint; unset, read from "
        "{oidc_issuer}/.well-known/openid-configuration.",
    )
    oidc_redirect_base: str | None = Field(
        default=None,
        description="OpenID Connect login: the server's public address (`https://"
        "termer.kommune.dk`); the provider sends the browser back to "
        "{base}/redaktion/login/oidc. Unset, the address the request came to.",
    )
    oidc_provider_name: str = Field(
        default="organisationens login",
        description="OpenID Connect login: the provider's name on the login button "
        "(\"Log ind med <name>\").",
    )
    session_idle_minutes: float = Field(
        default=120.0, gt=0,
        description="Minutes a login to the web pages under /redaktion lasts without use; "
        "then the browser is sent to the login page again.",
    )
    session_max_hours: float = Field(
        default=12.0, gt=0,
        description="Hours a login to the web pages lasts at most, however much it is used.",
    )
    login_max_failures: int = Field(
        default=5, ge=1,
        description="Failed logins to the web pages one user name may have within "
        "login_failure_window_minutes; more are refused without checking the password.",
    )
    login_max_failures_per_address: int = Field(
        default=20, ge=1,
        description="Failed logins from one client address (any user names) within "
        "login_failure_window_minutes; more are refused likewise.",
    )
    login_failure_window_minutes: float = Field(
        default=15.0, gt=0,
        description="The window the failed-login limits count in.",
    )

    fhir_package_registry: str = Field(
        default="https://packages.fhir.org",
        description="FHIR package registry `termserver import --package` and `serve` fetch "
        "packages from (GET {registry}/{name}/{version} answers the .tgz).",
    )
    fhir_package_cache: Path = Field(
        default=Path("~/.fhir/packages"),
        description="The FHIR package cache fetched packages are unpacked into "
        "({cache}/{name}#{version}/package/); a package already there is not fetched.",
    )
    fhir_package_timeout: float = Field(
        default=60.0, gt=0,
        description="Seconds `termserver import --package` may spend fetching a package.",
    )
    fhir_package_max_bytes: int = Field(
        default=100 * 1024 * 1024, ge=1,
        description="Largest package archive fetched from the registry (bytes).",
    )
    serve_packages: list[str] = Field(
        default_factory=lambda: ["kl.dk.fhir.term#2.3.0"],
        description="FHIR packages `termserver serve` imports when they are not imported "
        "yet (name#version, as JSON), in the background; an empty list turns it off.",
    )
    serve_package_timeout: float = Field(
        default=5.0, gt=0, le=60,
        description="Seconds `termserver serve` tries to fetch each of serve_packages "
        "before it says what it could not fetch and goes on with what it has.",
    )

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        """OpenID Connect needs issuer, audience and key set together, a key set URL an
        attacker in the network path cannot answer, and a role map of known roles."""
        trio = {"oidc_issuer": self.oidc_issuer, "oidc_audience": self.oidc_audience,
                "oidc_jwks_url": self.oidc_jwks_url}
        given = [name for name, value in trio.items() if value]
        if given and len(given) < len(trio):
            missing = [f"TERMSERVER_{n.upper()}" for n in trio if n not in given]
            raise ValueError(f"OpenID Connect needs TERMSERVER_OIDC_ISSUER, _AUDIENCE and "
                             f"_JWKS_URL together; missing: {', '.join(missing)}")
        if self.oidc_jwks_url:
            url = urlsplit(self.oidc_jwks_url)
            if not (url.scheme == "https" or (url.scheme == "http"
                                              and url.hostname in _LOOPBACK)):
                raise ValueError("TERMSERVER_OIDC_JWKS_URL must be an https:// URL (plain "
                                 "http only on the loopback address)")
        if self.oidc_client_id and not self.oidc_issuer:
            raise ValueError("TERMSERVER_OIDC_CLIENT_ID needs TERMSERVER_OIDC_ISSUER, "
                             "_AUDIENCE and _JWKS_URL too (the ID token is checked with them)")
        for name in ("oidc_authorization_url", "oidc_token_url", "oidc_redirect_base"):
            value = getattr(self, name)
            if value and not trusted_url(value):
                raise ValueError(f"TERMSERVER_{name.upper()} must be an https:// URL (plain "
                                 "http only on the loopback address)")
        for value, grants in self.oidc_role_map.items():
            for grant in grants:
                if not OIDC_GRANT.fullmatch(grant):
                    raise ValueError(
                        f"TERMSERVER_OIDC_ROLE_MAP: {value!r} maps to {grant!r}, which is "
                        "not role:scheme with a role of editor, reviewer, publisher or "
                        'admin (e.g. "editor:catalogue", "admin:*")')
        return self
