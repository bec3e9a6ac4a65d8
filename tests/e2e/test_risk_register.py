"""Risk register journeys in Debian's chromium: the steering group reads the heat map; a lead re-scores."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_steering_group_opens_a_heat_map_cell_and_sees_trend_and_actions(page, live_server, sign_in, e2e_demo):
    sign_in("steering")
    page.get_by_role("link", name="Risks", exact=True).click()
    cell = page.get_by_role("link", name="Likelihood 4, consequence 3, score 12 (High): 1 risk")
    assert cell.inner_text().strip() == "1"
    page.screenshot(path=str(ARTIFACTS / "risk-heat-map.png"), full_page=True)
    cell.click()
    page.wait_for_url("**consequence=3**")
    rows = page.locator("table.table tbody tr")
    assert rows.count() == 1
    assert "IT access to both systems" in rows.first.inner_text()
    assert "New" in rows.first.inner_text()  # trend column: raised this period
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Mitigating actions")).to_be_visible()
    # The action is a row of the mitigating actions table (the history of changes names it too).
    actions = page.locator("table").filter(has=page.get_by_role("columnheader", name="Owner"))
    expect(
        actions.get_by_role("cell", name="IT discussions (initiated 28 May 2015) linking with Estates planning")
    ).to_be_visible()
    expect(page.get_by_text("12 → 12 → 6")).to_be_visible()
    # A reader gets no edit controls.
    assert page.get_by_text("Re-score").count() == 0
    page.screenshot(path=str(ARTIFACTS / "risk-detail-steering.png"), full_page=True)


def test_lead_raises_and_rescores_a_risk_on_their_scheme(page, live_server, sign_in, e2e_demo):
    from risks.models import Risk

    sign_in("lead")
    page.get_by_role("link", name="Risks", exact=True).click()
    page.get_by_role("link", name="Raise a risk").click()
    page.get_by_label("Title").fill("District nurse vacancies")
    page.get_by_label("Description").fill("Vacancies in the South team delay the new model.")
    page.get_by_label("Category").select_option("workforce")
    page.get_by_label("Schemes").select_option(label="5.1 Community (District) Nursing")
    page.get_by_label("Raised on").fill("2015-06-01")
    # crispy marks required labels with "*", so the selects are found by their ids.
    page.locator("#id_likelihood").select_option("3")
    page.locator("#id_consequence").select_option("4")
    page.locator("#id_target_likelihood").select_option("2")
    page.locator("#id_target_consequence").select_option("3")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Risk raised: District nurse vacancies (score 12, High)").wait_for()

    page.get_by_text("Re-score").click()
    page.locator("#id_likelihood").select_option("4")
    page.get_by_label("Why the score changed").fill("Two more leavers in July")
    page.get_by_role("button", name="Save the new score").click()
    page.get_by_text("Risk re-scored.").wait_for()
    expect(page.get_by_text("12 → 16 → 6")).to_be_visible()
    history = page.locator("main").inner_text()
    assert "Likelihood: 3 → 4" in history and "Two more leavers in July" in history and "Sarah Gunshon" in history
    page.screenshot(path=str(ARTIFACTS / "risk-rescored-by-lead.png"), full_page=True)
    risk = Risk.objects.get(title="District nurse vacancies")
    assert [a.score for a in risk.assessments.order_by("id")] == [12, 16]
