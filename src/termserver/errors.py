"""The exception tree domain code raises; the API and CLI turn it into one error envelope.

Each error says what went wrong, where, and how to fix it, so that a caller can act
without reading our source.
"""

from __future__ import annotations

from typing import Any, ClassVar


class TermserverError(Exception):
    """Base class: carries an HTTP status, a stable machine code and details."""

    status_code = 500
    code = "internal_error"
    exit_code = 2

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def envelope(self) -> dict[str, Any]:
        """The one JSON error shape every endpoint and `--json` command returns."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class NotFound(TermserverError):
    status_code = 404
    code = "not_found"
    exit_code = 1


class BadRequest(TermserverError):
    status_code = 400
    code = "bad_request"
    exit_code = 2


class PayloadTooLarge(BadRequest):
    status_code = 413
    code = "payload_too_large"


class NotAcceptable(BadRequest):
    """The client's `Accept` header rules out every representation we have."""

    status_code = 406
    code = "not_acceptable"


class UnsupportedMediaType(BadRequest):
    status_code = 415
    code = "unsupported_media_type"


class ImportRefused(BadRequest):
    """An import that would lose or corrupt data; nothing was written."""

    status_code = 422
    code = "import_refused"


class DataDirDamaged(TermserverError):
    """A published release on disk cannot be read (edited, truncated, disk fault)."""

    status_code = 500
    code = "data_dir_damaged"
    exit_code = 2


class QueryTimeout(TermserverError):
    status_code = 503
    code = "query_timeout"
    exit_code = 1


class Unauthorized(TermserverError):
    """No valid token: the caller must say who they are (HTTP 401)."""

    status_code = 401
    code = "unauthorized"
    exit_code = 1
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="termserver"'}


class Forbidden(TermserverError):
    """A known caller without the role an action needs; the message names that role."""

    status_code = 403
    code = "forbidden"
    exit_code = 1


class DatabaseUnavailable(TermserverError):
    """The authoring database cannot be reached; reading releases is unaffected."""

    status_code = 503
    code = "database_unavailable"
    exit_code = 2


class Overloaded(TermserverError):
    """Every worker for this kind of request is busy and the queue is full or too slow.

    The answer is HTTP 503 with `Retry-After`: the request was fine, only the moment was
    not, so a client (or a load balancer) may send it again after that many seconds.
    """

    status_code = 503
    code = "overloaded"
    exit_code = 1

    def __init__(self, message: str, *, retry_after: int,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details={**(details or {}), "retry_after": retry_after})
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class ResultTooLarge(BadRequest):
    """A query's answer is over the configured row or byte limit; nothing was sent."""

    code = "result_too_large"


def error_envelope(code: str, message: str, details: dict[str, Any] | None = None) -> dict:
    """Envelope for errors that do not start as a TermserverError (e.g. FastAPI's 422)."""
    return {"error": {"code": code, "message": message, "details": details or {}}}
