"""#19.3: the money section prints the programme's section 75 pooled budget with its budget monitoring laid out as
003 §3's tables (by partner: budget, actual, forecast outturn, forecast variance, percentage; sub-totals and a
total), and the board pack carries the line-by-line budget monitoring as an appendix, also downloadable on its own.
Every figure read back from the PDF is finance.selectors.budget_monitoring's, printed as the fund pages print it; a
fund with no figures says they are not given rather than printing zeros. A small synthetic programme, not the demo."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.roles import Role
from core.templatetags.bcf import percent, thousands
from finance import services as finance_services
from finance.selectors import budget_monitoring
from reporting import appendix, pack
from tests.factories.finance import decision_clear_and_approve
from tests.reporting.conftest import outline, pdf_text, squash
from tests.reporting.layout import layout_problems

pytestmark = pytest.mark.django_db

# partner (initiative): [(line, budget, actual Q1, forecast outturn given at Q1 or None)], in pounds
LINES = {
    "NHS Trafford CCG": [
        ("Intermediate care beds", "1200000", "290000", "1350000"),
        ("Community nursing", "800000", "195000", "760000"),
    ],
    "Trafford Council": [
        ("Reablement", "500000", "130000", "512000"),
        ("Disabled facilities grant", "300000", "40000", None),
    ],
}


@pytest.fixture
def pooled(small):
    programme, p1, _ = small
    year = finance_services.financial_year_get_or_create(start_year=2024)
    fund = finance_services.fund_create(
        slug="small-pooled",
        name="Small BCF pooled budget",
        kind="pooled",
        programme=programme,
        section_75=True,
        years=[year],
        contributions=[("NHS Trafford CCG", Decimal("2000000"), year), ("Trafford Council", Decimal("800000"), year)],
    )
    decision = finance_services.decision_record(
        fund=fund, title="Pooled budget 2024/25", body="Health and Wellbeing Board", decided_on=dt.date(2024, 4, 1)
    )
    made = []
    for partner, lines in LINES.items():
        for name, budget, actual, forecast in lines:
            allocation = finance_services.allocation_create_funded(
                fund=fund,
                initiative=partner,
                scheme_name=name,
                amount=Decimal(budget),
                decision=decision,
                financial_year=year,
                order=len(made),
            )
            made.append((allocation, actual, forecast))
    decision_clear_and_approve(decision)
    for allocation, actual, forecast in made:
        finance_services.spend_record(
            allocation=allocation,
            financial_year=year,
            quarter=1,
            actual=Decimal(actual),
            forecast_outturn=None if forecast is None else Decimal(forecast),
        )
    # A second fund of the programme with no figures recorded: its table says so.
    finance_services.fund_create(
        slug="small-empty", name="Small fund with no figures", kind="pooled", programme=programme, years=[year]
    )
    programme.partner_organisations = "NHS Trafford CCG\nTrafford Council"
    programme.save()
    return programme, p1, fund, year


def _cells(row) -> str:
    return "".join(
        [thousands(row.budget), thousands(row.spent), thousands(row.forecast)]
        + (["*"] if not row.forecast_given else [])
        + [thousands(row.variance), percent(row.variance_pct)]
    )


def test_the_board_pack_prints_budget_monitoring_by_partner_and_line_with_the_selectors_totals(pooled):
    programme, p1, fund, year = pooled
    pdf = bytes(pack.board_pack_render(programme=programme, period=p1).pdf)
    text = squash(pdf_text(pdf))
    report = budget_monitoring(fund=fund, year=year, quarter=1)
    total = report["tree"].subtotal
    # The totals are computed from the lines (not typed): the selector's total is the sum of what was recorded.
    assert total.budget == sum(Decimal(b) for lines in LINES.values() for _n, b, _a, _f in lines)
    assert total.forecast == Decimal("1350000") + Decimal("760000") + Decimal("512000") + Decimal("300000")
    assert total.variance == total.forecast - total.budget and total.variance_pct == Decimal("4.4")

    # Section 4: the pooled budget's monitoring as at the period's quarter, one row per partner and the total.
    assert squash("Budget monitoring as at 2024/25 Q1") in text
    assert squash("Budget Actual to date Forecast outturn Forecast variance Percentage") in text
    for partner in report["tree"].rows:
        assert squash(partner.label) + _cells(partner.subtotal) in text, partner.label
    assert "Total" + _cells(total) in text

    # The appendix: each line under its partner, each partner's sub-total, the total; bookmarked after Appendix 1.
    titles = [title for _depth, title, _page in outline(PdfReader(io.BytesIO(pdf)))]
    assert titles.index(f"Appendix 2: budget monitoring, {fund.name}") > titles.index(f"Appendix 1: {fund.name}")
    appendix_text = text[text.index(squash(f"Appendix 2: budget monitoring, {fund.name}")) :]
    for partner in report["tree"].rows:
        assert squash(partner.label) in appendix_text
        for row in (r for workstream in partner.rows for r in workstream.rows):
            assert squash(row.label) + _cells(row) in appendix_text, row.label
        assert squash(f"Sub-total {partner.label}") + _cells(partner.subtotal) in appendix_text
    assert "Total" + _cells(total) in appendix_text
    assert "(40)" in appendix_text  # an underspend in brackets, as the papers print it

    # The fund with no figures: its partners, "not given", and no made-up zeros.
    empty = text[text.index(squash("Appendix 2: budget monitoring, Small fund with no figures")) :]
    assert squash("NHS Trafford CCG Not given in the source papers") in empty
    assert squash("Trafford Council Not given in the source papers") in empty
    assert squash("no figure is made up") in empty

    assert layout_problems(pdf) == []  # every text box inside the text area
    assert "/StructTreeRoot" in PdfReader(io.BytesIO(pdf)).trailer["/Root"]


def test_the_budget_monitoring_appendix_is_also_its_own_pdf(pooled, client, make_user):
    programme, _p1, fund, year = pooled
    pdf = bytes(appendix.budget_monitoring_render(fund=fund, on=dt.date(2024, 5, 31)).pdf)
    text = squash(pdf_text(pdf))
    total = budget_monitoring(fund=fund, year=year, quarter=1)["tree"].subtotal
    assert squash(f"Appendix 2: budget monitoring, {fund.name}") in text and "Total" + _cells(total) in text
    assert layout_problems(pdf) == []

    client.force_login(make_user(Role.STEERING_GROUP, roles__programmes=[programme]))
    assert (
        reverse("reporting:budget_monitoring", args=[fund.slug])
        in client.get(reverse("reporting:index")).content.decode()
    )
    response = client.get(reverse("reporting:budget_monitoring", args=[fund.slug]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
