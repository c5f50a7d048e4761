"""Docs that can be checked are checked: CLI reference and the OpenAPI contract."""

from __future__ import annotations

from termserver.docs_gen import DOCS, cli_reference, openapi_text


def test_cli_reference_is_current() -> None:
    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert committed == cli_reference(), "CLI changed: run scripts/gen-docs and commit docs/cli.md"


def test_openapi_snapshot_is_current() -> None:
    committed = (DOCS / "openapi.json").read_bytes().rstrip(b"\n")
    assert committed == openapi_text(), (
        "API contract changed: review it, run scripts/gen-docs and commit docs/openapi.json")
