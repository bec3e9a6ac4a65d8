"""The return workbook as a submitter expects it (issue 19 point 6): demo figures labelled, quarterly money with
live totals, a checklist of formulas, the cover filled, the narrative by scheme, page setup and validations."""

import io
from decimal import Decimal

import openpyxl

from finance.models import QuarterlySpend
from returns import services
from returns.checks import return_checks
from returns.workbook import return_workbook_bytes
from returns.years import y2015_16
from tests.factories.returns import pooled_fund_create
from tests.returns.helpers import decimal, find_row, workbook

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
