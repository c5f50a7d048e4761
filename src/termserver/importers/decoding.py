"""Reading source files as text without ever guessing an encoding.

A file that is not valid UTF-8 is refused with the byte offset, line and column of the
first bad byte, and what the bytes would read as in Latin-1, so a methodologist can
see KL's real 2024-05-30 Latin-1 files for what they are. `--encoding` accepts them
deliberately. It is for files that are *not* UTF-8: a file that is valid UTF-8 stays
UTF-8 (KL's 2024-05-30 folder mixes Latin-1 files with a UTF-8 FSIII, which Latin-1
decoding would turn into "NetvÃ¦rk").
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import ImportRefused

BOM = codecs.BOM_UTF8
_WIDE_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def refuse_wide_encoding(path: Path, data: bytes, encoding: str | None) -> None:
    """A UTF-16/32 file (byte-order mark) is named as such, not as a mystery or as Latin-1."""
    if encoding:
        return
    for mark, name in _WIDE_BOMS:
        if data.startswith(mark):
            raise ImportRefused(
                f"{path.name}: the file is {name.upper()} (it starts with the byte-order mark "
                f"{mark.hex(' ')}), not UTF-8. Nothing was imported. Save it as UTF-8, or "
                f"import it with --encoding {name}.",
                details={"file": path.name, "line": 1, "column": 1, "byte_offset": 0,
                         "encoding": name},
            )


def read_text(path: Path, data: bytes, encoding: str | None = None) -> str:
    """Decode `data` as UTF-8 (BOM tolerated), else as the encoding explicitly asked for."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ImportRefused(
                f"{path.name}: unknown encoding {encoding!r}. Use a Python codec name such "
                "as utf-8 or latin-1.",
                details={"file": path.name, "encoding": encoding},
            ) from None
        if b"\x00" not in data and codecs.lookup(encoding).name != "utf-8":
            try:  # valid UTF-8 is never re-read as another encoding: that makes wrong letters
                return data.removeprefix(BOM).decode("utf-8")
            except UnicodeDecodeError:
                pass
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise _refusal(path, data, exc, encoding) from None
    refuse_wide_encoding(path, data, None)
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refusal(path, data, exc, None) from None


def _refusal(path: Path, data: bytes, exc: UnicodeDecodeError, encoding: str | None) -> Exception:
    offset = exc.start
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    bad = data[offset : offset + 4]
    context = data[max(0, offset - 30) : offset + 10].decode("latin-1", errors="replace")
    if encoding:
        message = (
            f"{path.name}: line {line}, column {column} (byte {offset}) is not valid "
            f"{encoding}. Check the encoding the publisher used."
        )
    else:
        message = (
            f"{path.name}: not valid UTF-8 at line {line}, column {column} (byte {offset}: "
            f"{bad.hex(' ')}). Read as Latin-1 the text there is {context!r}, so the file "
            "is probably ISO-8859-1. Nothing was imported. Ask the publisher for a UTF-8 "
            "file, or, if you have checked that the letters come out right, import it with "
            "--encoding latin-1."
        )
    return ImportRefused(
        message,
        details={
            "file": path.name,
            "line": line,
            "column": column,
            "byte_offset": offset,
            "encoding": encoding or "utf-8",
        },
    )
