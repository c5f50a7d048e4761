"""`termserver serve`: publish vocab/, load every release, serve HTTP, reload new ones."""

from __future__ import annotations

import gc
import logging
import socket
import sys

import click

from ..atomic import is_writable
from ..errors import TermserverError
from .common import os_error_message, settings_from

log = logging.getLogger(__name__)


@click.command("serve")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (default 8000).")
@click.option("--no-vocab", is_flag=True, help="Do not publish our own vocab/ sources on start.")
@click.pass_context
def serve_command(ctx: click.Context, host: str | None, port: int | None,
                  no_vocab: bool) -> None:
    """Serve the JSON API, Linked Data, SPARQL and the web pages."""
    import uvicorn

    from ..api import create_app
    from ..publishing import publish_vocab
    from ..reload import Reloader, fingerprint
    from ..services import open_services

    settings = settings_from(ctx)
    host = host or settings.host
    port = port or settings.port
    _check_address(host, port)
    try:
        if not no_vocab and not is_writable(settings.data_dir):
            click.echo(f"termserver: {settings.data_dir} is read-only: serving the releases "
                       "in it without publishing vocab/ (publish where it is writable).",
                       err=True)
            no_vocab = True
        published = None if no_vocab else publish_vocab(settings)
        for result in published.created if published else ():
            click.echo(f"published {result.info.scheme} {result.info.version} from vocab/",
                       err=True)
        for refused in published.refused if published else ():
            click.echo(f"NOT published: vocab/{refused.source} ({refused.scheme} "
                       f"{refused.version}) fails {len(refused.errors)} check(s); fix the "
                       "file and restart (the releases published before stay in service):",
                       err=True)
            for message in refused.errors[:10]:
                click.echo(f"  - {message}", err=True)
            if len(refused.errors) > 10:
                click.echo(f"  … and {len(refused.errors) - 10} more", err=True)
        loaded = fingerprint(settings)
        services = open_services(settings)
    except TermserverError as exc:
        click.echo(f"termserver: cannot start: {exc.message}", err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"termserver: cannot start: {os_error_message(exc)}", err=True)
        sys.exit(2)
    app = create_app(settings, services)
    reloader = Reloader(app.state, settings, loaded)
    app.state.reloader = reloader
    app.state.ready = True
    reloader.start()
    # The loaded store is millions of long-lived objects that never form garbage; moved
    # out of the collector's reach, a full collection no longer walks them mid-request.
    gc.collect()
    gc.freeze()
    releases = sum(1 for _ in services.store.releases())
    click.echo(f"termserver: {releases} releases from {settings.data_dir}; "
               f"listening on http://{host}:{port}", err=True)
    if settings.serve_packages and is_writable(settings.data_dir):
        from ..packages import install_missing_in_background

        # in the background: an unreachable registry never delays the start
        install_missing_in_background(settings, lambda line: click.echo(line, err=True))
    from ..http_deadlines import connection_limits
    from ..http_protocol import WholeResponseProtocol

    # a killed replica never leaves half a response; slow or idle clients are cut off
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                **connection_limits(settings, WholeResponseProtocol))


def _check_address(host: str, port: int) -> None:
    """Fail fast, with exit 2, on an address the server could never listen on.

    Port 99999 used to hang after printing "listening", and a port in use ended with
    uvicorn's own exit code 3.
    """
    if not 1 <= port <= 65535:
        click.echo(f"termserver: port {port} is not a TCP port (1-65535); check --port or "
                   "TERMSERVER_PORT.", err=True)
        sys.exit(2)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except OSError as exc:
        click.echo(f"termserver: cannot listen on {host}:{port}: {exc.strerror or exc}. "
                   "Choose another --port or --host.", err=True)
        sys.exit(2)


COMMANDS = [serve_command]
