"""core.spreadsheets: the one neutraliser, and uploads refused on their size and contents before openpyxl
builds anything (issue 15, point 5), with the limits read from settings."""

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from core.spreadsheets import (
    SpreadsheetErrors,
    csv_rows,
    csv_text_of,
    headers_check,
    read_text,
    safe_cell_text,
    sheet_append,
    sheet_rows,
    workbook_bytes,
    workbook_check,
    workbook_open,
)
from tests.factories.workbooks import MB, sheet_xml_replaced, template_workbook, unpacked_bytes, workbook_bomb

HEADERS = ["Ref", "Name", "Due date"]


def _refusal(content: bytes) -> str:
    with pytest.raises(SpreadsheetErrors) as raised:
        workbook_check(io.BytesIO(content))
    (problem,) = raised.value.errors
    assert (problem["sheet"], problem["row"], problem["column"]) == ("", None, "")
    return problem["message"]


def _zip(entries: dict[str, bytes], *, level: int = 9) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- the neutraliser ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+44 161 912 2000", "-2", "@SUM(A1)", "\tindented", "\rreturn", "\nline"])
def test_safe_cell_text_prefixes_each_formula_trigger_with_a_quote(text):
    assert safe_cell_text(text) == "'" + text


def test_safe_cell_text_leaves_ordinary_text_alone_and_drops_nul():
    assert safe_cell_text("Community (District) Nursing") == "Community (District) Nursing"
    assert safe_cell_text("5.1") == "5.1"
    assert safe_cell_text("") == ""
    assert safe_cell_text(None) == ""
    assert safe_cell_text("a\x00b") == "ab"
    assert safe_cell_text("\x00=cmd") == "'=cmd"
    assert safe_cell_text(safe_cell_text("=1+1")) == "'=1+1"  # twice is the same as once


def test_the_writers_neutralise_every_text_and_leave_numbers_and_dates():
    workbook = Workbook()
    sheet_append(workbook.active, ["=1+143", -5, dt.date(2015, 6, 1), "+cmd", None])
    ws = load_workbook(io.BytesIO(workbook_bytes(workbook))).active
    cells = list(ws.iter_rows())[0]
    assert [c.value for c in cells[:2]] == ["'=1+143", -5]
    assert cells[2].value.date() == dt.date(2015, 6, 1)
    assert cells[3].value == "'+cmd" and all(c.data_type != "f" for c in cells)
    assert csv_text_of([["Ref", "Amount"], ["=1+143", -5], [None, "@SUM(1)"]]) == (
        "Ref,Amount\r\n'=1+143,-5\r\n,'@SUM(1)\r\n"
    )


def test_read_text_takes_the_neutralising_quote_off_an_exported_cell():
    assert read_text("'=1+143") == "=1+143"
    assert read_text("'ordinary") == "'ordinary"  # a quote the user typed stays
    assert read_text(dt.datetime(2015, 6, 1)) == "01/06/2015"
    assert read_text(5.0) == "5"


# --- the bounds, before anything parses -------------------------------------------------------------


def test_the_58_mb_bomb_is_refused_with_its_size_in_words():
    content = workbook_bomb([("Sheet", HEADERS)], unpacked_mb=58)
    message = _refusal(content)
    assert message.startswith("This file unpacks to 58 MB, more than the 20 MB allowed.")


def test_a_bomb_under_the_unpacked_limit_is_refused_on_its_packing_ratio():
    content = workbook_bomb([("Sheet", HEADERS)], unpacked_mb=15)
    assert unpacked_bytes(content) < 20 * MB
    message = _refusal(content)
    assert "unpacks to" in message and "times its packed size, more than the 100 times" in message


def test_too_many_rows_are_refused_even_when_they_pack_ordinarily(settings):
    settings.SPREADSHEET_MAX_ROWS = 1_000
    content = template_workbook([("Sheet", HEADERS)])
    rows = (f'<row><c t="inlineStr"><is><t>{n}</t></is></c></row>'.encode() for n in range(2, 1_100))
    message = _refusal(sheet_xml_replaced(content, "Sheet", rows))
    assert "more than 1,000 rows (counting every sheet)" in message


