"""Excel and CSV for a fund: Appendix 1 (allocations by scheme, in £'000s) and quarterly spend, and the upload.

The renderers only read (selectors in, bytes or text out). The importer is a write: every change goes
through finance.services inside one transaction, so an upload with any problem saves nothing. Money
changes from an upload become ONE movement to and from the unallocated pot, under ONE decision.
"""

import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from core.exceptions import StaleEdit
from core.spreadsheets import (
    SheetRow,
    SpreadsheetErrors,
    headers_check,
    problem,
    read_text,
    safe_cell_text,
    sheet_rows,
    sheet_values,
    stored_text,
    workbook_open,
)
from finance import services
from finance.models import AllocationStatus, FinancialYear, Fund, MovementKind, QuarterlySpend
from finance.selectors import allocation_tree, appendix_lines, financial_year_containing, fund_balances
from schemes.illustrative import illustrative_label

__all__ = [
    "ALLOCATION_HEADERS",
    "APPENDIX_SHEET",
    "CSV_ENCODING",
    "README_SHEET",
    "SPEND_HEADERS",
    "SPEND_SHEET",
    "SpreadsheetErrors",
    "fund_csv_text",
    "fund_workbook_bytes",
    "fund_workbook_import",
]

APPENDIX_SHEET = "Appendix 1"
SPEND_SHEET = "Quarterly spend"
README_SHEET = "Read me"

THOUSANDS = "£'000s"
BUDGET = "Budget (£)"
ALLOCATION_HEADERS = [
    "Initiative",
    "Workstream",
    "Scheme",
    THOUSANDS,
    BUDGET,
    "Spent (£)",
    "Forecast outturn (£)",
    "Status",
    "Allocation ID",
    "Row type",
]
ROW_TYPE = "Row type"
SPEND_HEADERS = [
    "Allocation ID",
    "Initiative",
    "Workstream",
    "Scheme",
    "Year",
    "Quarter",
    "Planned (£)",
    "Actual (£)",
    "Forecast outturn (£)",
]
HEADER_ROW = 2  # the Appendix 1 sheet has a title row above its headers
SECTION_LABELS = {
    AllocationStatus.GOING_FORWARD: "Schemes going forward",
    AllocationStatus.DISCONTINUED: "Schemes discontinued (estimated spend to date)",
}
TOTAL = "Total"
GRAND_TOTAL = "Grand total"

THOUSAND = Decimal("1000")
ZERO = Decimal("0")
PENNY = Decimal("0.01")
# With a byte-order mark, Excel opens the CSV as UTF-8 (so £ and › show as they should).
CSV_ENCODING = "utf-8-sig"
THOUSANDS_FORMAT = "#,##0;(#,##0)"
POUNDS_FORMAT = "#,##0.00;(#,##0.00)"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_INFO_FILL = PatternFill("solid", fgColor="EEEEEE")
_SECTION_FILL = PatternFill("solid", fgColor="F3F6F9")
_TOP_BORDER = Border(top=Side(style="thin"))
_ALLOCATION_WIDTHS = [32, 26, 46, 11, 16, 16, 20, 15, 13, 12]
_SPEND_WIDTHS = [13, 30, 24, 42, 10, 9, 16, 16, 20]


# --- The allocation table (shared by the workbook and the CSV) -------------------------------------


