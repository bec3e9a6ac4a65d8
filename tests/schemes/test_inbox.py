"""The inbox (issue 21 §2): the programme office finds the period's updates by status, one click from each; a
lead sees what is due on their schemes; the navigation counts what is waiting; another partnership sees none."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from schemes import services
from tests.factories.accounts import UserFactory
from tests.factories.milestones import MilestoneFactory
from tests.factories.notifications import inbox_world, submitted_update
from tests.factories.schemes import ReportingPeriodFactory, SchemeFactory, SchemeLeadFactory


@pytest.fixture
def world(db):
    return inbox_world()


def _group(html: str, label: str) -> str:
    """The part of the page under one group's heading, up to the next."""
    start = html.index(f">{label} (")
    end = html.find("<h3", start)
    return html[start : end if end != -1 else len(html)]


def test_the_office_finds_a_submitted_update_and_opens_it_in_one_click(client, world):
    quiet = SchemeFactory(programme=world["programme"], ref="5.2", name="Falls service")
    submitted_update(world)
    client.force_login(world["pmo"])
    html = client.get(reverse("schemes:inbox")).content.decode()
    waiting = _group(html, "Submitted, waiting for you")
    link = reverse("schemes:detail", args=[world["scheme"].pk]) + "?period=p1#period-heading"
    assert "(1)" in waiting and f'href="{link}"' in waiting and "5.1 Community nursing" in waiting
    assert "Falls service" in _group(html, "Not yet submitted") and "Falls service" not in waiting
    assert "1 waiting for you" in html
    assert '1<span class="visually-hidden"> waiting</span>' in html  # the navigation's badge
    # Returned, it moves to the lead's group and the badge empties.
    update = world["scheme"].period_updates.get()
    services.scheme_period_update_return(update=update, comment="Add figures", by=world["pmo"])
    html = client.get(reverse("schemes:inbox")).content.decode()
    assert "5.1 Community nursing" in _group(html, "Returned to the lead")
    assert "0 waiting for you" in html and " waiting</span>" not in html
    assert quiet.pk  # listed though it has no update at all


def test_a_lead_sees_what_is_due_with_overdue_as_at_today(client, world):
    MilestoneFactory(scheme=world["scheme"], description="Recruit two nurses", baseline_date=dt.date(2015, 4, 30))
    MilestoneFactory(scheme=world["scheme"], description="Far future", baseline_date=dt.date(2099, 1, 1))
    client.force_login(world["lead"])
    html = client.get(reverse("schemes:inbox")).content.decode()
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"1 update to submit; 1 milestone overdue as at {today}." in html
    assert "Recruit two nurses" in html and "Far future" not in html
    assert "Period updates" not in html  # the office's lists are not a lead's
    submitted_update(world)
    html = client.get(reverse("schemes:inbox")).content.decode()
    assert "0 updates to submit" in html


def test_another_partnership_sees_nothing_of_this_programme(client, world):
    submitted_update(world)
    other = world["other_pmo"].memberships.get().programme
    ReportingPeriodFactory(programme=other, code="n1")
    SchemeFactory(programme=other, ref="1.1", name="Northern scheme")
    client.force_login(world["other_pmo"])
    html = client.get(reverse("schemes:inbox")).content.decode()
    assert "Community nursing" not in html and "Northern scheme" in html
    assert "0 waiting for you" in html
    # Naming the programme does not help: it is as missing as a wrong one.
    url = reverse("schemes:inbox") + f"?programme={world['programme'].slug}"
    assert client.get(url).status_code == 404


def test_a_role_without_an_inbox_is_told_so(client, world):
    client.force_login(world["steering"])
    html = client.get(reverse("schemes:inbox")).content.decode()
    assert "the inbox is for the programme office and project leads" in html


def test_inbox_queries_do_not_grow_with_schemes(client, world):
    client.force_login(world["pmo"])
    url = reverse("schemes:inbox")
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(8):
        scheme = SchemeFactory(programme=world["programme"], ref=f"7.{n}")
        SchemeLeadFactory(scheme=scheme, user=UserFactory(roles=[Role.PROJECT_LEAD]))
    assert count() == few
