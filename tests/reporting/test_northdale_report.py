"""The 2025/26 illustrative demo's highlight report (issue 18 §3, §5), built from the demo with the command a
programme office would use and read back from the PDF: the illustrative label on every page, the three headline
metrics with plan, actual and status, and the pooled fund source by source."""

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from core.templatetags.bcf import thousands
from finance import selectors as money
from finance.models import Fund
from metrics.selectors import headline_progress
from schemes.models import Programme
from schemes.selectors import programme_start_year
from tests.reporting.conftest import squash

pytestmark = pytest.mark.django_db

SLUG = "northdale-bcf-2025-26"


@pytest.fixture
def report(demo, tmp_path):
    out = tmp_path / "northdale.pdf"
    call_command("build_highlight_report", programme=SLUG, period="2025-26-Q2", out=str(out), stdout=io.StringIO())
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    return [page.extract_text() or "" for page in reader.pages]


def test_every_page_says_the_figures_are_illustrative(report):
    northdale = Programme.objects.get(slug=SLUG)
    assert len(report) > 1 and all("ILLUSTRATIVE DATA" in page for page in report)
    assert squash(northdale.illustrative_label) in squash(" ".join(report))


def test_it_carries_the_three_headline_metrics_with_plan_actual_and_status(report):
    northdale = Programme.objects.get(slug=SLUG)
    text = squash(" ".join(report))
    assert squash("Headline metrics, 2025/26") in text
    period_end = northdale.periods.get(code="2025-26-Q2").end_date
    items = headline_progress(northdale, programme_start_year(northdale), period_end)
    assert len(items) == 3
    for item in items:
        assert squash(item.name) in text, item.name
        assert item.latest is not None and item.latest.actual is not None, item.name  # a year of figures to Q2
        assert squash(item.latest.label) in text
        assert squash(item.status.capitalize()) in text
    # The three of 2025/26, by what they measure.
    names = " ".join(item.name.lower() for item in items)
    assert "emergency admissions" in names and "discharge" in names and "care homes" in names


def test_its_money_shows_the_pooled_fund_source_by_source(report):
    fund = Fund.objects.get(slug="northdale-bcf-2025-26-pooled")
    text = squash(" ".join(report))
    assert squash("Pooled fund by source, 2025/26") in text
    rows = money.pooled_fund_by_source(fund, 2025)
    assert len(rows) == 5 and all(row.contributed > 0 for row in rows)
    for row in rows:
        # Each source's name with its contribution and its planned spend, in £'000s as the table prints them.
        assert squash(f"{row.name} {thousands(row.contributed)} {thousands(row.planned)}") in text, row.name
    total = sum((row.contributed for row in rows), money.ZERO)
    assert total == money.fund_total(fund=fund)
    assert squash(f"Total {thousands(total)}") in text
