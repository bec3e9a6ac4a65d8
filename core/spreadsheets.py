"""Spreadsheets in and out, for every app: the one formula neutraliser, writing helpers, and uploads read
within limits.

Writing: every export writes user text through `safe_cell_text` (directly, or through `cell_value`,
`sheet_append`, `write_table` and `csv_text_of`, which apply it to every text they are given), so a name or
ref that starts like a formula (=, +, -, @, a tab or a line break) reaches Excel as text.

Reading: an upload is an .xlsx, which is a zip of XML. `workbook_check` refuses one that would cost far
more than any real programme's workbook before anything parses it: the file's size, the number and names of
its parts, how far each part unpacks (in total, and against its packed size), and, by streaming every part
through expat once, the rows and cells it holds. Only then does `workbook_open` hand it to openpyxl, in
read-only (streaming) mode, with openpyxl's own XML protection (defusedxml) in place. The limits are
settings (SPREADSHEET_*). Every refusal is a SpreadsheetErrors, listed like any other upload problem.
"""

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.exceptions import StaleEdit

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# With a byte-order mark, Excel opens a CSV as UTF-8 (so £ and › show as they should).
CSV_ENCODING = "utf-8-sig"
DATE_FORMAT = "DD/MM/YYYY"
YES, NO = "Yes", "No"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
INFO_FILL = PatternFill("solid", fgColor="EEEEEE")

MB = 1024 * 1024


# --- Neutralising: the one rule every export follows ---------------------------------------------------

# Excel, LibreOffice and Google Sheets treat text starting with these as a formula (CSV/formula injection,
# OWASP's list). A line feed too: XML reading turns a carriage return into one, so "\r=1" and "\n=1" are the
# same text once written.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell_text(value) -> str:
    """User text made safe for a cell: control characters dropped, formula-like text prefixed with a quote."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _unneutralise(text: str) -> str:
    """Undo safe_cell_text on the way back in, so an untouched exported cell reads as the stored text."""
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def cell_value(value):
    """A value for a cell: text neutralised, numbers, dates and blanks as they are."""
    return safe_cell_text(value) if isinstance(value, str) else value


# --- Writing --------------------------------------------------------------------------------------------


def sheet_append(ws, values: Iterable) -> None:
    """Append one row to a worksheet, every text in it neutralised."""
    ws.append([cell_value(v) for v in values])


def write_table(
    ws,
    headers: list[str],
    rows: Iterable[Iterable],
    *,
    widths: dict[str, int] | None = None,
    informational: Iterable[str] = (),
    wrapped: Iterable[str] = (),
    dates: Iterable[str] = (),
) -> int:
    """A header row (bold, shaded) and the rows, frozen and filtered; returns the last row drop-downs reach.

    `informational` columns are greyed (people should not edit them), `wrapped` ones wrap, `dates` ones are
    shown DD/MM/YYYY. Every text is neutralised.
    """
    widths, informational, wrapped, dates = widths or {}, set(informational), set(wrapped), set(dates)
    sheet_append(ws, headers)
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    count = 0
    for row in rows:
        sheet_append(ws, row)
        count += 1
    for index, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = widths.get(header, 15)
        if header not in informational | wrapped | dates:
            continue
        for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
            if header in dates:
                cell.number_format = DATE_FORMAT
            if header in informational:
                cell.fill = INFO_FILL
            if header in wrapped:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(count + 1, 2)}"
    # Drop-downs reach well past the data so rows people add get them too.
    return count + 1000


def list_validation(ws, headers: list[str], header: str, options: list[str], last_row: int) -> None:
    """A drop-down of `options` on the column headed `header`, from row 2 to `last_row`."""
    letter = get_column_letter(headers.index(header) + 1)
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(options) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=f"{header}: choose from the list",
        error=f"Choose one of: {', '.join(options)}.",
    )
    validation.add(f"{letter}2:{letter}{last_row}")
    ws.add_data_validation(validation)


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text_of(rows: Iterable[Iterable]) -> str:
    """Rows (the header first) as CSV text with Excel's line ends; blanks empty, every text neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else cell_value(v) for v in row])
    return buffer.getvalue()


