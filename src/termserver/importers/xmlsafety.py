"""Refusing hostile XML before any parser sees it.

Entity declarations are how billion-laughs expansion and external-entity reads
(`file:///etc/passwd`) work; no vocabulary we import needs them, so a DOCTYPE that
declares entities is refused outright. A plain DOCTYPE naming an external DTD (ClaML
does) is allowed, but the DTD is never fetched, from the web or from a `file:` path:
rdflib's RDF/XML parser reads through Python's expat SAX reader, which leaves external
entities (the DTD included) unread unless told otherwise, and the ClaML parser is lxml
with `load_dtd=False, no_network=True`. tests/test_import_no_fetch.py holds both to it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ImportRefused

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_ENTITY = re.compile(rb"<!ENTITY", re.I)


def refuse_entities(path: Path, data: bytes) -> None:
    """Raise ImportRefused when a DOCTYPE declares entities (anywhere: comments can be long).

    A byte search over the whole file costs ~1 ms for the 3 MB ICF OWL.
    """
    match = _DOCTYPE.search(data)
    if match is None:
        return
    if _ENTITY.search(data, match.start()):
        line = data.count(b"\n", 0, match.start()) + 1
        raise ImportRefused(
            f"{path.name}: line {line}: the document type declaration defines XML entities. "
            "Entities can expand without bound or read local files, so termserver refuses "
            "them. Remove the <!ENTITY …> declarations (and their uses) from the file.",
            details={"file": path.name, "line": line},
        )
