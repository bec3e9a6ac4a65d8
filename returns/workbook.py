"""The return as an Excel workbook: pure (a document dict in, .xlsx bytes out), following the year's template.

Every text written to a cell goes through `_text`, which neutralises anything a spreadsheet would run as a
formula with core.spreadsheets.safe_cell_text, as every export does (a leading =, +, -, @, tab or line break
gets a leading apostrophe; control characters and NUL are dropped). The only formulas in the workbook are the totals this module writes itself (`Formula`).
"""

import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from core.spreadsheets import safe_cell_text
from returns.years.spec import ChecklistSheet, QuestionSheet, ReturnTemplate, TableSheet

ZERO = Decimal("0")
MAX_CELL = 32_000  # Excel holds 32,767 characters in a cell
_NOT_XML = re.compile(r"[\ud800-\udfff\ufffe\uffff]")

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
RED_FILL = PatternFill("solid", fgColor="FFC7CE")
GREEN_FILL = PatternFill("solid", fgColor="C6EFCE")
RED_FONT = Font(bold=True, color="9C0006")
GREEN_FONT = Font(bold=True, color="006100")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")
MONEY_FORMAT = "#,##0.00"

COMPLETE, INCOMPLETE = "Complete Template", "Incomplete Template"
DEMO_FONT = Font(bold=True, color="9C0006")
DEMO_NOTE = (
    "Demo figures: {what} illustrative, made up for the demonstration (the source papers give none). "
    "Do not submit them to NHS England."
)


@dataclass(frozen=True)
class Formula:
    """A formula this module writes (totals, checklist tests): never user text. `cached` is the value the app
    computed for it, written into the file as the formula's last calculated value (see `_cache_values`)."""

    text: str
    cached: Decimal | str | None = None


def _text(value) -> str:
    text = _NOT_XML.sub("\ufffd", "" if value is None else str(value))
    # One kind of line break: XML reading turns a carriage return into a line feed anyway.
    text = safe_cell_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > MAX_CELL:
        text = text[:MAX_CELL] + " … (cut short: the full text is on the return page)"
    return text


def number_format(value: Decimal) -> str:
    """A count, a rate or a share as recorded: its own decimal places (none for a whole number), not pounds."""
    places = max(0, -value.normalize().as_tuple().exponent) if value.is_finite() else 0
    return "#,##0" + ("." + "0" * places if places else "")


def _put(ws, row: int, column: int, value, *, font=None, fill=None, wrap=False, number_format=None):
    cell = ws.cell(row=row, column=column)
    if isinstance(value, Formula):
        cell.value = value.text
        if value.cached is not None:
            ws.cached_values[cell.coordinate] = value.cached
    elif isinstance(value, str):
        cell.value = _text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if wrap:
        cell.alignment = WRAP
    if number_format:
        cell.number_format = number_format
    return cell


def _sum(letters: list[str], row: int, cached: Decimal) -> Formula:
    """SUM across a row: one range when the columns are next to each other."""
    numbers = [column_index_from_string(letter) for letter in letters]
    if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
        return Formula(f"=SUM({letters[0]}{row}:{letters[-1]}{row})", cached)
    return Formula("=SUM(" + ",".join(f"{letter}{row}" for letter in letters) + ")", cached)


def _address(ws, row: int, column: int) -> str:
    return f"{quote_sheetname(ws.title)}!{get_column_letter(column)}{row}"


def _demo_rows(document: dict, sources=None) -> list[dict]:
    """The figure rows marked as demo (illustrative) figures, of the given sources or of all."""
    return [
        row
        for source, table in document["figures"].items()
        if sources is None or source in sources
        for row in (table or {}).get("rows") or []
        if row.get("demo")
    ]


def _heading(ws, sheet, document: dict) -> None:
    _put(ws, 1, 2, sheet.heading, font=TITLE)
    _put(ws, 2, 2, f"{document['programme']} · {document['quarter_label']} · {document['status_line']}", font=BOLD)
    if sheet.intro:
        _put(ws, 3, 2, sheet.intro, wrap=True)
    sources = {table.source for table in getattr(sheet, "tables", ())}
    if isinstance(sheet, QuestionSheet) and sheet.title == "Cover":
        sources = None  # the cover warns about any sheet's demo figures
    demo = _demo_rows(document, sources) if sources or sources is None else []
    if demo:
        what = "this sheet's figures are" if sources else "the Supporting Metrics figures in this return are"
        _put(ws, 4, 2, DEMO_NOTE.format(what=what), font=DEMO_FONT, fill=RED_FILL, wrap=True)


