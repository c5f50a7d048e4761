"""`termserver draft check|submit|review|close`: checks and the review workflow.

The same functions as `/api/v1/drafts/{id}/check|submit|review|close`, so the same rules,
refusals and audit entries; `--json` prints the HTTP body. `draft check` exits 1 when the
check finds errors, so a script can stop on it; `--documents DIR` adds the documents whose
verdict the draft changes to the impact report.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..authoring import checks, workflow
from .common import handle_errors, json_option, print_json, services_from
from .drafts import draft_group
from .users import _actor, _open, token_option


@draft_group.command("check")
@click.argument("draft_id", type=int)
@click.option("--documents", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="A folder of FHIR documents (*.json, *.xml): list those "
              "whose verdict changes under the draft.")
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_check(ctx: click.Context, draft_id: int, documents: Path | None, token: str | None,
                as_json: bool) -> None:
    """Check a draft: integrity rules, SHACL shapes and the impact report.

    The run is stored with the draft's revision; submitting and approving need a passing
    check at the current revision. Exit 0 when it passes (warnings allowed), 1 on errors.
    """
    db = _open(ctx)
    result = checks.run(db, services_from(ctx).store, _actor(db, token), draft_id,
                        documents=documents)
    if as_json:
        print_json(result)
    else:
        _print_check(result)
    sys.exit(0 if result["passed"] else 1)


def _print_check(result: dict[str, Any]) -> None:
    verdict = "bestået" if result["passed"] else "IKKE bestået"
    click.echo(f"kladde {result['draft']}, revision {result['revision']}: {verdict} "
               f"({result['errors']} fejl, {result['warnings']} advarsler)")
    if result["inherited_elsewhere"]:
        click.echo(f"  (grundudgaven har {result['inherited_elsewhere']} fund i begreber, "
                   "kladden ikke ændrer; de vises ikke)")
    for f in result["findings"]:
        where = f["code"] or "-"
        click.echo(f"  {f['severity']:<8} {f['rule']:<28} {where}\n           {f['message']}")
    impact = result["impact"]
    if impact["concepts"]:
        click.echo("påvirker:")
    for a in impact["concepts"]:
        click.echo(f"  {a['change']:<8} {a['code']}  {a['label']}")
    for entry in impact["catalogue"]:
        click.echo(f"  indsatskatalog: {entry['code']} ({entry['label']}) via {entry['via']} "
                   f"→ {entry['concept']}")
    for m in impact["mappings"]:
        click.echo(f"  mapning i {m['release']}: {m['concept']} {m['relation']} "
                   f"{m['other_code'] or m['other']}")
    for s in impact["search_words"]:
        click.echo(f"  søgeord i {s['release']} på {s['concept']}: {', '.join(s['labels'])}")
    for v in impact["value_sets"]:
        paths = ", ".join(f"{b['profile']} {b['path']}" for b in v["bindings"]) or "ingen"
        click.echo(f"  værdisæt {v['value_set']}: {v['concept']} med før={v['member_before']}, "
                   f"efter={v['member_after']} (bindinger: {paths})")
    documents = impact.get("documents")
    if documents:
        _print_documents(documents)


def _print_documents(documents: dict[str, Any]) -> None:
    if documents["problem"]:
        click.echo(f"dokumenter: {documents['problem']}")
        return
    click.echo(f"dokumenter i {documents['folder']}: {documents['documents']} valideret, "
               f"{len(documents['verdict_changed'])} skifter udfald, "
               f"{len(documents['findings_changed'])} får andre fund")
    for d in documents["verdict_changed"] + documents["findings_changed"]:
        if "error" in d:
            click.echo(f"  {d['file']}: ULÆSELIG ({d['error']})")
            continue
        before = "gyldig" if d["valid_before"] else "ugyldig"
        after = "gyldig" if d["valid_after"] else "UGYLDIG"
        click.echo(f"  {d['file']}: {before} → {after}")
        for issue in d["added"]:
            click.echo(f"    + {issue['severity']} {issue['rule']} {issue['path']}: "
                       f"{issue['message']}")
        for issue in d["removed"]:
            click.echo(f"    - {issue['severity']} {issue['rule']} {issue['path']}")


@draft_group.command("submit")
@click.argument("draft_id", type=int)
@click.option("--comment", default="", help="Why (in the audit log).")
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_submit(ctx: click.Context, draft_id: int, comment: str, token: str | None,
                 as_json: bool) -> None:
    """Submit an open draft for review (it needs a passing check at its current revision)."""
    db = _open(ctx)
    done = workflow.submit(db, _actor(db, token), draft_id, comment)
    _print_transition(done, as_json)


@draft_group.command("review")
@click.argument("draft_id", type=int)
@click.argument("decision", type=click.Choice(["approve", "changes"]), required=False)
@click.option("--comment", default="", help="What to change (needed with `changes`), or why.")
@click.option("--concept", default=None, metavar="CODE",
              help="The concept of the draft the comment is about.")
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_review(ctx: click.Context, draft_id: int, decision: str | None, comment: str,
                 concept: str | None, token: str | None, as_json: bool) -> None:
    """Approve a draft in review, or ask for changes (back to open); without DECISION,
    list the draft's reviews.

    The reviewer must not be an author of the draft (its creator or anyone who edited it).
    Approving needs a passing check at the current revision.
    """
    db = _open(ctx)
    actor = _actor(db, token)
    if decision is None:
        listed = workflow.reviews(db, actor, draft_id)
        if as_json:
            print_json(listed)
            return
        click.echo(f"draft {draft_id} ({listed['status']}, revision {listed['revision']}): "
                   f"{len(listed['reviews'])} review(s)")
        for r in listed["reviews"]:
            about = f" [{r['concept']}]" if r["concept"] else ""
            click.echo(f"  {r['at']}  {r['reviewer']}  {r['decision']:<7} revision "
                       f"{r['revision']}{about}  {r['comment']}")
        return
    done = workflow.review(db, services_from(ctx).store, actor, draft_id, decision, comment,
                           concept)
    _print_transition(done, as_json)


@draft_group.command("close")
@click.argument("draft_id", type=int)
@click.option("--comment", default="", help="Why (in the audit log).")
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_close(ctx: click.Context, draft_id: int, comment: str, token: str | None,
                as_json: bool) -> None:
    """Close a draft that will not be published (it stays readable)."""
    db = _open(ctx)
    done = workflow.close(db, _actor(db, token), draft_id, comment)
    _print_transition(done, as_json)


def _print_transition(done: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(done)
        return
    draft = done["draft"]
    click.echo(f"draft {draft['id']} is now {draft['status']} (revision {draft['revision']})")


COMMANDS: list[click.Command] = []
"""The commands join `termserver draft` (cli/drafts.py) when this module is imported."""
