import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from core.exceptions import StaleEdit
from core.rag import RAG
from milestones import services
from milestones.models import Milestone, MilestoneDateChange, MilestoneStatus
from schemes.services import reporting_period_close
from tests.factories.milestones import MilestoneFactory
from tests.factories.schemes import ReportingPeriodFactory

pytestmark = pytest.mark.django_db


def test_moving_a_date_keeps_the_baseline_and_records_who_when_and_why(pmo_user):
    m = MilestoneFactory(baseline_date=dt.date(2015, 4, 30), due_date=dt.date(2015, 4, 30))
    services.milestone_move(milestone=m, new_date=dt.date(2015, 5, 26), reason="deadline extended", by=pmo_user)
    m.refresh_from_db()
    assert (m.baseline_date, m.due_date, m.slippage_days) == (dt.date(2015, 4, 30), dt.date(2015, 5, 26), 26)
    change = MilestoneDateChange.objects.get(milestone=m)
    assert (change.changed_by, change.reason) == (pmo_user, "deadline extended")
    assert m.history.first().history_user == pmo_user


def test_moving_a_date_without_a_reason_is_refused_and_nothing_changes():
    m = MilestoneFactory()
    with pytest.raises(ValidationError) as err:
        services.milestone_move(milestone=m, new_date=m.due_date + dt.timedelta(days=3), reason="  ")
    assert "reason" in err.value.message_dict
    m.refresh_from_db()
    assert m.due_date == m.baseline_date and not m.date_changes.exists()


def test_completion_date_in_the_future_is_refused():
    m = MilestoneFactory()
    with pytest.raises(ValidationError) as err:
        services.milestone_complete(milestone=m, completed_on=dt.date(2015, 6, 2), today=dt.date(2015, 6, 1))
    assert "future" in err.value.message_dict["completed_on"][0]
    assert Milestone.objects.get(pk=m.pk).status == MilestoneStatus.NOT_STARTED


def test_completion_in_a_closed_period_is_refused():
    m = MilestoneFactory()
    period = ReportingPeriodFactory(
        programme=m.scheme.programme, start_date=dt.date(2015, 3, 18), end_date=dt.date(2015, 5, 20)
    )
    reporting_period_close(period=period)
    with pytest.raises(ValidationError) as err:
        services.milestone_complete(milestone=m, completed_on=dt.date(2015, 4, 1))
    assert "closed" in err.value.message_dict["completed_on"][0]


def test_end_before_start_is_refused():
    m = MilestoneFactory()
    with pytest.raises(ValidationError):
        services.milestone_create(
            scheme=m.scheme, description="Range", start_date=dt.date(2015, 7, 1), due_date=dt.date(2015, 6, 1)
        )
    with pytest.raises(ValidationError):
        services.milestone_update(milestone=m, description="x", start_date=m.due_date + dt.timedelta(days=1))


def test_milestone_rag_override_needs_a_reason_and_rag_must_be_in_the_set():
    m = MilestoneFactory(baseline_date=dt.date(2099, 1, 1), due_date=dt.date(2099, 1, 1))  # suggestion: Green
    with pytest.raises(ValidationError) as err:
        services.milestone_set_rag(milestone=m, rag=RAG.RED)
    assert "reason" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.milestone_set_rag(milestone=m, rag="purple", reason="x")
    services.milestone_set_rag(milestone=m, rag=RAG.GREEN)  # agreeing with the rules needs no reason
    services.milestone_set_rag(milestone=m, rag=RAG.RED, reason="Provider has withdrawn")
    m.refresh_from_db()
    assert (m.rag, m.rag_reason) == (RAG.RED, "Provider has withdrawn")


def test_a_stale_edit_is_refused_with_what_the_other_person_changed(make_user):
    alice, bob = make_user(first_name="Alice", last_name="A"), make_user(first_name="Bob", last_name="B")
    m = MilestoneFactory()
    opened_at = m.version
    services.milestone_move(
        milestone=m, new_date=dt.date(2015, 8, 1), reason="estates delay", by=alice, expected_version=opened_at
    )
    with pytest.raises(StaleEdit) as err:
        services.milestone_complete(milestone=m, completed_on=dt.date(2015, 7, 1), by=bob, expected_version=opened_at)
    message = str(err.value)
    assert "Alice A changed due date from “30/06/2015” to “01/08/2015”" in message
    m.refresh_from_db()
    assert m.status == MilestoneStatus.NOT_STARTED and m.due_date == dt.date(2015, 8, 1)


def test_a_reason_longer_than_100_characters_is_kept_whole_in_the_audit_history(pmo_user):
    # django-simple-history's default reason column is a 100-character CharField, which PostgreSQL refuses to
    # overflow; every history table's column is text, so a long reason is stored whole on any database.
    reason = ("Deadline extended: awaiting CMFT activity data and the revised estates plan from the council. " * 4)[
        :300
    ]
    m = MilestoneFactory(baseline_date=dt.date(2015, 4, 30), due_date=dt.date(2015, 4, 30))
    services.milestone_move(milestone=m, new_date=dt.date(2015, 5, 26), reason=reason, by=pmo_user)
    assert len(reason) == 300
    assert m.history.first().history_change_reason == reason
    assert MilestoneDateChange.objects.get(milestone=m).reason == reason


def test_every_history_table_keeps_its_reason_as_text():
    short = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.model_name.startswith("historical")
        and not isinstance(model._meta.get_field("history_change_reason"), models.TextField)
    ]
    assert short == []
