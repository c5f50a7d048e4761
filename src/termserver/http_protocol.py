"""uvicorn's HTTP protocol, with each response written to the socket in one piece.

uvicorn writes a response's status line and headers as soon as the app starts the
response, and the body in a second write. A replica killed between the two (SIGKILL,
the OOM killer) leaves a client with headers and no body, and a load balancer cannot
send that request again: it has already passed the headers on. Behind HAProxy, 3 of 15
SIGKILLs under load cut a response this way (docs/operations.md).

Writes made in the same event-loop step are joined and handed to the socket together at
the end of the step; a response that the app sends in one go (every JSON answer, every
page) then reaches the kernel whole or not at all. Killed before, the balancer sees a
connection closed without an answer and retries it on another replica; killed after, the
kernel still delivers what it holds. A streamed body goes out chunk by chunk as before.
It also saves a system call per response.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _JoinedWrites:
    """The connection's transport, with the writes of one event-loop step joined."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class WholeResponseProtocol(HttpToolsProtocol):
    """`uvicorn.run(app, http=WholeResponseProtocol)`: httptools, writes joined per step."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_JoinedWrites(transport, self.loop))  # type: ignore[arg-type]
