"""`termserver validate` (placeholder until its issue)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
