"""The weekly e-mail of what is due (issue 21 §2): sent to leads who opted in, by the schedule or the command,
rendered for real into Django's locmem outbox, listing only what the lead may see, once a week."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import Role
from notifications.models import DigestPreference
from schemes import services
from schemes.tasks import send_weekly_digests
from tests.factories.accounts import UserFactory
from tests.factories.milestones import MilestoneFactory
from tests.factories.notifications import inbox_world, submitted_update
from tests.factories.schemes import SchemeFactory, SchemeLeadFactory

MONDAY = dt.date(2026, 11, 30)


@pytest.fixture
def world(db, settings):
    settings.SITE_URL = "https://bcf.example.org"
    w = inbox_world()
    w["lead"].email = "lead@example.org"
    w["lead"].save()
    MilestoneFactory(scheme=w["scheme"], description="Recruit two nurses", baseline_date=dt.date(2015, 4, 30))
    # Someone else's scheme in the same programme, and a scheme of another partnership: never in this lead's mail.
    theirs = SchemeFactory(programme=w["programme"], ref="6.1", name="Someone else's scheme")
    SchemeLeadFactory(scheme=theirs, user=UserFactory(roles=[Role.PROJECT_LEAD], roles__programmes=[w["programme"]]))
    MilestoneFactory(scheme=theirs, description="Not yours", baseline_date=dt.date(2015, 4, 30))
    other = w["other_pmo"].memberships.get().programme
    SchemeFactory(programme=other, ref="1.1", name="Northern scheme")
    return w


def opt_in(user):
    DigestPreference.objects.create(user=user, weekly_digest=True)


def test_a_lead_who_opted_in_gets_what_is_due_on_their_schemes_only(world):
    opt_in(world["lead"])
    outcome = services.weekly_digests_send(today=MONDAY)
    assert outcome.sent == 1
    (message,) = mail.outbox
    assert message.to == ["lead@example.org"]
    assert message.subject == "What is due on your schemes: 1 update(s), 1 overdue milestone(s)"
    body = message.body
    assert "5.1 Community nursing" in body
    assert "- Update for P1 (18/03/2015 to 20/05/2015): not yet submitted" in body
    assert "- Overdue: Recruit two nurses (due 30/04/2015)" in body
    link = reverse("schemes:detail", args=[world["scheme"].pk])
    assert f"Open: https://bcf.example.org{link}?period=p1" in body
    assert f"https://bcf.example.org{reverse('notifications:digest')}" in body  # how to stop them
    assert "Someone else's scheme" not in body and "Not yours" not in body and "Northern scheme" not in body


def test_once_a_week_and_not_to_those_who_did_not_opt_in(world):
    services.weekly_digests_send(today=MONDAY)
    assert mail.outbox == []  # nobody opted in yet
    opt_in(world["lead"])
    assert services.weekly_digests_send(today=MONDAY).sent == 1
    assert services.weekly_digests_send(today=MONDAY + dt.timedelta(days=3)).already_sent == 1
    assert len(mail.outbox) == 1
    assert services.weekly_digests_send(today=MONDAY + dt.timedelta(days=7)).sent == 1
    assert len(mail.outbox) == 2


def test_nothing_due_sends_nothing(world):
    opt_in(world["lead"])
    submitted_update(world)
    world["scheme"].milestones.update(status="cancelled")
    outcome = services.weekly_digests_send(today=MONDAY)
    assert (outcome.sent, outcome.nothing_due) == (0, 1) and mail.outbox == []


def test_the_command_and_the_scheduled_task_send_it(world):
    opt_in(world["lead"])
    assert send_weekly_digests.apply().get()["sent"] == 1
    out = io.StringIO()
    call_command("send_weekly_digest", stdout=out)
    assert "0 sent" in out.getvalue() and "1 already sent this week" in out.getvalue()
    call_command("send_weekly_digest", "--again", stdout=out)
    assert len(mail.outbox) == 2


def test_the_schedule_has_it_weekly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["weekly-digest"]
    assert entry["task"] == "schemes.tasks.send_weekly_digests"
    assert entry["schedule"].day_of_week == {1}  # Monday


def test_a_lead_opts_in_and_out_on_a_page(client, world):
    client.force_login(world["lead"])
    url = reverse("notifications:digest")
    page = client.get(url).content.decode()
    assert "lead@example.org" in page and "checked" not in page
    client.post(url, {"weekly_digest": "on"})
    assert DigestPreference.objects.get(user=world["lead"]).weekly_digest is True
    assert "checked" in client.get(url).content.decode()
    client.post(url, {})
    assert DigestPreference.objects.get(user=world["lead"]).weekly_digest is False
