"""Issue 21 done-when: a lead completes a milestone near the bottom of the plan and is still there afterwards; an
error is read out (role="alert") and focused."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_lead_completes_a_milestone_at_the_bottom_of_the_plan_and_keeps_their_place(
    page, live_server, sign_in, e2e_demo
):
    from milestones.models import Milestone

    sign_in("lead")
    page.get_by_role("link", name="My schemes").click()
    page.get_by_role("link", name="5.1 Community (District) Nursing").click()
    expect(page.get_by_role("heading", name="Update for 20/05/2015 to 22/07/2015")).to_be_visible()

    open_ones = Milestone.objects.filter(scheme__ref="5.1", completed_on__isnull=True).order_by("due_date", "pk")
    last = list(open_ones)[-1]
    row = page.locator(f"#milestone-{last.pk}")
    row.scroll_into_view_if_needed()
    row.locator("summary", has_text="Complete").click()
    before = page.evaluate("window.scrollY")
    assert before > 800, "the row should be well down the page for this test to mean anything"

    # A date in the future: refused, the summary is announced and focused, beside the row.
    row.get_by_label("Completed on").fill("2099-01-01")
    row.get_by_role("button", name="Mark complete").click()
    alert = page.locator(f"#milestone-{last.pk}").get_by_role("alert")
    expect(alert).to_contain_text("A completion date cannot be in the future.")
    expect(alert).to_be_focused()
    assert abs(page.evaluate("window.scrollY") - before) < 400, "the page jumped away from the row"
    # The summary's link takes the user to the field.
    alert.get_by_role("link", name="Completed on: A completion date cannot be in the future.").click()
    expect(page.locator(f"#complete-{last.pk}")).to_be_focused()

    # Corrected: saved, confirmed in the row, and the page is still where the user was.
    row = page.locator(f"#milestone-{last.pk}")
    row.get_by_label("Completed on").fill("2015-07-01")
    row.get_by_role("button", name="Mark complete").click()
    expect(page.locator(f"#milestone-{last.pk}").get_by_role("status")).to_contain_text("Marked complete")
    assert abs(page.evaluate("window.scrollY") - before) < 400, "the page jumped away from the row"
    last.refresh_from_db()
    assert str(last.completed_on) == "2015-07-01"
