"""`termserver validate FILE...`: documents against KL's documentation standard.

Exit 0 when every document is valid, 1 when any is invalid, 2 when any is unreadable
(not UTF-8, not JSON/XML, too large or too deep, or not readable from disk) or when no
document was found. A directory is searched for *.json and *.xml files; from 200 files
on they are validated on every core. `--json` prints one report for one file, or for several
`{"files": [report + "source", ...], "valid": n, "invalid": n, "unreadable": n}`; a file
that cannot be read from disk appears as `{"source", "error"}`. The progress bar goes to
stderr (for several files when stderr is a terminal, always from 200 files), so stdout
stays clean JSON.

`--course`: the documents given are one citizen's course, validated one by one and then
together in date order (validators.course); `--json` prints the course report, the body
of POST /api/v1/validate/course. The exit codes are the same.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ..errors import TermserverError, error_envelope
from .common import json_option, print_json, services_from

_UNREADABLE = {"syntax-encoding", "syntax-json", "syntax-xml", "syntax-limits"}
_PARALLEL_FROM = 200
_worker: dict[str, Any] = {}


def _documents(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in {".json", ".xml"}))
        else:
            files.append(path)
    return files


def _no_documents(paths: tuple[Path, ...], as_json: bool) -> NoReturn:
    """Nothing to validate is a usage error (exit 2), not a silent success."""
    where = ", ".join(str(p) for p in paths)
    message = (f"no documents found in {where}: a directory is searched (with its "
               "subdirectories) for *.json and *.xml files. Give FHIR documents, or a "
               "directory that holds them.")
    if as_json:
        print_json(error_envelope("no_documents", message, {"paths": [str(p) for p in paths]}))
    else:
        click.echo(f"termserver: {message}", err=True)
    sys.exit(2)


def _init_worker(validator: Any, profile: str | None, max_bytes: int, max_depth: int,
                 day: Any = None) -> None:
    _worker.update(validator=validator, profile=profile, max_bytes=max_bytes,
                   max_depth=max_depth, day=day)


def _validate_file(path: Path) -> dict:
    """One file's report as a dict (what a worker process sends back)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {"source": str(path), "error": f"cannot read the file: {exc.strerror or exc}"}
    content_type = "application/fhir+xml" if path.suffix.lower() == ".xml" else ""
    report = _worker["validator"].validate_bytes(
        data, content_type, document_type=_worker["profile"], max_bytes=_worker["max_bytes"],
        max_depth=_worker["max_depth"], day=_worker.get("day"))
    report.source = str(path)
    return report.as_dict()


def _unreadable(report: dict) -> bool:
    return "error" in report or any(i["rule"] in _UNREADABLE for i in report["issues"])


def _print_text(reports: list[dict]) -> None:
    for report in reports:
        if "error" in report:
            click.echo(f"{report['source']}: ULÆSELIG ({report['error']})")
            continue
        status = "gyldig" if report["valid"] else "UGYLDIG"
        click.echo(f"{report['source']}: {status} ({report['document_type'] or 'ukendt type'})")
        for issue in report["issues"]:
            click.echo(f"  {issue['severity']:<8} {issue['rule']:<40} {issue['path']}\n"
                       f"           {issue['message']}")


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--profile", help="Document type id, overriding meta.profile.")
@click.option("--date", "day_text", metavar="YYYY-MM-DD|latest",
              help="Check codes against the terminology releases in force on this day, or "
                   "the latest releases ('latest'), instead of each document's own date.")
@click.option("--course", is_flag=True,
              help="The documents are one citizen's course: validate them together, in date "
                   "order (same id = update, follow-ups, closed tilstande, contradictions).")
