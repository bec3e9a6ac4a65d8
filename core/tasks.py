from celery import shared_task
from django.contrib.auth import get_user_model


@shared_task(time_limit=30, soft_time_limit=20)
def worker_probe(user_id: int) -> str:
    """Round trip through the broker and the database: returns the username of a user, read by the worker."""
    return get_user_model().objects.get(pk=user_id).username
