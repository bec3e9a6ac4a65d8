"""Settings for `make test`: PostgreSQL when DATABASE_URL is set, SQLite otherwise."""

from .base import *  # noqa: F403
from .base import SECRET_KEY as _SECRET_KEY

DEBUG = False
SECRET_KEY = _SECRET_KEY or "test-only-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks in-process unless a test starts a real worker (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
# Serve static files straight from static/ (no collectstatic needed on a laptop or in tests).
WHITENOISE_USE_FINDERS = True
# The same WhiteNoise, listing those files once per test process instead of once per test (tests/static_files.py).
MIDDLEWARE = [  # noqa: F405
    "tests.static_files.ListedOnceWhiteNoiseMiddleware"
    if name == "whitenoise.middleware.WhiteNoiseMiddleware"
    else name
    for name in MIDDLEWARE  # noqa: F405
]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# One cache per test process (xdist workers must not share rate-limit counters or cached drafts); tests/conftest.py
# clears it before each test.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # The same backend, emptying the database after a transactional test by DELETE rather than a slow TRUNCATE
    # (tests/postgresql_backend/base.py).
    DATABASES["default"]["ENGINE"] = "tests.postgresql_backend"  # noqa: F405
    # A commit returns without waiting for its write to reach the disk: the test database is thrown away, and
    # transactional tests commit after every statement. Nothing is lost unless the machine itself crashes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c synchronous_commit=off")  # noqa: F405
