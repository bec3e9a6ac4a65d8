"""Celery tasks for schemes. Thin: they call a service and are safe to run twice.

- send_weekly_digests (weekly, beat): e-mail each lead who opted in what is due on their schemes.
"""

import dataclasses

from celery import shared_task

from schemes import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=270, ignore_result=True)
def send_weekly_digests() -> dict:
    """Once a week per lead (a second run in the same week sends nothing)."""
    return dataclasses.asdict(services.weekly_digests_send())
