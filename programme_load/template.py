"""The blank programme workbook: four sheets with headers and drop-downs, and a Read me sheet. A pure renderer:
the programme's workstreams in, bytes out. The loader (programme_load.services) reads exactly these headers."""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.spreadsheets import DATE_FORMAT, NO, YES, list_validation, sheet_append, workbook_bytes, write_table
from finance.models import AllocationStatus
from risks.models import RiskCategory
from schemes.models import Locality

SCHEMES_SHEET = "Schemes"
MILESTONES_SHEET = "Milestones"
RISKS_SHEET = "Risks"
ALLOCATIONS_SHEET = "Allocations"
README_SHEET = "Read me"

SCHEME_HEADERS = [
    "Ref",
    "Name",
    "Workstream",
    "Locality",
    "CCG",
    "GM",
    "National",
    "Project lead e-mail",
    "Clinical lead",
    "Description",
]
MILESTONE_HEADERS = [
    "Scheme ref",
    "Phase",
    "Description",
    "Baseline date",
    "Due date",
    "Reason for date change",
    "Completed on",
]
RISK_HEADERS = [
    "Title",
    "Scheme ref",
    "Likelihood",
    "Consequence",
    "Description",
    "Category",
    "Owner",
    "Raised on",
    "Next review date",
    "Target likelihood",
    "Target consequence",
    "Reason for target",
]
AMOUNT = "Amount (£)"
SPEND = "Spend to date (£)"
ALLOCATION_HEADERS = ["Scheme ref", "Initiative", "Workstream", AMOUNT, "Status", SPEND]

SHEETS = {
    SCHEMES_SHEET: SCHEME_HEADERS,
    MILESTONES_SHEET: MILESTONE_HEADERS,
    RISKS_SHEET: RISK_HEADERS,
    ALLOCATIONS_SHEET: ALLOCATION_HEADERS,
}
_DATES = {"Baseline date", "Due date", "Completed on", "Raised on", "Next review date"}
_WIDTHS = {
    "Name": 36,
    "Description": 50,
    "Project lead e-mail": 30,
    "Clinical lead": 22,
    "Reason for date change": 36,
    "Title": 40,
    "Initiative": 24,
    "Workstream": 26,
    "Reason for target": 30,
}
LAST_ROW = 5000  # drop-downs and date formats reach this far


def readme_lines(programme) -> list[str]:
    return [
        f"{programme.name}: load the whole programme from this workbook",
        "Fill in the Schemes, Milestones, Risks and Allocations sheets, save as .xlsx and upload it on the "
        "“Load the programme from a workbook” page. The app first shows a dry run (what will be created and "
        "changed); nothing is saved until you confirm.",
        "The load is all or nothing: if any row has a problem, nothing is saved and every problem is listed with "
        "its sheet, row and column.",
        "Loading the same workbook again changes nothing. Rows are recognised by keys: a scheme by its Ref; a "
        "milestone by its Scheme ref and Description (changing a description adds a new milestone); a risk by its "
        "Title; an allocation by its Scheme ref, Initiative and Workstream.",
        "Schemes: Ref and Name are required; the Workstream must be one of the programme's workstreams; the "
        "project lead is given by the e-mail of their account here (an unknown e-mail is refused).",
        "Milestones: the Baseline date is the date first planned and never changes; if the Due date differs from "
        "it, say why in “Reason for date change”. “Completed on” cannot be in the future.",
        "Risks: only Title, Scheme ref, Likelihood and Consequence (1 to 5) are required. The target is the "
        "current score unless you give one.",
        "Allocations: each line links money to a scheme. Amounts are pounds. The workbook cannot allocate more "
        "than the fund's unallocated money. Money moves under one decision, which someone other than you approves "
        "after a finance officer's clearance. Spend to date is for a discontinued allocation only.",
        "Dates are DD/MM/YYYY. Yes/No, Locality, Category, Status and the 1-5 scores have drop-down lists.",
    ]


def _score_validation(ws, headers: list[str], header: str) -> None:
    letter = get_column_letter(headers.index(header) + 1)
    validation = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2="5",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=f"{header}: 1 to 5",
        error="Give a whole number from 1 (rare / negligible) to 5 (almost certain / catastrophic).",
    )
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    ws.add_data_validation(validation)


def _sheet(workbook, title: str, headers: list[str], *, first: bool = False):
    ws = workbook.active if first else workbook.create_sheet(title)
    ws.title = title
    write_table(ws, headers, [], widths=_WIDTHS, dates=_DATES & set(headers))
    for index, header in enumerate(headers, start=1):
        if header in _DATES:
            for (cell,) in ws.iter_rows(min_row=2, max_row=200, min_col=index, max_col=index):
                cell.number_format = DATE_FORMAT
    return ws


def programme_template_bytes(*, programme, workstreams: list[str], localities: list[str] | None = None) -> bytes:
    """The blank workbook for loading a programme: headers, drop-downs and the instructions. The Locality list is the
    programme's own localities (Set up › Localities) when it has any, else the fixed areas."""
    workbook = Workbook()
    ws = _sheet(workbook, SCHEMES_SHEET, SCHEME_HEADERS, first=True)
    for header in ("CCG", "GM", "National"):
        list_validation(ws, SCHEME_HEADERS, header, [YES, NO], LAST_ROW)
    places = localities or Locality.labels
    if len(",".join(places)) < 250 and not any("," in p or '"' in p for p in places):
        list_validation(ws, SCHEME_HEADERS, "Locality", places, LAST_ROW)
    # A list typed into a validation: Excel allows 255 characters, and a comma or quote in a name would split it.
    if workstreams and len(",".join(workstreams)) < 250 and not any("," in w or '"' in w for w in workstreams):
        list_validation(ws, SCHEME_HEADERS, "Workstream", workstreams, LAST_ROW)
    _sheet(workbook, MILESTONES_SHEET, MILESTONE_HEADERS)
    ws = _sheet(workbook, RISKS_SHEET, RISK_HEADERS)
    for header in ("Likelihood", "Consequence", "Target likelihood", "Target consequence"):
        _score_validation(ws, RISK_HEADERS, header)
    list_validation(ws, RISK_HEADERS, "Category", RiskCategory.labels, LAST_ROW)
    ws = _sheet(workbook, ALLOCATIONS_SHEET, ALLOCATION_HEADERS)
    list_validation(ws, ALLOCATION_HEADERS, "Status", AllocationStatus.labels, LAST_ROW)
    ws = workbook.create_sheet(README_SHEET)
    for line in readme_lines(programme):
        sheet_append(ws, [line])
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 120
    for (cell,) in ws.iter_rows(min_row=2, max_col=1):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return workbook_bytes(workbook)
