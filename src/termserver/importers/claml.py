"""ClaML 2.0 (DIMDI's German ICF) → an overlay release of German labels for `icf`.

Releases are immutable, so German labels cannot be added to `icf 2001`; and a separate
`icf` version would hide the English content. The German edition therefore becomes its
own release `icf-de 2005` of kind `overlay`, whose concepts name the ICF concept IRIs;
the store merges its labels, definitions and notes onto every `icf` version
(docs/decisions/0001-release-storage.md). The class hierarchy is kept so the edition
can be checked against the English one. The file names an external ClaML.dtd, which is
never fetched.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import ImportRefused
from ..model import Concept, Note, Release, ReleaseInfo
from ..namespaces import concept_iri
from .xmlsafety import refuse_entities

TARGET_SCHEME = "icf"
_SPACE = re.compile(r"\s+")
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
}


def sniff(path: Path, head: bytes) -> bool:
    return b"<ClaML" in head


def _text(element: etree._Element) -> str:
    return _SPACE.sub(" ", "".join(element.itertext())).strip()


def parse(path: Path, data: bytes, options: Any) -> list[Release]:
    refuse_entities(path, data)
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ImportRefused(
            f"{path.name}: line {exc.lineno}: not well-formed XML ({exc.msg}). Fix the file.",
            details={"file": path.name, "line": exc.lineno},
        ) from None
    if etree.QName(root).localname != "ClaML":
        raise ImportRefused(f"{path.name}: the root element is not <ClaML>.",
                            details={"file": path.name})
    meta = {m.get("name"): m.get("value") for m in root.findall("Meta")}
    lang = meta.get("lang") or "de"
    title_el = root.find("Title")
    version = options.version or (title_el.get("version") if title_el is not None else None)
    if not version:
        raise ImportRefused(f"{path.name}: <Title> has no version; give --version.",
                            details={"file": path.name})
    concepts: dict[str, Concept] = {}
    for order, cls in enumerate(root.iter("Class")):
        code = (cls.get("code") or "").strip()
        line = cls.sourceline
        if not code:
            raise ImportRefused(f"{path.name}: line {line}: <Class> without a code.",
                                details={"file": path.name, "line": line})
        if code in concepts:
            raise ImportRefused(
                f"{path.name}: line {line}: class {code!r} occurs twice. Codes must be unique.",
                details={"file": path.name, "line": line, "code": code},
            )
        concept = Concept(code=code, uri=concept_iri(TARGET_SCHEME, code), order=order)
        concept.broader = [s.get("code") for s in cls.findall("SuperClass") if s.get("code")]
        concept.properties["kind"] = [cls.get("kind") or ""]
        definitions: list[str] = []
        for rubric in cls.findall("Rubric"):
            kind = rubric.get("kind")
            for label in rubric.findall("Label"):
                text = _text(label)
                label_lang = label.get("{http://www.w3.org/XML/1998/namespace}lang") or lang
                if not text:
                    continue
                if kind == "preferred":
                    concept.labels[label_lang] = text
                elif kind in {"coding-hint", "definition"}:
                    definitions.append(text)
                elif kind in {"inclusion", "exclusion"}:
                    refs = tuple(sorted({_text(r) for r in label.iter("Reference")}))
                    concept.notes.append(Note(kind, text, label_lang, refs))
        if definitions:
            concept.definitions[lang] = " ".join(definitions)
        concepts[code] = concept
    if not concepts:
        raise ImportRefused(f"{path.name}: no <Class> elements found.", details={"file": path.name})
    info = ReleaseInfo(
        scheme=options.scheme or f"{TARGET_SCHEME}-{lang}",
        version=str(version),
        title=_text(title_el) if title_el is not None else "ICF",
        uri=f"urn:oid:{root.find('Identifier').get('uid')}"
        if root.find("Identifier") is not None else "",
        issued=title_el.get("date") if title_el is not None else None,
        description=f"{meta.get('titleLong', 'ICF')} ({lang}); labels for scheme "
        f"{TARGET_SCHEME}. {meta.get('copyright', '')}".strip(),
        kind="overlay",
        languages=[lang],
        extra={"target_scheme": TARGET_SCHEME},
    )
    return [Release(info=info, concepts=concepts)]
