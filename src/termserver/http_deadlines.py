"""Deadlines for reading a request, which uvicorn does not have.

uvicorn closes idle keep-alive connections (`timeout_keep_alive`) but never times out a
connection that has not finished sending its request: one that sends nothing, its
headers a byte at a time, or a 10 MB body at a trickle stays open for as long as the
client likes (60 such connections once held a server for a minute). Two deadlines here:

- headers: a connection must deliver a request's complete headers within
  `http_header_timeout` seconds of opening, or of the first byte of its next request;
  otherwise it is closed (a connection that never sent a byte is closed without a word);
- body: the whole body must arrive within `http_body_timeout` seconds after the headers;
  otherwise the client is answered 408 with the error envelope and the connection closed.

`with_deadlines(base, …)` subclasses the protocol `serve` runs (httptools based);
`connection_limits(settings, …)` gives `serve` these with uvicorn's own limits.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson

from .errors import error_envelope
from .settings import Settings

log = logging.getLogger(__name__)

BODY_TIMEOUT_FLAG = "termserver.body_timeout"
"""Set in a request's ASGI scope when its body was cut off, so the app's handler for the
resulting disconnect does not log it a second time."""


def _timeout_response(seconds: float) -> bytes:
    body = orjson.dumps(error_envelope(
        "request_timeout",
        f"The request body did not arrive within {seconds:g} s of its headers, so the "
        "connection was closed. Send it faster, or ask the operator to raise "
        "http_body_timeout.", {"timeout_seconds": seconds}))
    return (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
            b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n"
            + body)


def with_deadlines(base: type, header_timeout: float, body_timeout: float) -> type:
    """`base` (an httptools protocol class) with header and body deadlines."""

    class DeadlineProtocol(base):  # type: ignore[misc, valid-type]
        _deadline: asyncio.TimerHandle | None = None
        _request_started = False

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm(header_timeout, self._headers_too_slow)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._request_started = True
            if self._deadline is None:  # a next request on a kept-alive connection
                self._arm(header_timeout, self._headers_too_slow)

        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            self._arm(body_timeout, self._body_too_slow)

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._disarm()
            self._request_started = False

        def _arm(self, seconds: float, handler: Any) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, handler)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _headers_too_slow(self) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            if self._request_started:
                log.warning("closed the connection from %s: its request headers were not "
                            "complete within %g s (http_header_timeout)", self._peer(),
                            header_timeout)
            self.transport.close()

        def _body_too_slow(self) -> None:
            self._deadline = None
            cycle = self.cycle
            if self.transport.is_closing() or cycle is None or cycle.response_complete:
                return
            log.warning("closed the connection from %s: the body of %s %s was not complete "
                        "within %g s (http_body_timeout)", self._peer(),
                        self.scope.get("method"), self.scope.get("path"), body_timeout)
            self.scope[BODY_TIMEOUT_FLAG] = True
            if not cycle.response_started:
                self.transport.write(_timeout_response(body_timeout))
            cycle.disconnected = True  # the app hears of it now, and sends nothing more
            cycle.message_event.set()
            self.transport.close()

        def _peer(self) -> str:
            return self.client[0] if self.client else "?"

    DeadlineProtocol.__name__ = DeadlineProtocol.__qualname__ = f"Deadline{base.__name__}"
    return DeadlineProtocol


def connection_limits(settings: Settings, protocol: type) -> dict[str, Any]:
    """uvicorn.run options for `settings`' connection limits, over the protocol `protocol`."""
    return {
        "http": with_deadlines(protocol, settings.http_header_timeout,
                               settings.http_body_timeout),
        "timeout_keep_alive": settings.http_keep_alive_timeout,
        "limit_concurrency": settings.http_max_connections,
    }
