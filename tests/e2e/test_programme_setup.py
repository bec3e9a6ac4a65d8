"""Browser journey in Debian's chromium (issue 17): a programme officer sets up reporting periods from the board's
meeting dates, invites a project lead by e-mail, and the lead accepts the link, sets a password and signs in."""

import datetime as dt
import re

import pytest
from django.core import mail

from accounts.models import User
from accounts.roles import Role, user_roles
from schemes.models import ReportingPeriod
from tests.e2e.conftest import ARTIFACTS, sign_out
from tests.factories.accounts import UserFactory
from tests.factories.schemes import ProgrammeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # the factories' password
LEAD_PASSWORD = "a-long-new-password-1"


def test_office_sets_up_periods_from_board_dates_and_invites_a_lead_who_signs_in(page, live_server, sign_in):
    programme = ProgrammeFactory(
        slug="newtown-bcf", name="Newtown BCF", start_date=dt.date(2025, 4, 1), end_date=dt.date(2027, 3, 31)
    )
    UserFactory(username="office", roles=[Role.PROGRAMME_OFFICE])

    sign_in("office", PASSWORD)
    # The navigation's link (an empty programme's dashboard also links to its set-up checklist).
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Set up").click()
    page.wait_for_url(f"{live_server.url}/setup/newtown-bcf/checklist/")
    assert page.get_by_text("There are no reporting periods.").is_visible()
    page.get_by_role("link", name="Set up reporting periods").click()
    page.wait_for_url(f"{live_server.url}/setup/newtown-bcf/periods/")

    page.get_by_label("From the board's meeting dates").check()
    page.get_by_label("The first period starts on").fill("01/04/2025")
    page.get_by_label("Board meeting dates").fill("20/05/2025\n15/07/2025\n16/09/2025")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview tbody tr")
    preview.first.wait_for()
    assert preview.count() == 3
    assert ReportingPeriod.objects.filter(programme=programme).count() == 0  # a preview saves nothing
    page.screenshot(path=str(ARTIFACTS / "setup-periods-preview.png"), full_page=True)
    page.get_by_role("button", name="Save these periods").click()
    page.get_by_text("3 reporting periods saved.").wait_for()
    rows = page.locator("#periods tbody tr")
    assert rows.count() == 3
    assert "20/05/2025" in rows.nth(0).inner_text() and "16/09/2025" in rows.nth(2).inner_text()
    assert [(p.start_date, p.end_date, p.board_date) for p in programme.periods.order_by("start_date")] == [
        (dt.date(2025, 4, 1), dt.date(2025, 5, 20), dt.date(2025, 5, 20)),
        (dt.date(2025, 5, 20), dt.date(2025, 7, 15), dt.date(2025, 7, 15)),
        (dt.date(2025, 7, 15), dt.date(2025, 9, 16), dt.date(2025, 9, 16)),
    ]

    page.get_by_role("link", name="People").click()
    page.get_by_label("E-mail address").fill("nina.lead@example.org")
    page.get_by_label("Role").select_option("Project lead")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to nina.lead@example.org").wait_for()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina.lead@example.org"]
    link = re.search(r"https?://\S+/accounts/invitation/\S+/", mail.outbox[0].body).group(0)
    sign_out(page)

    page.goto(link)
    assert page.get_by_role("heading", name="Accept your invitation").is_visible()
    page.get_by_label("Choose a password").fill(LEAD_PASSWORD)
    page.get_by_label("The same password again").fill(LEAD_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.get_by_text("Your account is ready").is_visible()
    lead = User.objects.get(email="nina.lead@example.org")
    assert user_roles(lead) == {Role.PROJECT_LEAD}

    sign_in(lead.username, LEAD_PASSWORD)
    page.wait_for_url(f"{live_server.url}/schemes/mine/")
    assert page.get_by_role("link", name="Set up").count() == 0  # a project lead does not set the programme up
    page.screenshot(path=str(ARTIFACTS / "setup-lead-signed-in.png"), full_page=True)

    # The link works once: opened again, it says so and changes nothing.
    page.goto(link)
    assert page.get_by_text("This invitation has already been used.").is_visible()
