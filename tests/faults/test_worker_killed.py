"""A worker is killed with kill -9 while it builds a highlight report: with acks_late the message stays in Redis,
another worker picks it up after the visibility timeout, and the report is built exactly once."""

import time

import pytest
import redis

from accounts.models import User
from core.models import BackgroundJob, JobState
from reporting import jobs
from reporting.models import IssuedReport
from schemes.models import Programme
from tests.faults.conftest import emit, wait_for

pytestmark = pytest.mark.worker

VISIBILITY_TIMEOUT = 4  # seconds; the app's own is Redis's default, an hour


@pytest.mark.parametrize("kind", ["draft", "issue"])
def test_a_report_job_whose_worker_is_killed_mid_build_completes_exactly_once(
    kind, postgres_only, transactional_db, broker_on, demo, workers
):
    programme = Programme.objects.get(slug="trafford-bcf-2015-16")
    period = programme.periods.get(code="2015-16-P1")
    issue = {"meeting": "Health & Wellbeing Board", "meeting_date": "2015-06-09"} if kind == "issue" else None
    first = workers(broker_on.url, visibility_timeout=VISIBILITY_TIMEOUT)
    job = jobs.report_job_start(
        programme=programme, period=period, by=User.objects.get(username="pmo"), issue=issue
    )  # queued at once: a transactional test commits as it goes

    def running():
        return BackgroundJob.objects.filter(pk=job.pk, state=JobState.RUNNING).exists()

    wait_for(running, timeout=120, interval=0.02, what="the first worker to start the job", log=first.log)
    first.kill9()
    killed = time.monotonic()
    job.refresh_from_db()
    assert job.state == JobState.RUNNING, "the job finished before the kill: nothing was interrupted"
    step_at_kill = job.step

    second = workers(broker_on.url, visibility_timeout=VISIBILITY_TIMEOUT)

    def finished():
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=180, what="another worker to finish the job", log=second.log)
    recovery = time.monotonic() - killed
    assert job.state == JobState.DONE, job.error
    assert job.attempts == 2  # the killed run and the redelivered one, and no third
    if kind == "issue":
        (report,) = IssuedReport.objects.all()  # exactly one issued report, version 1
        assert job.result == {"issued_report": report.pk} and report.version == 1
    else:
        assert BackgroundJob.objects.count() == 1 and BackgroundJob.objects.values_list("file", flat=True).get(
            pk=job.pk
        )

    # Nothing is left in Redis to be delivered a third time.
    client = redis.Redis.from_url(broker_on.url)
    wait_for(lambda: client.hlen("unacked") == 0 and client.llen("celery") == 0, timeout=30, what="an empty queue")

    emit(f"faults.worker_killed.{kind}.recovery_seconds", round(recovery, 2), "s")
    emit(f"faults.worker_killed.{kind}.attempts", job.attempts, "runs")
    emit(f"faults.worker_killed.{kind}.results", 1, "reports")
    print(f"killed at step {step_at_kill!r}; visibility timeout {VISIBILITY_TIMEOUT} s")
