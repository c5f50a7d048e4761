"""Generated docs that tests keep honest: docs/cli.md and docs/openapi.json.

Run `scripts/gen-docs` after changing a command or an endpoint; tests fail until the
committed files match what the code says.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import orjson

DOCS = Path(__file__).resolve().parents[2] / "docs"


def cli_reference() -> str:
    from .cli import main

    lines = ["# CLI reference", "",
             "Generated from `--help` by `scripts/gen-docs`; `tests/test_docs.py` checks it.", ""]
    settings = {"help_option_names": ["-h", "--help"], "terminal_width": 100,
                "max_content_width": 100}
    ctx = click.Context(main, info_name="termserver", **settings)
    lines += ["## termserver", "", "```", main.get_help(ctx), "```", ""]
    for name in sorted(main.commands):
        command = main.commands[name]
        sub = click.Context(command, info_name=name, parent=ctx, **settings)
        lines += [f"## termserver {name}", "", "```", command.get_help(sub), "```", ""]
        for child_name in sorted(getattr(command, "commands", {})):  # a group's commands
            child = command.commands[child_name]  # type: ignore[attr-defined]
            child_ctx = click.Context(child, info_name=child_name, parent=sub, **settings)
            lines += [f"### termserver {name} {child_name}", "", "```",
                      child.get_help(child_ctx), "```", ""]
    return "\n".join(lines)


def openapi_document() -> dict:
    from .api import create_app
    from .services import Services
    from .settings import Settings
    from .store import Store

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), vocab_dir=Path(tmp) / "none")
        app = create_app(settings, Services(settings=settings, store=Store([])))
        return app.openapi()


def openapi_text() -> bytes:
    return orjson.dumps(openapi_document(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


def main() -> None:
    (DOCS / "cli.md").write_text(cli_reference(), encoding="utf-8")
    (DOCS / "openapi.json").write_bytes(openapi_text() + b"\n")
    from validators.matrix import markdown

    (DOCS / "validators.md").write_text(markdown(), encoding="utf-8")
    print("wrote docs/cli.md, docs/openapi.json and docs/validators.md")


if __name__ == "__main__":
    main()
