"""`termserver history SCHEME CODE`: every release and draft edit that touched a concept.

The same answer as GET /api/v1/schemes/{scheme}/concepts/{code}/history (`--json` prints
its body): the published history for anyone, the draft edits too with a token (--token
or TERMSERVER_TOKEN) holding editor, reviewer or publisher on the scheme. Without a
token the authoring database is not opened at all.
"""

from __future__ import annotations

from typing import Any

import click

from ..authoring import history as draft_history
from ..authoring import tokens
from ..history import history_body, with_drafts
from .common import handle_errors, json_option, print_json, services_from
from .users import _open, token_option


@click.command("history")
@click.argument("scheme")
@click.argument("code")
@token_option
@json_option
@click.pass_context
@handle_errors
def history_command(ctx: click.Context, scheme: str, code: str, token: str | None,
                    as_json: bool) -> None:
    """What happened to a concept, release by release, and in drafts (with a token)."""
    store = services_from(ctx).store
    credential = token.strip() if token and token.strip() else None
    identify = (lambda db: tokens.authenticate(db, credential)) if credential else None
    drafts = draft_history.drafts_for(lambda: _open(ctx), identify, scheme, code)
    body = with_drafts(store, history_body(store, scheme, code), drafts)
    if as_json:
        print_json(body)
        return
    _print(body)


def _print(body: dict[str, Any]) -> None:
    click.echo(f"{body['scheme']} {body['code']}  {body['label'] or ''}".rstrip())
    for entry in body["releases"]:
        fields = ", ".join(f["field"] for f in entry["fields"])
        line = f"  {entry['version']:<14} {entry['change']}" + (f": {fields}" if fields else "")
        if entry["draft"] is not None:
            line += f"  (draft {entry['draft']})"
        if entry["unchanged_through"]:
            line += f"  — unchanged through {entry['unchanged_through']}"
        click.echo(line)
    drafts = body["drafts"]
    if not drafts["included"]:
        click.echo(f"drafts left out: {drafts['reason']}")
        return
    if not drafts["edits"]:
        click.echo("no draft edits")
    for edit in drafts["edits"]:
        fields = ", ".join(f["field"] for f in edit["fields"])
        comment = f" — {edit['comment']}" if edit["comment"] else ""
        click.echo(f"  draft {edit['draft']} ({edit['draft_status']}) edit {edit['edit']} "
                   f"{edit['kind']} by {edit['author']} at {edit['at']}: {fields}{comment}")


COMMANDS = [history_command]
