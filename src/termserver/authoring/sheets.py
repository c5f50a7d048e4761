"""Reading a spreadsheet of changed concepts (CSV or XLSX) as rows of text, safely.

Methodologists keep vocabularies in Excel. A sheet is read here into its header and rows
of cell texts, and nothing more: what the columns mean is `sheet_edits`' job.

A sheet is a file from outside, so it is read defensively:

- **CSV** must be UTF-8 (Excel's "CSV UTF-8", with or without its byte-order mark); the
  separator is `;` (as Danish Excel writes) or `,`, whichever the header row uses.
- **XLSX** is a zip of XML parts. Before openpyxl opens it, every part is read once
  (decompressed as it streams, never trusting the sizes the zip claims) and the file is
  refused if it has too many parts, a part or the whole is too large or compresses
  suspiciously well (a zip bomb), or a part holds a document type declaration (`<!DOCTYPE`,
  `<!ENTITY`: entity expansion, external entities) or is not UTF-8 XML. Excel writes none
  of these. openpyxl then parses through defusedxml (installed with termserver) and
  lxml without entity resolution, a second line of defence.
- **Formulas are never evaluated**: openpyxl reads a formula cell as its text (`=SUM(…)`),
  not a value some program computed and cached, and such text is refused by the rules of
  the columns rather than stored.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ..errors import BadRequest, PayloadTooLarge

SHEET_SUFFIXES = (".csv", ".xlsx")
MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest sheet accepted (CSV or XLSX as stored)."""
MAX_XLSX_PARTS = 500
MAX_XLSX_PART_BYTES = 64 * 1024 * 1024
MAX_XLSX_TOTAL_BYTES = 128 * 1024 * 1024
MAX_XLSX_RATIO = 200
"""A part may be at most this many times its compressed size (XML compresses ~10–20×;
a zip bomb thousands of times)."""
MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
_FORBIDDEN = (b"<!doctype", b"<!entity")


@dataclass
class Sheet:
    """A sheet's header (the first non-empty row) and its rows below, as text.

    `rows` holds (row number as the spreadsheet shows it, the cells by column index);
    empty rows are left out. Cells are stripped; an empty cell is ""."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    header_row: int = 1


def is_sheet(path: Path) -> bool:
    return path.suffix.lower() in SHEET_SUFFIXES


def read_sheet(path: Path) -> Sheet:
    """The sheet in a .csv or .xlsx file; BadRequest naming the file and what is wrong."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PayloadTooLarge(
                f"{path.name}: the sheet is {size:,} bytes; at most {MAX_FILE_BYTES:,} are "
                "accepted. Split it into several files.", details={"file": path.name})
        data = path.read_bytes()
    except OSError as exc:
        raise BadRequest(f"{path}: cannot read the file ({exc.strerror or exc}).",
                         details={"file": str(path)}) from None
    if path.suffix.lower() == ".csv":
        return _from_rows(path.name, _csv_rows(path.name, data))
    return _from_rows(path.name, _xlsx_rows(path.name, data))


# -- CSV -------------------------------------------------------------------------------------
def _csv_rows(name: str, data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"{name}: the file is not UTF-8 (byte {exc.start + 1}). In Excel, save it as "
            "'CSV UTF-8 (kommasepareret)' / 'CSV UTF-8 (Comma delimited)'.",
            details={"file": name}) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                               strict=True))
    except csv.Error as exc:
        raise BadRequest(f"{name}: the CSV cannot be read ({exc}); check the quotes.",
                         details={"file": name}) from None


# -- XLSX ------------------------------------------------------------------------------------
def _xlsx_rows(name: str, data: bytes) -> list[list[str]]:
    _inspect_zip(name, data)
    import openpyxl  # only a sheet upload needs it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                          keep_links=False)
            try:
                rows = []
                for row in book.worksheets[0].iter_rows(max_col=MAX_COLUMNS + 1,
                                                        values_only=True):
                    if len(rows) > MAX_ROWS + 1000:
                        raise BadRequest(f"{name}: the sheet has more than {MAX_ROWS:,} "
                                         "rows; split it into several files.",
                                         details={"file": name})
                    rows.append([_cell_text(v) for v in row])
                return rows
            finally:
                book.close()
    except BadRequest:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise BadRequest(f"{name}: the workbook cannot be read ({type(exc).__name__}: "
                         f"{str(exc)[:200]}). Save it again from Excel as .xlsx.",
                         details={"file": name}) from None


