import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from accounts.roles import Role
from tests import shared_db
from tests.factories.accounts import FLOATING, UserFactory

ROLE_USERS = {
    "pmo": Role.PROGRAMME_OFFICE,
    "lead": Role.PROJECT_LEAD,
    "steering": Role.STEERING_GROUP,
    "secretary": Role.BOARD_SECRETARY,
    "finance": Role.FINANCE_OFFICER,
}


@pytest.fixture(autouse=True)
def _no_floating_roles():
    """Test users with roles on every programme (tests/factories/accounts.py) are those of this test only."""
    FLOATING.clear()
    yield
    FLOATING.clear()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the test settings' per-process LocMemCache): no draft PDF cached and
    no rate-limit count left by an earlier test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def make_user(db):
    def _make(*roles, **kwargs):
        return UserFactory(roles=list(roles), **kwargs)

    return _make


@pytest.fixture
def pmo_user(make_user):
    return make_user(Role.PROGRAMME_OFFICE)


@pytest.fixture(scope="session")
def _shared_layers(django_db_setup, django_db_blocker):
    """The layers of this worker's test database (tests/shared_db.py), all rolled back at the end."""
    layers = shared_db.SharedLayers(django_db_blocker)
    yield layers
    layers.rollback_all()


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    # Just before pytest-django opens a test's own transaction, put the database in the state the test needs: the
    # shared layers it asks for (built once), or none at all for a transactional test.
    if fixturedef.argname != "_django_db_helper":
        return (yield)
    failure = None
    try:
        request.getfixturevalue("_shared_layers").prepare(request.node)
    except Exception as error:  # noqa: BLE001 - raised below, once pytest-django's fixture is set up
        failure = error
    result = yield
    if failure is not None:
        # Raised after the fixture is set up, not before: pytest tears a fixture down only once it has been set up.
        raise failure
    return result


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # Tests over the same shared layer run together, so each xdist worker builds each layer once.
    items.sort(key=shared_db.sort_key)


@pytest.fixture
def demo(db, _shared_layers):
    """The full Trafford demo data, loaded through the services as `make run` does.

    Loaded once per test database and shared, each test in its own transaction over it (tests/shared_db.py). A
    transactional test (real commits) has no shared transaction around it, so loads the demo for itself, as does
    a test that asks for the demo only once it is running (request.getfixturevalue).
    """
    report = _shared_layers.value("demo")
    return report if report is not None else shared_db.demo_load_for_tests()


@pytest.fixture
def demo_client(client, demo):
    """A Django test client signed in as one of the demo users: demo_client('lead')."""
    from accounts.models import User

    def _login(username):
        client.force_login(User.objects.get(username=username))
        return client

    return _login


def password_sign_in(client, username: str, password: str) -> bool:
    """Sign in through the real form (django-axes needs the request, so Client.login cannot be used)."""
    from django.urls import reverse

    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def requirement(env_var: str, reason: str):
    """Skip with a clear reason locally, but fail where CI says the thing must be there."""
    if os.environ.get(env_var):
        pytest.fail(f"{reason} ({env_var} is set, so this must not be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if not path:
        requirement(
            "E2E_REQUIRED", "Debian's chromium is not installed: browser journeys skipped (apt-get install chromium)"
        )
    return path


ROOT = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def switch_broker(url: str | None, *, result_backend: str | None = None) -> None:
    """Publish tasks to `url` for real (None: back to the in-process, eager default of the test settings).

    Celery caches its connection pools, so they are dropped too, or the old broker would still be used.
    """
    from config.celery import app

    if url is None:
        app.conf.update(task_always_eager=True, broker_url="memory://", result_backend="cache+memory://")
    else:
        app.conf.update(task_always_eager=False, broker_url=url, result_backend=result_backend or "cache+memory://")
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps its own registry of pools too: a closed one left there fails the next worker test.
    import kombu.pools

    kombu.pools.reset()
    # And the result backend is cached on the app, still pointing at the previous broker's Redis.
    app._backend_cache = None
    app._local.backend = None


@pytest.fixture
def real_worker(transactional_db, settings):
    """A real Celery worker process on its own queue; yields the queue name to publish to."""
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
    switch_broker(redis_url, result_backend=redis_url)
    try:
        yield queue
    finally:
        switch_broker(None)
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