def _allocation_table(fund: Fund) -> list[tuple[str, list]]:
    """Appendix 1 as (kind, cells): kind is section, row, total, grand, unallocated, fund_total or footnote; money
    as Decimal pounds; the last cell is the row type (data, subtotal, unallocated, fund total, heading, note), so
    summing the data rows cannot count a total twice.

    The lines are finance.selectors.appendix_lines (both sections always, as the upload reads them back);
    totals come from its subtotals (computed in Python, never spreadsheet formulas). £'000s is the figure as the
    paper prints it (blank for a line whose figure is in another's, the printed figure where the paper's totals
    leave no room for it, with its footnote number); Budget (£) is the ledger's money, which reconciles.
    """
    table: list[tuple[str, list]] = []

    def money_cells(line) -> list:
        row = line.money
        figure = line.figure
        return [None if figure is None else figure / THOUSAND, row.budget, row.spent, row.forecast]

    for line in appendix_lines(fund=fund, every_section=True):
        if line.kind == "section":
            table.append(("section", [line.label, "", "", None, None, None, None, "", None, line.row_type]))
        elif line.kind == "row":
            allocation = line.allocation
            table.append(
                (
                    "row",
                    [
                        safe_cell_text(allocation.initiative),
                        safe_cell_text(allocation.workstream),
                        safe_cell_text(allocation.scheme_name),  # as stored: the upload matches it
                        *money_cells(line),
                        AllocationStatus(allocation.status).label,
                        allocation.pk,
                        line.row_type,
                    ],
                )
            )
        elif line.kind in ("total", "grand", "unallocated", "fund_total"):
            label = GRAND_TOTAL if line.kind == "grand" else line.label
            table.append((line.kind, [label, "", "", *money_cells(line), "", None, line.row_type]))
        elif line.kind == "footnote":
            table.append(
                (
                    "footnote",
                    [
                        safe_cell_text(f"[{line.label}] {line.text}"),
                        "",
                        "",
                        None,
                        None,
                        None,
                        None,
                        "",
                        None,
                        line.row_type,
                    ],
                )
            )
    label = illustrative_label(fund.programme_id)
    if label:  # an invented partnership's figures say so in every export (schemes.illustrative)
        table.append(("footnote", [safe_cell_text(label), "", "", None, None, None, None, "", None, "note"]))
    return table


def _plain(value) -> str:
    """A Decimal for CSV: no exponent, no trailing zeros after the point (940, 1.23456)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text or "0"
    return str(value)


# --- Download -----------------------------------------------------------------------------------------


def _spend_table(fund: Fund) -> list[list]:
    """One row per allocation per quarter of each of the fund's years (and any year with spend recorded)."""
    allocations = [row.allocation for row in allocation_tree(fund=fund)["rows"]]
    spend = {
        (s.allocation_id, s.financial_year_id, s.quarter): s
        for s in QuarterlySpend.objects.filter(allocation__fund=fund)
    }
    year_ids = set(fund.financial_years.values_list("pk", flat=True)) | {key[1] for key in spend}
    years = list(FinancialYear.objects.filter(pk__in=year_ids).order_by("start_year"))
    rows = []
    for allocation in allocations:
        names = [
            safe_cell_text(allocation.initiative),
            safe_cell_text(allocation.workstream),
            safe_cell_text(allocation.scheme_name),
        ]
        for year in years:
            for quarter in (1, 2, 3, 4):
                row = spend.get((allocation.pk, year.pk, quarter))
                figures = [row.planned, row.actual, row.forecast_outturn] if row else [None, None, None]
                rows.append([allocation.pk, *names, year.label, f"Q{quarter}", *figures])
    return rows


