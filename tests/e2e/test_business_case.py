"""Business case journey in Debian's chromium (issue 20): a project lead drafts a case for their scheme with two
scenarios (a 19-day and a 15-day process), the programme office (not the lead) approves it by the board's recorded
decision, and a quarter of the metric's actuals shows realised against planned on the case's page.

Lean on purpose: one programme, one scheme, two people and a metric with three months of actuals (not the demo).
"""

import re
from decimal import Decimal

import pytest

from accounts.roles import Role
from schemes import services as scheme_services
from schemes.models import ApprovalOutcome
from tests.e2e.conftest import ARTIFACTS
from tests.factories.accounts import UserFactory
from tests.factories.metrics import MetricFactory, metric_month
from tests.factories.schemes import ProgrammeFactory, SchemeFactory, SchemeLeadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # the factories' password
# A label's text starts with the template's white space; "Months in the first year" must not match.
FIRST_YEAR = re.compile(r"^\s*First year")


def _scenario(page, name: str):
    """A scenario's card, found by its heading."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(name)}"))


def _open(scope, summary: str) -> None:
    """Open a folded form by its visible summary (its button may say the same words)."""
    scope.locator("summary", has_text=summary).click()


def test_lead_drafts_two_scenarios_office_approves_and_a_quarter_shows_realised(page, live_server, sign_in):
    programme = ProgrammeFactory(slug="manchester", name="Manchester CICB")
    scheme = SchemeFactory(programme=programme, ref="1", name="Continuing healthcare at the MRI")
    lead = UserFactory(username="lead", roles=[Role.PROJECT_LEAD])
    office = UserFactory(username="office", roles=[Role.PROGRAMME_OFFICE])
    SchemeLeadFactory(scheme=scheme, user=lead)
    scheme_services.approval_record(
        scheme=scheme, body="CICB", item="Full business case", outcome=ApprovalOutcome.APPROVED, by=office
    )
    metric = MetricFactory(
        scheme=scheme, name="CHC delayed bed days", frequency="monthly", baseline_value=Decimal("380")
    )
    for month, actual in (("2013-04", "190"), ("2013-05", "200"), ("2013-06", "200")):
        metric_month(metric, month, plan="190", actual=actual)

    # The lead drafts the case: the team, the bed days it saves, and a second scenario varying the days.
    sign_in("lead", PASSWORD)
    page.get_by_role("link", name="Business cases", exact=True).click()
    page.get_by_role("link", name="Start a business case").click()
    page.get_by_label("Title").fill("Continuing healthcare")
    page.get_by_label("Scheme").select_option(label=str(scheme))
    page.get_by_label(FIRST_YEAR).fill("2012")
    page.get_by_label(re.compile(r"^\s*Years")).fill("3")
    page.get_by_role("button", name="Start the case").click()
    page.wait_for_url(re.compile(r".*/cases/\d+/$"))
    case_url = page.url
    assert page.locator("#case-status").inner_text() == "Outline business case"

    baseline = _scenario(page, "Baseline")
    _open(baseline, "Add investment")
    form = baseline.locator("details", has_text="Add investment")
    form.get_by_label("Description").fill("Care coordination team")
    form.get_by_label("Kind").select_option(label="Recurrent (a year's cost, every year)")
    form.get_by_label("Amount").fill("104000")
    form.get_by_label(FIRST_YEAR).fill("2012")
    form.get_by_label("Months in the first year").fill("7")
    form.get_by_label("Why (source or assumption)").fill("Team from September 2012")
    form.get_by_role("button", name="Add investment").click()
    assert "Investment added." in page.locator("main").inner_text()

    baseline = _scenario(page, "Baseline")
    _open(baseline, "Add a benefit")
    form = baseline.locator("details", has_text="Add a benefit")
    form.get_by_label("Description").fill("Bed days saved by a 19-day process")
    form.get_by_label("Activity avoided a year").fill("2280")
    form.get_by_label("Activity unit").fill("bed days")
    form.get_by_label(re.compile(r"^\s*Unit cost \(£\)")).fill("250")
    form.get_by_label("Unit cost source").fill("Basic elderly care bed day 2010/11")
    form.get_by_label(FIRST_YEAR).fill("2013")
    form.get_by_label("Share per commissioner or partner").fill(
        "Central Manchester CCG 70\nNorth Manchester CCG 15\nSouth Manchester CCG 15"
    )
    form.get_by_label("Why (source or assumption)").fill("Assessment and discharge cut to 19 days")
    form.get_by_role("button", name="Add benefit").click()
    assert "Benefit added." in page.locator("main").inner_text()

    _open(page, "Add a scenario")
    form = page.locator("details", has_text="Add a scenario")
    form.get_by_label("Name").fill("15-day process")
    form.get_by_label("Copy from").select_option(label="Baseline")
    form.get_by_role("button", name="Add scenario").click()
    change = _scenario(page, "15-day process").locator("details", has_text="Change activity")
    _open(change, "Change activity")
    change.get_by_label("Activity avoided a year").fill("2760")
    change.get_by_label("Why it changes").fill("A 15-day process saves 2,760 bed days")
    change.get_by_role("button", name="Save").click()
    assert "Benefit changed." in page.locator("main").inner_text()

    # Side by side: the paper's (61), 466, 466 for 19 days, and 2,760 × £250 − £104,000 = 586 for 15 days.
    assert _scenario(page, "Baseline").locator(".net-k").all_inner_texts() == ["(61)", "466", "466"]
    assert _scenario(page, "15-day process").locator(".net-k").all_inner_texts() == ["(61)", "586", "586"]
    # The lead proposed it, so the lead cannot approve it.
    assert page.get_by_text("Record the decision").count() == 0
    page.screenshot(path=str(ARTIFACTS / "case-scenarios.png"), full_page=True)

    # The programme office approves it by the board's recorded decision, and says how the benefit is measured.
    page.context.clear_cookies()
    sign_in("office", PASSWORD)
    page.goto(case_url)
    _open(page, "Record the decision")
    page.get_by_label("Decision").select_option(label="Full business case – CICB")
    page.get_by_role("button", name="Record the decision").click()
    assert page.locator("#case-status").inner_text() == "Approved"
    assert page.get_by_text("Add a scenario").count() == 0  # decided: no longer changes

    measure = page.locator("li", has_text="Bed days saved by a 19-day process")
    _open(measure, "Measure by a metric")
    measure.get_by_label("Measured by metric or KPI").select_option(label="CHC delayed bed days")
    measure.get_by_role("button", name="Save").click()
    assert "Measure set." in page.locator("main").inner_text()

    # 2013/14 Q1: (380 − 190) + (380 − 200) + (380 − 200) = 550 bed days × £250 = £137,500 realised, against
    # 2,280 ÷ 4 × £250 = £142,500 planned; 590 bed days against the 570 the case expects is off track.
    quarter = page.locator("#realisation-table tr", has_text="2013/14 Q1").inner_text()
    assert re.split(r"\s+", quarter.strip()) == ["2013/14", "Q1", "£142,500.00", "£137,500.00", "Not", "on", "track"]
    assert page.locator("#realised-to-date").inner_text() == "£137,500.00"
    assert page.locator("#reinvestment").inner_text() == "£137,500.00"
    page.screenshot(path=str(ARTIFACTS / "case-realised.png"), full_page=True)
