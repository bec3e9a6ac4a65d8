"""The 2025/26 quarterly reports (issue 18 §4): the in-year return (Q1–Q3) confirms the four national conditions
and reports the three headline metrics; the year end (Q4) adds spend and activity per expenditure line and the
pooled fund's checks. Built from live data by the same builder, checked, signed off and corrected as 2015/16."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

import policy
from metrics import services as metric_services
from metrics.models import Frequency
from policy.years import y2025_26
from returns import services
from returns.checks import failed, return_checks
from returns.models import NationalConditionAnswer, QuarterlyReturn, ReturnStatus
from returns.workbook import return_workbook_bytes
from tests.factories.returns import return_complete
from tests.factories.schemes import ProgrammeFactory
from tests.returns.helpers import find_row, validation_for, workbook

ADMISSIONS, DELAY, CARE_HOMES = "emergency_admissions_65", "discharge_delay", "care_home_admissions_65"


@pytest.fixture
def programme(db):
    return ProgrammeFactory(
        slug="bcf-2025-26",
        health_and_wellbeing_board="Northdale",
        start_date=dt.date(2025, 4, 1),
        end_date=dt.date(2026, 3, 31),
    )


def _metrics(programme):
    """Admissions on track in Q2, discharge delay not on track in Q2 (by month), care homes with no Q2 actual."""
    admissions = metric_services.headline_metric_setup(
        programme=programme, start_year=2025, code=ADMISSIONS, frequency=Frequency.QUARTERLY, plans=[5800] * 4
    )
    for quarter, numerator in (("2025/26 Q1", "2900"), ("2025/26 Q2", "2700")):
        metric_services.headline_actual_record(
            metric=admissions, period_start=quarter, numerator=numerator, denominator="48250", note="Fewer falls."
        )
    delay = metric_services.headline_metric_setup(
        programme=programme, start_year=2025, code=DELAY, frequency=Frequency.MONTHLY, plans=["1.00"] * 12
    )
    for month, days in ((dt.date(2025, 7, 1), 1300), (dt.date(2025, 8, 1), 1500)):
        metric_services.headline_actual_record(metric=delay, period_start=month, numerator=days, denominator=1000)
    care = metric_services.headline_metric_setup(
        programme=programme, start_year=2025, code=CARE_HOMES, frequency=Frequency.QUARTERLY, plans=[150] * 4
    )
    metric_services.headline_actual_record(metric=care, period_start="2025/26 Q1", numerator=70, denominator=48250)


def test_the_in_year_return_confirms_the_four_conditions_and_reports_the_three_metrics(programme, pmo_user):
    _metrics(programme)
    draft = services.quarterly_return_build(programme=programme, quarter="2025-26-Q2", by=pmo_user)
    assert draft.template_year == "2025-26"
    book = workbook(draft.workbook)
    assert book.sheetnames == ["Checklist", "Cover", "National Conditions", "Metrics"]
    conditions = book["National Conditions"]
    for condition in policy.year_for(2025).national_conditions:
        row = find_row(conditions, 1, f"{condition.number})")
        assert conditions.cell(row, 2).value == condition.text
        assert validation_for(conditions, f"C{row}").formula1 == '"Yes,No"'
    metrics = book["Metrics"]
    header = find_row(metrics, 2, "Metric")
    assert [metrics.cell(header, c).value for c in range(2, 9)] == [
        "Metric",
        "Unit",
        "Period",
        "Plan",
        "Actual",
        "On track?",
        "Commentary",
    ]
    shown = {
        metrics.cell(r, 2).value: [metrics.cell(r, c).value for c in range(3, 9)] for r in range(header + 1, header + 4)
    }
    admissions = shown["Emergency admissions to hospital for people aged 65 and over"]
    # 2,700 ÷ 48,250 × 100,000 = 5,595.85: at or below plan, lower is better. Q1's actual is not Q2's.
    assert admissions[1:5] == ["2025/26 Q2", 5800, 5595.85, "On track"]
    assert admissions[5] == "Fewer falls."
    delay = shown["Average length of discharge delay for all acute adult patients"]
    assert delay[1:5] == ["Aug 2025", 1, 1.5, "Not on track"]  # the quarter's latest month with an actual
    care = shown[next(name for name in shown if name.startswith("Long-term admissions"))]
    assert care[2:5] == [150, None, "No data"]
    # Only this year's questions are asked: no 2015/16 budget question, no High Impact Change, no narrative.
    own = {q.code for _sheet, q in y2025_26.IN_YEAR.questions()} | {f"headline_metrics.{c}" for c in shown_codes()}
    assert set(draft.answers.values_list("code", flat=True)) <= own
    assert {c["code"] for c in draft.checks} <= own


def shown_codes():
    return [m.code for m in policy.year_for(2025).metrics]


def test_no_needs_commentary_and_a_metric_with_no_data_needs_its_reason_before_sign_off(programme, pmo_user):
    _metrics(programme)
    draft = services.quarterly_return_build(programme=programme, quarter="2025-26-Q2", by=pmo_user)
    draft = return_complete(draft, by=pmo_user)
    answer = draft.answers.get(code="nc.3")
    services.return_answer_update(
        answer=answer, value="No", commentary="", by=pmo_user, expected_version=answer.version
    )
    care = draft.answers.get(code=f"headline_metrics.{CARE_HOMES}")
    services.return_answer_update(answer=care, commentary="", by=pmo_user, expected_version=care.version)
    draft.refresh_from_db()
    problems = {c["code"]: c for c in draft.failed_checks}
    assert set(problems) == {"nc.3", f"headline_metrics.{CARE_HOMES}"}
    assert problems["nc.3"]["message"] == "Explain the answer “No” in the commentary."
    assert problems[f"headline_metrics.{CARE_HOMES}"]["item"].startswith("Long-term admissions")
    assert problems[f"headline_metrics.{CARE_HOMES}"]["message"] == "No data: say why in the commentary."
    with pytest.raises(ValidationError) as refused:
        services.quarterly_return_sign_off(
            quarterly_return=draft, on_behalf_of="Northdale HWB", by=pmo_user, expected_version=draft.version
        )
    text = " ".join(refused.value.messages)
    assert "2 check(s) failed" in text and "Long-term admissions" in text and "“No”" in text
    # Nothing half-saved: still a draft, no condition answers recorded for the highlight report.
    assert QuarterlyReturn.objects.get(pk=draft.pk).status == ReturnStatus.DRAFT
    assert not NationalConditionAnswer.objects.filter(programme=programme).exists()
    # Explained: signed off, the four conditions recorded as the 2025/26 ones, a correction is a new version.
    answer.refresh_from_db()
    services.return_answer_update(
        answer=answer,
        value="No",
        commentary="The NHS minimum is short by £20k.",
        by=pmo_user,
        expected_version=answer.version,
    )
    care.refresh_from_db()
    services.return_answer_update(
        answer=care, commentary="Q2 figures due in November.", by=pmo_user, expected_version=care.version
    )
    draft.refresh_from_db()
    signed = services.quarterly_return_sign_off(
        quarterly_return=draft, on_behalf_of="Northdale HWB", by=pmo_user, expected_version=draft.version
    )
    assert signed.status == ReturnStatus.SIGNED_OFF and signed.sha256
    recorded = NationalConditionAnswer.objects.filter(programme=programme, quarter="2025-26-Q2").order_by("order")
    assert [(r.code, r.answer) for r in recorded] == [("1", "Yes"), ("2", "Yes"), ("3", "No"), ("4", "Yes")]
    correction = services.quarterly_return_correct(
        programme=programme, quarter="2025-26-Q2", reason="Typo", by=pmo_user
    )
    assert correction.revision == 2 and correction.template_year == "2025-26"
    assert correction.answers.get(code="nc.3").commentary == "The NHS minimum is short by £20k."


YEAR_END_FIGURES = {
    "headline_metrics": {"rows": []},
    "expenditure_plan": {
        "rows": [
            {
                "key": "l1",
                "line": "1",
                "scheme": "N1 Reablement",
                "scheme_type": "Home-based intermediate care services",
                "sub_type": "Reablement at home",
                "commissioner": "LA",
                "provider": "Local authority",
                "source_code": "nhs_minimum",
                "source": "NHS minimum contribution",
                "planned": "1000000.00",
                "spent": "950000.50",
                "outputs_planned": "400",
                "outputs_unit": "packages",
                "outputs_delivered": "380",
            },
            {
                "key": "l2",
                "line": "2",
                "scheme": "N2 Adaptations",
                "scheme_type": "DFG related schemes",
                "sub_type": "Adaptations, including statutory DFG grants",
                "commissioner": "LA",
                "provider": "Local authority",
                "source_code": "dfg",
                "source": "Disabled Facilities Grant (DFG)",
                "planned": "250000.00",
                "spent": None,
                "outputs_planned": None,
                "outputs_unit": "",
                "outputs_delivered": None,
            },
        ]
    },
    "expenditure_by_source": {
        "rows": [
            {"key": "nhs_minimum", "source": "NHS minimum contribution", "planned": "1000000.00", "spent": "950000.50"},
            {"key": "dfg", "source": "Disabled Facilities Grant (DFG)", "planned": "250000.00", "spent": "0.00"},
        ]
    },
    "pooled_fund_by_source": {
        "rows": [
            {
                "key": "1-nhs_minimum",
                "source": "NHS minimum contribution",
                "contributed": "1000000.00",
                "planned": "1000000.00",
                "difference": "0.00",
                "status": "Yes",
                "message": "",
            },
            {
                "key": "1-dfg",
                "source": "Disabled Facilities Grant (DFG)",
                "contributed": "300000.00",
                "planned": "250000.00",
                "difference": "-50000.00",
                "status": "No",
                "message": "Disabled Facilities Grant (DFG): £300,000.00 contributed but £250,000.00 planned.",
            },
        ]
    },
    "nhs_minimum": {
        "rows": [
            {
                "key": "1",
                "item": "Northdale pooled fund",
                "computed": "1000000.00",
                "required": "1200000.00",
                "status": "No",
                "message": "£1,000,000.00 to adult social care is below the required £1,200,000.00.",
            }
        ]
    },
}


def test_the_year_end_return_checks_the_pooled_fund_and_blocks_until_the_figures_are_right():
    template = y2025_26.YEAR.return_template(4)
    assert template is y2025_26.YEAR_END
    checks = return_checks(template=template, answers={}, figures=YEAR_END_FIGURES)
    data = {c["code"]: c for c in checks if c["rule"] == "data"}
    assert data["pooled_fund_by_source.1-nhs_minimum"]["ok"]
    assert data["pooled_fund_by_source.1-dfg"]["message"].startswith("Disabled Facilities Grant (DFG): £300,000.00")
    assert data["nhs_minimum.1"]["message"] == "£1,000,000.00 to adult social care is below the required £1,200,000.00."
    # The spend not recorded for line 2 must be explained; an answer cannot make a data check pass.
    assert any(c["code"] == "spend.commentary" and not c["ok"] for c in checks)
    answers = {"spend.commentary": {"value": "DFG spend is reported in April.", "commentary": ""}}
    again = failed(return_checks(template=template, answers=answers, figures=YEAR_END_FIGURES))
    assert {c["code"] for c in again if c["rule"] == "data"} == {"pooled_fund_by_source.1-dfg", "nhs_minimum.1"}
    content = return_workbook_bytes(
        template=template,
        document={
            "programme": "Northdale",
            "quarter_label": "2025/26 Q4",
            "status_line": "DRAFT",
            "answers": answers,
            "figures": YEAR_END_FIGURES,
            "checks": checks,
        },
    )
    book, values = workbook(content), workbook(content, data_only=True)
    ws = book["Spend and activity"]
    total = find_row(ws, 2, "Total")
    header = find_row(ws, 2, "Line")
    planned = next(c for c in range(2, 15) if ws.cell(header, c).value == "Planned expenditure (£)")
    assert ws.cell(total, planned).value.startswith("=SUM(")
    assert Decimal(str(values["Spend and activity"].cell(total, planned).value)) == Decimal("1250000")
    checklist = values["Checklist"]
    assert checklist["B3"].value == "Incomplete Template"
    row = find_row(checklist, 3, "NHS minimum contribution to adult social care: Northdale pooled fund")
    assert checklist.cell(row, 5).value == "No"


def test_the_celery_job_builds_the_2025_26_return_from_live_data(programme, pmo_user):
    from core.models import JobState
    from returns import tasks
    from tests.factories.jobs import return_job

    _metrics(programme)
    job = return_job(programme=programme, quarter="2025-26-Q2", by=pmo_user)
    built = tasks.build_quarterly_return.apply(args=[job.pk]).get()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    draft = QuarterlyReturn.objects.get(pk=built)
    assert draft.template_year == "2025-26"
    assert [r["key"] for r in draft.figures["headline_metrics"]["rows"]] == [ADMISSIONS, DELAY, CARE_HOMES]
