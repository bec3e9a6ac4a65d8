"""In-app notifications (issue 21 §2): made by the services that submit, return and approve an update and
re-issue a report, for the people who would expect them, and shown to each person only."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import Notification, Verb
from reporting.highlight import highlight_report_issue
from schemes import services
from schemes.models import UpdateStatus
from tests.factories.accounts import UserFactory
from tests.factories.notifications import inbox_world, submitted_update


@pytest.fixture
def world(db):
    return inbox_world()


def submitted(w):
    return submitted_update(w)


def told(verb):
    return sorted(Notification.objects.filter(verb=verb).values_list("recipient__username", flat=True))


def test_a_submission_tells_the_programme_office_of_that_programme_only(world):
    submitted(world)
    assert told(Verb.SUBMITTED) == ["pmo", "pmo2"]
    note = Notification.objects.filter(recipient=world["pmo"]).get()
    assert note.text == f"{world['lead'].get_full_name()} submitted the update for 5.1 Community nursing (P1)."
    assert note.link == reverse("schemes:detail", args=[world["scheme"].pk]) + "?period=p1#period-heading"
    assert note.actor == world["lead"] and note.programme == world["programme"]


def test_a_return_and_an_approval_tell_the_current_lead_not_a_former_one(world):
    update = submitted(world)
    services.scheme_period_update_return(update=update, comment="Add the audit figures.", by=world["pmo"])
    assert told(Verb.RETURNED) == ["lead"]
    assert "Add the audit figures." in Notification.objects.get(verb=Verb.RETURNED).text
    update = services.scheme_period_update_submit(update=update, by=world["lead"])
    services.scheme_period_update_approve(update=update, by=world["pmo"])
    update.refresh_from_db()
    assert update.status == UpdateStatus.APPROVED and update.approved_by == world["pmo"]
    assert told(Verb.APPROVED) == ["lead"]


def test_nobody_is_told_of_what_they_did_themselves(world):
    """The programme office submitting on a lead's behalf is not told of its own submission."""
    update = services.scheme_period_update_get_or_create(scheme=world["scheme"], period=world["period"])
    services.scheme_rag_set(update=update, rag="green", reason="On track", by=world["pmo"])
    services.progress_comment_add(
        scheme=world["scheme"], period=world["period"], date=dt.date(2015, 4, 1), text="x", by=world["pmo"]
    )
    services.scheme_period_update_submit(update=update, by=world["pmo"])
    assert told(Verb.SUBMITTED) == ["pmo2"]


def test_an_approved_update_is_locked_for_the_lead(world):
    update = services.scheme_period_update_approve(update=submitted(world), by=world["pmo"])
    with pytest.raises(ValidationError):
        services.scheme_rag_set(update=update, rag="red", reason="Worse", by=world["lead"])
    with pytest.raises(ValidationError, match="already been approved"):
        services.scheme_period_update_submit(update=update, by=world["lead"])


def test_a_reissue_tells_everyone_on_the_programme_but_the_first_issue_does_not(world):
    kwargs = {"programme": world["programme"], "period": world["period"], "meeting": "Board"}
    highlight_report_issue(meeting_date=dt.date(2015, 5, 27), by=world["pmo"], **kwargs)
    assert not Notification.objects.exists()
    report = highlight_report_issue(
        meeting_date=dt.date(2015, 5, 27), by=world["pmo"], reissue=True, reason="Corrected RAG", **kwargs
    )
    assert told(Verb.REISSUED) == ["former", "lead", "pmo2", "steering"]
    note = Notification.objects.get(recipient=world["steering"])
    assert "version 2: Corrected RAG" in note.text
    assert note.link == reverse("reporting:issued", args=[report.pk])


def test_the_list_shows_only_your_own_and_marks_them_read(client, world):
    submitted(world)
    client.force_login(world["pmo"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert "1 unread" in page and "submitted the update for 5.1 Community nursing" in page
    # The navigation's count.
    assert '1<span class="visually-hidden"> unread</span>' in page
    mine = Notification.objects.get(recipient=world["pmo"])
    theirs = Notification.objects.get(recipient=world["pmo2"])
    client.post(reverse("notifications:mark_read"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None  # someone else's is untouched
    client.post(reverse("notifications:mark_read"), {"notification": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None
    page = client.get(reverse("notifications:list")).content.decode()
    assert "0 unread" in page and " unread</span>" not in page


def test_another_partnership_sees_none_of_it(client, world):
    submitted(world)
    client.force_login(world["other_pmo"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert "No notifications yet." in page and "Community nursing" not in page


def test_an_account_with_no_role_is_refused(client, db):
    client.force_login(UserFactory())
    assert client.get(reverse("notifications:list")).status_code == 403
