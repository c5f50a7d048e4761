"""Refusing JSON-LD that points outside itself, before rdflib sees it.

A JSON-LD `@context` may be a reference (an IRI, absolute or relative) instead of an
object, and a JSON-LD 1.1 context may `@import` another. rdflib resolves both by opening
the IRI: an HTTP request to wherever the file says, or a read of a local file (`file:`,
or a relative reference resolved against the file's own location). An import must depend
on nothing but the file the operator gave, and a file must not make the server send
requests or read its files, so every such reference is refused, wherever it occurs: at
the top, on a node, in an array of contexts, or as a scoped context inside a term
definition. The skos importer gives rdflib the very object checked here, so no second
JSON parse can disagree with the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ..errors import ImportRefused

CONTEXT = "@context"
IMPORT = "@import"
_SHOWN = 200  # characters of a reference quoted in a message


def refuse_context_references(path: Path, text: str, document: Any) -> None:
    """Raise ImportRefused when any context is a reference or any context uses `@import`."""
    if not _may_refer(text) or not _has_reference(document):
        return
    found = list(_references(document))
    pointer, keyword, reference = found[0]
    line = _line_of(text, keyword, reference)
    shown = repr(reference[:_SHOWN] + ("…" if len(reference) > _SHOWN else ""))
    place = f"line {line}: " if line else ""
    if keyword == IMPORT:
        what = f"a JSON-LD context imports {shown} with @import (at {pointer})"
        fix = ("Inline the context: copy the imported context's term definitions into this "
               "context and remove \"@import\".")
    else:
        what = f"the JSON-LD @context refers to {shown} (at {pointer}) instead of defining it"
        fix = ("Inline the context: replace the reference with the context object it names "
               "(the value of that document's \"@context\").")
    more = (f" The file has {len(found) - 1} more context reference"
            f"{'s' if len(found) > 2 else ''}; inline those too." if len(found) > 1 else "")
    raise ImportRefused(
        f"{path.name}: {place}{what}. termserver never fetches contexts from the web or "
        f"reads them from other files: an import depends on nothing but the file itself. "
        f"{fix}{more}",
        details={"file": path.name, "line": line, "pointer": pointer, "reference": reference,
                 "references": [ref for _, _, ref in found[:20]]},
    )


def _may_refer(text: str) -> bool:
    """False when neither keyword can be in the file: not written plainly, and no `\\u`
    escape that could spell it. Most files are settled here without a walk."""
    return CONTEXT in text or IMPORT in text or "\\u" in text


def _has_reference(document: Any) -> bool:
    """The check alone, kept lean: ~0.4 s for 100,000 nodes, where `_references`, which
    also builds every pointer, takes ~2.6 s."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if IMPORT in value or _refers(value.get(CONTEXT)):
                return True
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _refers(context: Any) -> bool:
    return isinstance(context, str) or (
        isinstance(context, list) and any(isinstance(item, str) for item in context))


def _references(document: Any) -> Iterator[tuple[str, str, str]]:
    """(JSON pointer, keyword, reference) for every context reference, in document order.

    Iterative, so a deeply nested document cannot exhaust the stack.
    """
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        pointer, value = stack.pop()
        if isinstance(value, dict):
            items = [(f"{pointer}/{_escape(str(key))}", key, child)
                     for key, child in value.items()]
            for child_pointer, key, child in items:
                if key == CONTEXT:
                    yield from _context_strings(child_pointer, child)
                elif key == IMPORT:
                    yield child_pointer, IMPORT, _as_text(child)
            stack.extend((p, child) for p, _, child in reversed(items))
        elif isinstance(value, list):
            stack.extend((f"{pointer}/{i}", child) for i, child in reversed(list(enumerate(value))))


def _context_strings(pointer: str, value: Any) -> Iterator[tuple[str, str, str]]:
    """A context value is an object, null, a reference, or an array of those."""
    if isinstance(value, str):
        yield pointer, CONTEXT, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                yield f"{pointer}/{i}", CONTEXT, item


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()[:_SHOWN]


def _escape(key: str) -> str:
    """A JSON Pointer (RFC 6901) reference token."""
    return key.replace("~", "~0").replace("/", "~1")


def _line_of(text: str, keyword: str, reference: str) -> int | None:
    """The line of `"keyword": "reference"` (or the reference in an array after it).

    Best effort: a reference written with JSON escapes is not found, and the message then
    gives the JSON pointer alone.
    """
    written = orjson.dumps(reference).decode()
    pattern = rf'"{re.escape(keyword)}"\s*:\s*(?:\[[^\]]*?)?{re.escape(written)}'
    match = re.search(pattern, text)
    if match is None:
        return None
    return text.count("\n", 0, match.end() - len(written)) + 1
