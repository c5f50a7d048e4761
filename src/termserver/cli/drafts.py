"""`termserver draft …`: open drafts of a scheme, change their concepts, see the diff.

The same functions as `/api/v1/drafts` (termserver.authoring.drafts), so the same checks,
audit entries and refusals; `--json` prints the HTTP body. `draft edit` reads the concept,
changes the fields given and writes it back with the ETag it read, so an edit made by
someone else in between is refused (exit 1) rather than overwritten.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..authoring import drafts
from ..errors import BadRequest
from .common import handle_errors, json_option, print_json, services_from
from .users import _actor, _open, token_option


@click.group("draft")
def draft_group() -> None:
    """Drafts: change sets of one scheme, edited concept by concept (docs/authoring.md)."""


@draft_group.command("new")
@click.argument("scheme")
@click.option("--title", required=True, help="What the draft is for.")
@click.option("--base", default=None, help="The release to start from (default: latest).")
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_new(ctx: click.Context, scheme: str, title: str, base: str | None,
              token: str | None, as_json: bool) -> None:
    """Open a draft of SCHEME (an id with no published release starts a new scheme)."""
    db = _open(ctx)
    made = drafts.create(db, services_from(ctx).store, _actor(db, token), scheme, title, base)
    if as_json:
        print_json(made)
        return
    click.echo(f"draft {made['id']}: {made['scheme']} from {made['base'] or '(new scheme)'} "
               f"— {made['title']}")


@draft_group.command("list")
@click.option("--scheme", default=None, help="Only this scheme's drafts.")
@click.option("--status", default=None, help="Only drafts in this state, e.g. open.")
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_list(ctx: click.Context, scheme: str | None, status: str | None,
               token: str | None, as_json: bool) -> None:
    """List the drafts you may read, newest first."""
    db = _open(ctx)
    body = drafts.list_drafts(db, _actor(db, token), scheme, status)
    if as_json:
        print_json(body)
        return
    for d in body["drafts"]:
        click.echo(f"{d['id']:>5}  {d['status']:<9} {d['scheme']} from "
                   f"{d['base'] or '(new)'}  {d['edit_count']} edits  {d['title']}  "
                   f"({d['created_by']})")


@draft_group.command("show")
@click.argument("draft_id", type=int)
@click.argument("code", required=False)
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_show(ctx: click.Context, draft_id: int, code: str | None, token: str | None,
               as_json: bool) -> None:
    """Show a draft and its edits, or with CODE one concept as the draft has it."""
    db = _open(ctx)
    actor = _actor(db, token)
    if code is not None:
        answer = drafts.read_concept(db, services_from(ctx).store, actor, draft_id, code)
        print_json(answer.body)
        return
    body = drafts.show(db, actor, draft_id)
    if as_json:
        print_json(body)
        return
    click.echo(f"draft {body['id']} ({body['status']}): {body['scheme']} from "
               f"{body['base'] or '(new scheme)'} — {body['title']}")
    for e in body["edits"]:
        undone = f"  [undone by {e['undone_by']}]" if e["undone_by"] else ""
        why = f"  {e['comment']}" if e["comment"] else ""
        click.echo(f"{e['id']:>6}  {e['at']}  {e['author']}  {e['kind']:<7} {e['code']}"
                   f"{why}{undone}")


@draft_group.command("diff")
@click.argument("draft_id", type=int)
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_diff(ctx: click.Context, draft_id: int, token: str | None, as_json: bool) -> None:
    """What the draft changes against its base release."""
    db = _open(ctx)
    body = drafts.diff(db, services_from(ctx).store, _actor(db, token), draft_id)
    if as_json:
        print_json(body)
        return
    click.echo(f"{body['scheme']} {body['from'] or '(new)'} → {body['to']}")
    for c in body["added"]:
        click.echo(f"  + {c['code']}  {c['label']}")
    for c in body["removed"]:
        click.echo(f"  - {c['code']}  {c['label']}")
    for change in body["changed"]:
        fields = ", ".join(f"{f['field']}: {f['old']} → {f['new']}" for f in change["fields"])
        click.echo(f"  ~ {change['code']}  {fields}")


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise BadRequest(f"{option} takes KEY=TEXT (e.g. {option} da=Rengøring); got "
                             f"{value!r}.")
        pairs.append((key, text))
    return pairs


def _grouped(values: tuple[str, ...], option: str) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, text in _pairs(values, option):
        grouped.setdefault(key, [])
        if text:
            grouped[key].append(text)
    return grouped


def _mapping(value: str) -> dict[str, str]:
    relation, sep, target = value.partition("=")
    scheme, colon, code = target.partition(":")
    if not sep or not colon or not scheme or not code:
        raise BadRequest(f"--mapping takes RELATION=SCHEME:CODE (e.g. closeMatch=icf:d640); "
                         f"got {value!r}.")
    return {"relation": relation, "scheme": scheme, "code": code}


@draft_group.command("edit")
@click.argument("draft_id", type=int)
@click.argument("code")
@click.option("--new", "create", is_flag=True, help="Create CODE (it must not exist yet).")
@click.option("--label", multiple=True, metavar="LANG=TEXT", help="Preferred label.")
@click.option("--alt", multiple=True, metavar="LANG=TEXT",
              help="Alternative labels of LANG (repeat; replaces that language's).")
@click.option("--hidden", multiple=True, metavar="LANG=TEXT",
              help="Hidden labels of LANG (repeat; replaces that language's).")
@click.option("--definition", multiple=True, metavar="LANG=TEXT", help="Definition.")
@click.option("--broader", multiple=True, metavar="CODE",
              help="Parent(s): replaces the broader list (a move).")
@click.option("--property", "properties", multiple=True, metavar="KEY=VALUE",
              help="A catalogue property (legal basis, ICF codes, tilstande, målgrupper); "
              "repeat for several values; KEY= clears it.")
@click.option("--mapping", "mappings", multiple=True, metavar="RELATION=SCHEME:CODE",
              help="Mappings: replace the concept's own (e.g. closeMatch=icf:d640).")
@click.option("--status", type=click.Choice(["active", "deprecated", "retired"]),
              default=None)
@click.option("--reason", default=None, help="Why it is retired (needed to retire).")
@click.option("--replaced-by", multiple=True, metavar="CODE")
@click.option("--code", "new_code", default=None,
              help="A new notation (only for a concept never published).")
@click.option("--comment", default="", help="Why the change is made (in the audit log).")
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_edit(ctx: click.Context, draft_id: int, code: str, create: bool,
               label: tuple[str, ...], alt: tuple[str, ...], hidden: tuple[str, ...],
               definition: tuple[str, ...], broader: tuple[str, ...],
               properties: tuple[str, ...], mappings: tuple[str, ...], status: str | None,
               reason: str | None, replaced_by: tuple[str, ...], new_code: str | None,
               comment: str, token: str | None, as_json: bool) -> None:
    """Create or change CODE in a draft: only the fields given change."""
    db = _open(ctx)
    store = services_from(ctx).store
    actor = _actor(db, token)
    tag: str | None = None
    body: dict[str, Any] = {}
    if not create:
        answer = drafts.read_concept(db, store, actor, draft_id, code)
        body, tag = answer.body, answer.etag
    for field, values in (("labels", label), ("definitions", definition)):
        body.setdefault(field, {}).update(dict(_pairs(values, f"--{field[:-1]}")))
    for field, values, option in (("alt_labels", alt, "--alt"),
                                  ("hidden_labels", hidden, "--hidden"),
                                  ("properties", properties, "--property")):
        body.setdefault(field, {}).update(_grouped(values, option))
    if broader:
        body["broader"] = list(broader)
    if mappings:
        body["mappings"] = [_mapping(m) for m in mappings]
    if replaced_by:
        body["replaced_by"] = list(replaced_by)
    for key, value in (("status", status), ("reason", reason), ("code", new_code)):
        if value is not None:
            body[key] = value
    body["comment"] = comment
    result = drafts.put_concept(db, store, actor, draft_id, code, body, if_match=tag,
                                if_none_match="*" if create else None)
    if as_json:
        print_json(result.body)
        return
    done = "created" if result.created else "saved"
    click.echo(f"{done} {result.body['code']} in draft {draft_id} ({result.body['label']})")


@draft_group.command("delete")
@click.argument("draft_id", type=int)
@click.argument("code")
@click.option("--comment", default="", help="Why (in the audit log).")
@token_option
@click.pass_context
@handle_errors
def draft_delete(ctx: click.Context, draft_id: int, code: str, comment: str,
                 token: str | None) -> None:
    """Delete CODE from a draft (only a concept never published; retire the others)."""
    db = _open(ctx)
    store = services_from(ctx).store
    actor = _actor(db, token)
    tag = drafts.read_concept(db, store, actor, draft_id, code).etag
    drafts.delete_concept(db, store, actor, draft_id, code, if_match=tag, comment=comment)
    click.echo(f"deleted {code} from draft {draft_id}")


@draft_group.command("undo")
@click.argument("draft_id", type=int)
@click.option("--edit", "edit_id", type=int, default=None,
              help="The edit to undo (default: the newest one not yet undone).")
@click.option("--comment", default="", help="Why (in the audit log).")
@token_option
@click.pass_context
@handle_errors
def draft_undo(ctx: click.Context, draft_id: int, edit_id: int | None, comment: str,
               token: str | None) -> None:
    """Undo an edit of a draft by the opposite edit."""
    db = _open(ctx)
    done = drafts.undo(db, services_from(ctx).store, _actor(db, token), draft_id, edit_id,
                       comment)
    click.echo(f"undid edit {done['undoes']} ({done['code']}) with edit {done['edit']}")


@draft_group.command("apply")
@click.argument("draft_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
@click.option("--comment", default="", help="Why (in each edit and the audit log).")
@token_option
@json_option
@click.pass_context
@handle_errors
def draft_apply(ctx: click.Context, draft_id: int, file: Path, dry_run: bool, comment: str,
                token: str | None, as_json: bool) -> None:
    """Apply a FILE of changed concepts to a draft: all or nothing.

    FILE is Turtle (.ttl, .nt), each concept in it replacing that concept in the draft or
    creating it, or a sheet, .csv (UTF-8; ; or , between cells, as Danish Excel writes)
    or .xlsx (its first worksheet), with one row per concept under a row of headings.
    Concepts not in the file are left alone. Every problem is reported, naming its row
    and column, and nothing is written if there is one (exit 2).

    \b
    Sheet columns (docs/authoring.md):
      code                the concept (a code the draft lacks creates it)
      label_da, label_en  preferred label (any language: label_LANG)
      alt_da, hidden_da   alternative / hidden labels of that language
      definition_da       definition of that language
      broader             parent codes
      status              active, deprecated or retired
      reason              why it is retired (needed to retire)
      replaced_by         codes of its successors
      notation            a new code (only for a concept never published)
      mappings            e.g. exactMatch icf:d450 | closeMatch fsiii:T1
      legalBasis, addressesIcf, addressesCondition, targetGroup, area, …
                          the scheme's properties (property:NAME for a new one);
                          scheme:code values (icf:d450) become concept IRIs

    Several values in one cell are separated by |. An empty cell leaves the field as it
    is; a cell holding only - clears it. Formulas are refused, never evaluated.
    """
    db = _open(ctx)
    report = drafts.apply_file(db, services_from(ctx).store, _actor(db, token), draft_id,
                               file, dry_run=dry_run, comment=comment)
    if as_json:
        print_json(report)
        return
    for c in report["concepts"]:
        fields = f"  ({', '.join(c['fields'])})" if c["fields"] and c["kind"] != "create" else ""
        row = f"row {c['row']}: " if "row" in c else ""
        renamed = f" → {c['new_code']}" if "new_code" in c else ""
        click.echo(f"  {row}{c['kind']:<9} {c['code']}{renamed}{fields}")
    changed = sum(c["kind"] != "unchanged" for c in report["concepts"])
    verb = "would change" if dry_run else "changed"
    click.echo(f"{file.name}: {verb} {changed} of {len(report['concepts'])} concepts in "
               f"draft {draft_id}")


COMMANDS = [draft_group]
