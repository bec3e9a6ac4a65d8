import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import StaleEdit
from risks import services
from risks.models import ActionStatus, Risk, RiskStatus
from risks.scoring import Grade, risk_grade
from tests.factories.schemes import ProgrammeFactory, SchemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return ProgrammeFactory()


def _risk(programme, **kwargs):
    values = {
        "programme": programme,
        "title": "Venues for co-location",
        "description": "No venue in the north",
        "raised_on": dt.date(2015, 5, 21),
        "likelihood": 3,
        "consequence": 3,
        "target_likelihood": 2,
        "target_consequence": 3,
    }
    values.update(kwargs)
    return services.risk_create(**values)


@pytest.mark.parametrize(
    "score,grade",
    [
        (1, Grade.LOW),
        (3, Grade.LOW),
        (4, Grade.MODERATE),
        (6, Grade.MODERATE),
        (8, Grade.HIGH),
        (12, Grade.HIGH),
        (15, Grade.EXTREME),
        (25, Grade.EXTREME),
    ],
)
def test_nhs_grade_bands(score, grade):
    assert risk_grade(score) == grade


def test_score_outside_the_matrix_is_refused(programme):
    with pytest.raises(ValidationError) as err:
        _risk(programme, likelihood=6)
    assert "likelihood" in err.value.message_dict
    with pytest.raises(ValidationError):
        _risk(programme, consequence=0)
    assert not Risk.objects.exists()


def test_target_above_current_needs_a_reason(programme):
    with pytest.raises(ValidationError) as err:
        _risk(programme, target_likelihood=4, target_consequence=4)
    assert "target_reason" in err.value.message_dict
    risk = _risk(programme, target_likelihood=4, target_consequence=4, target_reason="New service, more exposure")
    assert risk.target_score == 16


def test_review_before_raised_is_refused(programme):
    with pytest.raises(ValidationError) as err:
        _risk(programme, next_review_date=dt.date(2015, 5, 1))
    assert "next_review_date" in err.value.message_dict


def test_rescore_keeps_every_assessment_and_initial_current_target(programme, pmo_user):
    risk = _risk(programme)
    services.risk_rescore(
        risk=risk, likelihood=4, consequence=4, assessed_on=dt.date(2015, 7, 1), note="Estates slipped", by=pmo_user
    )
    risk.refresh_from_db()
    scores = [a.score for a in risk.assessments.order_by("assessed_on")]
    assert scores == [9, 16]
    assert (risk.score, risk.grade, risk.target_score) == (16, Grade.EXTREME, 6)
    assert risk.history.first().history_change_reason == "Estates slipped"


def test_closing_needs_a_reason_and_a_stale_close_is_refused(programme, make_user):
    risk = _risk(programme)
    with pytest.raises(ValidationError):
        services.risk_close(risk=risk, reason=" ")
    opened = risk.version
    services.risk_rescore(
        risk=risk,
        likelihood=2,
        consequence=2,
        assessed_on=dt.date(2015, 6, 1),
        by=make_user(first_name="Ann", last_name="Lee"),
    )
    with pytest.raises(StaleEdit) as err:
        services.risk_close(risk=risk, reason="Venue found", expected_version=opened)
    assert "Ann Lee changed likelihood from “3” to “2”" in str(err.value)
    services.risk_close(risk=risk, reason="Venue found")
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.CLOSED


def test_a_risk_becomes_an_issue_keeping_its_history_and_actions(programme):
    scheme = SchemeFactory(programme=programme)
    risk = _risk(programme, schemes=[scheme])
    action = services.mitigating_action_add(risk=risk, action="Find a venue", due_date=dt.date(2015, 8, 31))
    issue = services.risk_convert_to_issue(risk=risk, impact="Teams cannot co-locate in the north")
    risk.refresh_from_db()
    assert risk.status == RiskStatus.CLOSED and "Became an issue" in risk.closed_reason
    assert issue.from_risk == risk and list(issue.schemes.all()) == [scheme]
    action.refresh_from_db()
    assert action.issue == issue and action.risk == risk
    assert risk.history.count() >= 2 and risk.assessments.count() == 1
    with pytest.raises(ValidationError):
        services.risk_convert_to_issue(risk=risk, impact="again")


def test_escalation_defaults_to_moderate_and_above(programme):
    low = _risk(programme, likelihood=1, consequence=3, target_likelihood=1, target_consequence=1)
    moderate = _risk(programme, likelihood=2, consequence=2, target_likelihood=1, target_consequence=1)
    never = _risk(
        programme,
        likelihood=5,
        consequence=5,
        board_escalation="never",
        board_escalation_reason="On the CCG's register",
    )
    always = _risk(
        programme, likelihood=1, consequence=1, target_likelihood=1, target_consequence=1, board_escalation="always"
    )
    assert set(Risk.objects.escalated()) == {moderate, always}
    assert not low.is_escalated and not never.is_escalated


def test_action_status_and_overdue(programme):
    risk = _risk(programme)
    action = services.mitigating_action_add(risk=risk, action="Estates plan", due_date=dt.date(2015, 9, 30))
    assert action.is_overdue(dt.date(2015, 10, 1))
    services.mitigating_action_set_status(action=action, status=ActionStatus.DONE)
    action.refresh_from_db()
    assert not action.is_overdue(dt.date(2015, 10, 1))
    with pytest.raises(ValidationError):
        services.mitigating_action_set_status(action=action, status="lost")


def test_rescore_with_a_new_target_above_the_score_needs_a_reason(programme):
    risk = _risk(programme)
    with pytest.raises(ValidationError) as err:
        services.risk_rescore(
            risk=risk,
            likelihood=2,
            consequence=2,
            target_likelihood=3,
            target_consequence=3,
            assessed_on=dt.date(2015, 6, 1),
        )
    assert "target_reason" in err.value.message_dict
    assert Risk.objects.get(pk=risk.pk).score == 9