def test_a_row_numbered_far_down_is_refused_before_openpyxl_fills_the_gap(settings):
    # openpyxl's streaming reader yields every missing row up to the one numbered: a million blank rows.
    content = template_workbook([("Sheet", HEADERS)])
    rows = [b'<row r="2"><c><v>1</v></c></row>', b'<row r="1048576"><c><v>1</v></c></row>']
    message = _refusal(sheet_xml_replaced(content, "Sheet", rows))
    assert "a row numbered 1,048,576, past the 50,000 rows" in message


def test_too_many_cells_are_refused(settings):
    settings.SPREADSHEET_MAX_CELLS = 5_000
    content = template_workbook([("Sheet", HEADERS)])
    rows = (b"<row>" + b"<c><v>1</v></c>" * 100 + b"</row>" for _ in range(60))
    assert "more than 5,000 cells" in _refusal(sheet_xml_replaced(content, "Sheet", rows))


def test_too_many_shared_texts_are_refused(settings):
    settings.SPREADSHEET_MAX_CELLS = 100
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = f'<sst xmlns="{main}">' + "<si><t>x</t></si>" * 101 + "</sst>"
    content = template_workbook([("Sheet", HEADERS)])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["xl/sharedStrings.xml"] = strings.encode()
    assert "more than 100 pieces of text" in _refusal(_zip(entries))


def test_an_xml_part_with_a_doctype_is_refused_as_an_xml_bomb():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        "<worksheet><sheetData><row><c><v>&lol2;</v></c></row></sheetData></worksheet>"
    )
    content = template_workbook([("Sheet", HEADERS)])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["xl/worksheets/sheet1.xml"] = laughs.encode()
    assert "could not be read as an Excel workbook" in _refusal(_zip(entries))


@pytest.mark.parametrize(
    ("entries", "words"),
    [
        ({f"xl/media/image{n}.png": b"x" for n in range(201)}, "holds 201 parts, more than the 200"),
        ({"../../etc/passwd": b"x"}, "a part named “../../etc/passwd”"),
        ({"/xl/workbook.xml": b"x"}, "a part named “/xl/workbook.xml”"),
        ({"xl\\workbook.xml": b"x"}, "a part named"),
    ],
)
def test_archives_no_excel_would_write_are_refused_on_their_parts(entries, words):
    assert words in _refusal(_zip(entries))


def test_two_parts_of_one_name_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", b"<a/>")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("xl/workbook.xml", b"<b/>")
    assert "two parts named “xl/workbook.xml”" in _refusal(buffer.getvalue())


