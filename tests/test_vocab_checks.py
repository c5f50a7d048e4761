"""`serve` publishes a vocab/ file only after the checks a draft gets; a file that fails
them is not published, `serve` says why and starts anyway."""

from __future__ import annotations

from pathlib import Path

from servers import serving
from termserver.publishing import publish_vocab
from termserver.settings import Settings
from termserver.store import Store

HEAD = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://data.termserver.dk/id/{scheme}/> .
<https://data.termserver.dk/id/{scheme}> a skos:ConceptScheme ; dct:title "{scheme}"@da ;
    owl:versionInfo "2026.1" .
"""
GOOD = HEAD + """
ex:A a skos:Concept ; skos:inScheme <https://data.termserver.dk/id/{scheme}> ;
    skos:notation "A" ; skos:prefLabel "Aftenhjælp"@da .
ex:B a skos:Concept ; skos:inScheme <https://data.termserver.dk/id/{scheme}> ;
    skos:notation "B" ; skos:prefLabel "Bad"@da ; skos:broader ex:A .
"""
BAD = GOOD + """
ex:C a skos:Concept ; skos:inScheme <https://data.termserver.dk/id/{scheme}> ;
    skos:notation "C" ; skos:prefLabel "Cykeltræning"@da ; owl:deprecated true ;
    skos:historyNote "Erstattet."@da ;
    <http://purl.org/dc/terms/isReplacedBy> ex:MISSING .
"""


def vocab(tmp_path: Path, **files: str) -> Settings:
    folder = tmp_path / "vocab"
    folder.mkdir()
    for scheme, text in files.items():
        (folder / f"{scheme}.ttl").write_text(text.format(scheme=scheme), encoding="utf-8")
    return Settings(data_dir=tmp_path / "data", vocab_dir=folder)


def test_a_vocab_file_failing_its_checks_is_not_published_and_the_rest_are(
        tmp_path: Path) -> None:
    settings = vocab(tmp_path, good=GOOD, bad=BAD)

    published = publish_vocab(settings)

    assert published is not None
    assert [(r.info.scheme, r.info.version) for r in published.created] == [("good", "2026.1")]
    assert [(r.source, r.scheme) for r in published.refused] == [("bad.ttl", "bad")]
    assert any("MISSING" in message for message in published.refused[0].errors)
    assert Store.open(settings.data_dir).schemes() == ["good"]


def test_serve_says_which_vocab_file_it_left_out_and_why_and_starts(tmp_path: Path) -> None:
    settings = vocab(tmp_path, bad=BAD)
    log = tmp_path / "serve.log"
    with serving(settings.data_dir, log, env={"TERMSERVER_VOCAB_DIR": str(settings.vocab_dir)},
                 ready="/healthz"):
        said = log.read_text()
    assert "NOT published: vocab/bad.ttl (bad 2026.1) fails 1 check(s)" in said
    assert "«C» (Cykeltræning)" in said and "«MISSING»" in said
