"""What every CLI command shares: settings, `--json`, the exit codes, error output.

Exit codes: 0 ok, 1 invalid or not found, 2 usage error or unreadable input.
A read command's `--json` output is exactly the body of the matching HTTP endpoint.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import orjson
from pydantic import ValidationError

from ..errors import TermserverError, error_envelope
from ..services import Services, open_services
from ..settings import Settings


def json_option(func: Callable) -> Callable:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print the result as JSON (the HTTP body)."
    )(func)


def settings_from(ctx: click.Context) -> Settings:
    return ctx.find_root().obj["settings"]


def services_from(ctx: click.Context, *, with_search: bool = False) -> Services:
    root = ctx.find_root().obj
    services = root.get("services")
    if services is None:
        services = open_services(root["settings"], with_search=with_search)
        root["services"] = services
    return services


def print_json(body: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


def handle_errors(func: Callable) -> Callable:
    """Turn domain errors into a clear message (or the JSON envelope) and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TermserverError as exc:
            if kwargs.get("as_json"):
                print_json(exc.envelope())
            else:
                click.echo(f"termserver: {exc.message}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:  # `termserver search … | head`: the reader has gone
            _silence_stdout()
            sys.exit(0)
        except OSError as exc:  # the data directory (or a file) cannot be read or written
            message = os_error_message(exc)
            if kwargs.get("as_json"):
                print_json(error_envelope("io_error", message,
                                          {"path": str(exc.filename or "")}))
            else:
                click.echo(f"termserver: {message}", err=True)
            sys.exit(2)

    return wrapper


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's own flush at exit does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def os_error_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return (f"{where}{exc.strerror or exc}. Check that the path (and --data-dir / "
            "TERMSERVER_DATA_DIR) names a directory you can write to.")


def build_settings(data_dir: Path | None) -> Settings:
    """The settings, or one line per bad `TERMSERVER_*` variable and exit 2 (no pydantic dump)."""
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        for problem in exc.errors():
            click.echo(f"termserver: {setting_problem(problem)}", err=True)
        sys.exit(2)
    except Exception as exc:  # pydantic-settings' own SettingsError: a value it cannot decode
        click.echo(f"termserver: invalid settings: {str(exc).splitlines()[0]}", err=True)
        sys.exit(2)


_TAKES = {
    "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_parsing": "a number", "bool_parsing": "true or false", "path_type": "a path",
}
"""What a setting takes, by pydantic's error type; other errors keep pydantic's wording."""


def setting_problem(problem: Any) -> str:
    """One pydantic error as a line that names the environment variable, what it got and
    what it takes: `TERMSERVER_PORT='abc' is not valid: it takes a whole number (…)`."""
    name = str(problem["loc"][0]) if problem.get("loc") else ""
    field = Settings.model_fields.get(name)
    if field is None:
        return f"invalid settings: {problem.get('msg', problem)}"
    variable = f"TERMSERVER_{name.upper()}"
    takes = _TAKES.get(problem.get("type", ""))
    wanted = f"it takes {takes}" if takes else problem.get("msg", "").lower()
    about = (field.description or "").rstrip(".")
    default = field.get_default(call_default_factory=True)
    return (f"{variable}={problem.get('input')!r} is not valid: {wanted} ({about}; "
            f"default {default}).")
