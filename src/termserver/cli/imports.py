"""`termserver import` and `termserver reindex`: the write side of the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..atomic import data_dir_lock
from ..importers import FORMATS, ImportOptions, expand_paths
from ..importers.sources import is_package_dir
from ..publishing import Published, import_paths, reindex
from .common import handle_errors, json_option, print_json, settings_from


def _progress(total: int, quiet: bool):
    count = {"n": 0}

    def report(path: Path) -> None:
        count["n"] += 1
        if not quiet:
            click.echo(f"[{count['n']}/{total}] reading {path.name}", err=True)

    return report


@click.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--package", "packages", multiple=True, metavar="NAME#VERSION",
              help="Fetch a FHIR package (e.g. kl.dk.fhir.term#2.3.0) from the registry "
              "(fhir_package_registry) into the FHIR package cache and import it; repeatable.")
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto",
              show_default=True, help="Source format; auto-detected from the content.")
@click.option("--scheme", help="Scheme id to publish under (default: from the source).")
@click.option("--version", "version", help="Version to publish as (default: from the source).")
@click.option("--encoding", help="Read sources that are not valid UTF-8 in this encoding "
              "(e.g. latin-1); UTF-8 files stay UTF-8.")
@json_option
@click.pass_context
@handle_errors
def import_command(ctx: click.Context, paths: tuple[Path, ...], packages: tuple[str, ...],
                   fmt: str, scheme: str | None, version: str | None, encoding: str | None,
                   as_json: bool) -> None:
    """Import vocabulary releases (FHIR CodeSystem, ValueSet and ConceptMap JSON, FHIR
    packages (.tgz), ICF OWL, ClaML, SKOS), from files or from a FHIR package registry.

    Every file is parsed and checked before anything is written: a bad file leaves the
    data directory as it was. Re-importing identical content is a no-op.
    """
    from ..packages import install

    settings = settings_from(ctx)
    if not paths and not packages:
        raise click.UsageError("give the files to import, or --package NAME#VERSION.")
    options = ImportOptions(format=fmt, scheme=scheme, version=version, encoding=encoding)
    files = [f for p in paths
             for f in ([p] if p.is_file() or is_package_dir(p) else expand_paths([p]))]
    quiet = as_json or not files
    results = []
    if files:
        results.append(import_paths(settings, files, options,
                                    progress=_progress(len(files), quiet)))
    for spec in packages:
        if not as_json:
            click.echo(f"fetching {spec} from {settings.fhir_package_registry}…", err=True)
        results.append(install(settings, spec).published)
    published = Published([r for p in results for r in p.releases],
                          _worst_index(results), next((p.problem for p in results
                                                       if p.problem), None),
                          resources=[r for p in results for r in p.resources])
    body = {
        "data_dir": str(settings.data_dir),
        "releases": [
            {"scheme": r.info.scheme, "version": r.info.version, "outcome": r.outcome,
             "source": r.info.source, "checksum": r.info.checksum}
            for r in published.releases
        ],
        "resources": [
            {"resourceType": r.info.kind, "url": r.info.url, "version": r.info.version,
             "outcome": r.outcome, "source": r.info.source, "package": r.info.package,
             "checksum": r.info.checksum}
            for r in published.resources
        ],
        "index": {"status": published.index, "problem": published.problem},
    }
    if as_json:
        print_json(body)
    else:
        for item in body["releases"]:
            click.echo(f"{item['scheme']} {item['version']}: {_verb(item)} ({item['source']})")
        for item in body["resources"]:
            click.echo(f"{item['resourceType']} {item['url']}|{item['version']}: "
                       f"{_verb(item)} ({item['source']})")
        _say_index(published)
    if not published.releases and not published.resources:
        given = ", ".join(str(p) for p in paths)
        click.echo(f"termserver: nothing to import: no vocabulary files (.json, .ttl, .rdf, "
                   f".owl, .xml, .nt, .jsonld, .n3; hidden ones skipped) in {given}.", err=True)
        sys.exit(1)


def _verb(item: dict) -> str:
    return "published" if item["outcome"] == "created" else "unchanged, already published"


def _worst_index(results: list[Published]) -> str:
    """One index status for several imports: a failure first, then what changed most."""
    statuses = [p.index for p in results]
    for status in ("failed", "updated", "repaired"):
        if status in statuses:
            return status
    return "unchanged"


def _say_index(published: Published) -> None:
    if published.index == "repaired":
        click.echo("search index: repaired (it did not cover every published release; an "
                   "earlier import was interrupted)", err=True)
    elif published.index == "failed":
        click.echo(f"termserver: the releases above ARE published, but the search index "
                   f"was not rebuilt: {published.problem}. Search does not find them yet; "
                   "run `termserver reindex` once the cause is fixed (any server opening "
                   "this data directory also rebuilds it).", err=True)
    elif published.index == "updated":
        click.echo("search index: updated", err=True)


@click.command("reindex")
@json_option
@click.pass_context
@handle_errors
def reindex_command(ctx: click.Context, as_json: bool) -> None:
    """Rebuild the search index from the published releases."""
    settings = settings_from(ctx)
    if not as_json:
        click.echo(f"reindexing {settings.data_dir} with {settings.search_backend}…", err=True)
    with data_dir_lock(settings.data_dir):
        reindex(settings)
    if as_json:
        print_json({"data_dir": str(settings.data_dir), "backend": settings.search_backend,
                    "status": "ok"})
    else:
        click.echo("search index rebuilt")


COMMANDS = [import_command, reindex_command]
