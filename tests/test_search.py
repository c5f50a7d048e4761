"""Search quality and behaviour, run identically against every backend.

Expected concepts are named by their display text in KL's published files and resolved
against the loaded data, so the tests check that a caseworker's query finds the concept
they mean, not that the engine returns what it returned last time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from termserver.errors import BadRequest
from termserver.importers import ImportOptions, load_files
from termserver.model import Concept, Release, ReleaseInfo
from termserver.releases import ReleaseRepository
from termserver.search import BACKENDS, SearchIndex, get_backend, open_index, rebuild_index
from termserver.store import Store

from .conftest import KL_TERM, require_shared

OLD_FFB = KL_TERM / "history" / "2023-02-08-9bbffd6" / "CodeSystem-FFB.json"
OLD_FFB_VERSION = "20200908"
HIDDEN_WORD = "glemsomhed"
"""An everyday word added by an overlay to FFB's "Hukommelse" (not in KL's own labels)."""

ANY = None

# (query, scheme filter, acceptable preferred labels of the concept a caseworker means)
CASES: list[tuple[str, str | None, tuple[str, ...]]] = [
    # Danish letters folded, stemming, compounds by prefix
    ("okonomi", "ffb", ("Økonomisk situation", "Varetage økonomi")),
    ("økonomi", "ffb", ("Varetage økonomi",)),
    ("økonomisk situation", ANY, ("Økonomisk situation",)),
    ("hukommelse", ANY, ("Hukommelse",)),
    ("angst", ANY, ("Angst",)),
    ("misbrug", "ffb", ("Misbrug",)),
    ("alkohol", "ffb", ("Alkoholmisbrug",)),
    ("stofmisbrug", ANY, ("Stofmisbrug",)),
    ("bolig", "ffb", ("Boligsituation", "Varetage bolig")),
    ("botilbud", "ffb", ("Botilbud til voksne",)),
    ("beskæftigelse", "ffb", ("Støtte til beskæftigelse", "Varetage beskæftigelse")),
    ("beskyttet beskæftigelse", ANY, ("Beskyttet beskæftigelse",)),
    ("depression", ANY, ("Depression",)),
    ("demens", ANY, ("Demens",)),
    ("hjemløs", ANY, ("Hjemløshed",)),
    ("selvmord", ANY, ("Selvmordstanker eller -forsøg",)),
    ("selvskade", ANY, ("Selvskadende adfærd",)),
    ("personlig hygiejne", "ffb", ("Støtte til personlig hygiejne",)),
    ("personlig hygiejne", "fsiii", ("Personlig hygiejne",)),
    ("gøre rent", ANY, ("Gøre rent",)),
    ("vaske tøj", ANY, ("Vaske tøj",)),
    ("købe ind", ANY, ("Købe ind",)),
    ("socialpædagogisk støtte", ANY, ("Socialpædagogisk støtte",)),
    ("udadreagerende", ANY, ("Udadreagerende adfærd",)),
    ("hjerneskade", "ffb", ("Hjerneskade",)),
    ("autisme", ANY, ("Autismespektrum",)),
    ("søvn", "ffb", ("Søvn",)),
    ("sovn", "ffb", ("Søvn",)),
    ("overgreb", "ffb", ("Overgreb",)),
    ("lave mad", ANY, ("Lave mad",)),
    ("hjemmehjælp", ANY, ("Hjemmehjælp - Praktisk hjælp og støtte",)),
    ("rengøring", ANY, ("Rengøring",)),
    ("medicin", "fsiii", ("Medicin og stoffer", "Medicinadministration",
                          "Medicindispensering", "Ordination af medicin")),
    ("tryksår", ANY, ("Problemer med tryksår",)),
    ("sårbehandling", ANY, ("Sårbehandling",)),
    ("indkøb", "fsiii", ("Indkøb",)),
    ("tøjvask", ANY, ("Tøjvask",)),
    ("madservice", ANY, ("Madservice",)),
    ("genoptræning", ANY, ("Genoptræning",)),
    ("smerter", "fsiii", ("Smerter",)),
    ("kateter", ANY, ("Anlæggelse og pleje af kateter",)),
    ("stomi", ANY, ("Stomipleje",)),
    ("ilt", ANY, ("Iltbehandling",)),
    ("påklædning", ANY, ("Af- og påklædning",)),
    ("forflytning", ANY, ("Forflytning og mobilisering",)),
    ("ernæring", "fsiii", ("Ernæring",)),
    ("ernaering", "fsiii", ("Ernæring",)),
    ("aflastning", ANY, ("§ 84 stk. 1 Aflastning - afløsning",
                         "Aflastningsophold uden for hjemmet")),
    ("praktisk hjælp", "fsiii", ("Hjemmehjælp - Praktisk hjælp og støtte",
                                 "Praktisk hjaelp i hjemmet", "Praktisk hjælp efter §84")),
    ("kropspleje", ANY, ("Kropspleje",)),
    ("dialyse", ANY, ("Dialyse",)),
    ("sondeernæring", ANY, ("Sondeernæring",)),
    # autocomplete: the last word is still being typed
    ("hukom", ANY, ("Hukommelse",)),
    ("økon", "ffb", ("Økonomisk situation", "Varetage økonomi")),
    ("rengø", ANY, ("Rengøring",)),
    ("tryks", ANY, ("Problemer med tryksår",)),
    ("demen", ANY, ("Demens",)),
    ("personlig hyg", "fsiii", ("Personlig hygiejne",)),
    # typos: fuzzy fallback
    ("hukomelse", ANY, ("Hukommelse",)),
    ("rengørng", ANY, ("Rengøring",)),
    ("depresion", ANY, ("Depression",)),
    ("hjemmehjlp", ANY, ("Hjemmehjælp - Praktisk hjælp og støtte",)),
    ("tøjvaks", ANY, ("Tøjvask",)),
]


def _decode_options(path: Path) -> ImportOptions:
    try:
        path.read_bytes().decode("utf-8")
        return ImportOptions()
    except UnicodeDecodeError:
        return ImportOptions(encoding="latin-1")


def _hidden_overlay(target: Concept) -> Release:
    """A real overlay release, as vocab/ search-word files produce, onto one FFB concept."""
    info = ReleaseInfo(scheme="test-searchwords", version="1", title="Søgeord (test)",
                       uri="https://data.termserver.dk/id/test-searchwords", kind="overlay")
    extra = Concept(code="w1", uri=target.uri, hidden_labels={"da": [HIDDEN_WORD]})
    return Release(info, {"w1": extra})


@pytest.fixture(scope="module")
def search_store(real_settings) -> Store:
    """Every official release with ICF in English and German, vocab/, an older FFB and a
    test overlay: a store as mixed as a real deployment's."""
    require_shared(KL_TERM, OLD_FFB)
    releases = ReleaseRepository(real_settings.data_dir).load_all()
    releases += load_files([OLD_FFB], _decode_options(OLD_FFB))
    ffb = next(r for r in releases if r.scheme == "ffb" and r.version != OLD_FFB_VERSION)
    target = next(c for c in ffb.concepts.values() if c.label() == "Hukommelse")
    releases.append(_hidden_overlay(target))
    return Store(releases)


