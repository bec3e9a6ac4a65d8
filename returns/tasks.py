"""Celery tasks for NHS England returns. Thin: they take ids, re-fetch, call a service, and are safe to run twice.

- build_quarterly_return: create or refresh the quarter's one draft for a job (queued by "Build now" or the
  schedule; core.jobs runs it);
- draft_due_returns (daily, beat): queue a build for each quarter due a return that has none yet;
- send_update_reminders (daily, beat): email leads whose period update is missing before the steering group.
"""

from celery import shared_task

from core.jobs import RETRYABLE
from returns import services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=3,
    time_limit=services.RETURN_JOB.time_limit,
    soft_time_limit=services.RETURN_JOB.time_limit - 30,
    ignore_result=True,
)
def build_quarterly_return(self, job_id: int) -> int | None:
    """Build (or refresh) the draft return the job asks for; the job records each step and how it ended."""
    job = services.return_job_run(job_id=job_id, final_attempt=self.request.retries >= self.max_retries)
    return (job.result or {}).get("quarterly_return") if job else None


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=270, ignore_result=True)
def draft_due_returns() -> int:
    """Queue a build for every quarter due a return (RETURN_DRAFT_DAYS_AFTER_QUARTER days after it ends)."""
    return len(services.returns_due_queue())


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError, *RETRYABLE),
    retry_backoff=True,
    max_retries=3,
    time_limit=300,
    soft_time_limit=270,
    ignore_result=True,
)
def send_update_reminders() -> dict:
    """Email leads whose period update is missing REMINDER_DAYS_BEFORE_STEERING days before the steering group,
    and the programme office a summary. Safe to run twice: each email is sent once."""
    return services.update_reminders_send()
