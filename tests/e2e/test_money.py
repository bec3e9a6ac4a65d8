"""Money journey in Debian's chromium: the programme office proposes a repurposing and previews it; the finance
officer gives clearance and approves it (nobody approves their own proposal)."""

import re

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_finance_officer_repurposes_money_with_a_preview_and_the_fund_still_reconciles(
    page, live_server, sign_in, e2e_demo
):

    sign_in("pmo")
    page.get_by_role("link", name="Money", exact=True).click()
    page.get_by_role("link", name="Trafford Transformation Fund").click()
    tree = page.locator("#allocation-tree")
    assert "21,524" in tree.inner_text() and "Grand total" in tree.inner_text()
    assert "22,000" in page.locator("#allocation-tree tfoot").inner_text()
    assert "Reconciles" in page.locator("#reconciliation").inner_text()
    page.screenshot(path=str(ARTIFACTS / "money-fund.png"), full_page=True)

    page.get_by_role("link", name="Propose a repurposing").click()
    page.locator("#id_from_0_allocation").select_option(
        label="Integrated Health & Social Care › Urgent Care › Home Care"
    )
    page.locator("#id_from_0_amount").fill("150000")
    page.locator("#id_to_0_allocation").select_option(label="New Models of Care › Training › Training")
    page.locator("#id_to_0_amount").fill("150000")
    page.locator("#id_reason").fill("Winter pressures: training for reablement staff")
    page.locator("#id_financial_year").select_option(label="2019/20")
    page.locator("#id_decision-title").fill("Winter pressures virement")
    page.locator("#id_decision-body").fill("Executive")
    page.locator("#id_decision-decided_on").fill("2019-11-20")
    page.get_by_role("button", name="Save the repurposing").click()

    page.wait_for_url(re.compile(r".*/money/decisions/\d+/$"))
    decision_url = page.url
    preview = page.locator("#preview").inner_text()
    assert "Home Care" in preview and "£4,240,000.00" in preview and "£720,000.00" in preview
    assert page.locator("#decision-status").inner_text() == "Proposed"
    # The proposer has no approve button: someone else approves.
    assert page.get_by_role("button", name="Approve: the decision has been taken").count() == 0
    assert "You proposed this decision" in page.locator("#proposer-note").inner_text()
    page.screenshot(path=str(ARTIFACTS / "money-preview.png"), full_page=True)

    page.context.clear_cookies()
    sign_in("finance")
    page.goto(decision_url)
    page.get_by_role("button", name="Give finance clearance").click()
    assert "Finance Officer" in page.locator("#finance-clearance").inner_text()
    page.get_by_role("button", name="Approve: the decision has been taken").click()
    assert page.locator("#decision-status").inner_text() == "Approved"

    page.get_by_role("link", name="Trafford Transformation Fund").click()
    assert "Reconciles" in page.locator("#reconciliation").inner_text()
    assert "22,000" in page.locator("#allocation-tree tfoot").inner_text()
    row = page.locator("#allocation-tree tr", has_text="Home Care").first.inner_text()
    assert "4,240" in row
    page.get_by_role("link", name="Movement ledger").click()
    assert "Winter pressures virement" in page.locator("#ledger").inner_text()
    page.screenshot(path=str(ARTIFACTS / "money-ledger.png"), full_page=True)