@pytest.fixture(scope="module", params=BACKENDS)
def index(request: pytest.FixtureRequest, search_store: Store,
          tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    backend = get_backend(request.param)
    directory = tmp_path_factory.mktemp(f"index-{request.param}")
    backend.build(search_store, directory)
    return backend.open(search_store, directory)


def _labels(store: Store, scheme: str | None, labels: tuple[str, ...]) -> set[tuple[str, str]]:
    """(scheme, code) of every latest concept whose preferred label is one of `labels`."""
    schemes = [scheme] if scheme else store.schemes()
    wanted = set(labels)
    found = {(s, c.code) for s in schemes for c in store.latest(s).concepts.values()
             if c.label() in wanted}
    assert found, f"test data changed: no concept labelled {labels} in {schemes}"
    return found


def test_caseworker_queries_find_the_concept_in_the_top_five(index, search_store) -> None:
    misses = []
    for query, scheme, labels in CASES:
        expected = _labels(search_store, scheme, labels)
        top = [(h.scheme, h.code) for h in index.search(query, scheme=scheme, limit=5).hits]
        if not expected & set(top):
            misses.append((query, scheme, [h.label for h in
                                           index.search(query, scheme=scheme, limit=5).hits]))
    rate = 1 - len(misses) / len(CASES)
    assert len(CASES) >= 40
    assert rate >= 0.9, f"top-5 rate {rate:.0%}; misses: {misses}"


PHRASES: list[tuple[str, str | None, tuple[str, ...]]] = [
    ("hjælp til påklædning", "fsiii", ("Af- og påklædning",)),
    ("hjælp til rengøring", "fsiii", ("Rengøring",)),
    ("problemer med at sove", "fsiii", ("Søvnproblemer", "Problemer med søvn og hvile")),
    ("har svært ved at huske", ANY, ("Hukommelse",)),
    ("ondt i ryggen", ANY, ("Problemer med smerter", "Smerte og sansefunktioner")),
    ("ryger meget", ANY, ("Tobak", "Tobak og nikotin")),
    ("har ingen venner", "ffb", ("Varetage relationer til netværk", "Personer i netværk")),
    ("hukommelse og", ANY, ("Hukommelse",)),
    ("hukommelsesproblemer", ANY, ("Problemer med hukommelse", "Hukommelse")),
    ("alkoholproblemer", ANY, ("Alkohol", "Alkoholmisbrug")),
    ("rygsmerter", ANY, ("Smerter", "Problemer med smerter", "Smerte og sansefunktioner")),
]
"""Queries as caseworkers phrase them: framing words (`hjælp til`, `har svært ved at`,
`meget`) around the matter, a matter no label has whole (`ondt i ryggen`), or a compound
where the labels use separate words (`hukommelsesproblemer`)."""


def test_phrased_queries_find_the_matter_not_the_framing(index, search_store) -> None:
    misses = []
    for query, scheme, labels in PHRASES:
        expected = _labels(search_store, scheme, labels)
        hits = index.search(query, scheme=scheme, limit=5).hits
        if not expected & {(h.scheme, h.code) for h in hits}:
            misses.append((query, [h.label for h in hits]))
    assert misses == []


def test_every_case_finds_something(index) -> None:
    empty = [q for q, scheme, _ in CASES if not index.search(q, scheme=scheme).hits]
    assert not empty


def test_legal_paragraph_in_definitions_is_findable(index, search_store) -> None:
    cites_85 = re.compile(r"§\s*85(?!\d)")
    expected = {c.code for c in search_store.latest("ffb").concepts.values()
                if any(cites_85.search(d) for d in c.definitions.values())}
    assert expected, "test data changed: no FFB definition cites § 85"
    for query in ("§ 85", "§85", "serviceloven § 85"):
        results = index.search(query, scheme="ffb", limit=len(expected) + 10)
        codes = {h.code for h in results.hits}
        assert expected <= codes, query
        assert results.hits[0].field == "definition"
        assert cites_85.search(results.hits[0].matched)


def test_paragraph_range_in_query(index, search_store) -> None:
    results = index.search("§§ 83-84", scheme="fsiii", limit=50)
    labels = {h.label for h in results.hits}
    assert "SEL § 83" in labels
    assert "§ 84 stk. 1 Aflastning - afløsning" in labels


def test_exact_label_ranks_first(index) -> None:
    for query, label in (("Angst", "Angst"), ("lave mad", "Lave mad"),
                         ("Personlig hygiejne", "Personlig hygiejne"),
                         ("RENGØRING", "Rengøring"), ("misbrug", "Misbrug")):
        hit = index.search(query).hits[0]
        assert hit.label == label, query
        assert hit.field == "label" and hit.matched == label


def test_code_exact_and_code_prefix(index, search_store) -> None:
    fsiii = search_store.latest("fsiii").concepts
    assert "A1" in fsiii and "A10" in fsiii, "test data changed: FSIII codes A1/A10"
    hits = index.search("A1", scheme="fsiii", limit=20).hits
    assert (hits[0].code, hits[0].field, hits[0].matched) == ("A1", "code", "A1")
    prefixed = {c for c in fsiii if re.fullmatch(r"A1\d*", c)}
    assert prefixed <= {h.code for h in hits}
    uuid = next(c for c in search_store.latest("ffb").concepts if len(c) == 36)
    assert index.search(uuid.upper()).hits[0].code == uuid
    if "icf" in search_store.schemes():
        hits = index.search("d450", limit=5).hits
        assert (hits[0].scheme, hits[0].code) == ("icf", "d450")
        assert {h.code for h in index.search("d45", scheme="icf", limit=20).hits} >= {
            "d450", "d455"}


def test_uuid_codes_are_not_prefix_matched(index) -> None:
    for hit in index.search("ab", limit=50).hits:
        assert hit.field != "code" or hit.code.lower() == "ab"


def test_matched_names_the_label_that_matched(index) -> None:
    hit = index.search("okonomi", scheme="ffb").hits[0]
    assert hit.field == "label" and "konomi" in hit.matched
    hit = next(h for h in index.search("§ 85", scheme="ffb").hits)
    assert hit.field == "definition" and hit.label != hit.matched


def test_hidden_labels_are_searchable_and_reported(index) -> None:
    results = index.search(HIDDEN_WORD)
    hit = results.hits[0]
    assert (hit.scheme, hit.label) == ("ffb", "Hukommelse")
    assert (hit.field, hit.matched) == ("hidden_label", HIDDEN_WORD)
    # the overlay reaches every version of the scheme, but latest only by default
    assert all(h.version != OLD_FFB_VERSION for h in results.hits)
    prefix = index.search(HIDDEN_WORD[:6]).hits[0]
    # vocab/'s own search words on the concept (glemsom, glemsomhed) merge with the test's
    assert prefix.label == "Hukommelse" and prefix.matched.startswith(HIDDEN_WORD[:6])


def test_scheme_filter(index) -> None:
    for scheme in ("ffb", "fsiii"):
        hits = index.search("hukommelse", scheme=scheme, limit=50).hits
        assert hits and {h.scheme for h in hits} == {scheme}
    assert index.search("hukommelse", scheme="no-such-scheme").hits == []


def test_version_filter_reaches_older_releases(index, search_store) -> None:
    old = search_store.release("ffb", OLD_FFB_VERSION)
    latest = search_store.latest("ffb")
    assert latest.version != OLD_FFB_VERSION
    gone = [c for code, c in old.concepts.items() if code not in latest.concepts]
    default = index.search("hukommelse", scheme="ffb", limit=50)
    assert {h.version for h in default.hits} == {latest.version}
    pinned = index.search("hukommelse", scheme="ffb", version=OLD_FFB_VERSION, limit=50)
    assert pinned.hits and {h.version for h in pinned.hits} == {OLD_FFB_VERSION}
    if gone:  # a concept only in the old release is found only when asked for
        label = gone[0].label()
        assert (gone[0].code in
                {h.code for h in index.search(label, version=OLD_FFB_VERSION, limit=10).hits})
        assert gone[0].code not in {h.code for h in index.search(label, limit=50).hits}


@pytest.mark.parametrize("query", [
    'foo:"bar', "(", ")", "[", "]", "{}", "*", "?", "~", "hukommelse~2", "a AND b", "OR",
    "NOT angst", '"', "\\", "/", "+-&&||!", "^2", "title:angst", "§", "§§", "-", "<script>",
    "hukommelse)", "((angst", "' OR 1=1 --", "\x00", "😀", "æøå", "ÆØÅ", "a" * 400,
])
def test_hostile_input_never_raises(index, query) -> None:
    results = index.search(query)
    assert results.query == query
    assert results.total >= len(results.hits)


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_is_a_clear_bad_request(index, query) -> None:
    with pytest.raises(BadRequest, match="empty"):
        index.search(query)


def test_overlong_query_is_refused(index) -> None:
    with pytest.raises(BadRequest, match="at most"):
        index.search("x" * 10_000)


def test_limit_and_total(index) -> None:
    results = index.search("støtte", limit=3)
    assert len(results.hits) == 3 and results.total > 3
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True)


