"""Celery tasks for NHS England returns. Thin: they take ids, re-fetch, call a service, and are safe to run twice.

- build_quarterly_return: create or refresh the quarter's one draft (queued by "Build now" or the schedule);
- draft_due_returns (daily, beat): queue a build for each quarter due a return that has none yet;
- send_update_reminders (daily, beat): email leads whose period update is missing before the steering group.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

# Worth another try: the database went away or was locked for a moment.
RETRYABLE = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=3,
    time_limit=180,
    soft_time_limit=150,
    ignore_result=True,
)
def build_quarterly_return(self, programme_id: int, quarter: str, job_id: int | None = None, by_id=None):
    """Build (or refresh) the programme's draft return for the quarter; the job row records each step."""
    from returns import services

    try:
        return services.return_job_run(job_id=job_id, programme_id=programme_id, quarter=quarter, by_id=by_id)
    except RETRYABLE as exc:
        last = self.request.retries >= self.max_retries
        services.return_job_fail(
            job_id=job_id,
            reason=f"the database could not be reached ({exc.__class__.__name__})"
            + ("" if not last else f" after {self.max_retries + 1} attempts"),
            retrying=not last,
        )
        raise
    except SoftTimeLimitExceeded:
        services.return_job_fail(job_id=job_id, reason="The build took too long and was stopped. Try again.")
        raise
    except ValidationError as exc:
        services.return_job_fail(job_id=job_id, reason=" ".join(exc.messages))
        return None
    except Exception as exc:
        logger.exception("Building the return for programme %s %s failed", programme_id, quarter)
        services.return_job_fail(
            job_id=job_id, reason=f"An unexpected error stopped the build ({exc.__class__.__name__})."
        )
        raise


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=270, ignore_result=True)
def draft_due_returns() -> int:
    """Queue a build for every quarter due a return (RETURN_DRAFT_DAYS_AFTER_QUARTER days after it ends)."""
    from returns import services

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
    from returns import services

    return services.update_reminders_send()