# --- Problems with an upload ----------------------------------------------------------------------------


class SpreadsheetErrors(Exception):
    """An upload that was refused; `.errors` lists every problem as {sheet, row, column, message}."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} problem(s) in the spreadsheet; nothing was saved.")
        self.errors = errors


def problem(sheet: str, row: int | None, column: str, message: str) -> dict:
    """One problem of an upload, as the upload-problems table (components/upload_problems.html) lists it."""
    return {"sheet": sheet, "row": row, "column": column, "message": message}


def refused(message: str) -> SpreadsheetErrors:
    """A refusal of the whole file (no sheet, row or column)."""
    return SpreadsheetErrors([problem("", None, "", message)])


NOT_A_WORKBOOK = (
    "This file could not be read as an Excel workbook. Save it from Excel as “Excel Workbook (.xlsx)” and upload "
    "it again."
)
_SMALLER = "Upload the downloaded workbook with your rows, without pictures or extra sheets."


def _mb(size: int) -> str:
    """A size as people read it: 58 MB, 7.2 MB; a limit (a whole number of MB) as 20 MB."""
    if size % MB == 0 or size >= 10 * MB:
        return f"{size / MB:.0f} MB"
    return f"{size / MB:.1f} MB"


# --- Bounds, checked before anything parses the file ----------------------------------------------------


def upload_limits() -> dict:
    """The limits from settings (SPREADSHEET_*): what one upload may be and hold."""
    return {
        "file_bytes": settings.SPREADSHEET_UPLOAD_MAX_MB * MB,
        "unpacked_bytes": settings.SPREADSHEET_UNPACKED_MAX_MB * MB,
        "parts": settings.SPREADSHEET_MAX_PARTS,
        "ratio": settings.SPREADSHEET_MAX_RATIO,
        "rows": settings.SPREADSHEET_MAX_ROWS,
        "cells": settings.SPREADSHEET_MAX_CELLS,
    }


# A part smaller than this cannot hurt, whatever it unpacks to against its packed size.
_RATIO_GRACE_BYTES = MB
_CHUNK = 64 * 1024
_XML_PARTS = (".xml", ".rels", ".vml")


def _file_size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    file.seek(0)
    return size


class _Counter:
    """Counts rows, cells and shared strings while expat streams the parts; refuses as soon as a limit passes."""

    def __init__(self, limits: dict):
        self.limits = limits
        self.rows = self.cells = self.strings = 0

    def start(self, name: str, attributes: dict) -> None:
        local = name.rpartition(" ")[2]
        if local == "c":
            self.cells += 1
            if self.cells > self.limits["cells"]:
                raise refused(
                    f"This workbook has more than {self.limits['cells']:,} cells (counting every sheet), the most "
                    f"one upload may hold. {_SMALLER}"
                )
        elif local == "row":
            self.rows += 1
            limit = self.limits["rows"]
            number = attributes.get("r", "")
            numbered = (int(number) if len(number) < 10 else limit + 1) if number.isdigit() else 0
            if numbered > limit:
                raise refused(
                    f"This workbook has a row numbered {numbered:,}, past the {limit:,} rows one upload may hold. "
                    f"{_SMALLER}"
                )
            if self.rows > limit:
                raise refused(
                    f"This workbook has more than {limit:,} rows (counting every sheet), the most one upload may "
                    "hold. Upload the downloaded workbook with your rows, or split the changes over several uploads."
                )
        elif local == "si":
            self.strings += 1
            if self.strings > self.limits["cells"]:
                raise refused(
                    f"This workbook holds more than {self.limits['cells']:,} pieces of text, the most one upload "
                    f"may hold. {_SMALLER}"
                )


def _no_declarations(*_args) -> None:
    # Excel never writes a DOCTYPE or entity: one is an attempt at an XML bomb (defusedxml's rule).
    raise refused(NOT_A_WORKBOOK)


def _parser(counter: _Counter):
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _no_declarations
    parser.EntityDeclHandler = _no_declarations
    parser.StartElementHandler = counter.start
    return parser


def _archive_check(archive: zipfile.ZipFile, limits: dict) -> list[zipfile.ZipInfo]:
    """The parts' count, names, declared sizes and packing ratios, from the archive's directory."""
    parts = archive.infolist()
    if len(parts) > limits["parts"]:
        raise refused(
            f"This file holds {len(parts):,} parts, more than the {limits['parts']:,} an upload may have: it is not "
            "a workbook saved from Excel. Save it as “Excel Workbook (.xlsx)” and upload it again."
        )
    seen = set()
    for part in parts:
        name = part.filename
        odd = name.startswith("/") or "\\" in name or "\x00" in name or ".." in name.split("/")
        if odd or name in seen:
            what = "two parts named" if name in seen else "a part named"
            raise refused(f"This file has {what} “{name[:100]}”, which no Excel workbook has. {NOT_A_WORKBOOK}")
        seen.add(name)
        if part.flag_bits & 0x1 or part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refused(NOT_A_WORKBOOK)  # encrypted, or packed in a way Excel never uses
    declared = sum(part.file_size for part in parts)
    if declared > limits["unpacked_bytes"]:
        raise refused(
            f"This file unpacks to {_mb(declared)}, more than the {_mb(limits['unpacked_bytes'])} allowed. {_SMALLER}"
        )
    for part in parts:
        if part.file_size > _RATIO_GRACE_BYTES and part.file_size > limits["ratio"] * max(part.compress_size, 1):
            ratio = part.file_size // max(part.compress_size, 1)
            raise refused(
                f"Part “{part.filename[:100]}” of this file unpacks to {ratio:,} times its packed size, more than "
                f"the {limits['ratio']:,} times allowed (a workbook's parts unpack to 10 to 15 times theirs). "
                f"{_SMALLER}"
            )
    return parts


def _stream_check(archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo], limits: dict) -> None:
    """Unpack every part once, without keeping it: count the real bytes, and rows, cells and texts in the XML."""
    counter = _Counter(limits)
    unpacked = 0
    for part in parts:
        parser = _parser(counter)
        parsing = True
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                unpacked += len(chunk)
                if unpacked > limits["unpacked_bytes"]:
                    raise refused(
                        f"This file unpacks to more than the {_mb(limits['unpacked_bytes'])} allowed. {_SMALLER}"
                    )
                if parsing:
                    try:
                        parser.Parse(chunk, False)
                    except expat.ExpatError:
                        if part.filename.lower().endswith(_XML_PARTS):
                            raise refused(NOT_A_WORKBOOK) from None
                        parsing = False  # a picture or other binary part: its bytes are counted, nothing more
        if parsing:
            try:
                parser.Parse(b"", True)
            except expat.ExpatError:
                if part.filename.lower().endswith(_XML_PARTS):
                    raise refused(NOT_A_WORKBOOK) from None


def workbook_check(file) -> None:
    """Refuse an upload that is not a plain .xlsx of a size a programme could fill, before anything parses it.

    Raises SpreadsheetErrors with the sizes in words. Limits: settings SPREADSHEET_* (see upload_limits).
    """
    limits = upload_limits()
    size = _file_size(file)
    if size > limits["file_bytes"]:
        raise refused(f"This file is {_mb(size)}, more than the {_mb(limits['file_bytes'])} allowed. {_SMALLER}")
    try:
        with zipfile.ZipFile(file) as archive:
            parts = _archive_check(archive, limits)
            _stream_check(archive, parts, limits)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise refused(NOT_A_WORKBOOK) from None
    finally:
        file.seek(0)


@contextmanager
def workbook_open(file) -> Iterator:
    """The uploaded workbook, checked by workbook_check and then opened read-only (streamed), values not formulas.

    Use as `with workbook_open(file) as workbook:`; the file is closed after.
    """
    workbook_check(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged or foreign file; all mean the same here.
        raise refused(NOT_A_WORKBOOK) from None
    try:
        yield workbook
    finally:
        workbook.close()


# --- Reading cells --------------------------------------------------------------------------------------


def read_text(value) -> str:
    """A cell as the text the importer compares: dates DD/MM/YYYY, whole floats without .0, line breaks as
    \\n, trimmed, and an exported cell's neutralising quote taken off."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return _unneutralise(text).strip()


