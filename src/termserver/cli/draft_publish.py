"""`termserver draft publish|rebase`: an approved draft becomes a release.

The same functions as `/api/v1/drafts/{id}/publish|rebase`. A `termserver serve` on the
same data directory loads the new release at its next reload check, without a restart.
"""

from __future__ import annotations

from typing import Any

import click

from ..authoring import publish, rebase
from ..errors import BadRequest
from .common import handle_errors, json_option, print_json, services_from, settings_from
from .drafts import draft_group
from .users import _actor, _open, token_option


@draft_group.command("publish")
@click.argument("draft_id", type=int)
@click.option("--version", default=None,
              help="The new release's version (default: the scheme's next, e.g. 2026.3).")
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_publish(ctx: click.Context, draft_id: int, version: str | None, token: str | None,
                  as_json: bool) -> None:
    """Publish an approved, checked draft as a new release of its scheme."""
    db = _open(ctx)
    done = publish.publish(db, settings_from(ctx), services_from(ctx).store,
                           _actor(db, token), draft_id, version)
    if as_json:
        print_json(done)
        return
    click.echo(f"draft {draft_id} published as {done['scheme']} {done['version']}")
    click.echo(done["release_notes"].rstrip())


@draft_group.command("rebase")
@click.argument("draft_id", type=int)
@click.option("--take", multiple=True, metavar="CODE:FIELD=ours|theirs",
              help="How to settle a conflict the last attempt listed (FIELD * for the "
              "whole concept); once per conflict.")
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_rebase(ctx: click.Context, draft_id: int, take: tuple[str, ...],
                 token: str | None, as_json: bool) -> None:
    """Carry a draft over to its scheme's newest release, merging field by field."""
    db = _open(ctx)
    done = rebase.rebase(db, settings_from(ctx), services_from(ctx).store, _actor(db, token),
                         draft_id, _resolutions(take) or None)
    if as_json:
        print_json(done)
        return
    moved = done["rebased"]["base"]
    click.echo(f"draft {draft_id} rebased from {moved['before'] or '(new scheme)'} onto "
               f"{moved['after']}; now {done['status']}")
    for settled in done["rebased"]["resolved"]:
        click.echo(f"  {settled['code']} {settled['field']}: took {settled['took']}")


def _resolutions(values: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    chosen: dict[str, dict[str, Any]] = {}
    for value in values:
        where, _, side = value.rpartition("=")
        code, _, field = where.rpartition(":")
        if not code or not field or side not in ("ours", "theirs"):
            raise BadRequest(f"--take {value!r}: write CODE:FIELD=ours or CODE:FIELD=theirs, "
                             "e.g. --take 1.1:labels=theirs (FIELD * for the whole concept).")
        chosen.setdefault(code, {})[field] = side
    return chosen


COMMANDS: list[click.Command] = []
