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
# With no Redis there is no `celery beat`: the schedule (returns drafted daily, reminders, the weekly digest) runs
# in-process instead, on the first request after each time (core/schedule.py). IN_PROCESS_BEAT=0 turns it off.
IN_PROCESS_BEAT = cfg.boolean("IN_PROCESS_BEAT", not REDIS_URL)  # noqa: F405
