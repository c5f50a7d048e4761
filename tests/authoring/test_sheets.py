"""`termserver draft apply DRAFT FILE` with a CSV or XLSX sheet: one row per concept, the
cells that change; all or nothing, with a report; problems named by row and column;
hostile workbooks refused. Sheets are written here (openpyxl for XLSX) and applied through
the CLI on SQLite and PostgreSQL.

The store is tests/authoring/drafting.py's: catalogue 2026.1 (1 › 1.1 Rengøring, 1.2
Tøjvask; 2; 1.1 maps closeMatch to fsiii T1 and has legalBasis and addressesCondition)
and fsiii 2025.1 (J1 › T1, T2; Z).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from termserver.authoring import sheets
from termserver.authoring.db import AuthoringDB
from termserver.errors import BadRequest
from termserver.namespaces import concept_iri
from termserver.publishing import publish_releases
from termserver.settings import Settings

from .conftest import run
from .drafting import releases, team


@pytest.fixture
def anna(settings: Settings, db: AuthoringDB) -> str:
    """anna's token, with draft 1 of catalogue open."""
    publish_releases(settings, releases())
    token = team(db)["anna"]
    code, _, err = run(settings, "draft", "new", "catalogue", "--title", "Ark", token=token)
    assert code == 0, err
    return token


def xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def apply(settings: Settings, token: str, path: Path, *more: str) -> tuple[int, Any, str]:
    """(exit code, the report, the error message: the JSON envelope's when refused)."""
    code, out, err = run(settings, "draft", "apply", "1", str(path), "--json", *more,
                         token=token)
    if code == 0:
        return code, json.loads(out), err
    return code, None, json.loads(out)["error"]["message"] if out.strip() else err


def concept(settings: Settings, token: str, code: str) -> dict[str, Any]:
    done, out, err = run(settings, "draft", "show", "1", code, token=token)
    assert done == 0, err
    return json.loads(out)


HEADER = ["code", "label_da", "label_en", "alt_da", "definition_da", "broader", "status",
          "reason", "replaced_by", "mappings", "legalBasis", "addressesCondition"]


def test_an_xlsx_sheet_applies_all_of_its_rows(settings: Settings, anna: str,
                                               tmp_path: Path) -> None:
    path = xlsx(tmp_path / "ændringer.xlsx", [
        HEADER,
        ["1.3", "Indkøb", None, "indkøbsordning | handle ind", None, "1", None, None, None,
         "closeMatch fsiii:T2", "Serviceloven § 83", "fsiii:T2"],
        ["1.1", None, "Cleaning", None, "Rengøring i eget hjem.", None, None, None, None,
         None, "-", None],
        ["1.2", None, None, None, None, None, "retired", "Slået sammen med 1.3", None, None,
         None, None],
        [2, None, None, None, None, None, None, None, None, None, None, None],  # a number
        [],
    ])
    code, report, err = apply(settings, anna, path, "--dry-run")
    assert code == 0, err
    rows = {c["code"]: (c["row"], c["kind"], c["fields"]) for c in report["concepts"]}
    assert rows["1.3"][:2] == (2, "create")
    assert rows["1.1"] == (3, "update", ["labels", "definitions", "properties"])
    assert rows["1.2"] == (4, "retire", ["notes", "status"])
    assert rows["2"] == (5, "unchanged", [])
    assert report["dry_run"] is True
    assert concept(settings, anna, "1.2")["status"] == "active"  # the dry run wrote nothing

    code, report, err = apply(settings, anna, path, "--comment", "Høringssvar")
    assert code == 0, err
    made = concept(settings, anna, "1.3")
    assert made["labels"] == {"da": "Indkøb"}
    assert made["alt_labels"] == {"da": ["indkøbsordning", "handle ind"]}
    assert [b["code"] for b in made["broader"]] == ["1"]
    assert [(m["relation"], m["scheme"], m["code"]) for m in made["mappings"]] == \
        [("closeMatch", "fsiii", "T2")]
    assert made["properties"] == {"addressesCondition": [concept_iri("fsiii", "T2")],
                                  "legalBasis": ["Serviceloven § 83"]}
    cleaned = concept(settings, anna, "1.1")
    assert cleaned["labels"] == {"da": "Rengøring", "en": "Cleaning"}
    assert "legalBasis" not in cleaned["properties"]  # '-' cleared it
    assert cleaned["properties"]["addressesCondition"] == [concept_iri("fsiii", "T1")]
    assert cleaned["mappings"][0]["note"] == "rengøring"  # an empty cell kept the mapping
    retired = concept(settings, anna, "1.2")
    assert retired["status"] == "retired"
    assert {"kind": "history", "text": "Slået sammen med 1.3", "lang": "da", "refs": []} \
        in retired["notes"]

    code, out, _ = run(settings, "draft", "show", "1", "--json", token=anna)
    edits = json.loads(out)["edits"]
    assert [(e["code"], e["kind"], e["comment"]) for e in edits] == [
        ("1.3", "create", "Høringssvar"), ("1.1", "update", "Høringssvar"),
        ("1.2", "retire", "Høringssvar")]
    code, out, _ = run(settings, "draft", "undo", "1", token=anna)  # each edit undoable
    assert code == 0 and "(1.2)" in out


