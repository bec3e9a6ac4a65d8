import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_needs_no_login_and_reports_database_ok(client, settings):
    settings.REDIS_URL = None
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "in-process"}


@pytest.mark.django_db
def test_healthz_reports_real_redis_when_configured(client, settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: the broker check against a real Redis runs in CI")
    settings.REDIS_URL = url
    assert client.get(reverse("core:healthz")).json()["broker"] == "ok"


@pytest.mark.django_db
def test_healthz_reports_broker_unavailable_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200  # the site still works without its queue
    assert response.json()["broker"] == "unavailable"


def test_healthz_answers_503_when_the_database_does_not_answer(tmp_path):
    """A real unreachable database (a SQLite file in a directory that does not exist), in a fresh process."""
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/db.sqlite3",
        "REDIS_URL": "",
    }
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 503
    assert result["body"]["database"] == "unavailable"
