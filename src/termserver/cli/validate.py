"""`termserver validate FILE...`: documents against KL's documentation standard.

Exit 0 when every document is valid, 1 when any is invalid, 2 when any is unreadable.
A directory is validated file by file on every core. `--json` prints one report for one
file, or `{"files": [...], "valid": n, "invalid": n, "unreadable": n}` for several.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

import click

from ..errors import TermserverError
from .common import json_option, print_json, services_from

_UNREADABLE = {"syntax-encoding", "syntax-json", "syntax-xml", "syntax-limits"}
_worker_validator = None


def _documents(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in {".json", ".xml"}))
        else:
            files.append(path)
    return files


def _validate_file(path: Path) -> dict:
    content_type = "application/fhir+xml" if path.suffix.lower() == ".xml" else ""
    report = _worker_validator.validate_bytes(path.read_bytes(), content_type)
    report.source = str(path)
    return report.as_dict()


def _init_worker(validator) -> None:
    global _worker_validator
    _worker_validator = validator


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--profile", help="Document type id, overriding meta.profile.")
@json_option
@click.pass_context
def validate_command(ctx: click.Context, paths: tuple[Path, ...], profile: str | None,
                     as_json: bool) -> None:
    """Validate FHIR documents (files or directories) against the documentation standard."""
    from validators import validator_for

    try:
        validator = validator_for(services_from(ctx))
    except TermserverError as exc:
        click.echo(f"termserver: {exc.message}", err=True)
        sys.exit(2)
    files = _documents(paths)
    _init_worker(validator)
    reports: list[dict] = []
    show_progress = len(files) > 1 and not as_json
    if len(files) >= 200:
        with multiprocessing.get_context("fork").Pool(initializer=_init_worker,
                                                      initargs=(validator,)) as pool:
            results = pool.imap(_validate_file, files, chunksize=50)
            with click.progressbar(results, length=len(files), label="validating",
                                   file=sys.stderr, hidden=not show_progress) as bar:
                reports.extend(bar)
    else:
        with click.progressbar(files, label="validating", file=sys.stderr,
                               hidden=not show_progress) as bar:
            for path in bar:
                report = validator.validate_bytes(
                    path.read_bytes(), "application/fhir+xml" if path.suffix == ".xml" else "",
                    document_type=profile)
                report.source = str(path)
                reports.append(report.as_dict())
    unreadable = [r for r in reports if any(i["rule"] in _UNREADABLE for i in r["issues"])]
    invalid = [r for r in reports if not r["valid"]]
    if as_json:
        if len(reports) == 1:
            print_json(reports[0])
        else:
            print_json({"files": reports, "valid": len(reports) - len(invalid),
                        "invalid": len(invalid) - len(unreadable), "unreadable": len(unreadable)})
    else:
        for report in reports:
            status = "gyldig" if report["valid"] else "UGYLDIG"
            click.echo(f"{report['source']}: {status} ({report['document_type'] or 'ukendt type'})")
            for issue in report["issues"]:
                click.echo(f"  {issue['severity']:<11} {issue['rule']:<36} {issue['path']}\n"
                           f"              {issue['message']}")
        if len(reports) > 1:
            click.echo(f"{len(reports)} dokumenter: {len(reports) - len(invalid)} gyldige, "
                       f"{len(invalid)} ugyldige", err=True)
    sys.exit(2 if unreadable else 1 if invalid else 0)


COMMANDS = [validate_command]