def test_an_index_from_an_older_analysis_is_rebuilt_on_open(search_store, tmp_path) -> None:
    """After an upgrade that changes analysis, the old index must not answer queries."""
    rebuild_index(tmp_path, "tantivy", search_store)
    root = tmp_path / "index" / "tantivy"
    old = (root / "CURRENT").read_text()
    docs = root / old / "docs.json"
    docs.write_text(json.dumps(json.loads(docs.read_text())["docs"]))  # the old layout
    index = open_index(tmp_path, "tantivy", search_store)
    assert (root / "CURRENT").read_text() != old
    assert index.search("angst").hits[0].label == "Angst"


def test_a_stale_index_is_rebuilt_once_while_another_writer_holds_the_data_dir(
        search_store, tmp_path) -> None:
    """Opening waits for the data directory's lock and then uses the index the other
    writer built, instead of building (and cleaning up) alongside it."""
    import threading
    import time

    from termserver.atomic import data_dir_lock

    opened: list[SearchIndex] = []
    with data_dir_lock(tmp_path):
        opener = threading.Thread(
            target=lambda: opened.append(open_index(tmp_path, "tantivy", search_store)))
        opener.start()
        time.sleep(0.3)  # the opener finds no index and waits for the lock
        built = rebuild_index(tmp_path, "tantivy", search_store)
    opener.join(timeout=120)
    assert (tmp_path / "index" / "tantivy" / "CURRENT").read_text() == built.name
    assert opened and opened[0].search("angst").hits[0].label == "Angst"


