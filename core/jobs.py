"""Background jobs: one model (core.models.BackgroundJob) and one set of rules for every kind of work a Celery
worker does for someone (highlight reports, quarterly returns).

- A job is recorded, then published once the transaction commits; a broker that cannot be reached marks it
  failed at once with the kind's own message (within about a second: a short-lived connection of its own).
- A task takes the job's id and calls job_run(), which is safe to run twice: a job already done is left as it
  is; any other (queued, running when its worker was lost, failed as stale) is run.
- One stale rule: a job queued or running that has not been heard from for longer than its task may run (the
  hard time limit) plus STALE_MARGIN lost its worker; it is shown failed and can be tried again.
- One retry: a failed job is started again as a new job with the same request.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import BackgroundJob, BackgroundJobPart, JobState

logger = logging.getLogger(__name__)

# Worth another try: the database went away or was locked for a moment.
RETRYABLE = (OperationalError, InterfaceError)
STALE_MARGIN = dt.timedelta(minutes=5)
STALE_JOB = "The worker stopped before finishing; build again."
TOO_LONG = "The build took too long and was stopped. Try again."


@dataclass(frozen=True)
class JobKind:
    """A kind of background job: the Celery task that runs it (called with the job's id) and how it reads."""

    name: str
    task_name: str
    time_limit: int  # the task's hard time limit, in seconds: with STALE_MARGIN, when a silent job is lost
    queue_unavailable: str  # what the person is told when the queue cannot be reached

    @property
    def stale_after(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.time_limit) + STALE_MARGIN


class QueueUnavailable(Exception):
    """The broker could not be reached: the job was not queued (and is marked failed)."""


# --- Start, publish, retry -----------------------------------------------------------------------


def job_create(
    *, kind: JobKind, programme, subject: str = "", params: dict | None = None, by=None, scheduled: bool = False
) -> BackgroundJob:
    """Record a job, queued; publish it with job_publish once the transaction commits."""
    return BackgroundJob.objects.create(
        kind=kind.name,
        programme=programme,
        subject=subject,
        params=params or {},
        requested_by=by,
        scheduled=scheduled,
        step="Waiting for a worker",
    )


def job_start(
    *, kind: JobKind, programme, subject: str = "", params: dict | None = None, by=None, scheduled: bool = False
) -> BackgroundJob:
    """Record a job and publish it once the transaction commits. If the queue cannot be reached, the job is
    marked failed with the kind's message (the caller shows it; nothing is raised)."""
    job = job_create(kind=kind, programme=programme, subject=subject, params=params, by=by, scheduled=scheduled)
    transaction.on_commit(lambda: job_publish(job, kind=kind))
    return job


def job_publish(job: BackgroundJob, *, kind: JobKind) -> bool:
    """Send the job to the broker, within about a second when it is down; mark it failed if it cannot go.

    In-process (no broker) the task runs here and now, and a failure of the task itself is raised.
    """
    task = import_string(kind.task_name)  # imports the app's tasks module if nothing has yet
    app = task.app
    if app.conf.task_always_eager:
        task.apply_async(args=[job.pk])
        return True
    try:
        options = dict(app.conf.broker_transport_options or {})
        options.update(settings.JOB_PUBLISH_TRANSPORT_OPTIONS)
        with app.connection_for_write(
            connect_timeout=settings.JOB_PUBLISH_TIMEOUT, transport_options=options
        ) as connection:
            result = task.apply_async(args=[job.pk], connection=connection, retry=False)
    except Exception as exc:  # kombu OperationalError, redis ConnectionError/TimeoutError, OSError…
        logger.warning("Could not queue %s job %s: %s", job.kind, job.pk, exc)
        job_fail(job_id=job.pk, error=kind.queue_unavailable, states=(JobState.QUEUED,))
        return False
    if result.id:
        BackgroundJob.objects.filter(pk=job.pk).update(task_id=result.id)
    return True


def job_retry(*, job: BackgroundJob, kind: JobKind) -> BackgroundJob:
    """Start a failed job again, as a new job with the same request; the failed one stays as the record."""
    job_refresh(job=job, kind=kind)
    if job.state != JobState.FAILED:
        raise ValidationError("Only a failed job can be tried again.")
    return job_start(
        kind=kind,
        programme=job.programme,
        subject=job.subject,
        params=job.params,
        by=job.requested_by,
        scheduled=job.scheduled,
    )


# --- Run -------------------------------------------------------------------------------------------


def job_progress(*, job_id: int, step: str) -> None:
    """Say how the job is going; it is also the job's sign of life for the stale rule."""
    BackgroundJob.objects.filter(pk=job_id).update(step=step[:200], updated_at=timezone.now())


def job_done(*, job_id: int, step: str = "Done", result: dict | None = None, file: bytes | None = None) -> None:
    """Record the job as done, with references to what it made and a file kept on the job."""
    fields: dict[str, object] = {"state": JobState.DONE, "step": step[:200], "error": ""}
    if result is not None:
        fields["result"] = result
    if file is not None:
        fields["file"] = file
    now = timezone.now()
    BackgroundJob.objects.filter(pk=job_id).update(finished_at=now, updated_at=now, **fields)


def job_fail(*, job_id: int, error: str, states=None) -> None:
    """Record the job as failed and why (only from `states`, when given: a job that moved on is left alone)."""
    jobs = BackgroundJob.objects.filter(pk=job_id)
    if states:
        jobs = jobs.filter(state__in=states)
    now = timezone.now()
    jobs.update(state=JobState.FAILED, step="", error=error, finished_at=now, updated_at=now)


def job_run(
    *,
    job_id: int,
    work: Callable[[BackgroundJob, Callable[[str], None]], None],
    final_attempt: bool = True,
    count_attempt: bool = True,
) -> BackgroundJob | None:
    """What a job's task does: mark it running (counting the attempt), do the work, record how it ended.

    `work(job, progress)` records the result itself (job_done), so it can do so in its own transaction; work
    that hands out parts to other tasks leaves the job running for the last of them to finish. A refusal
    (ValidationError) fails the job with its message; a lost database is raised for the task to retry
    (`final_attempt` False) or fails the job; anything else fails the job, logged, with its name.
    `count_attempt` False: a later stage of a job already running (the join of its parts), not a new attempt.
    """
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state == JobState.DONE:
            return job
        now = timezone.now()
        if not count_attempt:
            BackgroundJob.objects.filter(pk=job_id).update(updated_at=now)
        else:
            # Counted by the database: two deliveries of the same job cannot both read 0 and write 1.
            BackgroundJob.objects.filter(pk=job_id).update(
                state=JobState.RUNNING,
                step="Starting",
                error="",
                started_at=job.started_at or now,
                finished_at=None,
                updated_at=now,
                attempts=F("attempts") + 1,
            )
    job.refresh_from_db()

    def progress(step: str) -> None:
        job_progress(job_id=job_id, step=step)

    try:
        work(job, progress)
    except ValidationError as exc:
        job_fail(job_id=job_id, error=" ".join(exc.messages))
    except RETRYABLE as exc:
        reason = f"the database could not be reached ({type(exc).__name__})"
        if final_attempt:
            job_fail(job_id=job_id, error=f"Not built: {reason}. Try again.")
        else:
            BackgroundJob.objects.filter(pk=job_id).update(
                state=JobState.QUEUED, step=f"Retrying: {reason}", updated_at=timezone.now()
            )
        raise
    except SoftTimeLimitExceeded:
        job_fail(job_id=job_id, error=TOO_LONG)
        raise
    except Exception as exc:
        logger.exception("%s job %s failed", job.kind, job_id)
        job_fail(job_id=job_id, error=f"An unexpected error stopped the build ({type(exc).__name__}). Try again.")
    job.refresh_from_db()
    return job


# --- Parts ----------------------------------------------------------------------------------------


def job_part_save(*, job_id: int, index: int, file: bytes, meta: dict) -> None:
    """Keep one part's output until the join; a part already saved (a redelivered task) is left as it is."""
    BackgroundJobPart.objects.get_or_create(job_id=job_id, index=index, defaults={"file": file, "meta": meta})


def job_parts(*, job_id: int) -> dict[int, BackgroundJobPart]:
    return {part.index: part for part in BackgroundJobPart.objects.filter(job_id=job_id)}


def job_parts_delete(*, job_id: int) -> None:
    BackgroundJobPart.objects.filter(job_id=job_id).delete()


# --- Stale jobs -----------------------------------------------------------------------------------


def jobs_stale_fail(*, kind: JobKind, programme=None) -> int:
    """Mark failed the jobs of this kind queued or running and not heard from for longer than their task may
    run (its hard time limit) plus STALE_MARGIN: a worker killed at that limit, or lost, never says so, and they
    would look busy for ever. A job whose worker does pick it up later still finishes (job_run runs it)."""
    stale = BackgroundJob.objects.filter(
        Q(state=JobState.QUEUED) | Q(state=JobState.RUNNING),
        kind=kind.name,
        updated_at__lt=timezone.now() - kind.stale_after,
    )
    if programme is not None:
        stale = stale.filter(programme=programme)
    now = timezone.now()
    # One conditional UPDATE: a job that reported progress meanwhile no longer matches and is left alone.
    return stale.update(state=JobState.FAILED, step="", error=STALE_JOB, finished_at=now, updated_at=now)


def job_refresh(*, job: BackgroundJob | None, kind: JobKind) -> BackgroundJob | None:
    """The job as a page shows it: failed as stale (see jobs_stale_fail) if its worker went quiet."""
    if job is not None and job.is_active and job.updated_at < timezone.now() - kind.stale_after:
        now = timezone.now()
        BackgroundJob.objects.filter(pk=job.pk, state=job.state, updated_at__lt=now - kind.stale_after).update(
            state=JobState.FAILED, step="", error=STALE_JOB, finished_at=now, updated_at=now
        )
        job.refresh_from_db()
    return job