def _questions(ws, questions, row: int, answer_header: str, document: dict, cells: dict) -> int:
    """Question rows from `row`: number, question, answer (drop-down if it has choices), commentary."""
    answers = document["answers"]
    for column, header in enumerate(("", "Question", answer_header, "Commentary"), start=1):
        _put(ws, row, column, header, font=BOLD, fill=HEADER_FILL, wrap=True)
    validations: dict[tuple, DataValidation] = {}
    for question in questions:
        row += 1
        _put(ws, row, 1, question.number)
        _put(
            ws,
            row,
            2,
            question.text + (f" ({question.hint})" if question.hint else ""),
            wrap=True,
            font=BOLD if question.heading else None,
        )
        if question.heading:
            continue
        answer = answers.get(question.code) or {}
        _put(
            ws,
            row,
            3,
            answer.get("value") or "",
            wrap=question.long_text,
            fill=INPUT_FILL if question.editable else None,
        )
        cells[question.code] = _address(ws, row, 3)
        if question.commentary:
            _put(ws, row, 4, answer.get("commentary") or "", wrap=True, fill=INPUT_FILL)
        if question.choices:
            if question.choices not in validations:
                validation = DataValidation(
                    type="list",
                    formula1='"' + ",".join(question.choices) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="Choose from the list",
                    error=f"Choose one of: {', '.join(question.choices)}.",
                )
                ws.add_data_validation(validation)
                validations[question.choices] = validation
            validations[question.choices].add(f"C{row}")
        if question.long_text:
            ws.row_dimensions[row].height = 240
    return row


def _question_sheet(ws, sheet: QuestionSheet, document: dict, cells: dict) -> None:
    _heading(ws, sheet, document)
    _questions(ws, sheet.questions, 5, sheet.answer_header, document, cells)
    for letter, width in zip("ABCD", (8, 70, 30, 70), strict=True):
        ws.column_dimensions[letter].width = width


def _table_sheet(ws, sheet: TableSheet, document: dict, cells: dict) -> None:
    _heading(ws, sheet, document)
    answers = document["answers"]
    row = 5
    widest = 2
    for table in sheet.tables:
        rows = (document["figures"].get(table.source) or {}).get("rows") or []
        _put(ws, row, 2, table.heading, font=BOLD)
        row += 1
        keys = [c.key for c in table.columns]
        headers = [c.header for c in table.columns] + (["Commentary"] if table.row_commentary else [])
        for offset, header in enumerate(headers):
            _put(ws, row, 2 + offset, header, font=BOLD, fill=HEADER_FILL, wrap=True)
        widest = max(widest, 1 + len(headers))
        first = row + 1
        for data in rows:
            row += 1
            for offset, column in enumerate(table.columns):
                value = data.get(column.key)
                if column.sum_of:
                    letters = [get_column_letter(2 + keys.index(key)) for key in column.sum_of]
                    cached = sum((Decimal(data[k]) for k in column.sum_of if data.get(k) not in (None, "")), ZERO)
                    _put(ws, row, 2 + offset, _sum(letters, row, cached), font=BOLD, number_format=MONEY_FORMAT)
                elif column.kind == "money" and value not in (None, ""):
                    _put(ws, row, 2 + offset, Decimal(value), number_format=MONEY_FORMAT)
                elif column.kind == "number" and value not in (None, ""):
                    _put(ws, row, 2 + offset, Decimal(value), number_format=number_format(Decimal(value)))
                elif column.kind == "status":
                    ok = value == "On track"
                    _put(ws, row, 2 + offset, value or "", fill=GREEN_FILL if ok else RED_FILL)
                else:
                    _put(ws, row, 2 + offset, "" if value is None else value)
            if table.row_commentary:
                code = f"{table.source}.{data['key']}"
                _put(
                    ws,
                    row,
                    2 + len(table.columns),
                    (answers.get(code) or {}).get("commentary") or "",
                    wrap=True,
                    fill=INPUT_FILL,
                )
                cells[code] = _address(ws, row, 2 + len(table.columns))
        last = row
        if not rows:
            row += 1
            _put(ws, row, 2, "No figures recorded for this quarter.")
        if table.totals:
            row += 1
            _put(ws, row, 2, "Total", font=BOLD)
            for offset, column in enumerate(table.columns):
                if not column.total:
                    continue
                letter = get_column_letter(2 + offset)
                # A blank (not recorded) is left out, as SUM leaves it out.
                total = sum((Decimal(d[column.key]) for d in rows if d.get(column.key) not in (None, "")), ZERO)
                formula = Formula(f"=SUM({letter}{first}:{letter}{last})", total) if rows else ZERO
                _put(ws, row, 2 + offset, formula, font=BOLD, number_format=MONEY_FORMAT)
        if table.note:
            row += 1
            _put(ws, row, 2, table.note, wrap=True)
        row += 2
    if sheet.questions:
        _questions(ws, sheet.questions, row, sheet.answer_header, document, cells)
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 50
    for index in range(3, widest + 2):
        ws.column_dimensions[get_column_letter(index)].width = 20
    ws.freeze_panes = "A5"


