"""Developer laptop: `make run`. SQLite and in-process Celery unless DATABASE_URL / REDIS_URL are set."""

from config import env as cfg

from .base import *  # noqa: F403
from .base import SECRET_KEY as _SECRET_KEY

DEBUG = cfg.boolean("DEBUG", True)
# Only for the laptop; production.py refuses to start without a real one.
SECRET_KEY = _SECRET_KEY or "local-development-only-not-secret"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Serve static files straight from static/ (no collectstatic needed on a laptop or in tests).
WHITENOISE_USE_FINDERS = True
