"""`serve`'s HTTP protocol hands each response to the socket in one write.

A replica killed between a response's headers and its body leaves the load balancer
with half a response it cannot retry (tests/test_loadbalanced.py kills one under load);
one write per response leaves the kernel either all of it or nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from termserver.api import create_app
from termserver.http_protocol import WholeResponseProtocol
from termserver.importers import ImportOptions
from termserver.publishing import import_paths
from termserver.settings import Settings

SMALL = Path(__file__).resolve().parent / "fixtures" / "small.ttl"


class RecordingTransport(asyncio.Transport):
    """A socket that keeps every write apart, as the kernel would receive them."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self.closed:  # as asyncio's: what comes after close() is dropped
            self.writes.append(bytes(data))

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("protocol")
    settings = Settings(data_dir=data / "data", vocab_dir=data / "no-vocab")
    import_paths(settings, [SMALL], ImportOptions())
    return create_app(settings)


def writes_for(protocol_class: type[HttpToolsProtocol], app, request: bytes) -> list[bytes]:
    """Serve one request through the protocol and return the socket writes it made."""

    async def serve() -> list[bytes]:
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        protocol = protocol_class(config=config, server_state=ServerState(), app_state={},
                                  _loop=asyncio.get_running_loop())
        transport = RecordingTransport()
        protocol.connection_made(transport)
        protocol.data_received(request)
        for _ in range(200):
            await asyncio.sleep(0.005)
            if protocol.cycle is not None and protocol.cycle.response_complete and \
                    transport.writes:
                break
        protocol.connection_lost(None)
        return transport.writes

    return asyncio.run(serve())


REQUEST = b"GET /api/v1/schemes/small/concepts/B HTTP/1.1\r\nHost: termserver\r\n\r\n"


def test_a_response_is_one_write(app) -> None:
    writes = writes_for(WholeResponseProtocol, app, REQUEST)
    assert len(writes) == 1, [w[:40] for w in writes]
    head, _, body = writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b'"code":"B"' in body
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    assert len(body) == length


def test_plain_uvicorn_writes_headers_and_body_apart(app) -> None:
    """What the protocol exists for: without it the two go out separately."""
    writes = writes_for(HttpToolsProtocol, app, REQUEST)
    assert len(writes) == 2 and writes[0].endswith(b"\r\n\r\n")


def test_a_closed_connection_gets_its_pending_bytes_first(app) -> None:
    request = REQUEST.replace(b"Host: termserver", b"Host: termserver\r\nConnection: close")
    writes = writes_for(WholeResponseProtocol, app, request)
    assert len(writes) == 1 and b'"code":"B"' in writes[0]
