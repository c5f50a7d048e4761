"""The interactive API docs render in headless Chromium with every outside request refused.

They used to load Swagger UI from a CDN, so offline the page at /api/v1/docs was blank.
Here the browser may reach 127.0.0.1 only: any other request is aborted and recorded.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from servers import serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`termserver serve` over an empty data directory: the docs need no releases."""
    root = tmp_path_factory.mktemp("api-docs-serve")
    with serving(root / "data", root / "stderr.log", "--no-vocab",
                 ready="/api/v1/openapi.json",
                 env={"TERMSERVER_VOCAB_DIR": str(root / "no-vocab")}) as served:
        yield served.base


def _offline_page(browser, refused: list[str]):
    """A tab whose requests to anywhere but 127.0.0.1 are aborted (and listed in `refused`)."""
    context = browser.new_context(viewport={"width": 1100, "height": 800})

    def route(route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", route)
    return context, context.new_page()


@pytest.mark.parametrize(("path", "summary", "operation"), [
    ("/api/v1/docs", ".opblock-summary-description", ".opblock"),
    ("/api/v1/redoc", "h2", "[data-section-id*='/operation/']"),
])
def test_api_docs_render_offline(browser, empty_server: str, path: str, summary: str,
                                 operation: str) -> None:
    """The operations list renders: an endpoint's summary is visible, every operation is there."""
    with urllib.request.urlopen(f"{empty_server}/api/v1/openapi.json") as response:
        operations = sum(len(ops) for ops in json.load(response)["paths"].values())
    refused: list[str] = []
    context, page = _offline_page(browser, refused)
    try:
        page.goto(empty_server + path)
        page.locator(f"{summary}:text-is('Search concepts')").first.wait_for(
            state="visible", timeout=15000)
        assert page.locator(operation).count() == operations
    finally:
        context.close()
    assert refused == []
