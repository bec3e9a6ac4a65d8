"""Celery tasks for highlight reports. Thin: they take ids, call a service in reporting.jobs, have explicit
time limits and are safe to run twice (see reporting.jobs)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from reporting import jobs


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    time_limit=jobs.REPORT_JOB.time_limit,
    soft_time_limit=jobs.REPORT_JOB.time_limit - 60,
    # The job's state lives in its BackgroundJob. Without this, queueing with Redis down blocked a request for
    # about 19 s: Celery's result consumer retried the lost Redis 20 times inside it (tests/faults).
    ignore_result=True,
)
def build_highlight_report_job(self, job_id: int) -> str | None:
    """Build a queued highlight report (large programmes), in one piece or by handing out its parts."""
    queue = (self.request.delivery_info or {}).get("routing_key")
    job = jobs.report_job_run(job_id=job_id, queue=queue)
    return job.state if job else None


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    time_limit=jobs.PART_TIME_LIMIT,
    soft_time_limit=jobs.PART_TIME_LIMIT - 30,
    # A chord counts its parts' results in the result backend: these must not be ignored.
    ignore_result=False,
)
def build_highlight_report_part(job_id: int, index: int, count: int) -> int:
    """Lay out part `index` of `count` of a job's report and keep it for the join."""
    jobs.report_part_run(job_id=job_id, index=index, count=count)
    return index


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    time_limit=jobs.PART_TIME_LIMIT,
    soft_time_limit=jobs.PART_TIME_LIMIT - 30,
    ignore_result=True,
)
def join_highlight_report_parts(job_id: int, count: int) -> str | None:
    """The chord's callback: join the parts into the report and finish the job."""
    job = jobs.report_parts_join(job_id=job_id, count=count)
    return job.state if job else None
