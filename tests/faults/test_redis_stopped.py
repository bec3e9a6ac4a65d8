"""Redis stops (killed, as a crash would) while the site is running: the pages still answer, /healthz says the
broker is unavailable, a background report fails at once with a clear message, and when Redis is back a retry
is built by a real worker."""

import time

import pytest
from django.urls import reverse

from config.celery import app
from core.models import BackgroundJob, JobState
from schemes.models import Programme
from tests.faults.conftest import emit, wait_for

PROGRAMME = "trafford-bcf-2015-16"


def main_pages() -> dict[str, list[str]]:
    """Each demo user's main pages, as they would open them."""
    programme = Programme.objects.get(slug=PROGRAMME)
    scheme = programme.schemes.order_by("ref").first()
    q = f"?programme={programme.slug}"
    return {
        "pmo": [
            reverse("dashboard:index"),
            reverse("schemes:list") + q,
            reverse("schemes:detail", args=[scheme.pk]),
            reverse("risks:register") + q,
            reverse("finance:fund", args=["trafford-tf"]),
            reverse("metrics:list") + q,
            reverse("reporting:index") + q,
        ],
        "lead": [reverse("schemes:mine")],
    }


def queue_a_report(client, period, django_capture_on_commit_callbacks) -> tuple[BackgroundJob, float, int]:
    start = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:draft_build", args=[period.pk]))
    return BackgroundJob.objects.order_by("created_at", "id").last(), time.monotonic() - start, response.status_code


def test_the_broker_timeouts_are_bounded():
    """What keeps a request from hanging on a dead Redis (celery#4296); the measured figures are printed below."""
    options = app.conf.broker_transport_options
    assert app.conf.broker_connection_timeout <= 2
    assert options["socket_connect_timeout"] <= 2 and options["socket_timeout"] <= 5
    assert options["max_retries"] <= 1 and options["interval_max"] <= 1


def test_with_redis_killed_every_main_page_answers_and_a_report_fails_fast(
    broker_on, demo, client, django_capture_on_commit_callbacks, caplog
):
    from accounts.models import User

    period = Programme.objects.get(slug=PROGRAMME).periods.get(code="2015-16-P1")
    pmo = User.objects.get(username="pmo")
    client.force_login(pmo)
    # While Redis is up the queue works, so the connection pool holds live connections when it dies.
    assert client.get(reverse("core:healthz")).json()["broker"] == "ok"
    job, _, _ = queue_a_report(client, period, django_capture_on_commit_callbacks)
    assert job.state == JobState.QUEUED

    broker_on.kill()

    pages = main_pages()
    slowest = 0.0
    for username, urls in pages.items():
        client.force_login(User.objects.get(username=username))
        for url in urls:
            start = time.monotonic()
            response = client.get(url)
            slowest = max(slowest, time.monotonic() - start)
            assert response.status_code == 200, url
    emit("faults.redis_stopped.pages_answering_200", sum(map(len, pages.values())), "pages")
    emit("faults.redis_stopped.slowest_page_seconds", round(slowest, 3), "s")

    start = time.monotonic()
    health = client.get(reverse("core:healthz"))
    emit("faults.redis_stopped.healthz_seconds", round(time.monotonic() - start, 3), "s")
    assert health.status_code == 200 and health.json() == {"database": "ok", "broker": "unavailable"}

    client.force_login(pmo)
    caplog.clear()
    slowest = 0.0
    for _ in range(3):  # not just the first: each later request found its own way to wait
        job, seconds, status = queue_a_report(client, period, django_capture_on_commit_callbacks)
        slowest = max(slowest, seconds)
        assert status == 302
        assert job.state == JobState.FAILED
        assert job.error.startswith("The job queue is unavailable")
    emit("faults.redis_stopped.report_request_seconds", round(slowest, 3), "s")
    # Celery's result consumer retries a lost Redis 20 times, a second apart, inside the request, then gives up
    # until the process restarts; no request may go that way.
    retries = [r.getMessage() for r in caplog.records if r.name.startswith("celery.backends")]
    assert retries == []


@pytest.mark.worker
def test_when_redis_is_back_a_retried_report_is_built_by_a_real_worker(
    postgres_only, transactional_db, broker_on, demo, client, workers, django_capture_on_commit_callbacks
):
    from accounts.models import User

    period = Programme.objects.get(slug=PROGRAMME).periods.get(code="2015-16-P1")
    client.force_login(User.objects.get(username="pmo"))
    broker_on.kill()
    failed, _, _ = queue_a_report(client, period, django_capture_on_commit_callbacks)
    assert failed.state == JobState.FAILED

    broker_on.start()  # the same port, as a restarted service comes back
    back = time.monotonic()
    worker = workers(broker_on.url)
    assert client.get(reverse("core:healthz")).json()["broker"] == "ok"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:job_retry", args=[failed.pk]))
    retried = BackgroundJob.objects.order_by("created_at", "id").last()
    assert retried.pk != failed.pk and response["Location"] == reverse("reporting:job", args=[retried.pk])

    def finished():
        retried.refresh_from_db()
        return retried.is_finished

    wait_for(finished, timeout=120, what="the retried report job", log=worker.log)
    emit("faults.redis_stopped.retry_done_after_restart_seconds", round(time.monotonic() - back, 2), "s")
    assert retried.state == JobState.DONE, retried.error
    assert retried.attempts == 1 and BackgroundJob.objects.values_list("file", flat=True).get(pk=retried.pk)
