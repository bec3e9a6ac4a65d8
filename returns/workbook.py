"""The return as an Excel workbook: pure (a document dict in, .xlsx bytes out), following the year's template.

Every text written to a cell goes through `_text`, which neutralises anything a spreadsheet would run as a
formula with core.spreadsheets.safe_cell_text, as every export does (a leading =, +, -, @, tab or line break
gets a leading apostrophe; control characters and NUL are dropped). The only formulas in the workbook are the ones
this module writes itself (`Formula`): SUM totals, and the checklist's tests of answer cells, whose only text
constants are the template's own words (Yes, No, the choices); user text never goes into a formula.

Every formula's value, as the app computed it, is also written into the file as the formula's cached result
(`_cache_values`), so a viewer that does not recalculate shows the same figures.
"""

import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from core.spreadsheets import safe_cell_text
from policy.returns import ChecklistSheet, QuestionSheet, ReturnTemplate, TableSheet

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
DATE_FORMAT = "DD/MM/YYYY"
MAX_AMOUNT = 100_000_000
COMMENTARY_WIDTH = 50

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


def _date(value: str) -> dt.date | None:
    """A DD/MM/YYYY answer as a date (written as a date cell); None for anything else, kept as typed."""
    try:
        return dt.datetime.strptime(value.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


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


def _height(text: str, width: float) -> float:
    """A row height (points) that shows all of a wrapped text in a column `width` characters wide: 15 points a
    line, at most Excel's 409."""
    per_line = max(int(width * 1.1), 10)
    lines = sum(max(1, math.ceil(len(line) / per_line)) for line in text.split("\n"))
    return min(409.0, max(15.0, 15.0 * lines))


def _fit(ws, row: int, text: str, width: float) -> None:
    height = _height(text, width)
    if height > (ws.row_dimensions[row].height or 15):
        ws.row_dimensions[row].height = height


def _blocks(text: str) -> list[tuple[str, str]]:
    """A long answer in paragraphs (blank-line separated), each as (its first line, the rest): the narrative's
    progress is one paragraph per scheme, headed by the scheme's name."""
    blocks = []
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        if lines and "".join(lines).strip():
            blocks.append((lines[0], "\n".join(lines[1:])))
    return blocks


def _long_answer(ws, row: int, question, value: str, widths: tuple[float, float], cells: dict) -> int:
    """A paragraph answer: in the question's row, or, when it has one paragraph per scheme, one row per
    scheme below the question (the scheme in column B, its text in C). Returns the last row used."""
    blocks = _blocks(value)
    if len(blocks) < 2:
        _put(ws, row, 3, value, wrap=True, fill=INPUT_FILL if question.editable else None)
        cells[question.code] = _address(ws, row, 3)
        _fit(ws, row, _text(value), widths[1])
        return row
    for title, body in blocks:
        row += 1
        _put(ws, row, 2, title, wrap=True, font=BOLD)
        _put(ws, row, 3, body or title, wrap=True, fill=INPUT_FILL if question.editable else None)
        cells.setdefault(question.code, _address(ws, row, 3))
        _fit(ws, row, _text(body or title), widths[1])
        _fit(ws, row, _text(title), widths[0])
    return row


def _questions(ws, questions, row: int, answer_header: str, document: dict, cells: dict, widths=(70.0, 30.0)) -> int:
    """Question rows from `row`: number, question, answer (drop-down if it has choices), commentary.
    `widths`: the question and answer columns' widths, for the heights of wrapped text."""
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
        value = answer.get("value") or ""
        _fit(ws, row, question.text, widths[0])
        if question.long_text:
            row = _long_answer(ws, row, question, value, widths, cells)
            continue
        day = _date(value) if question.kind == "date" else None
        _put(
            ws,
            row,
            3,
            day if day else value,
            wrap=question.long_text,
            fill=INPUT_FILL if question.editable else None,
            number_format=DATE_FORMAT if question.kind == "date" else None,
        )
        cells[question.code] = _address(ws, row, 3)
        if question.commentary:
            _put(ws, row, 4, answer.get("commentary") or "", wrap=True, fill=INPUT_FILL)
            cells[f"{question.code}|commentary"] = _address(ws, row, 4)
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
        if question.commentary:
            _fit(ws, row, _text(answer.get("commentary") or ""), 70)
    return row


def _amount_validation(ws) -> DataValidation:
    """The sheet's one 0–100,000,000 decimal validation, as NHS England's template has on its numeric inputs."""
    for validation in ws.data_validations.dataValidation:
        if validation.type == "decimal":
            return validation
    validation = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2=str(MAX_AMOUNT),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="A number from 0 to 100,000,000",
        error="Enter a number from 0 to 100,000,000 (no text, no negative amounts).",
        showInputMessage=True,
        promptTitle="A number",
        prompt="0 to 100,000,000",
    )
    ws.add_data_validation(validation)
    return validation


