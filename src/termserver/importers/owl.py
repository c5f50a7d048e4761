"""owl importer (to be written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ImportRefused
from ..model import Release


def sniff(path: Path, head: bytes) -> bool:
    return False


def parse(path: Path, data: bytes, options: Any) -> list[Release]:
    raise ImportRefused(f"{path.name}: the owl importer is not available yet.")
