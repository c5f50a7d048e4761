"""Importers never reach out: no reference found in the data is followed.

A JSON-LD context given as a reference (remote, `file:`, relative, in an array, scoped to
a type, or `@import`ed) is refused, naming the file and the reference; an external DTD
and `owl:imports` are read past. Every case runs against a real HTTP listener on
127.0.0.1 and secret files outside the imported one, written so that following any
reference would put a token into the imported content. The listener must see no
connection, no secret file may be opened, and the token must appear nowhere.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from termserver.errors import ImportRefused
from termserver.importers import ImportOptions, load_files
from termserver.model import Release
from termserver.settings import Settings

from .conftest import FIXTURES, run_cli

TOKEN = f"SECRET-{uuid.uuid4().hex}"
SKOS = "http://www.w3.org/2004/02/skos/core#"

# What a followed reference would bring in: each puts TOKEN into the imported content.
SECRET_CONTEXT = json.dumps({"@context": {
    "skos": SKOS, "owl": "http://www.w3.org/2002/07/owl#",
    "ConceptScheme": "skos:ConceptScheme", "Concept": "skos:Concept",
    "versionInfo": "owl:versionInfo", "inScheme": {"@id": "skos:inScheme", "@type": "@id"},
    "prefLabel": {"@id": "skos:prefLabel", "@language": "da"},
    "marker": f"http://secret.invalid/{TOKEN}",
}})
SECRET_DTD = (  # default attributes, which a parser that read the DTD would add
    f'<!ATTLIST skos:Concept skos:altLabel CDATA "{TOKEN}">\n'
    f'<!ATTLIST owl:Class skos:altLabel CDATA "{TOKEN}">\n'
    f'<!ATTLIST Class kind CDATA "{TOKEN}">\n'
)
SECRET_TTL = (
    f"<https://data.termserver.dk/id/imports/B> a <{SKOS}Concept> ;\n"
    f"    <{SKOS}inScheme> <https://data.termserver.dk/id/imports> ;\n"
    f'    <{SKOS}prefLabel> "{TOKEN}"@da .\n'
)
SECRET_OWL = (
    '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:owl="http://www.w3.org/2002/07/owl#" xmlns:icd="http://who.int/icd#" '
    f'xmlns:skos="{SKOS}" xml:base="http://who.int/icf">\n'
    f'<owl:Class rdf:ID="b1"><icd:icdCode>b1</icd:icdCode><skos:altLabel>{TOKEN}'
    "</skos:altLabel></owl:Class>\n</rdf:RDF>\n"
)
SECRETS = {"context.jsonld": SECRET_CONTEXT, "scoped.jsonld": SECRET_CONTEXT,
           "secret.dtd": SECRET_DTD, "imported.ttl": SECRET_TTL, "imported.owl": SECRET_OWL}

# Files the test is watching for: an `open` of any of them is recorded (Python audit hook,
# which sees every open made from Python, rdflib's and the standard library's included).
_WATCHED: set[str] = set()
_OPENED: list[str] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _WATCHED and isinstance(args[0], (str, bytes, os.PathLike)):
        name = os.path.abspath(os.fsdecode(args[0]))
        if name in _WATCHED:
            _OPENED.append(name)


sys.addaudithook(_audit)


class Listener(ThreadingHTTPServer):
    """A web server on 127.0.0.1 that records every connection and serves the secrets."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections: list[tuple[str, int]] = []
        self.requests: list[str] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections.append(client_address)  # before any HTTP is read
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        suffix = Path(self.path).suffix
        name = {".dtd": "secret.dtd", ".ttl": "imported.ttl", ".owl": "imported.owl"}.get(
            suffix, "context.jsonld")
        body = SECRETS[name].encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json" if name.endswith("jsonld")
                         else "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet: the test reads `requests` instead."""


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A directory with the secret files; the imported files are written beside them, so a
    relative reference would find them."""
    folder = tmp_path / "outside"
    folder.mkdir()
    for name, text in SECRETS.items():
        (folder / name).write_text(text, encoding="utf-8")
    _WATCHED.update(str(folder / name) for name in SECRETS)
    _OPENED.clear()
    yield folder
    _WATCHED.clear()


def render(name: str, outside: Path, listener: Listener, dtd: str = "") -> Path:
    """The fixture with its placeholders filled in, written into `outside`."""
    path = outside / name
    path.write_text(fill((FIXTURES / name).read_text(encoding="utf-8"), outside, listener)
                    .replace("@DTD@", dtd), encoding="utf-8")
    return path


def fill(text: str, outside: Path, listener: Listener) -> str:
    return text.replace("@LISTENER@", listener.url).replace("@SECRET@", outside.as_uri())


def nothing_reached(listener: Listener, *seen: str) -> None:
    assert listener.connections == [], f"the import connected: {listener.requests}"
    assert _OPENED == [], f"the import opened {_OPENED}"
    for text in seen:
        assert TOKEN not in text


def attempt(path: Path) -> tuple[list[Release], ImportRefused | None]:
    """Import `path`: what came in, or the refusal (so leaks are checked either way)."""
    try:
        return load_files([path], ImportOptions()), None
    except ImportRefused as refused:
        return [], refused


def content(releases: list[Release]) -> str:
    """Everything an import produced, as text to search for the token."""
    return repr([(r.info, r.concepts, r.mappings) for r in releases])


REFUSED_CONTEXTS = [
    # fixture, the reference the message names, where it is (JSON pointer), line
    ("context-remote.jsonld", "@LISTENER@/context.jsonld", "/@context", 2),
    ("context-file.jsonld", "@SECRET@/context.jsonld", "/@context", 2),
    ("context-nested.jsonld", "context.jsonld", "/@graph/1/@context/1", 9),
    ("context-scoped.jsonld", "@LISTENER@/scoped.jsonld", "/@context/Concept/@context", 6),
    ("context-import.jsonld", "@LISTENER@/context.jsonld", "/@context/@import", 4),
    # the key written as "\u0040context": no line found, the pointer alone says where
    ("context-escaped.jsonld", "@LISTENER@/context.jsonld", "/@context", None),
]


@pytest.mark.parametrize(("name", "reference", "pointer", "line"), REFUSED_CONTEXTS,
                         ids=[case[0] for case in REFUSED_CONTEXTS])
def test_a_jsonld_context_reference_is_refused_not_followed(
    name: str, reference: str, pointer: str, line: int | None, listener: Listener,
    outside: Path,
) -> None:
    releases, refused = attempt(render(name, outside, listener))
    nothing_reached(listener, content(releases))
    assert refused is not None, "imported, not refused"
    message = refused.message
    assert message.startswith(f"{name}: line {line}: " if line else f"{name}: the JSON-LD")
    assert repr(fill(reference, outside, listener)) in message
    assert f"(at {pointer})" in message
    assert "Inline the context" in message
    assert refused.details["pointer"] == pointer
    nothing_reached(listener, message, json.dumps(refused.details))


def test_the_cli_refuses_a_remote_context_and_publishes_nothing(
    listener: Listener, outside: Path, empty_settings: Settings
) -> None:
    path = render("context-remote.jsonld", outside, listener)
    code, stdout, stderr = run_cli(empty_settings, "import", str(path))
    assert code == 2
    assert f"{path.name}: line 2: the JSON-LD @context refers to '{listener.url}/" in stderr
    assert "published" not in stdout
    assert not list(empty_settings.data_dir.rglob("*.nt"))
    nothing_reached(listener, stdout, stderr)


def test_an_inline_context_imports_and_its_owl_imports_are_not_followed(
    listener: Listener, outside: Path
) -> None:
    """The fix the refusal names works: the same vocabulary with its context inline."""
    [release] = load_files([render("context-inline.jsonld", outside, listener)],
                           ImportOptions())
    assert (release.info.scheme, list(release.concepts)) == ("ctx", ["A"])
    assert release.concepts["A"].labels == {"da": "Gå"}
    nothing_reached(listener, content([release]))


DTD_FIXTURES = ["dtd-external.rdf", "dtd-external-icf.owl", "dtd-external-claml.xml"]


@pytest.mark.parametrize("where", ["http", "file"])
@pytest.mark.parametrize("name", DTD_FIXTURES)
def test_an_external_dtd_is_never_read(
    name: str, where: str, listener: Listener, outside: Path
) -> None:
    dtd = f"{listener.url}/vocabulary.dtd" if where == "http" else f"{outside.as_uri()}/secret.dtd"
    releases = load_files([render(name, outside, listener, dtd)], ImportOptions())
    assert releases and all(release.concepts for release in releases)
    nothing_reached(listener, content(releases))


IMPORTS_FIXTURES = [
    # fixture, the scheme and codes it has itself (imported ones would add codes)
    ("owl-imports.ttl", "imports", ["A"]),
    ("owl-imports.rdf", "imports", ["A"]),
    ("owl-imports-icf.owl", "icf", ["b"]),
]


@pytest.mark.parametrize(("name", "scheme", "codes"), IMPORTS_FIXTURES,
                         ids=[case[0] for case in IMPORTS_FIXTURES])
def test_owl_imports_is_not_followed(
    name: str, scheme: str, codes: list[str], listener: Listener, outside: Path
) -> None:
    [release] = load_files([render(name, outside, listener)], ImportOptions())
    assert (release.info.scheme, sorted(release.concepts)) == (scheme, codes)
    nothing_reached(listener, content([release]))
