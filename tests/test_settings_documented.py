"""Every setting is documented, and the docs name no setting that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from termserver.settings import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \| `TERMSERVER_([A-Z_]+)`", text, re.M))
    expected = {(name, name.upper()) for name in Settings.model_fields}
    assert documented == expected


def test_every_setting_has_a_description() -> None:
    missing = [n for n, f in Settings.model_fields.items() if not f.description]
    assert missing == []