def _span(ws, row: int, last: int) -> None:
    """A text in column B spread across to column `last` (merged), its row as tall as the text needs."""
    value = ws.cell(row, 2).value
    if isinstance(value, str) and ws.cell(row, 2).data_type == "s" and last > 2:
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=last)
        width = sum(ws.column_dimensions[get_column_letter(c)].width or 13 for c in range(2, last + 1))
        _fit(ws, row, value, width)


def _page_setup(ws, title_rows: str) -> None:
    """Printable as a submitter expects: A4 landscape, fitted to one page wide (as many pages tall as it takes),
    `title_rows` repeated on every page, the print area the used range, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    for row in (3, 4):  # the intro and the demo note: across the sheet's width, as tall as they need
        _span(ws, row, max(ws.max_column, 3))
    ws.print_title_rows = title_rows
    ws.print_area = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


def _question_sheet(ws, sheet: QuestionSheet, document: dict, cells: dict) -> None:
    _heading(ws, sheet, document)
    paragraphs = any(q.long_text for q in sheet.questions)
    widths = (8, 40, 110, 30) if paragraphs else (8, 70, 30, 70)
    _questions(ws, sheet.questions, 5, sheet.answer_header, document, cells, widths=(widths[1], widths[2]))
    for letter, width in zip("ABCD", widths, strict=True):
        ws.column_dimensions[letter].width = width
    _page_setup(ws, "5:5")  # the Question / Answer / Commentary header


def _table_sheet(ws, sheet: TableSheet, document: dict, cells: dict) -> None:
    _heading(ws, sheet, document)
    answers = document["answers"]
    row = 5
    widest = 2
    commentaries: set[int] = set()  # the columns holding a commentary per row: wider
    notes: list[int] = []  # rows holding a table's note: spread across the table
    for table in sheet.tables:
        rows = (document["figures"].get(table.source) or {}).get("rows") or []
        _put(ws, row, 2, table.heading, font=BOLD)
        row += 1
        keys = [c.key for c in table.columns]
        headers = [c.header for c in table.columns] + (["Commentary"] if table.row_commentary else [])
        for offset, header in enumerate(headers):
            _put(ws, row, 2 + offset, header, font=BOLD, fill=HEADER_FILL, wrap=True)
            _fit(ws, row, header, 50 if offset == 0 else 20)
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
                    ok = value in ("On track", "Yes")
                    _put(ws, row, 2 + offset, value or "", fill=GREEN_FILL if ok else RED_FILL)
                else:
                    _put(ws, row, 2 + offset, "" if value is None else value, wrap=True)
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
                commentaries.add(2 + len(table.columns))
                _fit(ws, row, _text((answers.get(code) or {}).get("commentary") or ""), COMMENTARY_WIDTH)
            _fit(ws, row, _text(data.get(table.columns[0].key) or ""), 50)
        last = row
        for offset, column in enumerate(table.columns):
            if column.input and rows:
                letter = get_column_letter(2 + offset)
                _amount_validation(ws).add(f"{letter}{first}:{letter}{last}")
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
            notes.append(row)
        row += 2
    if sheet.questions:
        _questions(ws, sheet.questions, row, sheet.answer_header, document, cells, widths=(50, 20))
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 50
    for index in range(3, widest + 2):
        ws.column_dimensions[get_column_letter(index)].width = COMMENTARY_WIDTH if index in commentaries else 20
    for row in notes:
        _span(ws, row, widest + 1)
    ws.freeze_panes = "A5"
    _page_setup(ws, "1:2")  # the sheet's title and the return's status line


def _quoted(text: str) -> str:
    """A text constant inside a formula (only the template's own words, never user text)."""
    return '"' + text.replace('"', '""') + '"'


def _blank(address: str) -> str:
    # CLEAN drops line breaks and TRIM spaces: an answer of only white space is blank, as the checks say.
    return f"LEN(TRIM(CLEAN({address})))=0"


def _check_formula(check: dict, template: ReturnTemplate, cells: dict) -> Formula | None:
    """The checklist cell as a formula over the answer cells, mirroring returns.checks: "No" until the cell
    the check points at is complete. None where the check has no cell in the workbook."""
    address = cells.get(check["code"])
    rule = check.get("rule", "filled")
    cached = "Yes" if check["ok"] else "No"
    if rule == "none":
        return Formula('="Yes"', "Yes")
    if address is None:
        return None
    question = template.question(check["code"]) if rule == "question" else None
    if question is None:
        return Formula(f'=IF({_blank(address)},"No","Yes")', cached)
    failing = []
    if question.required:
        failing.append(_blank(address))
    if question.choices:
        valid = ",".join(f"{address}={_quoted(choice)}" for choice in question.choices)
        failing.append(f"AND(NOT({_blank(address)}),NOT(OR({valid})))")
    commentary = cells.get(f"{check['code']}|commentary")
    if question.commentary_required_for and commentary:
        needs = ",".join(f"{address}={_quoted(answer)}" for answer in question.commentary_required_for)
        failing.append(f"AND(OR({needs}),{_blank(commentary)})")
    if not failing:
        return Formula('="Yes"', "Yes")
    return Formula(f'=IF(OR({",".join(failing)}),"No","Yes")', cached)


def _checklist_sheet(ws, sheet: ChecklistSheet, document: dict, cells: dict, template: ReturnTemplate) -> None:
    """The checklist: each check a formula over the cell it points at, so it follows the answers as a
    submitter edits them; the headline says complete once no check says No."""
    checks = document["checks"]
    complete = all(c["ok"] for c in checks)
    _put(ws, 1, 2, sheet.heading, font=TITLE)
    _put(ws, 2, 2, f"{document['programme']} · {document['quarter_label']} · {document['status_line']}", font=BOLD)
    first, last = 7, 6 + max(len(checks), 1)
    _put(
        ws,
        3,
        2,
        Formula(
            f'=IF(COUNTIF(E{first}:E{last},"No")=0,{_quoted(COMPLETE)},{_quoted(INCOMPLETE)})',
            COMPLETE if complete else INCOMPLETE,
        ),
        font=BOLD,
    )
    _put(ws, 4, 2, sheet.intro, wrap=True)
    for column, header in enumerate(("Sheet", "Item", "Cell", "Complete?", "What is missing"), start=2):
        _put(ws, 6, column, header, font=BOLD, fill=HEADER_FILL)
    for row, check in enumerate(checks, start=first):
        _put(ws, row, 2, check["sheet"])
        _put(ws, row, 3, check["item"], wrap=True)
        _put(ws, row, 4, cells.get(check["code"], ""))
        formula = _check_formula(check, template, cells)
        _put(ws, row, 5, formula if formula else ("Yes" if check["ok"] else "No"), font=BOLD)
        # What was missing when the workbook was built: text (user text never goes into a formula).
        _put(ws, row, 6, check["message"], wrap=True)
    # Colours follow the formulas' results, not the build's.
    for target, no, yes in ((f"E{first}:E{last}", "No", "Yes"), ("B3", INCOMPLETE, COMPLETE)):
        ws.conditional_formatting.add(
            target, CellIsRule(operator="equal", formula=[_quoted(no)], font=RED_FONT, fill=RED_FILL)
        )
        ws.conditional_formatting.add(
            target, CellIsRule(operator="equal", formula=[_quoted(yes)], font=GREEN_FONT, fill=GREEN_FILL)
        )
    for letter, width in zip("ABCDEF", (4, 24, 70, 30, 12, 60), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A7"
    _page_setup(ws, "6:6")  # the Sheet / Item / Cell / Complete? header


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
        _checklist_sheet(ws, sheet, document, cells, template)
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
