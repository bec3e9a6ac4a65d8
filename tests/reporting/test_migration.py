"""Migrating an installation keeps its rows: report and return jobs become core BackgroundJobs (a draft's PDF
still downloadable), and national-condition answers move from reporting to returns (reporting 0003, returns
0002-0003)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.migrating import installation_at, migrate_to_latest

OLD = [("reporting", "0002_highlight_reports"), ("returns", "0001_initial")]
BEFORE = [*OLD, ("core", None)]  # and no core tables yet


@pytest.mark.django_db(transaction=True)
def test_jobs_and_national_condition_answers_survive_the_move():
    with installation_at(BEFORE) as old:
        User = old.get_model("accounts", "User")
        Programme, Period = old.get_model("schemes", "Programme"), old.get_model("schemes", "ReportingPeriod")
        Answer = old.get_model("reporting", "NationalConditionAnswer")
        ReportJob, ReturnJob = old.get_model("reporting", "ReportJob"), old.get_model("returns", "ReturnJob")
        user = User.objects.create(username="office")
        programme = Programme.objects.create(
            slug="p", name="P", start_date=dt.date(2015, 4, 1), end_date=dt.date(2016, 3, 31)
        )
        period = Period.objects.create(
            programme=programme,
            code="2015-16-P1",
            name="Period 1",
            start_date=dt.date(2015, 4, 1),
            end_date=dt.date(2015, 5, 20),
        )
        Answer.objects.create(
            programme=programme,
            quarter="2015-16-Q1",
            code="4i",
            parent_code="4",
            text="Seven-day",
            answer="Yes",
            order=3,
        )
        asked = timezone.now() - dt.timedelta(days=30)
        draft = ReportJob.objects.create(
            programme=programme,
            period=period,
            requested_by=user,
            state="done",
            step="Done",
            attempts=1,
            pdf=b"%PDF-1.7 draft",
        )
        ReportJob.objects.filter(pk=draft.pk).update(created_at=asked, updated_at=asked)
        ReturnJob.objects.create(
            programme=programme, quarter="2015-16-Q1", state="failed", error="Lost", scheduled=True
        )
        migrate_to_latest()
        from core.models import BackgroundJob
        from returns.models import NationalConditionAnswer

        (answer,) = NationalConditionAnswer.objects.all()
        assert (
            answer.programme.slug,
            answer.quarter,
            answer.code,
            answer.parent_code,
            answer.answer,
            answer.order,
        ) == ("p", "2015-16-Q1", "4i", "4", "Yes", 3)
        report, quarterly = BackgroundJob.objects.order_by("kind")
        assert (report.kind, report.subject, report.params, report.state, report.attempts) == (
            "highlight_report",
            "2015-16-P1",
            {"period": period.pk, "issue": None},
            "done",
            1,
        )
        assert bytes(report.file) == b"%PDF-1.7 draft" and report.requested_by.username == "office"
        assert report.created_at == asked  # when it was asked for, not when it was migrated
        assert (quarterly.kind, quarterly.subject, quarterly.state, quarterly.error, quarterly.scheduled) == (
            "quarterly_return",
            "2015-16-Q1",
            "failed",
            "Lost",
            True,
        )
