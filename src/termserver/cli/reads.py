"""Read commands: schemes, lookup, search, diff, export.

With `--json` each prints exactly the body of the matching HTTP endpoint.
"""

from __future__ import annotations

import sys

import click

from ..bodies import concept_body, diff_body, schemes_body, search_body
from ..diff import diff_releases
from ..search import search_filters
from .common import handle_errors, json_option, print_json, services_from


@click.command("schemes")
@json_option
@click.pass_context
@handle_errors
def schemes_command(ctx: click.Context, as_json: bool) -> None:
    """List schemes and their versions (GET /api/v1/schemes)."""
    body = schemes_body(services_from(ctx).store)
    if as_json:
        print_json(body)
        return
    if not body:
        click.echo(f"No releases in {services_from(ctx).settings.data_dir} yet. Import some: "
                   "termserver import PATH…", err=True)
    for scheme in body:
        versions = ", ".join(v["version"] for v in scheme["versions"])
        click.echo(f"{scheme['id']:<22} latest {scheme['latest']:<12} "
                   f"{scheme['concepts']:>6} concepts  versions: {versions}")


@click.command("lookup")
@click.argument("scheme")
@click.argument("code")
@click.option("--version", help="Version (default: latest).")
@json_option
@click.pass_context
@handle_errors
def lookup_command(ctx: click.Context, scheme: str, code: str, version: str | None,
                   as_json: bool) -> None:
    """Look up a concept (GET /api/v1/schemes/{scheme}/concepts/{code})."""
    store = services_from(ctx).store
    body = concept_body(store, store.resolve(scheme, code, version))
    if as_json:
        print_json(body)
        return
    click.echo(f"{body['label']}  [{body['scheme']} {body['version']} {body['code']}]")
    source = body.get("label_source")
    if source and not source["official"]:  # our Danish ICF working labels
        click.echo(f"label: {source['title']} ({source['scheme']} {source['version']}), "
                   "not an official translation")
        for lang in ("en", ""):
            if body["labels"].get(lang):
                click.echo(f"publisher's label: {body['labels'][lang]}")
                break
    if body["status"] != "active":
        extra = f" (last in {body['last_version']})" if body.get("last_version") else ""
        click.echo(f"status: {body['status']}{extra}")
    if body["definition"]:
        click.echo(f"definition: {body['definition']}")
    for parent in body["broader"]:
        click.echo(f"broader: {parent['code']}  {parent['label']}")
    for child in body["narrower"]:
        click.echo(f"narrower: {child['code']}  {child['label']}")
    for mapping in body["mappings"]:
        click.echo(f"{mapping['relation']}: {mapping['scheme']} {mapping['code']} "
                   f"{mapping['label']}  ({mapping['source']})")


@click.command("search")
@click.argument("text")
@click.option("--scheme", multiple=True,
              help="Only this scheme; repeat, or separate by commas, for several.")
@click.option("--version", help="Only this version of --scheme.")
@click.option("--limit", type=click.IntRange(1, 200), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0, 999), default=0, show_default=True,
              help="Results to skip: the next page starts at offset + limit.")
@click.option("--kind", multiple=True,
              help="Only tilstand, indsats (or ydelse), icf, maalgruppe or andet; repeatable.")
@click.option("--area", help="Only the catalogue's area: social, employment, family, health.")
@click.option("--law", help="Only interventions with this law as legal basis, e.g. Ældreloven.")
@click.option("--include-retired", is_flag=True,
              help="Also deprecated and retired concepts (never offered otherwise).")
@json_option
@click.pass_context
@handle_errors
def search_command(ctx: click.Context, text: str, scheme: tuple[str, ...], version: str | None,
                   limit: int, offset: int, kind: tuple[str, ...], area: str | None,
                   law: str | None, include_retired: bool, as_json: bool) -> None:
    """Search labels, codes and definitions (GET /api/v1/search)."""
    services = services_from(ctx, with_search=True)
    filters = search_filters(services.store, list(scheme), version, list(kind), area, law,
                             include_retired)
    body = search_body(services.search.search(text, limit=limit, offset=offset,
                                              filters=filters), services.store)
    if as_json:
        print_json(body)
        return
    if not body["results"]:
        click.echo(f"no results for {text!r}", err=True)
        sys.exit(1)
    for hit in body["results"]:
        matched = "" if hit["matched"] == hit["label"] else f"   (matched: {hit['matched']})"
        also = f"   (also: {', '.join(hit['other_codes'])})" if hit["other_codes"] else ""
        status = "" if hit["status"] == "active" else f"   [{hit['status']}]"
        click.echo(f"{hit['scheme']:<10} {hit['code']:<38} {hit['label']}{matched}{also}"
                   f"{status}")
    shown = offset + len(body["results"])
    if shown < body["total"]:
        click.echo(f"{offset + 1}-{shown} of {body['total']}; next page: --offset {shown}",
                   err=True)


@click.command("diff")
@click.argument("scheme")
@click.argument("from_version")
@click.argument("to_version")
@json_option
@click.pass_context
@handle_errors
def diff_command(ctx: click.Context, scheme: str, from_version: str, to_version: str,
                 as_json: bool) -> None:
    """What changed between two versions (GET /api/v1/schemes/{scheme}/diff)."""
    store = services_from(ctx).store
    body = diff_body(diff_releases(store.release(scheme, from_version),
                                   store.release(scheme, to_version)))
    if as_json:
        print_json(body)
        return
    click.echo(f"{scheme} {body['from']} → {body['to']}: {len(body['added'])} added, "
               f"{len(body['removed'])} removed, {len(body['changed'])} changed")
    for item in body["added"]:
        click.echo(f"+ {item['code']}  {item['label']}")
    for item in body["removed"]:
        click.echo(f"- {item['code']}  {item['label']}")
    for change in body["changed"]:
        fields = ", ".join(f["field"] for f in change["fields"])
        click.echo(f"~ {change['code']}  {change['label']}  ({fields})")


@click.command("export")
@click.argument("scheme")
@click.option("--version", help="Version (default: latest).")
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld", "fhir"]),
              required=True)
@click.pass_context
@handle_errors
def export_command(ctx: click.Context, scheme: str, version: str | None, fmt: str) -> None:
    """Export a release as published, as SKOS (ttl, nt, jsonld) or FHIR CodeSystem JSON."""
    from ..exporters import export_release

    store = services_from(ctx).store
    sys.stdout.buffer.write(export_release(store.published(store.release(scheme, version)), fmt))
    sys.stdout.flush()


COMMANDS = [schemes_command, lookup_command, search_command, diff_command, export_command]
