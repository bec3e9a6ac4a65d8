from celery import shared_task


@shared_task(time_limit=30, soft_time_limit=20)
def worker_probe(user_id: int) -> str:
    """Round trip through the broker and the database: returns the username of a user, read by the worker."""
    from accounts.models import User

    return User.objects.get(pk=user_id).username
