"""`termserver import` and `termserver reindex`: the write side of the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..atomic import data_dir_lock
from ..importers import FORMATS, ImportOptions, expand_paths
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
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto",
              show_default=True, help="Source format; auto-detected from the content.")
@click.option("--scheme", help="Scheme id to publish under (default: from the source).")
@click.option("--version", "version", help="Version to publish as (default: from the source).")
@click.option("--encoding", help="Read sources that are not valid UTF-8 in this encoding "
              "(e.g. latin-1); UTF-8 files stay UTF-8.")
@json_option
@click.pass_context
@handle_errors
def import_command(ctx: click.Context, paths: tuple[Path, ...], fmt: str, scheme: str | None,
                   version: str | None, encoding: str | None, as_json: bool) -> None:
    """Import vocabulary releases (FHIR CodeSystem JSON, ICF OWL, ClaML, SKOS).

    Every file is parsed and checked before anything is written: a bad file leaves the
    data directory as it was. Re-importing identical content is a no-op.
    """
    settings = settings_from(ctx)
    options = ImportOptions(format=fmt, scheme=scheme, version=version, encoding=encoding)
    files = expand_paths(list(paths))
    quiet = as_json or not files
    published = import_paths(settings, files, options, progress=_progress(len(files), quiet))
    body = {
        "data_dir": str(settings.data_dir),
        "releases": [
            {"scheme": r.info.scheme, "version": r.info.version, "outcome": r.outcome,
             "source": r.info.source, "checksum": r.info.checksum}
            for r in published.releases
        ],
        "index": {"status": published.index, "problem": published.problem},
    }
    if as_json:
        print_json(body)
    else:
        for item in body["releases"]:
            verb = ("published" if item["outcome"] == "created"
                    else "unchanged, already published")
            click.echo(f"{item['scheme']} {item['version']}: {verb} ({item['source']})")
        _say_index(published)
    if not published.releases:
        given = ", ".join(str(p) for p in paths)
        click.echo(f"termserver: nothing to import: no vocabulary files (.json, .ttl, .rdf, "
                   f".owl, .xml, .nt, .jsonld, .n3; hidden ones skipped) in {given}.", err=True)
        sys.exit(1)


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
