"""The daily and weekly schedule (settings.CELERY_BEAT_SCHEDULE) run in-process, for `make run` on a laptop with
no Redis and no `celery beat`: the first request after an entry's time runs it, once, in a background thread (see
core.middleware.InProcessBeatMiddleware). Production runs the same entries with `celery beat` instead.

An entry is due when it has never run here, or when its crontab time has come since it last ran; a missed time
(the laptop was off at 06:15) is caught up once, not once per missed day. Last runs are kept in the cache (on a
laptop, files under .cache/ that every process shares and that survive a restart), and a lock in the same cache
keeps two processes from running the schedule at once.
"""

import copy
import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

LAST_RUN_KEY = "in-process-beat:last-run:{name}"
LOCK_KEY = "in-process-beat:lock"
LOCK_SECONDS = 15 * 60
KEEP_SECONDS = 60 * 60 * 24 * 400


def _due(schedule, last_run: dt.datetime | None, now: dt.datetime) -> bool:
    if last_run is None:
        return True
    at_now = copy.copy(schedule)
    at_now.nowfun = lambda: now  # celery's crontab asks nowfun for "now"
    return at_now.remaining_estimate(last_run) <= dt.timedelta(0)


def due_entries(schedule: dict, last_runs: dict[str, dt.datetime | None], now: dt.datetime) -> list[str]:
    """The names of the entries due at `now`, given when each last ran here (None: never)."""
    return [name for name, entry in schedule.items() if _due(entry["schedule"], last_runs.get(name), now)]


def last_runs(schedule: dict) -> dict[str, dt.datetime | None]:
    return {name: cache.get(LAST_RUN_KEY.format(name=name)) for name in schedule}


def run_due(*, now: dt.datetime | None = None, schedule: dict | None = None) -> list[str]:
    """Run every entry due now, one after the other, in this thread; record each run. Returns the names run
    (none when another process holds the lock)."""
    entries: dict[str, dict] = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
    now = now or timezone.localtime()
    if not cache.add(LOCK_KEY, now.isoformat(), LOCK_SECONDS):
        return []
    ran = []
    try:
        for name in due_entries(entries, last_runs(entries), now):
            entry = entries[name]
            # Recorded first: an entry that fails is tried again at its next time, not on every request.
            cache.set(LAST_RUN_KEY.format(name=name), now, KEEP_SECONDS)
            try:
                import_string(entry["task"]).apply(args=entry.get("args", ()), throw=True)
            except Exception:
                logger.exception("Scheduled %s (%s) failed in-process", name, entry["task"])
            else:
                logger.info("Scheduled %s (%s) ran in-process", name, entry["task"])
            ran.append(name)
    finally:
        cache.delete(LOCK_KEY)
    return ran
