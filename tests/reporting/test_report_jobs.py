"""Large programmes: the report is built by a Celery task, the page shows its progress, failures offer a retry."""

import datetime as dt
import io
import time

import pytest
from django.urls import reverse

from core.models import BackgroundJob, JobState
from reporting.jobs import REPORT_JOB
from reporting.models import IssuedReport
from reporting.tasks import build_highlight_report_job
from tests.conftest import switch_broker
from tests.factories.jobs import report_job
from tests.reporting.conftest import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(settings):
    """Treat the demo programme as large, so every report goes to the background."""
    settings.HIGHLIGHT_REPORT_BACKGROUND_SCHEMES = 3


def test_a_large_programme_builds_its_draft_in_the_background_and_offers_the_file(
    demo_client, trafford, large, django_capture_on_commit_callbacks
):
    _, p1, _ = trafford
    client = demo_client("steering")
    assert client.get(reverse("reporting:draft", args=[p1.pk])).status_code == 302  # not built in the request
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:draft_build", args=[p1.pk]))
    job = BackgroundJob.objects.get()
    assert response["Location"] == reverse("reporting:job", args=[job.pk])
    assert job.state == JobState.DONE and job.attempts == 1  # the in-process (eager) worker ran it on commit
    status = client.get(reverse("reporting:job_status", args=[job.pk])).content.decode()
    assert reverse("reporting:job_download", args=[job.pk]) in status and "hx-get" not in status
    assert "DRAFT" in pdf_text(client.get(reverse("reporting:job_download", args=[job.pk])).content)


def test_the_progress_panel_polls_until_the_job_finishes(demo_client, trafford):
    _, p1, _ = trafford
    client = demo_client("steering")
    from accounts.models import User

    job = report_job(period=p1, by=User.objects.get(username="steering"))
    panel = client.get(reverse("reporting:job_status", args=[job.pk])).content.decode()
    assert "Queued" in panel and 'hx-trigger="every 2s"' in panel
    BackgroundJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, step="Laying out the pages")
    assert (
        "Running: Laying out the pages" in client.get(reverse("reporting:job_status", args=[job.pk])).content.decode()
    )
    assert client.get(reverse("reporting:job_download", args=[job.pk])).status_code == 404  # not ready yet
    # Another reader cannot see someone else's job.
    assert demo_client("secretary").get(reverse("reporting:job", args=[job.pk])).status_code == 404


def test_a_failed_issue_job_says_why_and_retry_starts_a_new_job(
    demo_client, trafford, large, django_capture_on_commit_callbacks
):
    _, p1, _ = trafford
    client = demo_client("pmo")
    form = {"meeting": "Health & Wellbeing Board", "meeting_date": "2015-06-09"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:issue", args=[p1.pk]), form)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:issue", args=[p1.pk]), form)
    first, second = BackgroundJob.objects.order_by("created_at", "id")
    assert first.state == JobState.DONE and first.result["issued_report"] == IssuedReport.objects.get().pk
    assert second.state == JobState.FAILED and "already issued" in second.error
    page = client.get(reverse("reporting:job", args=[second.pk])).content.decode()
    assert "already issued" in page and reverse("reporting:job_retry", args=[second.pk]) in page
    assert IssuedReport.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:job_retry", args=[second.pk]))
    third = BackgroundJob.objects.order_by("created_at", "id").last()
    assert response["Location"] == reverse("reporting:job", args=[third.pk]) and third.state == JobState.FAILED


def test_running_a_job_twice_builds_it_once(trafford, make_user):
    _, p1, _ = trafford
    job = report_job(period=p1, by=make_user())
    build_highlight_report_job.apply(args=[job.pk])
    build_highlight_report_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 1


def test_when_the_queue_is_down_the_job_fails_at_once_with_a_clear_message(
    demo_client, trafford, large, settings, django_capture_on_commit_callbacks
):
    _, p1, _ = trafford
    client = demo_client("steering")
    # A closed loopback port stands in for a stopped Redis.
    switch_broker("redis://127.0.0.1:1/0")
    try:
        start = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reporting:draft_build", args=[p1.pk]))
        elapsed = time.monotonic() - start
    finally:
        switch_broker(None)
    job = BackgroundJob.objects.get()
    assert response.status_code == 302
    assert job.state == JobState.FAILED and "queue is unavailable" in job.error
    print(f"queue-down answer in {elapsed:.2f} s")  # the figure; the bound is the broker timeouts in settings


