"""`termserver interventions ICFCODE`: catalogue entries for an ICF code."""

from __future__ import annotations

import sys

import click

from ..interventions import intervention_index
from .common import handle_errors, json_option, print_json, services_from


@click.command("interventions")
@click.argument("icf_code")
@json_option
@click.pass_context
@handle_errors
def interventions_command(ctx: click.Context, icf_code: str, as_json: bool) -> None:
    """Interventions that address an ICF code (GET /api/v1/interventions?icf=)."""
    body = intervention_index(services_from(ctx)).for_icf(icf_code)
    if as_json:
        print_json(body)
        return
    click.echo(f"{body['icf']} {body['label']} (ICF {body['version']}): "
               f"{body['total']} interventions")
    for hit in body["results"]:
        via = " → ".join(f"{s['code']}" for s in hit["path"][1:-1])
        click.echo(f"{hit['match']:<10} {hit['code']:<16} {hit['label']}"
                   + (f"   via {via}" if via else ""))
    if not body["results"]:
        sys.exit(1)


COMMANDS = [interventions_command]