def stored_text(value) -> str:
    """A stored text as the importer compares it (an exported cell reads back the same)."""
    return (value or "").replace("\r\n", "\n").strip()


def shown_date(day: dt.date | None) -> str:
    """A date as a message shows it: DD/MM/YYYY, or "blank"."""
    return f"{day:%d/%m/%Y}" if day else "blank"


class SheetRow:
    """One spreadsheet row: reads its cells and records every problem with its sheet, row and column."""

    def __init__(self, sheet: str, number: int, values: dict, errors: list[dict]):
        self.sheet, self.number, self.values, self.errors = sheet, number, values, errors
        self.ok = True

    def problem(self, column: str, message: str) -> None:
        self.errors.append(problem(self.sheet, self.number, column, message))
        self.ok = False

    def text(self, column: str) -> str:
        return read_text(self.values.get(column))

    def date(self, column: str, *, required: bool = False) -> dt.date | None:
        value = self.values.get(column)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = read_text(value)
        if not text:
            if required:
                self.problem(column, f"Give the {column.lower()} (DD/MM/YYYY).")
            return None
        if isinstance(value, str) and re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            try:
                return dt.datetime.strptime(text, "%d/%m/%Y").date()
            except ValueError:
                pass
        self.problem(column, f"“{text}” is not a date (use DD/MM/YYYY).")
        return None

    def yes_no(self, column: str, *, default: bool | None) -> bool | None:
        value = self.values.get(column)
        if isinstance(value, bool):
            return value
        text = read_text(value).casefold()
        if text in ("yes", "y"):
            return True
        if text in ("no", "n"):
            return False
        if not text and default is not None:
            return default
        self.problem(column, f"{column} must be Yes or No" + (f", not “{read_text(value)}”." if text else "."))
        return None

    def choice(self, column: str, choices, *, default: str | None) -> str | None:
        """The stored value for a label (or stored value) in the cell; `default` when blank, if given."""
        text = read_text(self.values.get(column))
        if not text:
            if default is not None:
                return default
        else:
            for value, label in choices.choices:
                if text.casefold() in (label.casefold(), value.casefold()):
                    return value
        shown = f"“{text}” is not" if text else f"{column} is blank: it must be"
        self.problem(column, f"{shown} one of: {', '.join(choices.labels)}.")
        return None

    def integer(self, column: str, *, required: bool, hint: str) -> int | None:
        value = self.values.get(column)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = read_text(value)
        if text.isdigit():
            return int(text)
        if not text and not required:
            return None
        self.problem(column, hint)
        return None

    def service_problem(self, exc: Exception, columns: dict[str, str], fallback: str) -> None:
        """A service's refusal, placed on the column of the field it names."""
        if isinstance(exc, StaleEdit):
            self.problem("Version", str(exc))
            return
        if not isinstance(exc, ValidationError):  # callers catch only these two; anything else is a bug
            raise exc
        if hasattr(exc, "error_dict"):
            for key, messages in exc.message_dict.items():
                for message in messages:
                    self.problem(columns.get(key, fallback), message)
        else:
            for message in exc.messages:
                self.problem(fallback, message)


