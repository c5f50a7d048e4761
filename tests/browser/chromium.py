"""Debian's Chromium, as every browser test launches it (never a downloaded browser)."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("TERMSERVER_SCREENSHOTS", "/tmp/termserver-screenshots"))
"""Where screenshots go; `TERMSERVER_SCREENSHOTS=docs/screenshots` refreshes the docs' copies."""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
