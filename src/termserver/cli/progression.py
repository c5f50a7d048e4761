"""`termserver progression PATH...`: progression (FKO) over citizens' courses.

Every document under the paths (files, or directories searched for *.json and *.xml) is
read; the documents are grouped into courses by citizen (the Patient's CPR number, else
its id) and each course put in date order (validators.progression). The text answer
lists per intervention how many citizens improved, stayed or declined on each tilstand
it addresses; `--json` prints the body of POST /api/v1/progression; `--html FILE` writes
the Danish page with its charts. Exit 0, or 2 when nothing could be read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import TermserverError
from .common import json_option, print_json, services_from
from .validate import _documents, _no_documents


@click.command("progression")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--icf", metavar="CODE",
              help="Only tilstande our crosswalks relate to this ICF code or one below it.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the Danish HTML page (with a chart per tilstand) to this file.")
@json_option
@click.pass_context
def progression_command(ctx: click.Context, paths: tuple[Path, ...], icf: str | None,
                        html_file: Path | None, as_json: bool) -> None:
    """Progression (FKO) of citizens' courses: per tilstand and per intervention."""
    from validators.progression import StoreLabels, progression

    files = _documents(paths)
    if not files:
        _no_documents(paths, as_json)
    try:
        services = services_from(ctx)
        labels = StoreLabels(services.store)
    except TermserverError as exc:
        click.echo(f"termserver: {exc.message}", err=True)
        sys.exit(2)
    items, missing = [], []
    for path in files:
        try:
            items.append((str(path), path.read_bytes(),
                          "application/fhir+xml" if path.suffix.lower() == ".xml" else ""))
        except OSError as exc:
            missing.append(f"{path}: cannot read the file: {exc.strerror or exc}")
    settings = services.settings
    report = progression(items, labels, labels.icf, max_bytes=settings.max_upload_bytes,
                         max_depth=settings.max_xml_depth).as_dict(icf=icf)
    if html_file is not None:
        from ..web.progression import render

        html_file.write_text(render(report), encoding="utf-8")
    if as_json:
        print_json(report)
    else:
        _print_text(report)
    for line in missing + [f"{s}: cannot be read as FHIR JSON or XML" for s in
                           report["unreadable"]]:
        click.echo(f"termserver: {line}", err=True)
    sys.exit(2 if not report["citizens"] else 0)


def _print_text(report: dict) -> None:
    click.echo(f"{_count(report['citizens'], 'borger', 'borgere')}, "
               f"{_count(report['documents'], 'dokument', 'dokumenter')}"
               + (f"; kun tilstande knyttet til ICF {report['icf']}" if report["icf"] else ""))
    for intervention in report["interventions"]:
        click.echo(f"\n{intervention['label']} ({intervention['code']}): "
                   f"{_count(intervention['citizens'], 'borger', 'borgere')}")
        for row in intervention["tilstande"]:
            judged = row["goal_met"] + row["goal_not_met"]
            click.echo(f"  {row['label']}: bedre {row['improved']}, uændret "
                       f"{row['unchanged']}, værre {row['declined']}, kan ikke afgøres "
                       f"{row['unknown']}; mål nået {row['goal_met']} af {judged}")
    if report["unattributed"]:
        click.echo(f"\nuden borger (Patient): {', '.join(report['unattributed'])}")


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


COMMANDS = [progression_command]
