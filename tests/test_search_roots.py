"""Word roots: the verb a caseworker writes meets the noun of a label or definition
(`koncentrere sig` → "koncentration", `glemmer` → "glemsom"), as weaker evidence than the
stem, so what a situation is described with finds the concept it is about."""

from __future__ import annotations

import pytest

from termserver.search import analysis
from termserver.search.base import SearchIndex
from termserver.services import open_services
from termserver.settings import Settings


@pytest.mark.parametrize(("words", "root"), [
    (("koncentrere", "koncentreret", "koncentration"), "koncentr"),
    (("forvirret", "forvirring"), "forvir"),
    (("glemmer", "glemme", "glemsom", "glemsomhed"), "glem"),
    (("spiser", "spise", "spisning"), "spis"),
    (("orientere", "orienteret", "orientering"), "orient"),
    (("bekymret", "bekymring"), "bekymr"),
])
def test_the_forms_of_one_matter_share_a_root(words: tuple[str, ...], root: str) -> None:
    assert {analysis.root(w) for w in words} == {root}


@pytest.mark.parametrize("word", ["ensomhed", "hukommelse", "regning", "mening", "bad"])
def test_a_short_remainder_keeps_the_stem(word: str) -> None:
    """`en-som`, `reg-ning`: an ending is only taken off a root of 4+ letters."""
    assert analysis.root(word) == analysis.stem(word)


@pytest.fixture(scope="module")
def index(real_settings: Settings) -> SearchIndex:
    return open_services(real_settings).search


def test_a_verb_finds_the_concept_its_noun_names(index: SearchIndex) -> None:
    hits = index.search("koncentrere sig", limit=5).hits
    top = next(h for h in hits if h.label == "Opmærksomhed og koncentrationsevne")
    assert top.matched == "koncentration"  # the label the root matched is shown
    glemmer = index.search("glemmer ting", limit=5).hits
    assert any(h.label == "Hukommelse" for h in glemmer), [h.label for h in glemmer]


def test_roots_never_make_a_preferred_label_exact(index: SearchIndex) -> None:
    """A root is weaker than a stem: the concept whose own name has the word comes first."""
    hits = index.search("koncentration", limit=3).hits
    assert hits[0].label == "Opmærksomhed og koncentrationsevne"
    assert hits[0].score >= 16_000  # an alternative label's exact match, not a root match
