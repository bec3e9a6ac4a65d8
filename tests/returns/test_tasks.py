"""The Celery tasks: one draft however often or concurrently the build runs, the daily schedule, reminders."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.jobs import STALE_MARGIN
from core.models import BackgroundJob, JobState
from returns import services, tasks
from returns.models import QuarterlyReturn, UpdateReminder
from schemes.models import ReportingPeriod
from tests.conftest import requirement
from tests.factories.jobs import return_job

Q1 = "2015-16-Q1"


def test_the_build_task_is_reliable_by_configuration():
    task = tasks.build_quarterly_return
    assert task.acks_late and task.reject_on_worker_lost
    assert task.max_retries == 3 and task.retry_backoff
    assert set(task.autoretry_for) >= set(tasks.RETRYABLE)
    assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit


def test_running_the_task_twice_leaves_exactly_one_draft(programme, pmo):
    job = return_job(programme=programme, quarter=Q1, by=pmo)
    first = tasks.build_quarterly_return.apply(args=[job.pk]).get()
    redelivered = tasks.build_quarterly_return.apply(args=[job.pk]).get()  # a done job is left as it is
    job.refresh_from_db()
    assert (job.state, job.result, job.attempts) == (JobState.DONE, {"quarterly_return": first}, 1)
    assert redelivered == first
    # A second job for the quarter refreshes the same draft.
    second = tasks.build_quarterly_return.apply(args=[return_job(programme=programme, quarter=Q1).pk]).get()
    assert first == second
    assert QuarterlyReturn.objects.filter(programme=programme, quarter=Q1).count() == 1


def test_the_task_records_a_refusal_on_the_job_without_retrying(programme):
    job = return_job(programme=programme, quarter="2014-15-Q4")
    assert tasks.build_quarterly_return.apply(args=[job.pk]).get() is None
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "is before Trafford Better Care Fund 2015/16 starts" in job.error
    assert not QuarterlyReturn.objects.exists()


def test_the_database_allows_only_one_draft_per_programme_and_quarter(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter=Q1, by=pmo)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterlyReturn.objects.create(
            programme=programme, quarter=Q1, revision=2, template_year="2015-16", correction_reason="a second draft"
        )
    assert QuarterlyReturn.objects.get(programme=programme, quarter=Q1) == draft


@pytest.mark.django_db(transaction=True)
def test_concurrent_builds_converge_on_one_draft(request):
    if connection.vendor != "postgresql":
        # Skipped locally on SQLite; CI (WORKER_REQUIRED=1, on PostgreSQL) fails instead of skipping.
        requirement(
            "WORKER_REQUIRED",
            "concurrent writers need PostgreSQL (SQLite allows one writer and its test database is in memory)",
        )
    request.getfixturevalue("demo")  # loaded once the test is known to run (not skipped)
    from schemes.models import Programme

    programme = Programme.objects.get(slug="trafford-bcf-2015-16")
    barrier, errors, ids = threading.Barrier(3), [], []

    def build():
        try:
            barrier.wait()
            ids.append(services.quarterly_return_build(programme=programme, quarter=Q1).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(set(ids)) == 1 and len(ids) == 3
    assert QuarterlyReturn.objects.filter(programme=programme, quarter=Q1).count() == 1


def test_beat_runs_both_daily_tasks():
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    # The returns' two daily tasks, and (issue 21) the weekly e-mail of what is due.
    assert schedule == {
        "returns.tasks.draft_due_returns",
        "returns.tasks.send_update_reminders",
        "schemes.tasks.send_weekly_digests",
    }
    from config.celery import app

    app.loader.import_default_modules()  # what a worker and beat do on start: autodiscover every app's tasks
    assert schedule <= set(app.tasks.keys())


def test_the_schedule_drafts_each_due_quarter_once(programme, django_capture_on_commit_callbacks, settings):
    settings.RETURN_DRAFT_DAYS_AFTER_QUARTER = 10
    # Q1 ended 30/06/2015: not due on 09/07, due from 10/07.
    assert services.returns_due(today=dt.date(2015, 7, 9)) == []
    with django_capture_on_commit_callbacks(execute=True):
        jobs = services.returns_due_queue(today=dt.date(2015, 7, 10))
    assert [(j.subject, j.scheduled) for j in jobs] == [(Q1, True)]
    assert BackgroundJob.objects.get().state == JobState.DONE
    assert QuarterlyReturn.objects.get().quarter == Q1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.returns_due_queue(today=dt.date(2015, 7, 11)) == []
    assert QuarterlyReturn.objects.count() == 1


def test_the_daily_task_drafts_every_past_quarter_of_the_programme(programme, django_capture_on_commit_callbacks):
    # The demo's programmes with schemes: Trafford 2015/16 and Northdale 2025/26 (issue 18), each year its own
    # template; the funds' own programmes have no BCF plan to return on.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.draft_due_returns.apply().get() == 8
    assert sorted(QuarterlyReturn.objects.values_list("programme__slug", "quarter", "template_year")) == [
        ("northdale-bcf-2025-26", f"2025-26-Q{n}", "2025-26") for n in (1, 2, 3, 4)
    ] + [("trafford-bcf-2015-16", f"2015-16-Q{n}", "2015-16") for n in (1, 2, 3, 4)]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.draft_due_returns.apply().get() == 0


@pytest.fixture
def emails(demo):
    from accounts.models import Membership

    User.objects.filter(username="lead").update(email="sarah.gunshon@example.org")
    User.objects.filter(username="pmo").update(email="bcf-pmo@example.org")
    # The demo grants its roles on the day it is loaded; these reminders run in July 2015, when they were held.
    Membership.objects.update(start_date=dt.date(2015, 4, 1))


def test_the_summary_goes_to_who_holds_the_programme_office_role_on_that_programme_that_day(emails, settings):
    """Recipients come from memberships (user × programme × role, with dates), never from the role's group."""
    from django.contrib.auth.models import Group

    from accounts.models import Role
    from accounts.services import membership_grant
    from schemes.models import Programme

    settings.REMINDER_DAYS_BEFORE_STEERING = 5
    trafford = Programme.objects.get(slug="trafford-bcf-2015-16")
    northdale = Programme.objects.get(slug="northdale-bcf-2025-26")
    office_group = Group.objects.get(name=Role.PROGRAMME_OFFICE)

    def person(username, *, in_group):
        user = User.objects.create_user(username=username, email=f"{username}@example.org")
        if in_group:
            user.groups.add(office_group)
        return user

    # In the group, but their membership on Trafford ended before the reminders ran.
    lapsed = person("lapsed", in_group=True)
    membership_grant(
        user=lapsed,
        programme=trafford,
        role=Role.PROGRAMME_OFFICE,
        start_date=dt.date(2015, 4, 1),
        end_date=dt.date(2015, 6, 30),
    )
    # In the group, programme office of another partnership's programme only.
    elsewhere = person("elsewhere", in_group=True)
    membership_grant(user=elsewhere, programme=northdale, role=Role.PROGRAMME_OFFICE, start_date=dt.date(2015, 4, 1))
    # Not in the group: programme office on Trafford by membership alone, from the start of July.
    member = person("member", in_group=False)
    membership_grant(user=member, programme=trafford, role=Role.PROGRAMME_OFFICE, start_date=dt.date(2015, 7, 1))
    # A lead of Trafford with an address: a member of the programme, but not its office.
    person("trafford-lead", in_group=False)
    membership_grant(
        user=User.objects.get(username="trafford-lead"),
        programme=trafford,
        role=Role.PROJECT_LEAD,
        start_date=dt.date(2015, 4, 1),
    )

    sent = services.update_reminders_send(today=dt.date(2015, 7, 17))
    summaries = sorted(m.to[0] for m in mail.outbox if m.subject.startswith("7 period update(s) missing"))
    assert summaries == ["bcf-pmo@example.org", "member@example.org"]
    assert sent == {"leads": 1, "summaries": 2, "failed": 0}


