"""Reads about the running system itself."""

import redis
from django.conf import settings
from django.db import connection


def database_status() -> str:
    """'ok' when the database answers a trivial query, else 'unavailable'."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "unavailable"
    return "ok"


def broker_status() -> str:
    """'in-process' without REDIS_URL; otherwise whether Redis answers a PING within a second."""
    if not settings.REDIS_URL:
        return "in-process"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception:
        return "unavailable"
    return "ok"
