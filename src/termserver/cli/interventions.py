"""`termserver interventions ICFCODE`: catalogue entries for an ICF code."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import NotFound
from ..interventions import intervention_index
from .common import handle_errors, json_option, print_json, services_from


@click.command("interventions")
@click.argument("icf_code")
@json_option
@click.pass_context
@handle_errors
def interventions_command(ctx: click.Context, icf_code: str, as_json: bool) -> None:
    """Interventions that address an ICF code (GET /api/v1/interventions?icf=)."""
    try:
        body = intervention_index(services_from(ctx)).for_icf(icf_code)
    except NotFound as exc:
        suggestions = exc.details.get("suggestions")
        if as_json or not suggestions:
            raise
        click.echo(f"termserver: {exc.message}", err=True)
        click.echo("Did you mean: " + ", ".join(f"{s['code']} {s['label']}"
                                                for s in suggestions), err=True)
        sys.exit(exc.exit_code)
    if as_json:
        print_json(body)
        return
    code = body["icf"] + (body["qualifier"] or "")
    click.echo(f"{code} {body['label']} (ICF {body['version']}): {body['total']} interventions")
    width = max((len(hit["code"]) for hit in body["results"]), default=0)
    for hit in body["results"]:
        via = " → ".join(_step(s) for s in hit["path"][1:-1])
        click.echo(f"{hit['match']:<10} {hit['code']:<{width}}  {hit['label']}"
                   + (f"   via {via}" if via else ""))
    if not body["results"]:
        sys.exit(1)


def _step(step: dict[str, Any]) -> str:
    """An ICF code as itself; a tilstand (a UUID) by its label and scheme."""
    if step["scheme"] == "icf":
        return step["code"]
    return f"{step['label']} ({step['scheme']})"


COMMANDS = [interventions_command]