def _readme_lines(fund: Fund) -> list[str]:
    label = illustrative_label(fund.programme_id)
    return [
        f"{safe_cell_text(fund.name)}: allocations and quarterly spend",
        *([label] if label else []),
        f"The “{APPENDIX_SHEET}” sheet lists every allocation as the board papers' Appendix 1 does: schemes going "
        "forward, then schemes discontinued (with their estimated spend to date), each with a Total, then the "
        "Grand total. Every figure is computed from approved movements: nothing here is typed in by hand.",
        f"Columns: Initiative, Workstream and Scheme name the allocation. {THOUSANDS} is its money in thousands of "
        f"pounds, as the papers show it. {BUDGET} is the same money in exact pounds and pence. Spent (£) is the "
        "actual spend recorded so far. Forecast outturn (£) is the latest forecast (the budget where none is "
        "given). Status is Going forward or Discontinued. Allocation ID tells the upload which allocation a row is.",
        f"To change allocations: change {BUDGET} (or {THOUSANDS}, clearing {BUDGET}) on the rows that change, and "
        "add a row for a new allocation with Allocation ID left blank. Upload the file on the fund's upload page "
        "with the decision behind the change. The differences become one movement to and from the unallocated "
        "pot under that decision; nothing counts until the decision is approved.",
        "The upload cannot rename, discontinue or delete an allocation, or change a discontinued one's spend to "
        "date: do those on the allocation's page. Deleting a row changes nothing. Total rows are ignored.",
        f"The “{SPEND_SHEET}” sheet has one row per allocation per quarter. Fill in Planned (£), Actual (£) and "
        "Forecast outturn (£) and upload it as quarterly spend. Actual and forecast may be negative (a net credit "
        "or savings applied); planned may not. Leave Allocation ID, Year and Quarter as they are. Closed years "
        "cannot change.",
        "Amounts are pounds with at most two decimal places (pence). The upload is all or nothing: if any row has "
        "a problem, nothing is saved and every problem is listed with its sheet, row and column.",
    ]


