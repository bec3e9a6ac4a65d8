"""Settings come from the environment; production refuses to start without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-for-the-check-" + "y" * 20,
    "DATABASE_URL": "postgres://bcf@127.0.0.1:5432/bcf",
    "ALLOWED_HOSTS": "bcf.example.org",
}


def _manage(*args, env_overrides=None, drop=()):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", *drop}
    }
    env.update({k: v for k, v in GOOD.items() if k not in drop})
    env.update(env_overrides or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    out = _manage("check", drop=(missing,))
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr  # one line, no traceback
    assert missing in lines[0]


@pytest.mark.parametrize(
    "variable,value",
    [
        ("DATABASE_URL", "mysql://db/bcf"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "http://redis:6379"),
        ("DEBUG", "maybe"),
    ],
)
def test_malformed_values_stop_start_up_naming_the_variable(variable, value):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local", variable: value}
    out = _manage("check", env_overrides=env)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert variable in lines[0]


def test_production_settings_pass_check_deploy():
    out = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert out.returncode == 0, out.stdout + out.stderr


def test_local_settings_default_to_sqlite_and_in_process_celery():
    code = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.stdout.split() == ["django.db.backends.sqlite3", "True"], out.stderr
