"""`termserver interventions CODE`: catalogue entries for an ICF code, or the reverse."""

from __future__ import annotations

import sys
from difflib import get_close_matches
from typing import Any

import click

from ..errors import BadRequest, NotFound
from ..interventions import intervention_index, parse_icf
from .common import handle_errors, json_option, print_json, services_from


@click.command("interventions")
@click.argument("icf_code")
@json_option
@click.pass_context
@handle_errors
def interventions_command(ctx: click.Context, icf_code: str, as_json: bool) -> None:
    """Interventions that address an ICF code (GET /api/v1/interventions?icf=).

    Given a catalogue code instead (SEL-85-PRAKTISK), the ICF codes, tilstande and target
    groups that entry addresses (GET /api/v1/interventions/{code}).
    """
    index = intervention_index(services_from(ctx))
    if _is_entry(index, icf_code):
        _show_entry(index.for_entry(icf_code), as_json)
        return
    try:
        body = index.for_icf(icf_code)
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


def _is_entry(index: Any, code: str) -> bool:
    """Not an ICF code but a catalogue code; a near miss is a 404 naming the close codes."""
    try:
        parse_icf(code)
    except BadRequest:
        if index.catalogue is None:
            return False
        if code in index.catalogue.concepts:
            return True
        close = get_close_matches(code, list(index.catalogue.concepts), n=3, cutoff=0.8)
        if close:
            raise NotFound(f"No catalogue entry {code!r}. Did you mean: {', '.join(close)}?",
                           details={"code": code, "suggestions": [
                               {"code": c, "label": index.catalogue.concepts[c].label()}
                               for c in close]}) from None
    return False


def _show_entry(body: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(body)
        return
    click.echo(f"{body['label']}  [catalogue {body['code']}]")
    if body["legal_basis"]:
        click.echo(f"  legal basis: {', '.join(body['legal_basis'])}")
    for title, key in (("ICF", "icf"), ("tilstande", "conditions"),
                       ("target groups", "target_groups"), ("official", "official")):
        for ref in body[key]:
            where = f"{ref['scheme']} {ref['code']}" if ref["scheme"] else ref["uri"]
            click.echo(f"  {title:<14} {ref['label'] or ''}  [{where}]")


def _step(step: dict[str, Any]) -> str:
    """An ICF code as itself; a tilstand (a UUID) by its label and scheme."""
    if step["scheme"] == "icf":
        return step["code"]
    return f"{step['label']} ({step['scheme']})"


COMMANDS = [interventions_command]
