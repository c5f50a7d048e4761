"""The checks over the real releases (KL's, WHO's ICF and vocab/): a draft that touches
every catalogue entry, or 100 FSIII or ICF concepts, without changing them raises no error
and stays fast — the rules do not fire on content that is published as it should be."""

from __future__ import annotations

import time

import pytest

from termserver.authoring import checks
from termserver.authoring.concepts import state_of
from termserver.authoring.drafts import DraftContent
from termserver.settings import Settings
from termserver.store import Store


@pytest.fixture(scope="module")
def store(real_settings: Settings) -> Store:
    return Store.open(real_settings.data_dir)


@pytest.mark.parametrize("scheme", ["catalogue", "fsiii", "icf", "ffb"])
def test_touching_real_concepts_raises_no_error(store: Store, scheme: str) -> None:
    base = store.latest(scheme)
    now = DraftContent(1, base)
    by_source: dict[str, list] = {}
    for mapping in base.mappings:
        by_source.setdefault(mapping.source, []).append(mapping)
    codes = list(base.concepts) if scheme == "catalogue" else list(base.concepts)[:100]
    for code in codes:
        concept = base.concepts[code]
        now.changed[code] = state_of(concept, by_source.get(concept.uri, []))
    started = time.perf_counter()
    result = checks.evaluate(store, now)
    elapsed = time.perf_counter() - started
    errors = [f["message"] for f in result["findings"] if f["severity"] == "error"]
    assert errors == []
    assert result["passed"] and result["impact"]["concepts"] == []
    assert elapsed < 3, f"{elapsed:.2f} s"
