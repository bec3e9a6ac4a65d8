"""The demo lead does a whole period's update for 5.1 in the browser (htmx, no page reloads)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_lead_does_a_whole_period_update_for_5_1(page, live_server, sign_in, e2e_demo):
    from milestones.models import Milestone
    from schemes.models import ProgressComment, SchemePeriodUpdate

    sign_in("lead")
    page.get_by_role("link", name="My schemes").click()
    page.get_by_role("link", name="5.1 Community (District) Nursing").click()
    expect(page.get_by_role("heading", name="Update for 20/05/2015 to 22/07/2015")).to_be_visible()
    page.evaluate("window.__notReloaded = true")  # proves the edits below swap in place

    # 1. Mark "Update Status Report to PRAP" complete.
    prap = Milestone.objects.get(scheme__ref="5.1", description="Update Status Report to PRAP")
    row = page.locator(f"#milestone-{prap.pk}")
    row.locator("summary", has_text="Complete").click()
    row.get_by_label("Completed on").fill("2015-07-02")
    row.get_by_role("button", name="Mark complete").click()
    page.get_by_role("status").filter(has_text="Marked complete").wait_for()

    # 2. Move another milestone's date, with a reason.
    spec = Milestone.objects.get(scheme__ref="5.1", description="New service specification to be developed")
    row = page.locator(f"#milestone-{spec.pk}")
    row.locator("summary", has_text="Move date").click()
    row.get_by_label("New date").fill("2015-08-14")
    row.get_by_label("Why is the date moving?").fill("Waiting for the outcome measures")
    row.get_by_role("button", name="Move date").click()
    page.get_by_role("status").filter(has_text="Date moved").wait_for()
    expect(
        page.locator(f"#milestone-{spec.pk}").get_by_text(
            "Deadline extended from 31/07/2015: Waiting for the outcome measures"
        )
    ).to_be_visible()

    # 3. Set the scheme RAG against the suggestion: refused without a reason, saved with one.
    page.get_by_label("Overall project status RAG", exact=True).select_option("amber")
    page.get_by_role("button", name="Save RAG").first.click()
    page.get_by_role("alert").filter(has_text="Not saved").wait_for()
    # The message is on the field, and the summary at the form links to it.
    expect(
        page.get_by_text("The rules suggest Red: write why the scheme is Amber instead.", exact=True)
    ).to_be_visible()
    expect(
        page.get_by_role("link", name="Reason: The rules suggest Red: write why the scheme is Amber instead.")
    ).to_be_visible()
    page.get_by_label("Reason (needed when it differs from the suggestion)").first.fill(
        "Business case on track for TSG"
    )
    page.get_by_role("button", name="Save RAG").first.click()
    page.get_by_role("status").filter(has_text="RAG saved").wait_for()

    # 4. Write the update with the keyboard alone.
    page.get_by_text("Write a progress comment").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Comment", exact=True).focus()
    page.keyboard.type("Liaison team co-located with the TGH discharge team in June.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # focus is on "Add comment"
    page.get_by_role("status").filter(has_text="Progress comment added").wait_for()

    # 5. Submit.
    page.get_by_role("button", name="Submit the update to the programme office").click()
    page.get_by_role("status").filter(has_text="Update submitted").wait_for()
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=str(ARTIFACTS / "lead-period-update-5.1.png"), full_page=True)

    update = SchemePeriodUpdate.objects.get(scheme__ref="5.1", period__code="2015-16-P2")
    assert (update.status, update.rag, update.rag_suggested, update.rag_reason) == (
        "submitted",
        "amber",
        "red",
        "Business case on track for TSG",
    )
    prap.refresh_from_db()
    spec.refresh_from_db()
    assert prap.completed_on == dt.date(2015, 7, 2)
    assert spec.due_date == dt.date(2015, 8, 14)
    assert ProgressComment.objects.filter(scheme__ref="5.1", text__startswith="Liaison team co-located").exists()

    # The history page shows it all, with who did it.
    page.get_by_role("link", name="History of changes").click()
    history = page.locator("main").inner_text()
    for expected in ("Submitted", "Amber", "Waiting for the outcome measures", "Sarah Gunshon", "Complete"):
        assert expected in history, expected
    page.screenshot(path=str(ARTIFACTS / "lead-period-update-5.1-history.png"), full_page=True)
