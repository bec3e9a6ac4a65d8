"""Issue 21 §2, by visible labels: the programme office finds a submitted update from its inbox and returns it;
the lead sees the notification and marks it read."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _submit_as_lead():
    """The lead's part, done through the services (the lead's own journey is test_lead_period_update.py)."""
    from accounts.models import User
    from schemes import services
    from schemes.models import Scheme
    from schemes.selectors import period_current

    lead = User.objects.get(username="lead")
    scheme = Scheme.objects.get(programme__slug="trafford-bcf-2015-16", ref="5.1")
    period = period_current(programme=scheme.programme)
    update = services.scheme_period_update_get_or_create(scheme=scheme, period=period, by=lead)
    services.scheme_rag_set(update=update, rag="amber", reason="Business case on track for TSG", by=lead)
    services.progress_comment_add(
        scheme=scheme, period=period, date=period.default_date(), text="Liaison team moved in.", by=lead
    )
    services.scheme_period_update_submit(update=update, by=lead)
    return update


def test_office_returns_a_submitted_update_from_its_inbox_and_the_lead_is_told(page, live_server, sign_in, e2e_demo):
    from schemes.models import SchemePeriodUpdate, UpdateStatus

    update = _submit_as_lead()

    sign_in("pmo")
    page.get_by_role("link", name="Inbox").click()
    waiting = page.get_by_role("table", name="Submitted, waiting for you (1)")
    expect(waiting).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "inbox-office.png"))  # README's docs/inbox.png
    waiting.get_by_role("link", name="5.1 Community (District) Nursing").click()

    page.get_by_label("Return to the project lead: what needs to change").fill("Add the audit figures for June.")
    page.get_by_role("button", name="Return the update").click()
    page.get_by_role("status").filter(has_text="Update returned to the project lead.").wait_for()
    update.refresh_from_db()
    assert update.status == UpdateStatus.RETURNED
    # Back in the inbox, it is now with the lead.
    page.get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("table", name="Returned to the lead (1)")).to_contain_text("5.1 Community (District)")
    sign_out(page)

    sign_in("lead")
    page.get_by_role("link", name="Notifications 1 unread").click()
    note = page.get_by_role("link", name="returned the update for 5.1 Community (District) Nursing", exact=False)
    expect(note).to_contain_text("Add the audit figures for June.")
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_text("0 unread.")).to_be_visible()
    note.click()
    expect(page.get_by_text("Returned with")).to_be_visible()
    assert SchemePeriodUpdate.objects.get(pk=update.pk).return_comment == "Add the audit figures for June."
