"""Reading settings from the environment, with one-line errors that name the variable."""

import os
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

_DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql", "psql"}


def require(name: str) -> str:
    """Return a non-empty environment value or stop start-up naming it."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: it is required in this environment.")
    return value


def database_config(name: str = "DATABASE_URL", default: str | None = None) -> dict:
    """Parse a database URL (sqlite:/// or postgres://), refusing anything else by name."""
    raw = os.environ.get(name, "").strip() or default
    if not raw:
        raise ImproperlyConfigured(f"{name} is not set: it is required in this environment.")
    scheme = urlparse(raw).scheme
    if scheme not in _DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} is malformed: expected postgres://user@host:port/name or sqlite:///path, got scheme {scheme!r}."
        )
    try:
        config = environ.Env.db_url_config(raw)
    except Exception as exc:  # django-environ raises several types for bad URLs
        raise ImproperlyConfigured(f"{name} is malformed: {exc}") from exc
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} is malformed: it names no database.")
    return config


def redis_url(name: str = "REDIS_URL") -> str | None:
    """Return REDIS_URL when set (a real broker), or None (tasks run in-process)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if urlparse(raw).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"{name} is malformed: expected redis://host:port/db, got {raw!r}.")
    return raw


def boolean(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} is malformed: expected true or false, got {raw!r}.")


def integer(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} is malformed: expected a whole number, got {raw!r}.") from None


def csv_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]
