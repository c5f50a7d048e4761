"""/healthz, /readyz and /metrics in-process: what a load balancer and Prometheus read."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.api.health import HealthOut, ReadyOut
from termserver.api.schemas import ErrorOut
from termserver.importers import ImportOptions
from termserver.publishing import import_paths
from termserver.reload import Reloader
from termserver.services import Services
from termserver.settings import Settings
from termserver.store import Store

SMALL = Path(__file__).resolve().parent / "fixtures" / "small.ttl"
CONCEPT_ROUTE = "/api/v1/schemes/{scheme}/concepts/{code}"

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
_COMMENT = re.compile(rf"# (HELP {_NAME} .*|TYPE {_NAME} (counter|gauge|histogram|summary|"
                      r"untyped))")
_SAMPLE = re.compile(rf"({_NAME})(?:\{{({_LABEL}(?:,{_LABEL})*)\}})? (\S+)")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse_prometheus(text: str) -> Samples:
    """Every line of the text format 0.0.4 is a HELP/TYPE comment or `name{labels} value`,
    and every sample belongs to a family whose TYPE came before it."""
    assert text.endswith("\n")
    typed: dict[str, str] = {}
    samples: Samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert _COMMENT.fullmatch(line), f"not a HELP/TYPE line: {line!r}"
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ")
                assert name not in typed, f"TYPE of {name} given twice"
                typed[name] = kind
            continue
        match = _SAMPLE.fullmatch(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        family = re.sub(r"_(bucket|sum|count)$", "", name) \
            if typed.get(re.sub(r"_(bucket|sum|count)$", "", name)) == "histogram" else name
        assert family in typed, f"sample {name} before its TYPE line"
        pairs = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"',
                                     labels or ""))
        key = (name, pairs)
        assert key not in samples, f"sample given twice: {line!r}"
        samples[key] = float(value)  # float() reads +Inf as well
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse_prometheus(response.text)


@pytest.fixture
def small_settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "no-vocab")
    import_paths(settings, [SMALL], ImportOptions())
    return settings


@pytest.fixture
def client(small_settings: Settings) -> TestClient:
    return TestClient(create_app(small_settings))


def test_healthz_answers_while_the_process_answers(client: TestClient) -> None:
    client.app.state.ready = False  # liveness does not depend on the releases
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    HealthOut.model_validate(response.json())
    assert response.headers["cache-control"] == "no-store"


def test_readyz_is_ready_with_releases_and_index(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    ReadyOut.model_validate(body)
    assert body["status"] == "ready" and body["releases"] == 1
    assert body["loaded_at"] > 0 and body["reload_error"] is None


def test_readyz_is_503_until_the_first_load_is_done(client: TestClient) -> None:
    client.app.state.ready = False
    response = client.get("/readyz")
    assert response.status_code == 503
    ErrorOut.model_validate(response.json())
    error = response.json()["error"]
    assert error["code"] == "not_ready" and error["details"]["missing"] == ["first_load"]
    assert "first load" in error["message"]
    client.app.state.ready = True
    assert client.get("/readyz").status_code == 200


def test_readyz_names_an_unopened_index_without_opening_it(small_settings: Settings) -> None:
    services = Services(settings=small_settings, store=Store.open(small_settings.data_dir))
    client = TestClient(create_app(small_settings, services))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["details"]["missing"] == ["search_index"]
    assert services._search is None  # a probe must never build an index
    assert value(scrape(client), "termserver_search_index_open", backend="tantivy") == 0


def test_readyz_names_an_empty_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "elsewhere", vocab_dir=tmp_path / "no-vocab")
    client = TestClient(create_app(settings))
    response = client.get("/readyz")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["details"]["missing"] == ["releases"]
    assert str(settings.data_dir) in error["message"]
    assert "TERMSERVER_DATA_DIR" in error["message"]
    assert value(scrape(client), "termserver_ready") == 0


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    before = scrape(client)
    for code in ("A", "B", "nope"):
        client.get(f"/api/v1/schemes/small/concepts/{code}")
    client.get("/made-up/path/1")
    client.get("/made-up/path/2")
    client.get("/api/v1/search", params={"q": "gå"})
    after = scrape(client)

    def grew(status: str, route: str = CONCEPT_ROUTE) -> float:
        labels = {"method": "GET", "route": route, "status": status}
        return (value(after, "termserver_http_requests_total", **labels)
                - value(before, "termserver_http_requests_total", **labels))

    assert grew("200") == 2 and grew("404") == 1
    assert grew("404", "unmatched") == 2
    assert grew("200", "/api/v1/search") == 1
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(route and "small" in route for route in routes), routes  # no raw paths
    assert value(after, "termserver_http_requests_total", method="GET", route="/metrics",
                 status="200") >= 1


def test_metrics_latency_histogram_is_cumulative(client: TestClient) -> None:
    for _ in range(3):
        client.get("/api/v1/schemes/small/concepts/B")
    samples = scrape(client)
    name = "termserver_http_request_duration_seconds"
    labels = {"method": "GET", "route": CONCEPT_ROUTE}
    buckets = sorted(((float(dict(ls)["le"]), v) for (n, ls), v in samples.items()
                      if n == f"{name}_bucket" and dict(ls).items() >= labels.items()))
    counts = [count for _, count in buckets]
    assert buckets[-1][0] == math.inf and counts == sorted(counts)
    assert counts[-1] == value(samples, f"{name}_count", **labels) == 3
    assert 0 < value(samples, f"{name}_sum", **labels) < 3 * 10


def test_metrics_report_releases_and_index(client: TestClient) -> None:
    samples = scrape(client)
    assert value(samples, "termserver_ready") == 1
    assert value(samples, "termserver_releases_loaded") == 1
    assert value(samples, "termserver_release_latest_info", scheme="small", version="1.0") == 1
    assert value(samples, "termserver_search_index_open", backend="tantivy") == 1
    assert value(samples, "termserver_search_index_info", backend="tantivy",
                 state="current") == 1
    assert value(samples, "termserver_releases_loaded_timestamp_seconds") > 0
    client.app.state.ready = False
    assert value(scrape(client), "termserver_ready") == 0


def test_metrics_follow_a_reload(small_settings: Settings, client: TestClient,
                                 tmp_path: Path) -> None:
    reloader = Reloader(client.app.state, small_settings)
    client.app.state.reloader = reloader
    assert value(scrape(client), "termserver_reloads_total") == 0
    second = tmp_path / "small-2.ttl"
    second.write_text(SMALL.read_text().replace('owl:versionInfo "1.0"',
                                                'owl:versionInfo "2.0"'))
    import_paths(small_settings, [second], ImportOptions())
    assert reloader.check()
    samples = scrape(client)
    assert value(samples, "termserver_reloads_total") == 1
    assert value(samples, "termserver_reload_failing") == 0
    assert value(samples, "termserver_releases_loaded") == 2
    assert value(samples, "termserver_release_latest_info", scheme="small", version="2.0") == 1
    assert value(samples, "termserver_release_latest_info", scheme="small", version="1.0") == 0
    assert client.get("/readyz").json()["releases"] == 2


def test_an_unexpected_error_is_counted_as_500(small_settings: Settings) -> None:
    app = create_app(small_settings)

    @app.get("/broken/{thing}", include_in_schema=False)
    def broken(thing: str) -> None:
        raise RuntimeError("a bug")

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/broken/x").status_code == 500
    assert value(scrape(client), "termserver_http_requests_total", method="GET",
                 route="/broken/{thing}", status="500") == 1


def test_an_unknown_method_is_one_label_value(client: TestClient) -> None:
    client.request("BREW", "/healthz")
    client.request("PROPFIND", "/healthz")
    assert value(scrape(client), "termserver_http_requests_total", method="other",
                 route="/healthz", status="405") == 2

