"""A real Celery worker on the local Redis, reading the same test database the test writes."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app
from core.tasks import worker_probe
from tests.conftest import requirement

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def real_worker(transactional_db, settings):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        requirement("WORKER_REQUIRED", "REDIS_URL is not set: the real Celery worker test runs in CI")
    if connection.vendor == "sqlite":
        pytest.skip("the worker shares the test database only on PostgreSQL (in-memory SQLite is per process)")
    queue = f"test-{os.getpid()}-{time.time_ns()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # The test process publishes to the same Redis, for real (not eagerly).
    app.conf.update(task_always_eager=False, broker_url=redis_url, result_backend=redis_url)
    try:
        yield queue
    finally:
        app.conf.update(task_always_eager=True, broker_url="memory://", result_backend="cache+memory://")
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.worker
def test_a_real_worker_runs_a_task_against_the_test_database(real_worker, make_user):
    user = make_user(username="worker-probe-user")
    result = worker_probe.apply_async(args=[user.pk], queue=real_worker)
    assert result.get(timeout=60) == "worker-probe-user"
