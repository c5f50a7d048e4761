"""End to end: the real `termserver serve` on 127.0.0.1, spoken to over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from servers import get, serving
from termserver.settings import Settings

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("serve") / "stderr.log"
    with serving(real_settings.data_dir, log,
                 env={"TERMSERVER_VOCAB_DIR": str(real_settings.vocab_dir)}) as served:
        yield served.base


def test_serves_schemes_and_lookup(server: str) -> None:
    status, _, body = get(f"{server}/api/v1/schemes")
    assert status == 200
    assert "icf" in {s["id"] for s in json.loads(body)}
    status, _, body = get(f"{server}/api/v1/schemes/icf/concepts/d450")
    assert status == 200 and json.loads(body)["labels"]["en"] == "Walking"
    assert json.loads(body)["label_source"]["scheme"] == "icf-da"  # Danish working label


def test_errors_are_json_envelopes(server: str) -> None:
    status, content_type, body = get(f"{server}/api/v1/schemes/icf/concepts/nope")
    assert status == 404 and content_type.startswith("application/json")
    assert json.loads(body)["error"]["code"] == "not_found"


def test_concept_iri_turtle(server: str) -> None:
    status, content_type, body = get(f"{server}/id/icf/d450", accept="text/turtle")
    assert status == 200 and content_type.startswith("text/turtle")
    assert b"skos:notation \"d450\"" in body


def test_openapi_is_served(server: str) -> None:
    status, _, body = get(f"{server}/api/v1/openapi.json")
    paths = json.loads(body)["paths"]
    assert status == 200
    assert {"/api/v1/schemes", "/api/v1/search", "/api/v1/schemes/{scheme}/concepts/{code}",
            "/api/v1/schemes/{scheme}/diff"} <= set(paths)