def test_rebuild_and_open_index_in_data_dir(search_store, tmp_path) -> None:
    for name in BACKENDS:
        rebuild_index(tmp_path, name, search_store)
        first = (tmp_path / "index" / name / "CURRENT").read_text()
        rebuild_index(tmp_path, name, search_store)
        assert (tmp_path / "index" / name / "CURRENT").read_text() != first
        assert len([p for p in (tmp_path / "index" / name).iterdir() if p.is_dir()]) == 1
        index = open_index(tmp_path, name, search_store)
        assert index.search("angst").hits[0].label == "Angst"


def test_one_concept_under_several_codes_takes_one_place(index, search_store) -> None:
    """FSIII publishes each concept under its UUID and an older code (`I12.2`); a caseworker
    should see it once, with the other codes named."""
    fsiii = search_store.latest("fsiii").concepts

    def identity(code: str) -> tuple:
        concept = fsiii[code]
        return (concept.label(), concept.definition(),
                tuple(sorted(fsiii[b].label() for b in concept.broader)))

    hits = index.search("problemer", scheme="fsiii", limit=10).hits
    assert len(hits) == 10
    identities = [identity(h.code) for h in hits]
    assert len(identities) == len(set(identities))
    folded = [h for h in hits if h.other_codes]
    assert folded, "FSIII's older codes were not folded into their concepts"
    for hit in folded:
        for other in hit.other_codes:
            assert other != hit.code and identity(other) == identity(hit.code)


