"""A real Celery worker on the local Redis, reading the same test database the test writes."""

import pytest

from core.tasks import worker_probe


@pytest.mark.worker
def test_a_real_worker_runs_a_task_against_the_test_database(real_worker, make_user):
    user = make_user(username="worker-probe-user")
    result = worker_probe.apply_async(args=[user.pk], queue=real_worker)
    assert result.get(timeout=60) == "worker-probe-user"
