"""`termserver users|audit|db`: accounts, tokens, the audit log, the authoring database.

The acting user comes from `--token` or `TERMSERVER_TOKEN`. The one exception is the
first `users add` on an empty database, which needs no token and makes that user admin.
"""

from __future__ import annotations

import sys

import click

from ..authoring import audit as audit_log
from ..authoring import passwords, tokens, users
from ..authoring.db import AuthoringDB, head_revision
from ..authoring.permissions import ANONYMOUS, Actor, Grant
from ..authoring.writes import authorize
from .common import handle_errors, json_option, print_json, settings_from

token_option = click.option(
    "--token", envvar="TERMSERVER_TOKEN", default=None, show_envvar=True,
    help="Your API token (printed by `users add` / `users token`); default $TERMSERVER_TOKEN.")


def _open(ctx: click.Context) -> AuthoringDB:
    db = AuthoringDB.from_settings(settings_from(ctx))
    ctx.call_on_close(db.dispose)
    return db


def _actor(db: AuthoringDB, token: str | None) -> Actor:
    return tokens.authenticate(db, token.strip()) if token and token.strip() else ANONYMOUS


_PROMPT = "\0prompt"
password_option = click.option(
    "--password", default=None, is_flag=False, flag_value=_PROMPT,
    help=f"A password for the web pages under /redaktion ({passwords.MIN_LENGTH} characters "
    "or more); --password alone asks for it without showing it.")


def _password(given: str | None) -> str | None:
    """The password given, or typed at a prompt (twice, hidden) for --password alone."""
    if given != _PROMPT:
        return given
    typed = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                         err=True)
    passwords.check_strength(typed)
    return typed


