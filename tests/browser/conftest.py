"""The browser and tab every browser test uses: Debian's Chromium through Playwright, one
browser per test module, a fresh Danish-locale context per test. Without Chromium the tests
skip on a developer's machine and fail in CI (CI=true)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .chromium import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = "Debian chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="da-DK")
    tab = context.new_page()
    yield tab
    context.close()