def test_a_file_over_the_upload_size_is_refused_on_its_size_alone(settings):
    settings.SPREADSHEET_UPLOAD_MAX_MB = 1
    message = _refusal(b"PK" + b"\x00" * (MB + MB // 2))
    assert message.startswith("This file is 1.5 MB, more than the 1 MB allowed.")


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_what_is_not_a_zip_is_not_a_workbook(content):
    assert "could not be read as an Excel workbook" in _refusal(content)


def test_the_limits_are_settings(settings):
    content = workbook_bomb([("Sheet", HEADERS)], unpacked_mb=2)
    settings.SPREADSHEET_UNPACKED_MAX_MB = 1
    assert _refusal(content).startswith("This file unpacks to 2.0 MB, more than the 1 MB allowed.")
    settings.SPREADSHEET_UNPACKED_MAX_MB = 20
    assert "more than the 100 times" in _refusal(content)
    settings.SPREADSHEET_MAX_RATIO = 1_000
    workbook_check(io.BytesIO(content))  # accepted once the limits allow such a file


# --- reading ----------------------------------------------------------------------------------------------


def _real_programme_workbook() -> bytes:
    """The shape of a real 500-scheme programme's download: 500 scheme rows and 10,000 milestone rows."""
    workbook = Workbook()
    schemes = workbook.active
    schemes.title = "Schemes"
    schemes.append(["Ref", "Name", "Workstream", "Description", "Clinical lead", "Version"])
    for n in range(500):
        schemes.append(
            [f"{n // 20}.{n % 20}", f"Scheme {n}", "Urgent care", "Words about it " * (n % 5 + 1), "Dr A", 1]
        )
    milestones = workbook.create_sheet("Milestones")
    milestones.append(["Milestone ID", "Scheme ref", "Description", "Due date", "Version"])
    for n in range(10_000):
        milestones.append([n + 1, f"{n // 400}.{(n // 20) % 20}", f"Milestone {n}", dt.date(2015, 4, 1), 1])
    return workbook_bytes(workbook)


def test_a_real_500_scheme_workbook_is_within_every_limit_and_reads_in_full():
    content = _real_programme_workbook()
    workbook_check(io.BytesIO(content))
    with workbook_open(io.BytesIO(content)) as workbook:
        errors: list = []
        ws = headers_check(workbook, "Milestones", ["Milestone ID", "Scheme ref", "Description", "Due date"], errors)
        assert errors == [{"sheet": "Milestones", "row": 1, "column": "Version", "message": errors[0]["message"]}]
        rows = list(sheet_rows(ws, "Milestones", ["Milestone ID", "Scheme ref", "Description", "Due date"], []))
    assert len(rows) == 10_000
    assert (rows[-1].number, rows[-1].values["Milestone ID"], rows[-1].date("Due date")) == (
        10_001,
        10_000,
        dt.date(2015, 4, 1),
    )


def test_a_sheet_whose_stated_size_is_too_small_is_still_read_to_its_last_row():
    # Some programs write a <dimension> that is wrong; openpyxl's streaming reader would stop there.
    workbook = Workbook()
    for n in range(1, 11):
        workbook.active.append([f"row {n}"])
    content = workbook_bytes(workbook)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    sheet = entries["xl/worksheets/sheet1.xml"].decode()
    assert '<dimension ref="A1:A10"' in sheet
    entries["xl/worksheets/sheet1.xml"] = sheet.replace('<dimension ref="A1:A10"', '<dimension ref="A1:A2"').encode()
    with workbook_open(io.BytesIO(_zip(entries))) as opened:
        ws = headers_check(opened, "Sheet", ["row 1"], [])
        assert [row.text("row 1") for row in sheet_rows(ws, "Sheet", ["row 1"], [])][-1] == "row 10"


def test_rows_keep_their_numbers_across_blank_rows():
    workbook = Workbook()
    ws = workbook.active
    ws.append(HEADERS)
    ws["A3"] = "5.1"
    ws["B7"] = "Falls"
    with workbook_open(io.BytesIO(workbook_bytes(workbook))) as opened:
        rows = list(sheet_rows(headers_check(opened, "Sheet", HEADERS, []), "Sheet", HEADERS, []))
    assert [(r.number, r.text("Ref"), r.text("Name")) for r in rows] == [(3, "5.1", ""), (7, "", "Falls")]


def test_a_csv_upload_is_bounded_by_size_and_rows(settings):
    settings.SPREADSHEET_MAX_ROWS = 3
    text = "Ref,Name\r\n" + "".join(f"5.{n},Scheme {n}\r\n" for n in range(5))
    rows = csv_rows(io.BytesIO(text.encode()), sheet="Metrics", headers=["Ref", "Name"], errors=[])
    with pytest.raises(SpreadsheetErrors) as raised:
        list(rows)
    assert "more than 3 rows" in raised.value.errors[0]["message"]
    settings.SPREADSHEET_UPLOAD_MAX_MB = 1
    with pytest.raises(SpreadsheetErrors) as raised:
        csv_rows(io.BytesIO(b"Ref,Name\r\n" + b"x" * (2 * MB)), sheet="Metrics", headers=["Ref", "Name"], errors=[])
    assert raised.value.errors[0]["message"].startswith("This file is 2.0 MB, more than the 1 MB allowed.")


def test_reading_stops_at_the_row_limit_even_for_a_workbook_the_check_did_not_see(settings):
    workbook = Workbook()
    for n in range(1, 30):
        workbook.active.append([f"row {n}"])
    content = workbook_bytes(workbook)
    with workbook_open(io.BytesIO(content)) as opened:
        ws = headers_check(opened, "Sheet", ["row 1"], [])
        settings.SPREADSHEET_MAX_ROWS = 20  # lowered after the check, as if the file had not been checked
        with pytest.raises(SpreadsheetErrors) as raised:
            list(sheet_rows(ws, "Sheet", ["row 1"], []))
    assert "goes past row 20" in raised.value.errors[0]["message"]
