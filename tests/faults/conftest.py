"""Fault checks (`make faults`): a private Redis the tests may kill, and real Celery workers they may kill -9.

The shared Redis on 6379 is never touched: other test runs use it, and a short visibility timeout there would
redeliver their unacknowledged tasks too.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import ROOT, _database_url, requirement, switch_broker


def emit(name: str, value, unit: str) -> None:
    """A figure, as one JSON line like `make bench` (shown with -s, as `make faults` runs)."""
    print("\n" + json.dumps({"name": name, "value": value, "unit": unit}), flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own on a free loopback port, started and killed by pid."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.directory = directory
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: no goodbye to the connected clients."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        requirement("WORKER_REQUIRED", "redis-server is not installed: the Redis fault checks need one to stop")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def broker_on(private_redis, settings):
    """The site, queue and /healthz all pointed at the private Redis, and every report sent to the background."""
    settings.REDIS_URL = private_redis.url
    settings.HIGHLIGHT_REPORT_BACKGROUND_SCHEMES = 0
    switch_broker(private_redis.url, result_backend=private_redis.url)
    try:
        yield private_redis
    finally:
        switch_broker(None)


@pytest.fixture
def postgres_only():
    """A worker process shares the test database only on PostgreSQL (in-memory SQLite is per process).

    Listed first in a test's arguments, so a skip comes before the demo is loaded.
    """
    if connection.vendor != "postgresql":
        requirement(
            "WORKER_REQUIRED",
            "needs PostgreSQL (set DATABASE_URL): a worker process cannot see the in-memory SQLite test database",
        )


class Worker:
    """A real Celery worker process (solo pool, so kill -9 stops the task with it) on `broker_url`."""

    def __init__(self, broker_url: str, log: Path, *, visibility_timeout: float | None = None):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": broker_url,
        }
        args = [sys.executable, "-m", "tests.faults.worker", str(visibility_timeout or 0)]
        self.log = log
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT)

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def workers(tmp_path):
    """Start workers with workers(broker_url, visibility_timeout=...); every one still alive is stopped after."""
    started: list[Worker] = []

    def _start(broker_url: str, **kwargs) -> Worker:
        worker = Worker(broker_url, tmp_path / f"worker-{len(started)}.log", **kwargs)
        started.append(worker)
        return worker

    yield _start
    for worker in started:
        worker.stop()


def wait_for(
    predicate, *, timeout: float, interval: float = 0.05, what: str = "the condition", log: Path | None = None
):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    detail = f"\n--- worker log ---\n{log.read_text()}" if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
