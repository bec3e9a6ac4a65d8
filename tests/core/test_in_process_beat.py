"""The schedule under `make run` (issue 21 §7): with no Redis and no `celery beat`, the first request after an
entry's time runs it in-process, once; production runs the same entries with beat."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed

import config.settings.base as base
import config.settings.local as local
from core import schedule
from core.middleware import InProcessBeatMiddleware
from returns.models import QuarterlyReturn

LONDON = ZoneInfo("Europe/London")
DAILY = {"drafts": {"task": "returns.tasks.draft_due_returns", "schedule": crontab(hour=6, minute=15)}}
WEEKLY = {
    "digest": {"task": "schemes.tasks.send_weekly_digests", "schedule": crontab(hour=7, minute=0, day_of_week="mon")}
}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=LONDON)  # 2026-12-07 is a Monday


def test_an_entry_never_run_here_is_due_at_once():
    assert schedule.due_entries(DAILY, {}, at(3, 14)) == ["drafts"]


def test_a_daily_entry_runs_once_a_day_after_its_time():
    ran = at(3, 14)
    assert schedule.due_entries(DAILY, {"drafts": ran}, at(3, 23, 59)) == []
    assert schedule.due_entries(DAILY, {"drafts": ran}, at(4, 6, 14)) == []
    assert schedule.due_entries(DAILY, {"drafts": ran}, at(4, 6, 15)) == ["drafts"]
    # A laptop off for a week catches up once, not seven times.
    assert schedule.due_entries(DAILY, {"drafts": ran}, at(10, 9)) == ["drafts"]


def test_a_weekly_entry_waits_for_monday():
    ran = at(3, 14)  # a Thursday
    assert schedule.due_entries(WEEKLY, {"digest": ran}, at(6, 23)) == []
    assert schedule.due_entries(WEEKLY, {"digest": ran}, at(7, 7)) == ["digest"]


@pytest.mark.django_db(transaction=True)  # the jobs it queues run when their transaction commits, as in production
def test_run_due_drafts_the_returns_once_and_records_it(demo, settings):
    settings.CELERY_BEAT_SCHEDULE = DAILY
    assert not QuarterlyReturn.objects.exists()
    assert schedule.run_due(now=at(3, 14)) == ["drafts"]
    drafted = QuarterlyReturn.objects.count()
    assert drafted > 0  # the demo's ended quarters
    assert schedule.last_runs(DAILY) == {"drafts": at(3, 14)}
    assert schedule.run_due(now=at(3, 15)) == []  # not again the same day
    assert schedule.run_due(now=at(4, 6, 20)) == ["drafts"]
    assert QuarterlyReturn.objects.count() == drafted  # nothing more was due: one draft per quarter


def test_a_second_process_holding_the_lock_runs_nothing(db):
    cache.add(schedule.LOCK_KEY, "another process", 60)
    assert schedule.run_due(now=at(3, 14), schedule=DAILY) == []
    assert schedule.last_runs(DAILY) == {"drafts": None}


def test_the_middleware_is_not_installed_when_off(settings):
    settings.IN_PROCESS_BEAT = False
    with pytest.raises(MiddlewareNotUsed):
        InProcessBeatMiddleware(lambda request: None)


def test_only_make_run_settings_turn_it_on(settings):
    """config/settings/local.py turns it on when there is no Redis (with Redis, `make beat` runs the schedule);
    base (production) and test settings leave it off."""
    assert base.IN_PROCESS_BEAT is False and settings.IN_PROCESS_BEAT is False
    assert local.IN_PROCESS_BEAT is (not base.REDIS_URL)
    assert "core.middleware.InProcessBeatMiddleware" in settings.MIDDLEWARE