def test_extra_summary_addresses_belong_to_one_programme_and_get_only_its_summary(emails, settings):
    """The addresses beside the office's members are the programme's own (its set-up page), not install-wide: one
    partnership's summary of missing updates never goes to another partnership's mailbox."""
    from schemes.models import Programme

    settings.REMINDER_DAYS_BEFORE_STEERING = 5
    Programme.objects.filter(slug="trafford-bcf-2015-16").update(reminder_summary_emails="trafford-team@example.org")
    Programme.objects.filter(slug="northdale-bcf-2025-26").update(reminder_summary_emails="northdale-team@example.org")
    services.update_reminders_send(today=dt.date(2015, 7, 17))
    summaries = sorted(m.to[0] for m in mail.outbox if "missing before the steering group" in m.subject)
    assert summaries == ["bcf-pmo@example.org", "trafford-team@example.org"]


def test_a_lead_who_no_longer_holds_a_role_is_not_reminded_and_the_office_is_told(emails, settings):
    from accounts.models import Membership

    settings.REMINDER_DAYS_BEFORE_STEERING = 5
    Membership.objects.filter(user__username="lead").update(end_date=dt.date(2015, 6, 30))
    sent = services.update_reminders_send(today=dt.date(2015, 7, 17))
    assert sent == {"leads": 0, "summaries": 1, "failed": 0}
    assert [m.to for m in mail.outbox] == [["bcf-pmo@example.org"]]
    summary = mail.outbox[0].body
    assert "Leads who no longer hold a role on the programme (not reminded):" in summary
    assert "5.1 Community (District) Nursing" in summary.split("not reminded):")[-1]