@json_option
@click.pass_context
def validate_command(ctx: click.Context, paths: tuple[Path, ...], profile: str | None,
                     day_text: str | None, course: bool, as_json: bool) -> None:
    """Validate FHIR documents (files or directories) against the documentation standard.

    Codes are checked against the KL releases in force on each document's date (its
    Bundle.timestamp, else its Encounter's start; the latest releases when it has none)."""
    from validators import validator_for
    from validators.dates import requested_day
    from validators.standard import DOCUMENT_TYPES, document_type_by_id

    if profile is not None and document_type_by_id(profile) is None:
        known = ", ".join(t.id for t in DOCUMENT_TYPES)
        click.echo(f"termserver: unknown document type {profile!r}; use one of: {known}.",
                   err=True)
        sys.exit(2)
    try:
        day = requested_day(day_text)
    except ValueError as exc:
        click.echo(f"termserver: --date: {exc}.", err=True)
        sys.exit(2)
    files = _documents(paths)
    if not files:
        _no_documents(paths, as_json)
    try:
        services = services_from(ctx)
        validator = validator_for(services)
    except TermserverError as exc:
        click.echo(f"termserver: {exc.message}", err=True)
        sys.exit(2)
    settings = services.settings
    if course:
        _course(validator, files, profile, day, settings.max_upload_bytes,
                settings.max_xml_depth, as_json)
    init = (validator, profile, settings.max_upload_bytes, settings.max_xml_depth, day)
    _init_worker(*init)
    show = len(files) >= _PARALLEL_FROM or (len(files) > 1 and sys.stderr.isatty())
    with click.progressbar(length=len(files), label="validerer", file=sys.stderr,
                           hidden=not show) as bar:
        if len(files) >= _PARALLEL_FROM:
            with multiprocessing.get_context("fork").Pool(initializer=_init_worker,
                                                          initargs=init) as pool:
                reports = []
                for report in pool.imap(_validate_file, files, chunksize=64):
                    reports.append(report)
                    bar.update(1)
        else:
            reports = []
            for path in files:
                reports.append(_validate_file(path))
                bar.update(1)
    unreadable = sum(1 for r in reports if _unreadable(r))
    invalid = sum(1 for r in reports if not _unreadable(r) and not r["valid"])
    if as_json:
        if len(reports) == 1 and "error" not in reports[0]:
            print_json(reports[0])
        else:
            print_json({"files": reports, "valid": len(reports) - invalid - unreadable,
                        "invalid": invalid, "unreadable": unreadable})
    else:
        _print_text(reports)
        if len(reports) > 1:
            click.echo(f"{len(reports)} dokumenter: {len(reports) - invalid - unreadable} "
                       f"gyldige, {invalid} ugyldige, {unreadable} ulæselige", err=True)
    for report in reports:
        if "error" in report:
            click.echo(f"termserver: {report['source']}: {report['error']}", err=True)
    sys.exit(2 if unreadable else 1 if invalid else 0)


def _course(validator: Any, files: list[Path], profile: str | None, day: Any, max_bytes: int,
            max_depth: int, as_json: bool) -> NoReturn:
    """`validate --course`: one course report; exit 0 valid, 1 invalid, 2 unreadable."""
    from validators.course import validate_course

    items, missing = [], []
    for path in files:
        try:
            items.append((str(path), path.read_bytes(),
                          "application/fhir+xml" if path.suffix.lower() == ".xml" else ""))
        except OSError as exc:
            missing.append(f"{path}: cannot read the file: {exc.strerror or exc}")
    report = validate_course(validator, items, document_type=profile, day=day,
                             max_bytes=max_bytes, max_depth=max_depth)
    body = report.as_dict()
    unreadable = bool(missing) or any(_unreadable(d["report"]) for d in body["documents"])
    if as_json:
        print_json(body)
    else:
        _print_course(body)
    for line in missing:
        click.echo(f"termserver: {line}", err=True)
    sys.exit(2 if unreadable else 0 if report.valid else 1)


def _print_course(body: dict) -> None:
    status = "gyldigt" if body["valid"] else "UGYLDIGT"
    click.echo(f"Forløb for {body['citizen'] or 'ukendt borger'}: "
               f"{len(body['documents'])} dokumenter, {status}")
    for number, document in enumerate(body["documents"], 1):
        report = document["report"]
        click.echo(f"{number:>3}. {document['date'] or '(uden dato)'}  {document['source']}: "
                   f"{'gyldig' if report['valid'] else 'UGYLDIG'} "
                   f"({report['document_type'] or 'ukendt type'})")
        for issue in report["issues"]:
            click.echo(f"       {issue['severity']:<8} {issue['rule']:<40} {issue['path']}\n"
                       f"                {issue['message']}")
    if body["issues"]:
        click.echo("Forløbets fund:")
    for issue in body["issues"]:
        click.echo(f"  {issue['severity']:<8} {issue['rule']:<32} {issue['document']}  "
                   f"{issue['path']}\n           {issue['message']}")


COMMANDS = [validate_command]
