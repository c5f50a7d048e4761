"""`termserver check-data`: verify a data directory before a replica serves it."""

from __future__ import annotations

import sys

import click

from ..datacheck import check_data_dir
from .common import handle_errors, json_option, print_json, settings_from


@click.command("check-data")
@json_option
@click.pass_context
@handle_errors
def check_data_command(ctx: click.Context, as_json: bool) -> None:
    """Verify every release's checksum and the search index, without writing anything.

    Exit 0 when the data directory can be served as it is, 1 when something is damaged
    or the index does not cover the releases (each problem is named with its fix).
    """
    settings = settings_from(ctx)

    def progress(number: int, total: int, name: str) -> None:
        if not as_json:
            click.echo(f"[{number}/{total}] checking {name}", err=True)

    result = check_data_dir(settings.data_dir, settings.search_backend, progress)
    if as_json:
        print_json(result.as_dict())
    else:
        for release in result.releases:
            state = "ok" if release.problem is None else f"DAMAGED: {release.problem}"
            click.echo(f"{release.scheme} {release.version}: {state}")
        for resource in result.resources:
            state = "ok" if resource.problem is None else f"DAMAGED: {resource.problem}"
            click.echo(f"{resource.name}: {state}")
        index = "ok" if result.index_problem is None else result.index_problem
        click.echo(f"search index ({result.backend}): {index}")
        click.echo(f"{settings.data_dir}: "
                   + ("ready to serve" if result.ok else "NOT ready to serve"))
    if not result.releases and not as_json:
        click.echo(f"termserver: {settings.data_dir} has no published releases.", err=True)
    sys.exit(0 if result.ok else 1)


COMMANDS = [check_data_command]
