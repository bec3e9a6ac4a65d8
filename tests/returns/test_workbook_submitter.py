"""The return workbook as a submitter expects it (issue 19 point 6): demo figures labelled, quarterly money with
live totals, a checklist of formulas, the cover filled, the narrative by scheme, page setup and validations."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl

from finance.models import QuarterlySpend
from policy.years import y2015_16
from returns import services
from returns.checks import return_checks
from returns.workbook import return_workbook_bytes
from tests.factories.returns import pooled_fund_create
from tests.returns.helpers import decimal, find_row, validation_for, workbook

DEMO_NOTE = "Demo figures"


def _sheet_text(ws) -> str:
    return "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def _render(figures: dict, answers: dict | None = None) -> bytes:
    template = y2015_16.TEMPLATE
    answers = answers or {}
    return return_workbook_bytes(
        template=template,
        document={
            "programme": "P",
            "quarter_label": "2015/16 Q1",
            "status_line": "DRAFT",
            "answers": answers,
            "figures": figures,
            "checks": return_checks(template=template, answers=answers, figures=figures),
        },
    )


def _metric(demo: bool) -> dict:
    return {
        "key": "a",
        "metric": "Admissions",
        "unit": "Count",
        "period": "Q1",
        "plan": "10",
        "actual": "9",
        "status": "On track",
        "note": "",
        "demo": demo,
    }


def test_the_demos_supporting_metrics_say_the_figures_are_illustrative(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    assert all(row["demo"] for row in draft.figures["metrics"]["rows"])
    ws = workbook(draft.workbook)["Supporting Metrics"]
    text = _sheet_text(ws)
    assert DEMO_NOTE in text and "illustrative" in text
    assert DEMO_NOTE in _sheet_text(workbook(draft.workbook)["Cover"])


def test_real_figures_carry_no_demo_label():
    content = _render({"income": {"rows": []}, "expenditure": {"rows": []}, "metrics": {"rows": [_metric(False)]}})
    for ws in workbook(content).worksheets:
        assert DEMO_NOTE not in _sheet_text(ws), ws.title
    content = _render({"income": {"rows": []}, "expenditure": {"rows": []}, "metrics": {"rows": [_metric(True)]}})
    assert DEMO_NOTE in _sheet_text(workbook(content)["Supporting Metrics"])


def _cached(content):
    return openpyxl.load_workbook(io.BytesIO(bytes(content)), data_only=True)


def test_income_and_expenditure_by_quarter_with_live_annual_totals_whose_values_are_cached(programme, pmo):
    pooled_fund_create(programme=programme, by=pmo)
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q2", by=pmo)
    ws = workbook(draft.workbook)["Income and Expenditure"]
    values = _cached(draft.workbook)["Income and Expenditure"]
    spend = list(QuarterlySpend.objects.filter(allocation__fund__programme=programme))
    planned = {n: sum((s.planned for s in spend if s.quarter == n), Decimal(0)) for n in (1, 2, 3, 4)}
    expected_expenditure = {
        "Plan": [planned[1], planned[2], planned[3], planned[4]],  # nothing planned after Q2: £0
        # 5.3's Q2 actual is missing: Q2's actual is not recorded (blank), the forecast uses 5.3's plan.
        "Actual": [sum((s.actual for s in spend if s.quarter == 1), Decimal(0)), None, None, None],
        "Forecast": [
            sum((s.actual for s in spend if s.quarter == 1), Decimal(0)),
            sum((s.actual if s.actual is not None else s.planned for s in spend if s.quarter == 2), Decimal(0)),
            planned[3],
            planned[4],
        ],
    }
    contributions = Decimal("13500000.00")
    expected_income = {"Plan": [contributions / 4] * 4, "Forecast": [contributions / 4] * 4, "Actual": [None] * 4}
    for heading, expected in (
        ("Income to the pooled fund by quarter", expected_income),
        ("Expenditure from the pooled fund by quarter", expected_expenditure),
    ):
        header = find_row(ws, 2, heading) + 1
        assert [ws.cell(header, c).value for c in range(3, 8)] == [
            "Q1 (£)",
            "Q2 (£)",
            "Q3 (£)",
            "Q4 (£)",
            "Annual total (£)",
        ]
        for offset, line in enumerate(("Plan", "Forecast", "Actual"), start=1):
            row = header + offset
            assert ws.cell(row, 2).value == line
            quarters = [ws.cell(row, c).value for c in range(3, 7)]
            assert [None if v is None else decimal(v) for v in quarters] == [
                None if v is None else decimal(v) for v in expected[line]
            ], (heading, line)
            assert ws.cell(row, 7).value == f"=SUM(C{row}:F{row})"
            assert decimal(values.cell(row, 7).value) == sum((v for v in expected[line] if v), Decimal(0))
    # The by-scheme totals are live formulas too, their values cached: no typed "as recorded" copy.
    header = find_row(ws, 2, "Expenditure by scheme") + 1
    total = next(r for r in range(header, ws.max_row + 1) if ws.cell(r, 2).value == "Total")
    assert ws.cell(total, 4).value.startswith("=SUM(D")
    assert decimal(values.cell(total, 4).value) == planned[2]
    assert ws.cell(total + 1, 2).value != "Total as recorded"


def test_checklist_cells_are_formulas_over_the_answer_cells_and_the_date_is_a_date():
    figures = {"income": {"rows": []}, "expenditure": {"rows": []}, "metrics": {"rows": []}}
    answers = {
        "cover.date": {"value": "15/07/2015", "commentary": ""},
        "cover.hwb": {"value": "Trafford", "commentary": ""},
        "nc.1": {"value": "Yes", "commentary": ""},
        "nc.3": {"value": "No - In Progress", "commentary": ""},  # needs commentary: No
    }
    content = _render(figures, answers)
    book, cached = workbook(content), workbook(content, data_only=True)
    cover = book["Cover"]
    date_row = find_row(cover, 2, "Date completed")
    assert cover.cell(date_row, 3).value == dt.datetime(2015, 7, 15)
    assert cover.cell(date_row, 3).is_date and cover.cell(date_row, 3).number_format == "DD/MM/YYYY"
    ws, values = book["Checklist"], cached["Checklist"]
    assert ws["B3"].value.startswith("=IF(COUNTIF(E7:E")
    assert values["B3"].value == "Incomplete Template"
    seen = {}
    for row in range(7, ws.max_row + 1):
        item, address, formula = ws.cell(row, 3).value, ws.cell(row, 4).value, ws.cell(row, 5).value
        assert formula.startswith("="), (item, formula)
        if address:
            assert address in formula, (item, formula)
        seen[item] = values.cell(row, 5).value
    assert seen["Health and Wellbeing Board"] == "Yes"
    assert seen["Date completed"] == "Yes"
    assert seen["Completed by"] == "No"
    assert seen["1) Are the plans still jointly agreed?"] == "Yes"
    nc3 = next(item for item in seen if item.startswith("3)"))
    assert seen[nc3] == "No"
    nc3_row = find_row(ws, 3, "3)")
    formula = ws.cell(nc3_row, 5).value
    assert "'National Conditions'!C" in formula and "'National Conditions'!D" in formula  # answer and commentary


def test_the_cover_names_the_programmes_health_and_wellbeing_board(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    assert draft.answers.get(code="cover.hwb").value == "Trafford" == programme.health_and_wellbeing_board
    cover = workbook(draft.workbook)["Cover"]
    assert cover.cell(find_row(cover, 2, "Health and Wellbeing Board"), 3).value == "Trafford"
    assert cover.cell(find_row(cover, 2, "Date completed"), 3).is_date


def test_the_narrative_has_one_wrapped_row_per_scheme_tall_enough_to_read(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    progress = draft.answers.get(code="narrative.progress").value
    schemes = [block.split("\n")[0] for block in progress.split("\n\n")]
    assert len(schemes) > 1
    ws = workbook(draft.workbook)["Narrative"]
    first = find_row(ws, 2, schemes[0])
    for offset, scheme in enumerate(schemes):
        row = first + offset
        assert ws.cell(row, 2).value == scheme
        text = ws.cell(row, 3).value
        assert text and len(text) < len(progress) and text in progress
        assert ws.cell(row, 3).alignment.wrap_text
        lines = sum(1 + len(line) // 120 for line in text.split("\n"))
        assert ws.row_dimensions[row].height >= min(409, 15 * lines), (scheme, lines)
    assert ws.column_dimensions["C"].width >= 100
    # The checklist's check on the progress points at the first scheme's cell.
    checklist = workbook(draft.workbook)["Checklist"]
    assert checklist.cell(find_row(checklist, 3, "Progress in the quarter"), 4).value == f"'Narrative'!C{first}"


def test_every_sheet_prints_one_page_wide_with_repeated_headers_and_a_print_area():
    figures = {"income": {"rows": []}, "expenditure": {"rows": []}, "metrics": {"rows": [_metric(False)]}}
    book = workbook(_render(figures))
    for ws in book.worksheets:
        setup = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert setup.orientation == "landscape" and int(setup.paperSize) == 9, ws.title  # A4
        assert ws.print_title_rows, ws.title
        first, last = ws.print_title_rows.split(":")
        header = ws.cell(int(first.strip("$")), 2).value
        assert header, (ws.title, ws.print_title_rows)
        assert ws.print_area, ws.title
        area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
        assert area.endswith(f"${ws.max_row}"), (ws.title, area)
    assert book["Cover"].print_title_rows == "$5:$5"
    assert book["Cover"].cell(5, 2).value == "Question"


def test_numeric_inputs_accept_only_0_to_100_million():
    figures = {
        "income_quarters": {
            "rows": [
                {"key": "plan", "line": "Plan", "q1": "1.00", "q2": "2.00", "q3": "3.00", "q4": "4.00", "year": "10.00"}
            ]
        },
        "expenditure_quarters": {"rows": []},
        "income": {"rows": []},
        "expenditure": {"rows": []},
        "metrics": {"rows": [_metric(False)]},
    }
    book = workbook(_render(figures))
    ws = book["Income and Expenditure"]
    row = find_row(ws, 2, "Plan")
    for column in range(3, 7):
        validation = validation_for(ws, ws.cell(row, column).coordinate)
        assert validation is not None, column
        assert (validation.type, validation.operator) == ("decimal", "between")
        assert (validation.formula1, validation.formula2) == ("0", "100000000")
        assert validation.showErrorMessage
    assert validation_for(ws, ws.cell(row, 7).coordinate) is None  # the annual total is a formula, not an input
    metrics = book["Supporting Metrics"]
    metric = find_row(metrics, 2, "Admissions")
    assert validation_for(metrics, f"E{metric}").formula2 == "100000000"  # plan
    assert validation_for(metrics, f"F{metric}").formula2 == "100000000"  # actual
    assert validation_for(metrics, f"G{metric}") is None  # status