def fund_workbook_bytes(*, fund: Fund) -> bytes:
    """The fund as .xlsx: Appendix 1 (allocations, in £'000s), Quarterly spend (the spend template) and Read me."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = APPENDIX_SHEET
    label = illustrative_label(fund.programme_id)
    title = ws.cell(
        row=1,
        column=1,
        value=safe_cell_text(f"{fund.name}: allocations by scheme (Appendix 1){f' · {label}' if label else ''}"),
    )
    title.font = Font(bold=True, size=13)
    for index, header in enumerate(ALLOCATION_HEADERS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=index, value=header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        ws.column_dimensions[get_column_letter(index)].width = _ALLOCATION_WIDTHS[index - 1]
    for offset, (kind, values) in enumerate(_allocation_table(fund), start=HEADER_ROW + 1):
        for index, value in enumerate(values, start=1):
            cell = ws.cell(row=offset, column=index, value=value)
            if index == 4:
                cell.number_format = THOUSANDS_FORMAT
            elif 5 <= index <= 7:
                cell.number_format = POUNDS_FORMAT
            if kind == "row" and index >= 8:
                cell.fill = _INFO_FILL
            if kind == "section":
                cell.font = Font(bold=True, italic=True)
                cell.fill = _SECTION_FILL
            elif kind in ("total", "grand", "fund_total"):
                cell.font = Font(bold=True)
                cell.border = _TOP_BORDER
            elif kind == "footnote" and index == 1:
                cell.font = Font(italic=True)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)

    ws = workbook.create_sheet(SPEND_SHEET)
    ws.append(SPEND_HEADERS)
    for index in range(1, len(SPEND_HEADERS) + 1):
        ws.cell(row=1, column=index).font = _HEADER_FONT
        ws.cell(row=1, column=index).fill = _HEADER_FILL
        ws.column_dimensions[get_column_letter(index)].width = _SPEND_WIDTHS[index - 1]
    for values in _spend_table(fund):
        ws.append(values)
    for cells in ws.iter_rows(min_row=2):
        for cell in cells[1:4]:
            cell.fill = _INFO_FILL
        for cell in cells[6:9]:
            cell.number_format = POUNDS_FORMAT
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(SPEND_HEADERS))}{max(ws.max_row, 2)}"

    ws = workbook.create_sheet(README_SHEET)
    for line in _readme_lines(fund):
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 120
    for (cell,) in ws.iter_rows(min_row=2, max_col=1):
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fund_csv_text(*, fund: Fund) -> str:
    """The Appendix 1 table as CSV: the same header and rows as the workbook's first sheet, totals, unallocated, the
    fund total and footnotes included, each with its Row type (sum only the "data" rows' Budget (£))."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ALLOCATION_HEADERS)
    for _kind, values in _allocation_table(fund):
        cells = []
        for index, value in enumerate(values):
            if value is None:
                cells.append("")
            elif index == 3:
                cells.append(_plain(value))
            elif isinstance(value, Decimal):
                cells.append(f"{value.quantize(PENNY)}")
            else:
                cells.append(value)
        writer.writerow(cells)
    return buffer.getvalue()


# --- Upload -------------------------------------------------------------------------------------------

_SPEND_FIELD_COLUMNS = {
    "planned": "Planned (£)",
    "actual": "Actual (£)",
    "forecast_outturn": "Forecast outturn (£)",
    "financial_year": "Year",
    "quarter": "Quarter",
}
_ALLOCATION_FIELD_COLUMNS = {"initiative": "Initiative", "workstream": "Workstream", "scheme_name": "Scheme"}


def _decimal(value) -> Decimal | None:
    """A cell's number as an exact Decimal (a float read back as its shortest form), or None if not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = read_text(value).replace(",", "").replace("£", "").strip()
    if re.fullmatch(r"\(\s*[0-9.]+\s*\)", text):  # (1,250) as the papers write negatives
        text = "-" + text[1:-1].strip()
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _blank(value) -> bool:
    return read_text(value) == ""


def _pounds(row: SheetRow, column: str, *, allow_negative: bool = False) -> Decimal | None:
    """An amount in pounds from a cell, or None when blank; a per-row problem when it is not valid money."""
    value = row.values.get(column)
    if _blank(value):
        return None
    number = _decimal(value)
    if number is None:
        row.problem(column, f"{column} must be a number of pounds, e.g. 1250.50; got “{read_text(value)}”.")
        return None
    try:
        return services.money(number, field=column, label=column, allow_negative=allow_negative)
    except ValidationError as exc:
        for message in exc.messages:
            row.problem(column, message)
        return None


def _thousands_as_pounds(row: SheetRow) -> Decimal | None:
    value = row.values.get(THOUSANDS)
    if _blank(value):
        return None
    number = _decimal(value)
    if number is None:
        row.problem(
            THOUSANDS, f"{THOUSANDS} must be a number of thousands of pounds, e.g. 2074; got “{read_text(value)}”."
        )
        return None
    if number < 0:
        row.problem(THOUSANDS, f"{THOUSANDS} cannot be negative.")
        return None
    pounds = number * THOUSAND
    if pounds != pounds.quantize(PENNY):
        row.problem(
            THOUSANDS,
            f"{_plain(number)} thousand pounds is not a whole number of pence: give the exact amount in {BUDGET}.",
        )
        return None
    try:
        return services.money(pounds, field=THOUSANDS, label=THOUSANDS)
    except ValidationError as exc:
        for message in exc.messages:
            row.problem(THOUSANDS, message)
        return None


def _service_problem(errors: list[dict], sheet: str, exc: Exception, column: str) -> None:
    """A refusal that belongs to the upload as a whole rather than to one row."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        messages = [m for ms in exc.message_dict.values() for m in ms]
    elif isinstance(exc, ValidationError):
        messages = exc.messages
    else:
        messages = [str(exc)]
    for message in messages:
        errors.append(problem(sheet, None, column, message))


def _check_appendix_headers(workbook, errors: list[dict]):
    return headers_check(
        workbook,
        APPENDIX_SHEET,
        ALLOCATION_HEADERS,
        errors,
        header_row=HEADER_ROW,
        start_from="the fund's downloaded workbook",
    )


def _key(initiative: str, workstream: str, scheme: str) -> tuple[str, str, str]:
    return (initiative.casefold(), workstream.casefold(), scheme.casefold())


def _path(*parts: str) -> str:
    return " › ".join(p for p in parts if p)


def _movement_year(decided_on) -> FinancialYear | None:
    """The financial year the decision's date falls in, where that year is set up."""
    if isinstance(decided_on, str):
        try:
            decided_on = dt.date.fromisoformat(decided_on.strip())
        except ValueError:
            return None
    if not isinstance(decided_on, dt.date):
        return None
    return financial_year_containing(decided_on)


class _AllocationsImport:
    """Reads the Appendix 1 sheet into new allocations and amount changes, then saves them through the services."""

    def __init__(self, *, fund: Fund, user, errors: list[dict]):
        self.fund, self.user, self.errors = fund, user, errors
        self.allocations = {a.pk: a for a in fund.allocations.all()}
        self.by_key = {_key(a.initiative, a.workstream, a.scheme_name): a for a in self.allocations.values()}
        self.balances = fund_balances(fund=fund)
        self.new_rows: list[tuple] = []  # (row, names, amount, column)
        self.changes: list[tuple] = []  # (row, allocation, +/- difference, column)
        self.seen: dict = {}

    def rows(self, ws):
        section = None
        totals = {TOTAL.casefold(), GRAND_TOTAL.casefold()}
        sections = {label.casefold(): status for status, label in SECTION_LABELS.items()}
        for number, cells in sheet_values(ws, first_row=HEADER_ROW + 1, width=len(ALLOCATION_HEADERS)):
            values = dict(zip(ALLOCATION_HEADERS, cells, strict=False))
            if all(_blank(v) for v in values.values()):
                continue
            first = read_text(values["Initiative"]).casefold()
            unnamed = _blank(values["Scheme"]) and _blank(values["Allocation ID"])
            kind = read_text(values.get(ROW_TYPE)).casefold()
            # A section's heading may carry the date its estimate runs to ("… estimated spend 31st March 2019").
            heading = next((status for label, status in sections.items() if first.startswith(label[:20])), None)
            if unnamed and heading is not None:
                section = heading
                continue
            if unnamed and (first in totals or kind in ("subtotal", "unallocated", "fund total")):
                section = None  # rows added after a Total belong to no section: read as going forward
                continue
            if kind not in ("", "data"):
                continue  # unallocated, fund total and footnote rows are the download's, not allocations
            yield SheetRow(APPENDIX_SHEET, number, values, self.errors), section

    def read(self, row: SheetRow, section) -> None:
        initiative, workstream, scheme = row.text("Initiative"), row.text("Workstream"), row.text("Scheme")
        allocation_id = row.integer(
            "Allocation ID",
            required=False,
            hint="Allocation ID must be the number from the download; leave it blank for a new allocation.",
        )
        if not initiative:
            row.problem("Initiative", "Give the initiative the scheme sits under.")
        if not scheme:
            row.problem("Scheme", "Give the scheme's name.")
        budget, thousands = _pounds(row, BUDGET), _thousands_as_pounds(row)
        if budget is None and thousands is None and row.ok:
            row.problem(BUDGET, f"Give the amount in {BUDGET} (or in {THOUSANDS}).")
        if not row.ok:
            return
        names = {"initiative": initiative, "workstream": workstream, "scheme": scheme}
        if allocation_id is not None:
            allocation = self.allocations.get(allocation_id)
            if allocation is None:
                row.problem(
                    "Allocation ID",
                    f"There is no allocation {allocation_id} in {self.fund.name}. "
                    "Leave Allocation ID blank to add a new allocation.",
                )
                return
            stored = (
                stored_text(allocation.initiative),
                stored_text(allocation.workstream),
                stored_text(allocation.scheme_name),
            )
            if _key(initiative, workstream, scheme) != _key(*stored):
                row.problem(
                    "Scheme",
                    f"Allocation {allocation_id} is “{allocation.path}”, but this row says "
                    f"“{_path(initiative, workstream, scheme)}”. An upload cannot rename an allocation: rename it "
                    "on its page, or clear the Allocation ID to add a new allocation.",
                )
                return
        else:
            allocation = self.by_key.get(_key(initiative, workstream, scheme))
        seen_key = allocation.pk if allocation else _key(initiative, workstream, scheme)
        if seen_key in self.seen:
            row.problem("Scheme", f"“{_path(initiative, workstream, scheme)}” is also on row {self.seen[seen_key]}.")
            return
        self.seen[seen_key] = row.number
        status_text = row.text("Status").casefold()
        if allocation is None:
            self._new(row, section, status_text, names, budget, thousands)
        else:
            self._existing(row, section, status_text, allocation, budget, thousands)

    def _amount(self, row: SheetRow, budget, thousands, current: Decimal | None) -> tuple[Decimal | None, str]:
        """The row's amount in pounds and the column it came from: Budget (£), else £'000s × 1,000.

        When both are given and differ, the one that differs from the current balance is the edit; if both do,
        the row is refused rather than guessed.
        """
        if thousands is None or budget == thousands:
            return budget, BUDGET
        if budget is None:
            return thousands, THOUSANDS
        if current is not None and budget == current:
            return thousands, THOUSANDS
        if current is not None and thousands == current:
            return budget, BUDGET
        row.problem(
            THOUSANDS,
            f"{THOUSANDS} ({_plain(thousands / THOUSAND)}) and {BUDGET} (£{budget:,.2f}) disagree: "
            "change one and clear the other.",
        )
        return None, BUDGET

    def _new(self, row: SheetRow, section, status_text: str, names: dict, budget, thousands) -> None:
        going_forward = AllocationStatus.GOING_FORWARD.label.casefold()
        if section == AllocationStatus.DISCONTINUED or status_text not in ("", going_forward):
            row.problem(
                "Status",
                "A new allocation can only be added going forward: add it in the “Schemes going forward” section "
                "(or below the Grand total) with Status “Going forward” or blank.",
            )
            return
        amount, column = self._amount(row, budget, thousands, None)
        if amount is not None:
            self.new_rows.append((row, names, amount, column))

    def _existing(self, row: SheetRow, section, status_text: str, allocation, budget, thousands) -> None:
        label = AllocationStatus(allocation.status).label
        if (section is not None and section != allocation.status) or (status_text and status_text != label.casefold()):
            row.problem(
                "Status",
                f"“{allocation.path}” is {label.lower()}: an upload cannot change that. Discontinue a scheme on "
                "its allocation's page, where its spend to date is recorded.",
            )
            return
        current = self.balances.by_allocation.get(allocation.pk, ZERO)
        if thousands is not None and allocation.printed_figure is not None and thousands == allocation.printed_figure:
            thousands = None  # the paper's printed figure, as downloaded: the money is Budget (£)
        amount, column = self._amount(row, budget, thousands, current)
        if amount is None or amount == current:
            return
        if allocation.status == AllocationStatus.DISCONTINUED:
            row.problem(
                column,
                f"“{allocation.path}” is discontinued with £{current:,.2f} spent to date: its money cannot change by "
                "upload.",
            )
            return
        self.changes.append((row, allocation, amount - current, column))

    def check_over_allocation(self) -> None:
        steps = [(row, diff, column) for row, _allocation, diff, column in self.changes]
        steps += [(row, amount, column) for row, _names, amount, column in self.new_rows]
        steps.sort(key=lambda step: step[0].number)
        net = sum((diff for _row, diff, _column in steps), ZERO)
        available = self.balances.unallocated
        if net <= available:
            return
        running = ZERO
        for row, diff, column in steps:
            running += diff
            if running > available and diff > 0:
                row.problem(
                    column,
                    f"The upload adds £{net:,.2f} to allocations in all, but only £{available:,.2f} of "
                    f"{self.fund.name} is unallocated: it would over-allocate the fund by £{net - available:,.2f}. "
                    "Reduce this or another increase.",
                )
                return

    def save(self, decision_fields: dict | None) -> dict:
        summary = {
            "kind": "allocations",
            "allocations_created": 0,
            "allocations_changed": len(self.changes),
            "money_moved": ZERO,
            "decision": None,
        }
        lines = [(allocation, diff) for _row, allocation, diff, _column in self.changes]
        for row, names, amount, _column in self.new_rows:
            try:
                with transaction.atomic():
                    allocation = services.allocation_add(
                        fund=self.fund,
                        initiative=names["initiative"],
                        workstream=names["workstream"],
                        scheme_name=names["scheme"],
                        by=self.user,
                    )
            except ValidationError as exc:
                row.service_problem(exc, _ALLOCATION_FIELD_COLUMNS, "Scheme")
                continue
            summary["allocations_created"] += 1
            if amount:
                lines.append((allocation, amount))
        if self.errors or not lines:
            return summary
        increases_only = all(diff > 0 for _allocation, diff in lines)
        net = sum((diff for _allocation, diff in lines), ZERO)
        if net:
            lines.append((None, -net))
        summary["money_moved"] = sum((diff for _allocation, diff in lines if diff > 0), ZERO)
        fields = dict(decision_fields or {})
        year = fields.pop("financial_year", None) or _movement_year(fields.get("decided_on"))
        reason = (fields.pop("reason", "") or "").strip()
        if not fields:
            self.errors.append(
                problem(
                    APPENDIX_SHEET,
                    None,
                    "Decision",
                    "The upload changes allocations' money: record the decision behind it (title, body and date).",
                )
            )
            return summary
        if year is None:
            self.errors.append(
                problem(
                    APPENDIX_SHEET,
                    None,
                    "Decision",
                    "No financial year is set up for the date of the decision, so the movement has no year to be "
                    "recorded in.",
                )
            )
            return summary
        added, changed = summary["allocations_created"], summary["allocations_changed"]
        reason = reason or (
            f"Uploaded from the Appendix 1 spreadsheet: {changed} allocation{'s' if changed != 1 else ''} changed, "
            f"{added} added."
        )
        try:
            with transaction.atomic():
                decision = services.decision_record(fund=self.fund, by=self.user, **fields)
                services.movement_propose(
                    decision=decision,
                    kind=MovementKind.ALLOCATION if increases_only else MovementKind.REPURPOSING,
                    reason=reason,
                    financial_year=year,
                    lines=lines,
                    by=self.user,
                )
        except (ValidationError, StaleEdit) as exc:
            _service_problem(self.errors, APPENDIX_SHEET, exc, "Decision")
            return summary
        summary["decision"] = decision
        return summary


def _year_from(text: str, years: dict) -> FinancialYear | None:
    """2018/19 (or 2018-19, 2018/2019, 2018) as one of `years`, keyed by start year."""
    match = re.fullmatch(r"(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?", text)
    if not match:
        return None
    start, end = int(match.group(1)), match.group(2)
    if end is not None and int(end) not in ((start + 1) % 100, start + 1):
        return None
    return years.get(start)


class _SpendImport:
    def __init__(self, *, fund: Fund, user, errors: list[dict]):
        self.fund, self.user, self.errors = fund, user, errors
        self.allocations = {a.pk: a for a in fund.allocations.all()}
        years = list(fund.financial_years.all()) or list(FinancialYear.objects.all())
        self.years = {y.start_year: y for y in years}
        self.spend = {
            (s.allocation_id, s.financial_year_id, s.quarter): s
            for s in QuarterlySpend.objects.filter(allocation__fund=fund)
        }
        self.seen: dict = {}
        self.summary = {"kind": "spend", "spend_recorded": 0}

    def row(self, row: SheetRow) -> None:
        allocation_id = row.integer(
            "Allocation ID", required=True, hint="Give the Allocation ID from the download (a whole number)."
        )
        allocation = None
        if allocation_id is not None:
            allocation = self.allocations.get(allocation_id)
            if allocation is None:
                row.problem("Allocation ID", f"There is no allocation {allocation_id} in {self.fund.name}.")
        year_text = row.text("Year")
        year = _year_from(year_text, self.years)
        if year is None:
            known = ", ".join(y.label for y in sorted(self.years.values(), key=lambda y: y.start_year)) or "none"
            shown = f"“{year_text}” is not" if year_text else "Year is blank: it must be"
            row.problem("Year", f"{shown} one of this fund's financial years ({known}), written like 2018/19.")
        quarter_text = row.text("Quarter").upper().removeprefix("Q").strip()
        quarter = int(quarter_text) if quarter_text in ("1", "2", "3", "4") else None
        if quarter is None:
            row.problem("Quarter", f"Quarter must be Q1, Q2, Q3 or Q4, not “{row.text('Quarter')}”.")
        planned = _pounds(row, "Planned (£)")
        actual = _pounds(row, "Actual (£)", allow_negative=True)
        forecast = _pounds(row, "Forecast outturn (£)", allow_negative=True)
        if not row.ok:
            return
        key = (allocation.pk, year.pk, quarter)
        if key in self.seen:
            row.problem(
                "Quarter", f"{year.label} Q{quarter} of allocation {allocation.pk} is also on row {self.seen[key]}."
            )
            return
        self.seen[key] = row.number
        existing = self.spend.get(key)
        wanted = (planned if planned is not None else ZERO, actual, forecast)
        if existing is None and wanted == (ZERO, None, None):
            return
        if existing is not None and (existing.planned, existing.actual, existing.forecast_outturn) == wanted:
            return
        try:
            with transaction.atomic():
                services.spend_record(
                    allocation=allocation,
                    financial_year=year,
                    quarter=quarter,
                    planned=wanted[0],
                    actual=actual,
                    forecast_outturn=forecast,
                    note=existing.note if existing is not None else "",
                    by=self.user,
                )
        except (ValidationError, StaleEdit) as exc:
            row.service_problem(exc, _SPEND_FIELD_COLUMNS, "Year")
            return
        self.summary["spend_recorded"] += 1


def fund_workbook_import(*, fund: Fund, file, user, kind: str, decision_fields: dict | None = None) -> dict:
    """Read an uploaded fund workbook: "allocations" (Appendix 1) or "spend" (Quarterly spend); all or nothing.

    Allocations: new rows become allocations; changed amounts become one movement to and from the unallocated
    pot under one decision made from `decision_fields`, proposed by `user` (someone else approves it). Spend: each changed row
    is recorded with services.spend_record. Raises SpreadsheetErrors listing every problem (sheet, row, column,
    message); then nothing is saved.
    """
    if kind not in ("allocations", "spend"):
        raise ValueError(f"Unknown import kind {kind!r}: use 'allocations' or 'spend'.")
    with workbook_open(file) as workbook:
        errors: list[dict] = []
        if kind == "allocations":
            ws = _check_appendix_headers(workbook, errors)
        else:
            ws = headers_check(workbook, SPEND_SHEET, SPEND_HEADERS, errors)
        if errors:
            raise SpreadsheetErrors(errors)
        return _import(ws, fund=fund, user=user, kind=kind, decision_fields=decision_fields, errors=errors)


def _import(ws, *, fund: Fund, user, kind: str, decision_fields: dict | None, errors: list[dict]) -> dict:
    with transaction.atomic():
        if kind == "allocations":
            state = _AllocationsImport(fund=fund, user=user, errors=errors)
            for row, section in state.rows(ws):
                state.read(row, section)
            if not errors:
                state.check_over_allocation()
            summary = state.save(decision_fields) if not errors else {}
        else:
            spend = _SpendImport(fund=fund, user=user, errors=errors)
            for row in sheet_rows(ws, SPEND_SHEET, SPEND_HEADERS, errors):
                spend.row(row)
            summary = spend.summary
        if errors:
            # Raised inside the transaction, so every row that did save is rolled back with it.
            raise SpreadsheetErrors(errors)
    return summary
