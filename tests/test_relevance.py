"""The relevance set (bench/relevance/queries.json) stays usable, and search does not fall
below the nDCG@10 it reached when docs/benchmarks.md was written (a floor a little under
that figure, so an unrelated change to the data does not fail it, a worse ranking does)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from termserver.services import open_services
from termserver.settings import Settings

BENCH = Path(__file__).resolve().parents[1] / "bench" / "relevance.py"
API_FLOOR = 0.55
PAGE_FLOOR = 0.60


def _relevance():
    spec = importlib.util.spec_from_file_location("relevance", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def services(real_settings: Settings):
    return open_services(real_settings)


def test_the_set_is_big_enough_and_mostly_situations() -> None:
    queries = _relevance().load_queries()
    assert len(queries) >= 60
    assert sum(q["type"] == "situation" for q in queries) * 2 >= len(queries)
    assert all(q["judged"] and all(1 <= g <= 3 for _, _, g in q["judged"]) for q in queries)
    assert len({q["q"] for q in queries}) == len(queries)


def test_every_judgment_names_a_concept(services) -> None:
    relevance = _relevance()
    judged = relevance.resolve(services.store, relevance.load_queries())
    assert all(judged.values())


@pytest.mark.parametrize(("scope", "floor"), [("api", API_FLOOR), ("page", PAGE_FLOOR)])
def test_ndcg_stays_above_its_floor(services, scope: str, floor: float) -> None:
    relevance = _relevance()
    summary = relevance.evaluate(services, relevance.load_queries(), scope)["summary"]
    assert summary["all"]["ndcg@10"] >= floor, summary