def test_a_danish_excel_csv_with_semicolons_and_a_bom(settings: Settings, anna: str,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "ark.csv"
    path.write_bytes("\ufeffcode;label_da;definition_da;mappings;replaced_by;status;reason\r\n"
                     '1.2;Tøjvask;"Vask; tørring og strygning";-;1.1;retired;Dubleret\r\n'
                     ";;;;;;\r\n"
                     '2;"Personlig pleje, hygiejne";;"exactMatch fsiii:Z | '
                     'relatedMatch fsiii:J1";;;\r\n'.encode())
    code, report, err = apply(settings, anna, path)
    assert code == 0, err
    assert [(c["code"], c["row"], c["kind"]) for c in report["concepts"]] == [
        ("1.2", 2, "retire"), ("2", 4, "update")]
    retired = concept(settings, anna, "1.2")
    assert retired["definitions"] == {"da": "Vask; tørring og strygning"}
    assert [r["code"] for r in retired["replaced_by"]] == ["1.1"]
    pleje = concept(settings, anna, "2")
    assert pleje["labels"]["da"] == "Personlig pleje, hygiejne"
    assert [(m["relation"], m["code"]) for m in pleje["mappings"]] == [
        ("exactMatch", "Z"), ("relatedMatch", "J1")]


def test_a_comma_csv_and_a_new_property(settings: Settings, anna: str, tmp_path: Path) -> None:
    path = tmp_path / "ark.csv"
    path.write_text("Code,Label_da,property:targetGroup,LEGALBASIS\n"
                    "1.2,Vask af tøj,fsiii:J1,Serviceloven § 83 | Serviceloven § 84\n",
                    encoding="utf-8")
    code, _, err = apply(settings, anna, path)
    assert code == 0, err
    changed = concept(settings, anna, "1.2")
    assert changed["labels"]["da"] == "Vask af tøj"
    assert changed["properties"] == {
        "legalBasis": ["Serviceloven § 83", "Serviceloven § 84"],
        "targetGroup": [concept_iri("fsiii", "J1")]}


def test_a_new_code_for_a_concept_never_published(settings: Settings, anna: str,
                                                  tmp_path: Path) -> None:
    run(settings, "draft", "edit", "1", "1.3", "--new", "--label", "da=Indkøb", token=anna)
    path = xlsx(tmp_path / "omdøb.xlsx", [["code", "notation"], ["1.3", "1.5"]])
    code, report, err = apply(settings, anna, path)
    assert code == 0, err
    assert report["concepts"] == [{"code": "1.3", "kind": "rename", "fields": ["code"],
                                   "row": 2, "new_code": "1.5"}]
    assert concept(settings, anna, "1.5")["uri"] == concept_iri("catalogue", "1.5")
    code, _, _ = run(settings, "draft", "show", "1", "1.3", token=anna)
    assert code == 1


def test_every_problem_is_named_by_row_and_column_and_nothing_is_applied(
        settings: Settings, anna: str, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "fejl.xlsx", [
        ["code", "label_da", "broader", "status", "reason", "mappings", "notation"],
        ["1.1", "Rengøring i hjemmet", None, None, None, None, None],  # fine on its own
        ["1.3", "Indkøb", "9", None, None, None, None],
        ["1.2", None, None, "gone", None, None, None],
        ["2", "=HYPERLINK(\"http://x\")", None, None, None, None, None],
        ["1.10", "Ny", None, None, None, "sameAs fsiii:T1", None],
        ["1.4", "Ny", None, None, None, "closeMatch fsiii:NOPE", None],
        ["1.1", "Igen", None, None, None, None, None],
        [None, "Uden kode", None, None, None, None, None],
        ["1.5", "Ny", None, "retired", None, None, None],
        ["1.6", "Ny", None, None, "Fordi", None, None],
        ["1.7", None, None, None, None, None, None],
        ["1.8", "Ny", None, "-", None, None, None],
        ["1", None, None, None, None, None, "1.0"],
        ["1.9", "Ny", "1.9", None, None, None, None],
        ["=A2", "Ny", None, None, None, None, None],
        ["ny kode", "Ny", None, None, None, None, None],
    ])
    code, out, err = apply(settings, anna, path)
    assert code == 2
    assert "fejl.xlsx: nothing was applied, because:" in err
    for expected in (
        "række 3 (1.3), kolonne broader: '9' er ikke et begreb i udkastet eller arket",
        "række 4 (1.2), kolonne status: 'gone' er ikke en status",
        "række 5 (2), kolonne label_da: cellen indeholder en formel (=HYPERLINK",
        "række 6 (1.10), kolonne mappings: 'sameAs fsiii:T1' er ikke en mapping",
        "række 7 (1.4), kolonne mappings: målet fsiii:NOPE findes ikke",
        "række 8 (1.1), kolonne code: koden står også i række 2",
        "række 9, kolonne code: koden mangler",
        "række 10 (1.5), kolonne reason: at udfase et begreb kræver en begrundelse",
        "række 11 (1.6), kolonne reason: reason er grunden til at udfase et begreb",
        "række 12 (1.7), kolonne label_da: et begreb skal have en foretrukken betegnelse",
        "række 13 (1.8), kolonne status: status kan ikke ryddes med '-'",
        "række 14 (1), kolonne notation: koden kan ikke ændres: 1 er udgivet "
        "(catalogue 2026.1)",
        "række 15 (1.9), kolonne broader: et begreb kan ikke henvise til sig selv",
        "række 16, kolonne code: cellen indeholder en formel (=A2)",
        "række 17 (ny kode), kolonne code: en ny kode kan ikke indeholde mellemrum eller /",
    ):
        assert expected in err, expected
    code, out, _ = run(settings, "draft", "show", "1", "--json", token=anna)
    assert json.loads(out)["edits"] == []  # not even row 2, which was fine


def test_unknown_and_repeated_columns(settings: Settings, anna: str, tmp_path: Path) -> None:
    path = tmp_path / "kolonner.csv"
    path.write_text("code;label_da;defintion_da;Label_DA\n1.1;x;y;z\n", encoding="utf-8")
    code, _, err = apply(settings, anna, path)
    assert code == 2
    assert "række 1, kolonne defintion_da: ukendt kolonne" in err
    assert "skemaets egenskaber (addressesCondition, legalBasis)" in err
    assert "række 1, kolonne Label_DA: kolonnen står to gange (også som label_da)" in err
    path.write_text("label_da\nx\n", encoding="utf-8")
    code, _, err = apply(settings, anna, path)
    assert code == 2 and "arket mangler kolonnen code" in err


def test_a_csv_that_is_not_utf8(settings: Settings, anna: str, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("code;label_da\n1.1;Rengøring\n".encode("latin-1"))
    code, _, err = apply(settings, anna, path)
    assert code == 2 and "not UTF-8" in err and "CSV UTF-8" in err


def _rewrite(path: Path, change: dict[str, bytes]) -> None:
    """Replace or add parts of a workbook written by openpyxl."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts.update(change)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
          b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
          b"</sheetData></worksheet>")


def test_a_workbook_with_a_dtd_is_refused(settings: Settings, anna: str,
                                          tmp_path: Path) -> None:
    path = xlsx(tmp_path / "laughs.xlsx", [["code", "label_da"], ["1.1", "x"]])
    _rewrite(path, {"xl/worksheets/sheet1.xml": LAUGHS})
    code, _, err = apply(settings, anna, path)
    assert code == 2
    assert "laughs.xlsx: the workbook is refused: xl/worksheets/sheet1.xml holds a " \
        "document type declaration" in err


def test_hostile_workbooks_are_refused_before_openpyxl_reads_them(tmp_path: Path) -> None:
    bomb = xlsx(tmp_path / "bomb.xlsx", [["code"], ["1"]])
    _rewrite(bomb, {"xl/worksheets/sheet2.xml": b"<a>" + b" " * (8 * 1024 * 1024) + b"</a>"})
    with pytest.raises(BadRequest, match=r"sheet2\.xml unpacks to more than"):
        sheets.read_sheet(bomb)
    entity = xlsx(tmp_path / "entity.xlsx", [["code"], ["1"]])
    _rewrite(entity, {"xl/sharedStrings.xml": b'<?xml version="1.0"?>\n<!ENTITY x SYSTEM '
                      b'"file:///etc/passwd"><sst/>'})
    with pytest.raises(BadRequest, match="holds a document type declaration"):
        sheets.read_sheet(entity)
    utf16 = xlsx(tmp_path / "utf16.xlsx", [["code"], ["1"]])
    _rewrite(utf16, {"xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-16"?>'
                     "<!DOCTYPE x><worksheet/>".encode("utf-16")})
    with pytest.raises(BadRequest, match="is not UTF-8 XML"):
        sheets.read_sheet(utf16)
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"code;label_da\n1;x\n")
    with pytest.raises(BadRequest, match="not a zip archive"):
        sheets.read_sheet(fake)
    many = tmp_path / "many.xlsx"
    with zipfile.ZipFile(many, "w") as archive:
        for n in range(sheets.MAX_XLSX_PARTS + 1):
            archive.writestr(f"p{n}.xml", b"<a/>")
    with pytest.raises(BadRequest, match="parts"):
        sheets.read_sheet(many)
    big = tmp_path / "big.csv"
    big.write_bytes(b"code;label_da\n" + b"1;" + b"x" * sheets.MAX_FILE_BYTES + b"\n")
    with pytest.raises(BadRequest, match="at most 10,485,760 are accepted") as refused:
        sheets.read_sheet(big)
    assert refused.value.status_code == 413


def test_formulas_are_read_as_text_never_evaluated(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "formler.xlsx", [["code", "label_da", "definition_da"],
                                            ["1.1", "=1+1", "=CONCAT(\"a\";\"b\")"]])
    sheet = sheets.read_sheet(path)
    assert sheet.rows == [(2, ["1.1", "=1+1", '=CONCAT("a";"b")'])]


def test_cells_are_read_as_written(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "tal.xlsx", [["code", "label_da", None], [2, 3.5, None],
                                        [None, None, None], ["  1.1 ", True, None]])
    sheet = sheets.read_sheet(path)
    assert sheet.header == ["code", "label_da"]
    assert sheet.rows == [(2, ["2", "3.5"]), (4, ["1.1", "TRUE"])]
    stray = xlsx(tmp_path / "løs.xlsx", [["code"], ["1", "x"]])
    with pytest.raises(BadRequest, match="række 2, kolonne B: en værdi i en kolonne uden "
                                         "overskrift"):
        sheets.read_sheet(stray)


def test_the_real_catalogue_takes_its_properties_from_a_sheet(settings: Settings,
                                                              tmp_path: Path) -> None:
    """vocab/catalogue.ttl's properties (area, legalBasis, addressesIcf,
    addressesCondition, targetGroup) are columns by name; `icf:d640` is the ICF concept's
    IRI, as the catalogue writes it, even with no ICF release loaded."""
    from termserver.importers import ImportOptions, load_file
    from termserver.releases import ReleaseRepository

    catalogue = Path(__file__).resolve().parents[2] / "vocab" / "catalogue.ttl"
    ReleaseRepository(settings.data_dir).publish_many(load_file(catalogue, ImportOptions()))
    token = run(settings, "users", "add", "boss")[1].strip()
    run(settings, "draft", "new", "catalogue", "--title", "Ark", token=token)
    before = concept(settings, token, "SEL-85-PRAKTISK")
    path = xlsx(tmp_path / "katalog.xlsx", [
        ["code", "legalBasis", "addressesIcf", "targetGroup", "area", "addressesCondition"],
        ["SEL-85-PRAKTISK", "Serviceloven § 85 | Serviceloven § 83", "icf:d640 | icf:d6200",
         "-", None, None]])
    code, report, err = apply(settings, token, path)
    assert code == 0, err
    assert report["concepts"] == [{"code": "SEL-85-PRAKTISK", "kind": "update",
                                   "fields": ["properties"], "row": 2}]
    after = concept(settings, token, "SEL-85-PRAKTISK")["properties"]
    assert after["legalBasis"] == ["Serviceloven § 85", "Serviceloven § 83"]
    assert after["addressesIcf"] == [concept_iri("icf", "d640"), concept_iri("icf", "d6200")]
    assert "targetGroup" not in after
    assert after["area"] == before["properties"]["area"]
    assert after["addressesCondition"] == before["properties"]["addressesCondition"]