def _inspect_zip(name: str, data: bytes) -> None:
    """Refuse an XLSX that is not a plain zip of UTF-8 XML parts of sane size."""
    def refuse(problem: str) -> BadRequest:
        return BadRequest(f"{name}: the workbook is refused: {problem}. Save it again from "
                          "Excel as .xlsx.", details={"file": name})

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise refuse("it is not an .xlsx file (not a zip archive)") from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise refuse(f"it has {len(parts)} parts (at most {MAX_XLSX_PARTS})")
        total = 0
        for part in parts:
            if part.flag_bits & 0x1:
                raise refuse(f"{part.filename} is encrypted")
            limit = min(MAX_XLSX_PART_BYTES, max(part.compress_size, 1024) * MAX_XLSX_RATIO)
            size = 0
            tail = b""
            try:
                with archive.open(part) as stream:
                    while chunk := stream.read(65536):
                        size += len(chunk)
                        total += len(chunk)
                        if size > limit:
                            raise refuse(f"{part.filename} unpacks to more than {limit:,} "
                                         "bytes")
                        if total > MAX_XLSX_TOTAL_BYTES:
                            raise refuse(f"it unpacks to more than {MAX_XLSX_TOTAL_BYTES:,} "
                                         "bytes")
                        if _is_xml(part.filename):
                            if size == len(chunk) and chunk.startswith((b"\xff\xfe",
                                                                        b"\xfe\xff")):
                                raise refuse(f"{part.filename} is not UTF-8 XML")
                            window = (tail + chunk).lower()
                            if any(f in window for f in _FORBIDDEN):
                                raise refuse(f"{part.filename} holds a document type "
                                             "declaration (<!DOCTYPE or <!ENTITY)")
                            tail = window[-16:]
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError,
                    NotImplementedError) as exc:
                raise refuse(f"{part.filename} cannot be unpacked ({exc})") from None


def _is_xml(filename: str) -> bool:
    return filename.lower().endswith((".xml", ".rels", ".vml"))


def _cell_text(value: Any) -> str:
    """A cell as text: numbers as written (2, not 2.0), dates as ISO, formulas (and array
    formulas) as their text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = getattr(value, "text", None)  # openpyxl's ArrayFormula, DataTableFormula
    return str(text if isinstance(text, str) else value)


# -- rows ------------------------------------------------------------------------------------
def _from_rows(name: str, raw: list[list[str]]) -> Sheet:
    header_index = next((i for i, row in enumerate(raw) if any(c.strip() for c in row)), None)
    if header_index is None:
        raise BadRequest(f"{name}: the sheet is empty; its first row names the columns "
                         "(code, label_da, …; docs/authoring.md).", details={"file": name})
    header = [c.strip() for c in raw[header_index]]
    while header and not header[-1]:
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise BadRequest(f"{name}: the sheet has {len(header)} columns; at most "
                         f"{MAX_COLUMNS}.", details={"file": name})
    sheet = Sheet(name=name, header=header, header_row=header_index + 1)
    for index in range(header_index + 1, len(raw)):
        cells = [c.strip() for c in raw[index]]
        if not any(cells):
            continue
        number = index + 1
        if len(sheet.rows) >= MAX_ROWS:
            raise BadRequest(f"{name}: the sheet has more than {MAX_ROWS:,} rows; split it "
                             "into several files.", details={"file": name})
        extra = [i for i, c in enumerate(cells) if c and i >= len(header)]
        if extra:
            raise BadRequest(f"{name}: række {number}, kolonne {_letters(extra[0])}: en "
                             "værdi i en kolonne uden overskrift; giv kolonnen et navn i "
                             "første række, eller slet værdien.",
                             details={"file": name, "row": number})
        long = [i for i, c in enumerate(cells) if len(c) > MAX_CELL_CHARS]
        if long:
            raise BadRequest(f"{name}: række {number}, kolonne {header[long[0]]}: mere end "
                             f"{MAX_CELL_CHARS:,} tegn i én celle.",
                             details={"file": name, "row": number})
        sheet.rows.append((number, cells[:len(header)] + [""] * (len(header) - len(cells))))
    return sheet


def _letters(index: int) -> str:
    """A column's letters as a spreadsheet shows them (0 → A, 26 → AA)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out