def sheet_values(ws, *, first_row: int, width: int | None) -> Iterator[tuple[int, tuple]]:
    """(row number, the first `width` values) for each row from `first_row`; a missing row comes as blanks."""
    rows = ws.iter_rows(min_row=first_row, max_col=width, values_only=True)
    limit = upload_limits()["rows"]
    number = first_row
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception:  # openpyxl parses the sheet as we go: a damaged sheet fails here, in any of many ways
            raise refused(NOT_A_WORKBOOK) from None
        if number > limit:  # workbook_check has counted the rows already; this holds even for a file it did not see
            raise refused(f"This workbook goes past row {limit:,}, the last one an upload may have. {_SMALLER}")
        yield number, values
        number += 1


def headers_check(
    workbook,
    sheet: str,
    expected: list[str],
    errors: list[dict],
    *,
    header_row: int = 1,
    start_from: str = "the downloaded template",
):
    """The worksheet if it is there with exactly these headers; otherwise None, with the problems in `errors`."""
    if sheet not in workbook.sheetnames:
        errors.append(problem(sheet, None, "", f"The workbook has no sheet called “{sheet}”: start from {start_from}."))
        return None
    ws = workbook[sheet]
    # Read every row the sheet really has: a file saved by another program may give too small a size.
    ws.reset_dimensions()
    first = next((values for _n, values in sheet_values(ws, first_row=header_row, width=None)), ())
    found = list(first)[: len(expected) + 50]  # extra columns are reported, a few dozen at most
    where = f"Sheet {sheet}: " + (f"row {header_row}, " if header_row != 1 else "")
    for index, header in enumerate(expected):
        text = read_text(found[index]) if index < len(found) else ""
        if text != header:
            shown = f"found “{text}”" if text else "found an empty cell"
            errors.append(
                problem(
                    sheet,
                    header_row,
                    header,
                    f"{where}column {get_column_letter(index + 1)} should be headed “{header}”, {shown}.",
                )
            )
    for index in range(len(expected), len(found)):
        text = read_text(found[index])
        if text:
            errors.append(
                problem(
                    sheet,
                    header_row,
                    text,
                    f"Sheet {sheet}: column {get_column_letter(index + 1)} (“{text}”) is not part of the template: "
                    "remove the column.",
                )
            )
    return ws


