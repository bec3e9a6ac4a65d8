from celery import shared_task
from django.db import OperationalError


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=300,
    soft_time_limit=240,
    # The job's state lives in ReportJob. Without this, queueing with Redis down blocked a request for about 19 s:
    # Celery's result consumer retried the lost Redis 20 times inside it (tests/faults/test_redis_stopped.py).
    ignore_result=True,
)
def build_highlight_report_job(job_id: int) -> str:
    """Build a queued highlight report (large programmes). Thin: the service does the work and is safe to re-run."""
    from reporting.services import report_job_run

    return report_job_run(job_id=job_id).state
