"""`termserver`: the command line. Each command lives in a small module of its own."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from .. import __version__
from .common import build_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data directory (default: $TERMSERVER_DATA_DIR or ./data).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
@click.version_option(__version__, prog_name="termserver")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, verbose: bool) -> None:
    """termserver: shared terminology for Danish municipal social, employment and health work."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = {"settings": build_settings(data_dir)}


def _register() -> None:
    from . import (
        check,
        draft_publish,
        draft_workflow,
        drafts,
        history,
        imports,
        interventions,
        progression,
        reads,
        serve,
        users,
        validate,
    )

    for module in (serve, imports, reads, history, interventions, validate, progression, check,
                   users, drafts, draft_workflow, draft_publish):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
