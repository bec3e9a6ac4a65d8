"""The highlight report's headline metrics (issue 18 §3): a 2025/26 programme's report prints each headline metric's
latest plan, actual and on-track status with the rule and a chart, read back from the PDF; older years print none."""

import datetime as dt

import pytest

from metrics import selectors as metric_selectors
from metrics import services as metric_services
from reporting import highlight
from reporting import selectors as report_selectors
from tests.factories.accounts import PartnershipFactory
from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory
from tests.reporting.conftest import pdf_text, squash
from tests.reporting.layout import layout_problems, page_texts

pytestmark = pytest.mark.django_db


def _programme(slug, start_year):
    programme = ProgrammeFactory(
        slug=slug,
        name=f"{slug} BCF",
        start_date=dt.date(start_year, 4, 1),
        end_date=dt.date(start_year + 1, 3, 31),
        partnership=PartnershipFactory(slug=f"{slug}-p", name=f"{slug} partnership"),
    )
    SchemeFactory(programme=programme)
    period = ReportingPeriodFactory(
        programme=programme,
        code="q2",
        name="Q2",
        start_date=dt.date(start_year, 7, 1),
        end_date=dt.date(start_year, 9, 30),
    )
    return programme, period


def _figure(value) -> str:
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def test_the_report_prints_each_headline_metric_with_its_plan_actual_and_status():
    programme, period = _programme("northdale-test", 2025)
    metric_services.load_headline_demo(programme, 2025)
    snapshot = report_selectors.highlight_snapshot(programme=programme, period=period)
    assert [m["code"] for m in snapshot["headline"]["metrics"]] == [
        "emergency_admissions_65",
        "discharge_delay",
        "care_home_admissions_65",
    ]
    assert snapshot["metrics"] == []  # not printed twice
    rendered = highlight.highlight_report_draft(programme=programme, period=period)
    text = pdf_text(rendered.pdf)
    flat = squash(text)
    assert "Headline metrics, 2025/26" in text
    assert squash(metric_selectors.HEADLINE_RULE) in flat
    progress = metric_selectors.headline_progress(programme, 2025, period.end_date)
    for item in progress:
        latest = item.latest
        assert latest is not None
        # The metric's row: name, latest period, plan, actual and status, in that order.
        row = squash(f"{item.name} (per 100,000)" if item.per > 1 else item.name)
        row += squash(f"(illustrative figures){latest.label}{_figure(latest.planned)}{_figure(latest.actual)}")
        row += squash(item.status.capitalize())
        assert row in flat, row
        # Its chart, captioned with the metric's name: the table's row and the caption.
        assert flat.count(squash(item.name)) >= 2
    assert "Sep" in text and "Q2" in text and "Plan" in text and "Actual" in text
    assert "No metrics are defined" not in text
    assert layout_problems(rendered.pdf) == []  # labels at 7 pt or more, nothing clipped or overlapping


def test_a_2015_16_programme_has_no_headline_section():
    programme, period = _programme("older", 2015)
    snapshot = report_selectors.highlight_snapshot(programme=programme, period=period)
    assert "headline" not in snapshot


def test_the_headline_table_keeps_each_figure_on_one_line():
    """Narrow columns broke "1,945" and "Plan" over two lines; each figure and heading is read back whole."""
    programme, period = _programme("northdale-test", 2025)
    metric_services.load_headline_demo(programme, 2025)
    rendered = highlight.highlight_report_draft(programme=programme, period=period)
    (page,) = [p for p in page_texts(rendered.pdf) if "Headline metrics, 2025/26" in p]
    lines = page.splitlines()
    header = next(line for line in lines if line.startswith("Headline metric "))
    assert header.endswith("Plan Actual Status"), header
    for item in metric_selectors.headline_progress(programme, 2025, period.end_date):
        plan, actual = _figure(item.latest.planned), _figure(item.latest.actual)
        assert any(f"{plan} {actual}" in line for line in lines), (plan, actual)