# -- users ---------------------------------------------------------------------------------
@click.group("users")
def users_group() -> None:
    """Accounts, roles and API tokens of the authoring side (see docs/authoring.md)."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True,
              help="editor, reviewer, publisher or admin (repeat for several).")
@click.option("--scheme", default=None,
              help="The scheme the roles are for (e.g. catalogue), or '*' for every scheme "
              "(official KL/WHO schemes need a grant by name).")
@password_option
@token_option
@json_option
@click.pass_context
@handle_errors
def users_add(ctx: click.Context, name: str, roles: tuple[str, ...], scheme: str | None,
              password: str | None, token: str | None, as_json: bool) -> None:
    """Add a user with ROLEs on SCHEME and print their API token, once.

    The token goes to standard output (and is never shown again: only its hash is
    kept). The first user of an empty database needs no --token and is made admin on
    '*'; after that, adding a user takes an admin's token. --password lets the user log
    in to the web pages under /redaktion as well.
    """
    db = _open(ctx)
    added = users.add_user(db, _actor(db, token), name, list(roles), scheme,
                           _password(password))
    if as_json:
        print_json({"name": added.name, "roles": [_grant(g) for g in added.grants],
                    "token": added.token, "bootstrapped": added.bootstrapped})
        return
    held = ", ".join(str(g) for g in added.grants) or "no roles yet"
    first = " (the first user: made admin)" if added.bootstrapped else ""
    click.echo(f"added {added.name}{first}: {held}. The token below is shown this once; "
               "store it now.", err=True)
    click.echo(added.token)


@users_group.command("grant")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True,
              help="editor, reviewer, publisher or admin (repeat for several).")
@click.option("--scheme", required=True,
              help="The scheme (e.g. catalogue, or icf to open an official one), or '*'.")
@token_option
@click.pass_context
@handle_errors
def users_grant(ctx: click.Context, name: str, roles: tuple[str, ...], scheme: str,
                token: str | None) -> None:
    """Give NAME more roles on one scheme (an admin's token)."""
    db = _open(ctx)
    new = users.grant(db, _actor(db, token), name, list(roles), scheme)
    click.echo(f"{name}: granted {', '.join(str(g) for g in new)}" if new
               else f"{name} already had {', '.join(roles)} on {scheme}")


@users_group.command("token")
@click.argument("name")
@token_option
@click.pass_context
@handle_errors
def users_token(ctx: click.Context, name: str, token: str | None) -> None:
    """Create another token for NAME and print it, once (an admin's token)."""
    db = _open(ctx)
    created = tokens.create(db, _actor(db, token), name)
    click.echo(f"new token for {name}, shown this once; store it now.", err=True)
    click.echo(created)


@users_group.command("password")
@click.argument("name")
@password_option
@token_option
@click.pass_context
@handle_errors
def users_password(ctx: click.Context, name: str, password: str | None,
                   token: str | None) -> None:
    """Set or change NAME's password for the web pages (an admin's token); NAME's open
    web sessions end. Without --password it is asked for, hidden."""
    db = _open(ctx)
    actor = _actor(db, token)
    authorize(db, actor, "user.password")
    passwords.set_password(db, actor, name, _password(password or _PROMPT) or "")
    click.echo(f"{name}: password set; {name} logs in at /redaktion/login.", err=True)


@users_group.command("list")
@token_option
@json_option
@click.pass_context
@handle_errors
def users_list(ctx: click.Context, token: str | None, as_json: bool) -> None:
    """List users, their roles and their tokens (prefixes only; an admin's token)."""
    db = _open(ctx)
    body = users.list_users(db, _actor(db, token))
    if as_json:
        print_json(body)
        return
    for user in body["users"]:
        roles = ", ".join(f"{r['role']} on {r['scheme']}" for r in user["roles"]) or "-"
        login = "  (web login)" if user.get("password") else ""
        click.echo(f"{user['name']}: {roles}{login}")
        for t in user["tokens"]:
            state = f"revoked {t['revoked_at']}" if t["revoked_at"] else "active"
            click.echo(f"  {t['prefix']}…  created {t['created_at']}  {state}")


@users_group.command("revoke")
@click.argument("what", metavar="NAME|TOKEN-PREFIX")
@token_option
@click.pass_context
@handle_errors
def users_revoke(ctx: click.Context, what: str, token: str | None) -> None:
    """Revoke one token (its prefix, as `users list` shows it) or all of a user's."""
    db = _open(ctx)
    revoked = tokens.revoke(db, _actor(db, token), what)
    click.echo(f"revoked {', '.join(p + '…' for p in revoked)}")


# -- audit ---------------------------------------------------------------------------------
@click.group("audit", invoke_without_command=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="Entries to show, newest first.")
@click.option("--before", type=click.IntRange(min=1), default=None,
              help="Show entries before this number (the listing's next_before).")
@token_option
@json_option
@click.pass_context
@handle_errors
def audit_group(ctx: click.Context, limit: int, before: int | None, token: str | None,
                as_json: bool) -> None:
    """Show the audit log, newest first (an admin's token); `audit verify` checks it.

    --json prints exactly the body of GET /api/v1/audit.
    """
    if ctx.invoked_subcommand is not None:
        return
    db = _open(ctx)
    authorize(db, _actor(db, token), "audit.read")
    with db.read() as session:
        body = audit_log.page(session, limit=limit, before=before)
    if as_json:
        print_json(body)
        return
    for e in body["entries"]:
        where = f" {e['scheme']}" if e["scheme"] else ""
        why = f"  ({e['reason']})" if e["reason"] else ""
        click.echo(f"{e['seq']:>6}  {e['at']}  {e['actor'] or 'anonymous'}  {e['outcome']}  "
                   f"{e['action']}{where} {e['target']}{why}")
    if body["next_before"]:
        click.echo(f"(older entries: --before {body['next_before']})", err=True)


@audit_group.command("verify")
@json_option
@click.pass_context
@handle_errors
def audit_verify(ctx: click.Context, as_json: bool) -> None:
    """Check the audit log's hash chain: exit 0 intact, 1 when an entry was changed or
    deleted (each one named).

    Needs no token: it reads only hashes and says only where the chain breaks. Keep the
    printed head hash elsewhere to detect a rewrite of the whole log.
    """
    db = _open(ctx)
    with db.read() as session:
        verdict = audit_log.verify(session)
    if as_json:
        print_json(verdict.body())
    elif verdict.intact:
        click.echo(f"audit log intact: {verdict.entries} entries, head {verdict.head_seq} "
                   f"{verdict.head_hash}")
    else:
        for broken in verdict.breaks:
            click.echo(f"audit log TAMPERED: {broken.message}")
    sys.exit(0 if verdict.intact else 1)


# -- db ------------------------------------------------------------------------------------
@click.group("db")
def db_group() -> None:
    """The authoring database (TERMSERVER_DATABASE_URL; default a SQLite file in the data
    directory)."""


@db_group.command("upgrade")
@click.pass_context
@handle_errors
def db_upgrade(ctx: click.Context) -> None:
    """Bring the authoring database's schema to the newest migration (safe to repeat;
    the server also does this on first use)."""
    db = _open(ctx)
    before, after = db.upgrade()
    if before == after:
        click.echo(f"{db.where}: already at {after} (head)")
    else:
        click.echo(f"{db.where}: upgraded from {before or 'empty'} to {after} "
                   f"(head {head_revision()})")


def _grant(grant: Grant) -> dict[str, str]:
    return {"role": grant.role, "scheme": grant.scheme}


COMMANDS = [users_group, audit_group, db_group]