def test_the_last_part_of_a_label_compound_is_found(index) -> None:
    """`vask` finds "Tøjvask" and `pleje` "Kropspleje": both parts are label words."""
    assert "Tøjvask" in {h.label for h in index.search("vask", scheme="fsiii", limit=20).hits}
    assert "Kropspleje" in {h.label for h in index.search("pleje", scheme="fsiii",
                                                           limit=50).hits}


def test_a_bare_number_beside_words_finds_nothing_on_its_own(index) -> None:
    """The `1` of `alert(1)` must not bring every "nr. 1" and "stk. 1" along."""
    hits = index.search("alert(1)", limit=25).hits
    assert all("alert" in h.matched.lower() for h in hits), [h.matched for h in hits]
    assert index.search("3", scheme="fsiii").hits  # a number alone still searches


def test_an_icf_code_with_a_qualifier_finds_the_code(index) -> None:
    assert index.search("d450.2").hits[0].code == "d450"
    assert index.search("e310+2").hits[0].code == "e310"


def test_other_languages_are_not_stemmed_as_danish(index) -> None:
    """Danish stemming makes `demens` → `dem`, a German article in hundreds of ICF's
    German labels and definitions; those must not match a Danish query."""
    hits = index.search("demens", limit=10).hits
    assert hits[0].label == "Demens"
    assert not [h for h in hits if h.scheme == "icf"], [h.matched for h in hits]
    # nor the Danish pronoun `dem`, a function word, in our own definitions
    assert all("demen" in h.matched.lower() for h in hits), [h.matched for h in hits]


def test_english_words_still_find_icf(index) -> None:
    """English labels are indexed as written; English queries reach them whole or as
    prefixes, first word or last."""
    assert index.search("walking", scheme="icf").hits[0].code == "d450"
    assert index.search("walking long", scheme="icf").hits[0].code == "d4501"
    either = {h.code for h in index.search("walking speaking", scheme="icf").hits}
    assert {"d450", "d3"} <= {c[:4] if c.startswith("d45") else c[:2] for c in either}
    functions = index.search("mental functions", scheme="icf", limit=5).hits
    assert functions[0].code == "b1"  # shown with its Danish working label