def sheet_rows(ws, sheet: str, headers: list[str], errors: list[dict], *, first_row: int = 2) -> Iterator[SheetRow]:
    """Each row under the headers that is not blank, as a SheetRow keyed by header."""
    for number, cells in sheet_values(ws, first_row=first_row, width=len(headers)):
        values = dict(zip(headers, cells, strict=False))
        if all(read_text(v) == "" for v in values.values()):
            continue
        yield SheetRow(sheet, number, values, errors)


# --- CSV uploads ----------------------------------------------------------------------------------------


def csv_rows(file, *, sheet: str, headers: list[str], errors: list[dict]) -> Iterator[SheetRow]:
    """Rows of an uploaded CSV with these headers, as SheetRows, within the upload's size and row limits.

    The size, the encoding and the header line are checked here, before any row is read.
    """
    limits = upload_limits()
    size = _file_size(file)
    if size > limits["file_bytes"]:
        raise refused(f"This file is {_mb(size)}, more than the {_mb(limits['file_bytes'])} allowed. {_SMALLER}")
    try:
        text = file.read().decode(CSV_ENCODING)
    except (UnicodeDecodeError, AttributeError):
        raise SpreadsheetErrors(
            [problem(sheet, None, "", "This CSV file is not UTF-8 text: save it as “CSV UTF-8”.")]
        ) from None
    finally:
        file.seek(0)
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error:
        header = []
    if header[: len(headers)] != headers:
        raise SpreadsheetErrors([problem(sheet, 1, "", f"The first line must be the headers: {', '.join(headers)}.")])
    return _csv_sheet_rows(reader, sheet, headers, errors, limits["rows"])


def _csv_sheet_rows(reader, sheet: str, headers: list[str], errors: list[dict], limit: int) -> Iterator[SheetRow]:
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if number - 1 > limit:
                raise refused(
                    f"This file has more than {limit:,} rows, the most one upload may hold. Split the changes over "
                    "several uploads."
                )
            values = dict(zip(headers, cells, strict=False))
            if all(read_text(v) == "" for v in values.values()):
                continue
            yield SheetRow(sheet, number, values, errors)
    except csv.Error as exc:
        raise SpreadsheetErrors(
            [problem(sheet, number + 1, "", f"This line could not be read as CSV ({exc}).")]
        ) from None