def _checklist_sheet(ws, sheet: ChecklistSheet, document: dict, cells: dict) -> None:
    checks = document["checks"]
    complete = all(c["ok"] for c in checks)
    _put(ws, 1, 2, sheet.heading, font=TITLE)
    _put(ws, 2, 2, f"{document['programme']} · {document['quarter_label']} · {document['status_line']}", font=BOLD)
    _put(
        ws,
        3,
        2,
        COMPLETE if complete else INCOMPLETE,
        font=GREEN_FONT if complete else RED_FONT,
        fill=GREEN_FILL if complete else RED_FILL,
    )
    _put(ws, 4, 2, sheet.intro, wrap=True)
    for column, header in enumerate(("Sheet", "Item", "Cell", "Complete?", "What is missing"), start=2):
        _put(ws, 6, column, header, font=BOLD, fill=HEADER_FILL)
    for row, check in enumerate(checks, start=7):
        _put(ws, row, 2, check["sheet"])
        _put(ws, row, 3, check["item"], wrap=True)
        _put(ws, row, 4, cells.get(check["code"], ""))
        if check["ok"]:
            _put(ws, row, 5, "Yes", font=GREEN_FONT, fill=GREEN_FILL)
        else:
            _put(ws, row, 5, "No", font=RED_FONT, fill=RED_FILL)
        _put(ws, row, 6, check["message"], wrap=True)
    for letter, width in zip("ABCDEF", (4, 24, 70, 30, 12, 60), strict=True):
        ws.column_dimensions[letter].width = width


def return_workbook_bytes(*, template: ReturnTemplate, document: dict) -> bytes:
    """The workbook for one version of a return.

    `document`: programme, quarter_label, status_line, answers {code: {value, commentary}}, figures
    {source: {rows}}, checks (returns.checks.return_checks). Sheets follow the template, in its order.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = _text(f"{template.name}: {document['programme']} {document['quarter_label']}")
    workbook.properties.creator = "BCF programme"
    cells: dict[str, str] = {}
    checklists = []
    for sheet in template.sheets:
        ws = workbook.create_sheet(sheet.title[:31])
        ws.cached_values = {}  # coordinate: the app's value of a formula written there
        if isinstance(sheet, ChecklistSheet):
            checklists.append((ws, sheet))  # drawn last, once every cell's address is known
        elif isinstance(sheet, TableSheet):
            _table_sheet(ws, sheet, document, cells)
        elif isinstance(sheet, QuestionSheet):
            _question_sheet(ws, sheet, document, cells)
        else:
            raise TypeError(f"The template's sheet {sheet!r} is of a kind the renderer does not know.")
    for ws, sheet in checklists:
        _checklist_sheet(ws, sheet, document, cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _cache_values(buffer.getvalue(), [getattr(ws, "cached_values", {}) for ws in workbook.worksheets])


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f>(?:<v\s*/>|<v></v>)')


def _cached_text(value) -> tuple[bytes, bytes]:
    """(type attribute, value) of a cached result: a number as plain digits, text as a formula string."""
    if isinstance(value, str):
        return b' t="str"', escape(value).encode()
    return b"", format(Decimal(value), "f").encode()


def _cache_values(content: bytes, sheets: list[dict]) -> bytes:
    """Write each formula's value as computed by the app into the file, as its last calculated value.

    openpyxl writes a formula with an empty value, so a viewer that does not recalculate (a previewer, a
    mobile viewer, a script reading values) shows nothing. Excel and LibreOffice still recalculate on opening
    (the workbook asks for a full calculation on load), so the live formula wins wherever it runs; the cached
    value is the same number (tests/returns/test_recalculation.py recalculates with LibreOffice to prove it).
    """
    if not any(sheets):
        return content
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            cached = sheets[int(match.group(1)) - 1] if match else None
            if cached:

                def fill(m, cached=cached):
                    coordinate, attributes, formula = m.group(1, 2, 3)
                    value = cached.get(coordinate.decode())
                    if value is None:
                        return m.group(0)
                    kind, text = _cached_text(value)
                    return b'<c r="%s"%s%s><f>%s</f><v>%s</v>' % (coordinate, attributes, kind, formula, text)

                data = _FORMULA_CELL.sub(fill, data)
            target.writestr(info, data)
    return out.getvalue()