def test_same_label_under_other_parents_stays_apart(index) -> None:
    """FFB's "Ikke vurderet" is a level of several scales: different concepts, one label."""
    hits = index.search("ikke vurderet", scheme="ffb", limit=10).hits
    assert sum(h.label == "Ikke vurderet" for h in hits) >= 2



def test_danish_stems_are_the_snowball_stems_of_whoosh(search_store) -> None:
    """`search.stemmer` is a faster port of whoosh's Danish Snowball stemmer, which built
    the indexes before it: every word of the real labels and definitions, each of its
    prefixes (what autocomplete asks) and words at each step's edge stem alike."""
    from whoosh.lang.snowball.danish import DanishStemmer

    from termserver.search import analysis, stemmer

    words = {"kodie", "harnblase", "hukommelses", "ordets", "angstes", "mindstes", "kys",
             "lykkeligst", "forløst", "venlighedens", "søndag", "indgd", "bb", "a"}
    for release in search_store.releases():
        for concept in release.concepts.values():
            texts = [*concept.labels.values(), *concept.definitions.values(),
                     *(t for ts in concept.alt_labels.values() for t in ts)]
            for text in texts:
                for word in [*analysis.words(text), *re.findall(r"\w+", text.lower())]:
                    words.update(word[:n] for n in range(1, len(word) + 1))
    assert len(words) > 50_000
    reference = DanishStemmer()
    differ = [(w, reference.stem(w), stemmer.stem(w)) for w in sorted(words)
              if reference.stem(w) != stemmer.stem(w)]
    assert differ == []


@pytest.mark.parametrize("typo", [
    "jukommelse",  # first letter replaced
    "ukommelse",  # first letter left out
    "uhkommelse",  # first two letters swapped
    "xhukommelse",  # a letter before the first
    "hukomelsse",  # two edits after the first letter
    "hukommlese",  # two letters swapped
])
def test_typos_find_the_word_meant(index, typo) -> None:
    """One edit anywhere, or two after a correct first letter: the typo search walks only
    the label words that keep the first letter and adds those one edit away by hand."""
    hits = index.search(typo, limit=5).hits
    meant = [h for h in hits if h.label == "Hukommelse"]
    assert meant, [h.label for h in hits]
    assert (meant[0].field, meant[0].matched) == ("label", "Hukommelse")


def test_what_typo_tolerance_takes() -> None:
    from termserver.search.analysis import first_letter_edits, is_typo_of

    assert is_typo_of("depresion", "depression") and is_typo_of("sovn", "sovn")
    assert is_typo_of("jukommelse", "hukommelse")  # one edit, at the first letter
    assert is_typo_of("hukomelsse", "hukommelse")  # two edits after the first letter
    assert not is_typo_of("jukomelse", "hukommelse")  # two edits, one at the first letter
    assert not is_typo_of("sovn", "savner")  # a short word allows one edit
    assert not is_typo_of("bad", "bat")  # three letters allow none
    words = {"hukommelse", "kommelse", "ukommelse", "bad"}
    by_tail: dict[str, list[str]] = {}
    for word in words:
        by_tail.setdefault(word[1:], []).append(word)
    assert sorted(first_letter_edits("jukommelse", words, by_tail)) == ["hukommelse",
                                                                         "ukommelse"]
    assert first_letter_edits("uhkommelse", words, by_tail) == ["hukommelse"]
    assert first_letter_edits("bad", words, by_tail) == []


@pytest.mark.parametrize(("a", "b", "limit", "distance"), [
    ("hukommelse", "hukomelse", 2, 1), ("abc", "acb", 2, 1), ("aba", "baa", 2, 1),
    ("ca", "abc", 3, 3),  # optimal string alignment: no edit inside a swapped pair
    ("kitten", "sitting", 3, 3), ("", "abc", 3, 3), ("sovn", "sovn", 1, 0),
    ("xabcdefy", "abcdef", 2, 2), ("hukommelse", "hjemmehjaelp", 2, 3),
])
def test_edit_distance(a: str, b: str, limit: int, distance: int) -> None:
    """Common beginnings and endings are left out before the quadratic part; the distance
    (or limit + 1 beyond the limit) is the same either way round."""
    from termserver.search.analysis import edit_distance

    assert edit_distance(a, b, limit) == edit_distance(b, a, limit) == distance