@pytest.mark.worker
def test_a_real_worker_builds_the_report(real_worker, trafford, make_user):
    _, p1, _ = trafford
    job = report_job(period=p1, by=make_user())
    build_highlight_report_job.apply_async(args=[job.pk], queue=real_worker)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.5)
    assert job.state == JobState.DONE, job.error
    pdf = BackgroundJob.objects.values_list("file", flat=True).get(pk=job.pk)
    assert "5.7 Integration of Community-based Adult Health & Social Care" in pdf_text(pdf)


def test_an_issue_job_run_twice_issues_once(trafford, make_user):
    _, p1, _ = trafford
    issue = {"meeting": "Health & Wellbeing Board", "meeting_date": "2015-06-09", "expected_version": 0}
    job = report_job(period=p1, by=make_user(), issue=issue)
    build_highlight_report_job.apply(args=[job.pk])
    build_highlight_report_job.apply(args=[job.pk])  # redelivered after the report was stored
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result == {"issued_report": IssuedReport.objects.get().pk}
    assert job.attempts == 1


def test_a_job_whose_worker_died_is_shown_failed_and_can_be_retried(demo_client, trafford):
    from django.utils import timezone

    from accounts.models import User

    _, p1, _ = trafford
    job = report_job(period=p1, by=User.objects.get(username="steering"), state=JobState.RUNNING)
    client = demo_client("steering")
    # Quiet for just under its task's time limit plus the margin: still running.
    BackgroundJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - REPORT_JOB.stale_after + dt.timedelta(seconds=30)
    )
    assert "Running" in client.get(reverse("reporting:job_status", args=[job.pk])).content.decode()
    BackgroundJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - REPORT_JOB.stale_after - dt.timedelta(seconds=5)
    )
    panel = client.get(reverse("reporting:job_status", args=[job.pk])).content.decode()
    assert "worker stopped before finishing" in panel and reverse("reporting:job_retry", args=[job.pk]) in panel
    assert client.post(reverse("reporting:job_retry", args=[job.pk])).status_code == 302
    assert BackgroundJob.objects.count() == 2


@pytest.fixture
def one_scheme_per_part(monkeypatch, settings):
    """Cut every report into one part per scheme, here and in the worker started after this (it reads the env)."""
    monkeypatch.setenv("HIGHLIGHT_REPORT_PART_SCHEMES", "1")
    settings.HIGHLIGHT_REPORT_PART_SCHEMES = 1


@pytest.mark.worker
def test_a_real_worker_builds_a_large_report_in_parts_through_a_chord(
    one_scheme_per_part, real_worker, small, make_user
):
    from pypdf import PdfReader

    from reporting.renderers.pdf import STAMP
    from schemes.models import CommentKind
    from schemes.services import progress_comment_add
    from tests.reporting.conftest import outline

    programme, p1, _ = small
    marker = f"Written for this run {time.time_ns()}"  # new data, so no earlier run's cached draft is found
    progress_comment_add(
        scheme=programme.schemes.order_by("ref").last(),
        period=p1,
        date=p1.start_date,
        text=marker,
        kind=CommentKind.HIGHLIGHT,
        by=None,
    )
    job = report_job(period=p1, by=make_user())
    build_highlight_report_job.apply_async(args=[job.pk], queue=real_worker)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.5)
    assert job.state == JobState.DONE, job.error
    assert job.attempts == 1
    assert job.payload is not None and not job.parts.exists()  # handed out in parts, joined, parts dropped
    pdf = bytes(BackgroundJob.objects.values_list("file", flat=True).get(pk=job.pk))
    reader = PdfReader(io.BytesIO(pdf))
    # Joined from parts (each page carries the join's page-numbers stamp), not laid out in one piece.
    assert all(STAMP in page["/Resources"]["/XObject"] for page in reader.pages)
    text = pdf_text(pdf)
    assert marker in text
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    titles = [title for _depth, title, _page in outline(reader)]
    for scheme in programme.schemes.exclude(status="to_scope"):
        assert f"{scheme.ref} {scheme.name}" in titles