def test_reminders_email_leads_with_missing_updates_and_the_programme_office_a_summary(emails, settings):
    settings.REMINDER_DAYS_BEFORE_STEERING = 5
    # Period 2015-16-P2: the steering group meets on 22/07/2015.
    assert services.update_reminders_send(today=dt.date(2015, 7, 16)) == {"leads": 0, "summaries": 0, "failed": 0}
    assert mail.outbox == []
    sent = services.update_reminders_send(today=dt.date(2015, 7, 17))
    assert sent == {"leads": 1, "summaries": 1, "failed": 0}
    to_lead = next(m for m in mail.outbox if m.to == ["sarah.gunshon@example.org"])
    assert to_lead.subject == "Update needed before the steering group on 22/07/2015"
    assert "5.1 Community (District) Nursing" in to_lead.body and "5.2 End of Life" in to_lead.body
    assert "5.3" not in to_lead.body
    summary = next(m for m in mail.outbox if m.to == ["bcf-pmo@example.org"])
    assert summary.subject == "7 period update(s) missing before the steering group on 22/07/2015"
    assert "Leads with no email address (not reminded):" in summary.body and "Marion Ross" in summary.body
    # Again the next day, or twice the same day: nothing new is sent.
    assert services.update_reminders_send(today=dt.date(2015, 7, 18)) == {"leads": 0, "summaries": 0, "failed": 0}
    assert len(mail.outbox) == 2
    assert UpdateReminder.objects.count() == 2


def test_reminders_skip_closed_periods_and_submitted_updates(emails, settings, pmo):
    from schemes.models import Scheme, SchemePeriodUpdate

    period = ReportingPeriod.objects.get(code="2015-16-P2")
    for scheme in Scheme.objects.filter(ref__in=["5.1", "5.2"]):
        update, _ = SchemePeriodUpdate.objects.get_or_create(scheme=scheme, period=period)
        SchemePeriodUpdate.objects.filter(pk=update.pk).update(status="submitted")
    sent = services.update_reminders_send(today=dt.date(2015, 7, 20))
    assert sent == {"leads": 0, "summaries": 1, "failed": 0}
    assert "5.1" not in mail.outbox[0].body and "5.3" in mail.outbox[0].body
    ReportingPeriod.objects.filter(pk=period.pk).update(is_closed=True)
    UpdateReminder.objects.all().delete()
    assert services.update_reminders_send(today=dt.date(2015, 7, 20)) == {"leads": 0, "summaries": 0, "failed": 0}


def test_the_reminder_task_runs_through_celery(emails):
    # Today is long after the demo's steering groups: nothing is due, and the task says so.
    assert tasks.send_update_reminders.apply().get() == {"leads": 0, "summaries": 0, "failed": 0}


def test_one_refused_address_does_not_stop_the_other_reminders(emails, settings, caplog):
    from tests.returns.mail_backends import REFUSED

    settings.EMAIL_BACKEND = "tests.returns.mail_backends.RefusesOneAddress"
    settings.REMINDER_DAYS_BEFORE_STEERING = 5
    # The lead's address is refused; the programme office's summaries still go.
    User.objects.filter(username="lead").update(email=REFUSED)
    from schemes.models import Programme

    Programme.objects.filter(slug="trafford-bcf-2015-16").update(reminder_summary_emails="office@example.org")
    sent = services.update_reminders_send(today=dt.date(2015, 7, 17))
    assert sent == {"leads": 0, "summaries": 2, "failed": 1}
    assert sorted(m.to[0] for m in mail.outbox) == ["bcf-pmo@example.org", "office@example.org"]
    assert not UpdateReminder.objects.filter(recipient=REFUSED).exists()  # so the next run tries it again
    assert f"to {REFUSED} not sent" in caplog.text
    User.objects.filter(username="lead").update(email="sarah.gunshon@example.org")
    again = services.update_reminders_send(today=dt.date(2015, 7, 18))
    assert again == {"leads": 1, "summaries": 0, "failed": 0}


# --- Jobs whose worker went quiet -----------------------------------------------------------------


def _aged(job, *, seconds):
    BackgroundJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=seconds))
    job.refresh_from_db()
    return job


def _limit():
    return tasks.build_quarterly_return.time_limit + STALE_MARGIN.total_seconds()


