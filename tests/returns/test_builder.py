"""Building the return from live data: the demo's Q1 2015/16 return, its sheets, drop-downs, checklist, money
totals (formulas and values), metrics, narrative, and the queries a build takes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance.models import Fund, QuarterlySpend
from policy.years import y2015_16
from returns import services
from returns.checks import return_checks
from returns.models import QuarterlyReturn
from returns.workbook import return_workbook_bytes
from tests.factories.returns import POOLED_SPEND, pooled_fund_create
from tests.returns.helpers import decimal, find_row, validation_for, workbook

SECTION_2_7 = [
    ("1)", "Are the plans still jointly agreed?", "Yes"),
    ("2)", "Are Social Care Services (not spending) being protected?", "Yes"),
    (
        "3)",
        "Are the 7 day services to support patients being discharged and prevent unnecessary admission at weekends "
        "in place and delivering?",
        "No - In Progress",
    ),
    ("4)", "In respect of data sharing - confirm that:", None),
    ("i)", "Is the NHS Number being used as the primary identifier for health and care services?", "No - In Progress"),
    ("ii)", "Are you pursuing open APIs (i.e. systems that speak to each other)?", "Yes"),
    (
        "iii)",
        "Are the appropriate Information Governance controls in place for information sharing in line with Caldecott",
        "Yes",
    ),
    (
        "5)",
        "Is a joint approach to assessments and care planning taking place and where funding is being used for "
        "integrated packages of care, is there an accountable professional?",
        "No - In Progress",
    ),
    ("6)", "Is an agreement on the consequential impact of changes in the acute sector in place?", "Yes"),
]


def test_demo_q1_2015_16_return_reproduces_the_national_conditions_of_section_2_7(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    ws = workbook(draft.workbook)["National Conditions"]
    first = find_row(ws, 1, "1)")
    found = [
        (ws.cell(first + i, 1).value, ws.cell(first + i, 2).value, ws.cell(first + i, 3).value)
        for i in range(len(SECTION_2_7))
    ]
    assert found == SECTION_2_7
    assert ws.cell(first - 1, 3).value == "Please Select (Yes, No or No - In Progress)"


def test_national_condition_answers_have_a_yes_no_in_progress_drop_down(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    ws = workbook(draft.workbook)["National Conditions"]
    first = find_row(ws, 1, "1)")
    for offset, (_number, _text, answer) in enumerate(SECTION_2_7):
        cell = f"C{first + offset}"
        validation = validation_for(ws, cell)
        if answer is None:  # the "4) In respect of data sharing" heading has no answer
            assert validation is None
            continue
        assert validation is not None, cell
        assert validation.type == "list"
        assert validation.formula1 == '"Yes,No,No - In Progress"'
        assert validation.showErrorMessage


def test_workbook_has_the_2015_16_sheets_in_order(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    assert workbook(draft.workbook).sheetnames == [
        "Checklist",
        "Cover",
        "Budget arrangements",
        "National Conditions",
        "Income and Expenditure",
        "Supporting Metrics",
        "Narrative",
    ]
    assert draft.template_year == "2015-16"


def test_checklist_says_incomplete_and_marks_each_missing_cell_red_no(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    ws = workbook(draft.workbook, data_only=True)["Checklist"]  # the formulas' cached results
    assert ws["B3"].value == "Incomplete Template"
    header = find_row(ws, 2, "Sheet")
    assert [ws.cell(header, c).value for c in range(2, 7)] == ["Sheet", "Item", "Cell", "Complete?", "What is missing"]
    checks = {}
    for row in range(header + 1, ws.max_row + 1):
        checks[(ws.cell(row, 2).value, ws.cell(row, 3).value)] = ws.cell(row, 5)
    # The demo answers 3), 4i) and 5) "No - In Progress" without commentary; the cover's board is the
    # programme's (Trafford). Red and green follow the formulas' results (conditional formatting).
    no = checks[("National Conditions", SECTION_2_7[2][0] + " " + SECTION_2_7[2][1])]
    yes = checks[("National Conditions", "1) Are the plans still jointly agreed?")]
    board = checks[("Cover", "Health and Wellbeing Board")]
    assert no.value == "No"
    assert yes.value == board.value == "Yes"
    rules = {r.formula[0]: r.dxf.fill.fgColor.rgb for rule in ws.conditional_formatting for r in rule.rules}
    assert rules['"No"'].endswith("FFC7CE") and rules['"Yes"'].endswith("C6EFCE")
    failing = {c["item"] for c in draft.failed_checks}
    assert len([c for c in checks.values() if c.value == "No"]) == len(draft.failed_checks)
    assert "Health and Wellbeing Board" not in failing


def test_checklist_says_complete_once_every_check_passes(programme, pmo):
    from tests.factories.returns import return_complete

    draft = return_complete(services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo), by=pmo)
    ws = workbook(draft.workbook, data_only=True)["Checklist"]
    assert ws["B3"].value == "Complete Template"
    header = find_row(ws, 2, "Sheet")
    assert {ws.cell(r, 5).value for r in range(header + 1, ws.max_row + 1)} == {"Yes"}


def test_income_and_expenditure_totals_are_formulas_and_values_matching_the_money_records(programme, pmo):
    pooled_fund_create(programme=programme, by=pmo)
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q2", by=pmo)
    ws = workbook(draft.workbook)["Income and Expenditure"]
    header = find_row(ws, 2, "Expenditure by scheme") + 1  # after the income table
    columns = {ws.cell(header, c).value: c for c in range(2, 10)}
    rows = []
    row = header + 1
    while ws.cell(row, 2).value not in ("Total", None):
        rows.append(row)
        row += 1
    total = row
    cached = workbook(draft.workbook, data_only=True)["Income and Expenditure"]  # the formulas' cached values
    assert ws.cell(total, 2).value == "Total"
    assert len(rows) == len(POOLED_SPEND)
    # Q2: the quarter's figures are Q2's, year to date Q1 + Q2, as recorded through the finance services.
    # 5.3's Q2 actual is not recorded: a blank, left out of the actual totals and the variance, never £0.
    spend = {}
    for s in QuarterlySpend.objects.filter(allocation__fund__programme=programme):
        spend.setdefault(s.allocation.scheme.ref, {})[s.quarter] = s
    recorded = [r for r in spend if spend[r][2].actual is not None]
    assert recorded == ["5.1", "5.2"]
    expected = {
        "Planned this quarter (£)": sum((spend[r][2].planned for r in spend), Decimal(0)),
        "Actual this quarter (£)": sum((spend[r][2].actual for r in recorded), Decimal(0)),
        "Planned year to date (£)": sum((spend[r][1].planned + spend[r][2].planned for r in spend), Decimal(0)),
        "Actual year to date (£)": sum((spend[r][1].actual + spend[r][2].actual for r in recorded), Decimal(0)),
        "Variance year to date (£)": sum(
            (spend[r][1].actual + spend[r][2].actual - spend[r][1].planned - spend[r][2].planned for r in recorded),
            Decimal(0),
        ),
    }
    for header_text, value in expected.items():
        column = columns[header_text]
        letter = ws.cell(total, column).column_letter
        assert ws.cell(total, column).value == f"=SUM({letter}{rows[0]}:{letter}{rows[-1]})"
        assert ws.cell(total, column).data_type == "f"
        assert decimal(cached.cell(total, column).value) == value, header_text
        assert sum(decimal(ws.cell(r, column).value or 0) for r in rows) == value, header_text
    not_recorded = rows[2]
    assert ws.cell(not_recorded, 3).value.startswith("5.3")
    for header_text in ("Actual this quarter (£)", "Actual year to date (£)", "Variance year to date (£)"):
        assert ws.cell(not_recorded, columns[header_text]).value in (None, ""), header_text
    # Money is exact: the stored figures are Decimal strings, not floats; a missing actual is None.
    figures = draft.figures["expenditure"]["rows"]
    assert figures[0]["planned_ytd"] == "240000.00"
    assert Decimal(figures[1]["actual_ytd"]) == Decimal("83999.99")
    assert (figures[2]["planned_quarter"], figures[2]["actual_quarter"]) == ("80000.00", None)
    assert (figures[2]["actual_ytd"], figures[2]["variance_ytd"]) == (None, None)
    income = draft.figures["income"]["rows"]
    assert [(r["contributor"], r["year"], r["quarter"], r["ytd"]) for r in income] == [
        ("NHS Trafford CCG", "12000000.00", "3000000.00", "6000000.00"),
        ("Trafford Council", "1500000.00", "375000.00", "750000.00"),
    ]
    # The checklist asks why, and the narrative compares like with like.
    failing = [c for c in draft.failed_checks if c["sheet"] == "Income and Expenditure"]
    assert [(c["code"], c["message"]) for c in failing] == [
        (
            "ie.commentary",
            "Not recorded for 5.3 Intermediate Care: record it under Money, or say why here.",
        )
    ]
    variances = draft.answers.get(code="narrative.variances").value
    assert "Actual spend not recorded for 1 scheme(s): left out of the variance." in variances
    answer = draft.answers.get(code="ie.commentary")
    services.return_answer_update(
        answer=answer, value="5.3's Q2 invoice is late from the provider.", by=pmo, expected_version=answer.version
    )
    draft.refresh_from_db()
    assert not [c for c in draft.failed_checks if c["sheet"] == "Income and Expenditure"]


def test_the_return_page_shows_a_missing_actual_as_not_recorded(demo_client, programme, pmo):
    pooled_fund_create(programme=programme, by=pmo)
    services.quarterly_return_build(programme=programme, quarter="2015-16-Q2", by=pmo)
    page = demo_client("pmo").get(reverse("returns:detail", args=[programme.slug, "2015-16-Q2"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "not recorded" in html
    assert "Not recorded for 5.3" in html


def test_budget_arrangements_prefill_from_the_section_75_flag_of_the_pooled_fund(programme, pmo):
    # The demo's BCF pooled budget is a section 75 fund (seed 000 §2.5); the answer follows its flag.
    pooled = Fund.objects.get(programme=programme, section_75=True)
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    assert draft.answers.get(code="budget.s75").value == "Yes"
    Fund.objects.filter(pk=pooled.pk).update(section_75=False)
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    assert draft.answers.get(code="budget.s75").value == "No"


def test_supporting_metrics_show_plan_actual_and_status_for_the_quarter(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    rows = {r["key"]: r for r in draft.figures["metrics"]["rows"]}
    admissions = rows["non-elective-admissions"]
    # Three months of plan (1,750 less 3.5% = 1,688.75 a month) and of actuals (1,702 + 1,671 + 1,745).
    assert (admissions["plan"], admissions["actual"], admissions["status"]) == ("5066.25", "5118.00", "Not on track")
    assert rows["residential-admissions-65"]["status"] == "On track"
    ws = workbook(draft.workbook)["Supporting Metrics"]
    header = find_row(ws, 2, "Metric")
    assert [ws.cell(header, c).value for c in range(2, 9)] == [
        "Metric",
        "Unit",
        "Period",
        "Plan",
        "Actual",
        "On track?",
        "Commentary",
    ]
    row = find_row(ws, 2, "Non-elective admissions")
    assert ws.cell(row, 7).value == "Not on track"
    assert ws.cell(row, 8).value.startswith("Hot spell late June")


def test_narrative_is_drafted_from_the_quarters_progress_comments(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    progress = draft.answers.get(code="narrative.progress").value
    assert progress.startswith("5.1 Community (District) Nursing")
    assert "21/05/2015" in progress
    assert "Schemes by RAG" in draft.answers.get(code="narrative.variances").value


def test_building_twice_keeps_one_draft_and_keeps_what_a_person_changed(programme, pmo):
    first = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    answer = first.answers.get(code="nc.3")
    services.return_answer_update(
        answer=answer,
        value="Yes",
        commentary="Seven-day working started in June.",
        by=pmo,
        expected_version=answer.version,
    )
    second = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    assert second.pk == first.pk
    assert QuarterlyReturn.objects.filter(programme=programme, quarter="2015-16-Q1").count() == 1
    assert second.answers.get(code="nc.3").value == "Yes"
    assert second.answers.get(code="nc.1").value == "Yes"  # pre-filled again, unchanged


def test_the_builders_query_count_does_not_grow_with_the_number_of_schemes_or_funds(db):
    """Prevents an N+1 over funds (the spend of each pooled fund read apart) and over allocations."""
    from demo.synthetic import synthetic_programme_generate

    def queries(schemes: int, funds: int, seed: int) -> int:
        programme = synthetic_programme_generate(
            schemes=schemes,
            milestones_per_scheme=1,
            periods=4,
            seed=seed,
            funds=funds,
            movements=schemes * 2,
            metrics=3,
            start=dt.date(2016, 4, 1),  # a year with a return template (2016/17)
        )
        services.quarterly_return_build(programme=programme, quarter="2016-17-Q1")  # warm: creates the answers
        with CaptureQueriesContext(connection) as ctx:
            draft = services.quarterly_return_build(programme=programme, quarter="2016-17-Q1")
        rows = draft.figures["expenditure"]["rows"]
        assert len({r["fund"] for r in rows}) == funds // 2, "every synthetic pooled fund has spend"
        return len(ctx.captured_queries)

    small, large = queries(10, 2, 1), queries(120, 6, 2)  # one pooled fund, then three
    assert large == small, (small, large)
    assert large <= 40


def test_metric_figures_keep_their_precision_and_are_not_formatted_as_money():
    from returns.workbook import number_format

    template = y2015_16.TEMPLATE
    figures = {
        "income": {"rows": []},
        "expenditure": {"rows": []},
        "metrics": {
            "rows": [
                {
                    "key": "a",
                    "metric": "Admissions",
                    "unit": "Count",
                    "period": "Q1",
                    "plan": "5066.25",
                    "actual": "5118.00",
                    "status": "Not on track",
                    "note": "",
                },
                {
                    "key": "b",
                    "metric": "Share",
                    "unit": "%",
                    "period": "Q1",
                    "plan": "0.125",
                    "actual": None,
                    "status": "No actual yet",
                    "note": "",
                },
            ]
        },
    }
    content = return_workbook_bytes(
        template=template,
        document={
            "programme": "P",
            "quarter_label": "2015/16 Q1",
            "status_line": "DRAFT",
            "answers": {},
            "figures": figures,
            "checks": return_checks(template=template, answers={}, figures=figures),
        },
    )
    ws = workbook(content)["Supporting Metrics"]
    admissions, share = find_row(ws, 2, "Admissions"), find_row(ws, 2, "Share")
    assert (ws.cell(admissions, 5).value, ws.cell(admissions, 5).number_format) == (5066.25, "#,##0.00")
    assert (ws.cell(admissions, 6).value, ws.cell(admissions, 6).number_format) == (5118, "#,##0")
    assert (ws.cell(share, 5).value, ws.cell(share, 5).number_format) == (0.125, "#,##0.000")
    assert number_format(Decimal("5100")) == "#,##0"


@pytest.mark.parametrize("quarter", ["2015-16-Q1"])
def test_template_year_and_revision_are_recorded(programme, pmo, quarter):
    draft = services.quarterly_return_build(programme=programme, quarter=quarter, by=pmo)
    assert (draft.revision, draft.status, draft.quarter) == (1, "draft", quarter)
    assert len(draft.sha256) == 64
