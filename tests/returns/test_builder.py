"""Building the return from live data: the demo's Q1 2015/16 return, its sheets, drop-downs, checklist, money
totals (formulas and values), metrics, narrative, and the queries a build takes."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.models import QuarterlySpend
from returns import services
from returns.models import QuarterlyReturn
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
    ws = workbook(draft.workbook)["Checklist"]
    assert ws["B3"].value == "Incomplete Template"
    header = find_row(ws, 2, "Sheet")
    assert [ws.cell(header, c).value for c in range(2, 7)] == ["Sheet", "Item", "Cell", "Complete?", "What is missing"]
    checks = {}
    for row in range(header + 1, ws.max_row + 1):
        checks[(ws.cell(row, 2).value, ws.cell(row, 3).value)] = ws.cell(row, 5)
    # The demo answers 3), 4i) and 5) "No - In Progress" without commentary, and the cover has no board yet.
    no = checks[("National Conditions", SECTION_2_7[2][0] + " " + SECTION_2_7[2][1])]
    yes = checks[("National Conditions", "1) Are the plans still jointly agreed?")]
    board = checks[("Cover", "Health and Wellbeing Board")]
    for cell in (no, board):
        assert cell.value == "No"
        assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert yes.value == "Yes"
    assert yes.fill.fgColor.rgb.endswith("C6EFCE")
    failing = {c["item"] for c in draft.failed_checks}
    assert len([c for c in checks.values() if c.value == "No"]) == len(draft.failed_checks)
    assert "Health and Wellbeing Board" in failing


def test_checklist_says_complete_once_every_check_passes(programme, pmo):
    from tests.factories.returns import return_complete

    draft = return_complete(services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo), by=pmo)
    ws = workbook(draft.workbook)["Checklist"]
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
    recorded = row + 1
    assert ws.cell(total, 2).value == "Total"
    assert ws.cell(recorded, 2).value == "Total as recorded"
    assert len(rows) == len(POOLED_SPEND)
    # Q2: the quarter's figures are Q2's, year to date Q1 + Q2, as recorded through the finance services.
    spend = {}
    for s in QuarterlySpend.objects.filter(allocation__fund__programme=programme):
        spend.setdefault(s.allocation.scheme.ref, {})[s.quarter] = s
    expected = {
        "Planned this quarter (£)": sum((spend[r][2].planned for r in spend), Decimal(0)),
        "Actual this quarter (£)": sum((spend[r][2].actual or 0 for r in spend), Decimal(0)),
        "Planned year to date (£)": sum((spend[r][1].planned + spend[r][2].planned for r in spend), Decimal(0)),
        "Actual year to date (£)": sum(
            ((spend[r][1].actual or 0) + (spend[r][2].actual or 0) for r in spend), Decimal(0)
        ),
    }
    for header_text, value in expected.items():
        column = columns[header_text]
        letter = ws.cell(total, column).column_letter
        assert ws.cell(total, column).value == f"=SUM({letter}{rows[0]}:{letter}{rows[-1]})"
        assert ws.cell(total, column).data_type == "f"
        assert decimal(ws.cell(recorded, column).value) == value
        assert sum(decimal(ws.cell(r, column).value) for r in rows) == value
    # Money is exact: the stored figures are Decimal strings, not floats.
    assert draft.figures["expenditure"]["rows"][0]["planned_ytd"] == "240000.00"
    assert Decimal(draft.figures["expenditure"]["rows"][1]["actual_ytd"]) == Decimal("83999.99")
    income = draft.figures["income"]["rows"]
    assert [(r["contributor"], r["year"], r["quarter"], r["ytd"]) for r in income] == [
        ("NHS Trafford CCG", "12000000.00", "3000000.00", "6000000.00"),
        ("Trafford Council", "1500000.00", "375000.00", "750000.00"),
    ]
    assert not [c for c in draft.failed_checks if c["sheet"] == "Income and Expenditure"]


def test_budget_arrangements_prefill_from_the_section_75_flag_of_the_pooled_fund(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    assert draft.answers.get(code="budget.s75").value == "No"  # §2.5: the s75 was still a draft in June 2015
    pooled_fund_create(programme=programme, by=pmo)
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    assert draft.answers.get(code="budget.s75").value == "Yes"


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


def test_the_builders_query_count_does_not_grow_with_the_number_of_schemes(db):
    from demo.synthetic import synthetic_programme_generate

    def queries(schemes: int, seed: int) -> int:
        programme = synthetic_programme_generate(
            schemes=schemes, milestones_per_scheme=1, periods=4, seed=seed, funds=2, movements=schemes * 2, metrics=3
        )
        services.quarterly_return_build(programme=programme, quarter="2024-25-Q1")  # warm: creates the answers
        with CaptureQueriesContext(connection) as ctx:
            draft = services.quarterly_return_build(programme=programme, quarter="2024-25-Q1")
        assert draft.figures["expenditure"]["rows"], "the synthetic pooled fund has spend"
        return len(ctx.captured_queries)

    small, large = queries(10, 1), queries(120, 2)
    assert large == small, (small, large)
    assert large <= 40


@pytest.mark.parametrize("quarter", ["2015-16-Q1"])
def test_template_year_and_revision_are_recorded(programme, pmo, quarter):
    draft = services.quarterly_return_build(programme=programme, quarter=quarter, by=pmo)
    assert (draft.revision, draft.status, draft.quarter) == (1, "draft", quarter)
    assert len(draft.sha256) == 64