def test_a_job_lost_with_its_worker_is_failed_and_the_schedule_queues_the_quarter_again(
    programme, django_capture_on_commit_callbacks, settings
):
    settings.RETURN_DRAFT_DAYS_AFTER_QUARTER = 10
    lost = _aged(return_job(programme=programme, quarter=Q1, state=JobState.RUNNING), seconds=_limit() + 5)
    recent = _aged(return_job(programme=programme, quarter="2015-16-Q2"), seconds=_limit() - 60)
    due = services.returns_due(today=dt.date(2015, 10, 31))
    assert [q.code for _p, q in due] == [Q1]  # Q2's job is still within the time limit: busy
    lost.refresh_from_db()
    assert (lost.state, lost.error) == (JobState.FAILED, "The worker stopped before finishing; build again.")
    assert lost.finished_at is not None
    recent.refresh_from_db()
    assert recent.state == JobState.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        job = services.return_job_queue(programme=programme, quarter=Q1)
    assert job.pk != lost.pk
    job.refresh_from_db()
    assert job.state == JobState.DONE


def test_the_status_partial_shows_a_stale_job_as_failed_and_stops_polling(demo_client, programme):
    job = _aged(
        return_job(programme=programme, quarter=Q1, state=JobState.RUNNING, step="Writing"),
        seconds=_limit() + 5,
    )
    html = demo_client("pmo").get(reverse("returns:job", args=[job.pk])).content.decode()
    assert "The worker stopped before finishing; build again." in html
    assert "hx-trigger" not in html
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    page = demo_client("pmo").get(reverse("returns:detail", args=[programme.slug, Q1])).content.decode()
    assert "Failed: The worker stopped before finishing; build again." in page


def test_a_stale_job_picked_up_late_still_finishes(programme):
    job = _aged(return_job(programme=programme, quarter=Q1), seconds=_limit() + 5)
    services.return_jobs_stale_fail()
    tasks.build_quarterly_return.apply(args=[job.pk]).get()
    job.refresh_from_db()
    assert (job.state, job.error, job.attempts) == (JobState.DONE, "", 1)


@pytest.mark.django_db(transaction=True)
def test_a_build_waiting_for_another_reads_the_data_as_it_stands_once_it_has_the_lock(request):
    """A build that waited behind another must not write the draft from what it read before it waited."""
    import time

    from schemes.models import Programme, ProgressComment

    if connection.vendor != "postgresql":
        requirement("WORKER_REQUIRED", "a build waiting on another's lock needs PostgreSQL (SQLite has one writer)")
    request.getfixturevalue("demo")  # loaded once the test is known to run (not skipped)
    programme = Programme.objects.get(slug="trafford-bcf-2015-16")
    comment = ProgressComment.objects.filter(scheme__programme=programme, date__month=5, date__year=2015).first()
    results, errors = [], []

    def build():
        try:
            results.append(services.quarterly_return_build(programme=programme, quarter=Q1))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        # Stands in for another build holding the programme while the data changes under it.
        Programme.objects.select_for_update().filter(pk=programme.pk).first()
        waiting = threading.Thread(target=build)
        waiting.start()
        with connection.cursor() as cursor:
            for _ in range(200):  # until the other build is waiting for the lock
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the second build never waited for the programme's lock")
        ProgressComment.objects.filter(pk=comment.pk).update(text="Changed while the other build waited.")
    waiting.join(60)
    assert errors == []
    assert "Changed while the other build waited." in results[0].answers.get(code="narrative.progress").value


@pytest.mark.django_db(transaction=True)
def test_two_quick_build_now_clicks_queue_one_job(request):
    """The second click waits for the first's lock on the programme, then finds its job instead of adding one."""
    import time

    from schemes.models import Programme

    if connection.vendor != "postgresql":
        requirement("WORKER_REQUIRED", "two requests racing for the programme's lock need PostgreSQL")
    request.getfixturevalue("demo")  # loaded once the test is known to run (not skipped)
    programme = Programme.objects.get(slug="trafford-bcf-2015-16")
    found, errors = [], []

    def second_click():
        try:
            found.append(services.return_job_queue(programme=programme, quarter=Q1).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        # The first click, part way through: it holds the programme and is about to add its job.
        Programme.objects.select_for_update().filter(pk=programme.pk).first()
        waiting = threading.Thread(target=second_click)
        waiting.start()
        with connection.cursor() as cursor:
            for _ in range(100):
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the second click did not wait for the first")
        first = return_job(programme=programme, quarter=Q1, step="Waiting for a worker")
    waiting.join(60)
    assert errors == []
    assert found == [first.pk]
    assert BackgroundJob.objects.count() == 1
