"""GET /api/v1/search: the fast route and the documented route give the same answers.

Short, well-formed queries are answered by `WellFormedSearchRoute` without FastAPI's
parameter machinery; everything else reaches the documented FastAPI route. Both must
answer alike, and the contract (OpenAPI) must state the limits the server enforces.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from termserver.api.search import FAST_MAX_WORDS, well_formed
from termserver.search.matching import MAX_QUERY_CHARS


def test_openapi_states_the_query_length_limit(client: TestClient) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/search"]["get"]
    q = next(p for p in operation["parameters"] if p["name"] == "q")
    assert q["required"] is True
    assert q["schema"]["maxLength"] == MAX_QUERY_CHARS == 500
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 200)


@pytest.mark.parametrize("q", ["x" * 501, "gang " * 101, "æ" * 501])
def test_a_query_over_the_limit_is_the_usual_400(client: TestClient, q: str) -> None:
    answer = client.get("/api/v1/search", params={"q": q})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "bad_request"
    assert "query.q" in error["message"] and "500 characters" in error["message"]


@pytest.mark.parametrize("q", ["x" * 500, "æ" * 500, ("gang " * 100)[:500]])
def test_a_query_at_the_limit_is_answered(client: TestClient, q: str) -> None:
    answer = client.get("/api/v1/search", params={"q": q})
    assert answer.status_code == 200
    assert answer.json()["query"] == q


def test_which_requests_the_fast_route_takes() -> None:
    assert well_formed(b"q=gang") == ("gang", None, None, 10)
    assert well_formed(b"q=g%C3%A5&limit=5&scheme=icf&version=2001") == (
        "gå", "icf", "2001", 5)
    assert well_formed(b"q=a&q=b&limit=3&limit=200") == ("b", None, None, 200)
    assert well_formed(b"q=&scheme=") == ("", "", None, 10)
    words = "+".join(["ord"] * FAST_MAX_WORDS)
    assert well_formed(f"q={words}".encode()) is not None
    for refused in (b"", b"limit=5", b"q=a+b+c", b"q=" + b"x" * 501, b"q=a&limit=0",
                    b"q=a&limit=201", b"q=a&limit=05", b"q=a&limit=%2B5", b"q=a&limit=+5",
                    b"q=a&limit=abc", b"q=a&limit=1.5", b"q=a&limit="):
        assert well_formed(refused) is None, refused


@pytest.mark.parametrize("params", [
    {"q": "gang"}, {"q": "hukommelse", "scheme": "fsiii"}, {"q": "d450"},
    {"q": "§ 85"}, {"q": "walking", "scheme": "icf", "version": "2001"},
    {"q": ""}, {"q": "x", "scheme": "nope"}, {"q": "walking", "version": "2001"},
    {"q": "gang", "scheme": ""},
])
def test_fast_and_documented_route_answer_alike(client: TestClient, params: dict) -> None:
    """`limit=5` takes the fast route, `limit=05` the documented one (FastAPI reads 5)."""
    fast = client.get("/api/v1/search", params={**params, "limit": "5"})
    documented = client.get("/api/v1/search", params={**params, "limit": "05"})
    assert fast.status_code == documented.status_code
    assert fast.headers["content-type"] == documented.headers["content-type"]
    assert fast.json() == documented.json()
    if fast.status_code == 200:
        assert len(fast.json()["results"]) <= 5


@pytest.mark.parametrize(("query", "problem"), [
    ("", "query.q"), ("?q=gang&limit=0", "query.limit"), ("?q=gang&limit=201", "query.limit"),
    ("?q=gang&limit=many", "query.limit"), ("?q=gang&limit=1.5", "query.limit"),
])
def test_bad_parameters_get_the_documented_400(client: TestClient, query: str,
                                               problem: str) -> None:
    answer = client.get(f"/api/v1/search{query}")
    assert answer.status_code == 400
    assert answer.json()["error"]["details"]["problems"][0]["where"] == problem


def test_a_long_query_is_answered_by_the_documented_route(client: TestClient) -> None:
    q = "hjælp til personlig pleje og bad"
    assert well_formed(f"q={q}".encode()) is None
    answer = client.get("/api/v1/search", params={"q": q})
    assert answer.status_code == 200 and answer.json()["results"]
