import datetime as dt

from core.rag import RAG, Trend, rag_trend
from milestones.models import Milestone, MilestoneStatus
from milestones.rag_rules import suggest_milestone_rag, suggest_scheme_rag

AS_OF = dt.date(2015, 5, 20)


def m(due, baseline=None, status=MilestoneStatus.NOT_STARTED, completed_on=None):
    return Milestone(due_date=due, baseline_date=baseline or due, status=status, completed_on=completed_on)


def test_incomplete_milestone_past_its_date_is_red():
    assert suggest_milestone_rag(m(dt.date(2015, 5, 1)), as_of=AS_OF) == RAG.RED


def test_moved_past_baseline_is_amber():
    assert suggest_milestone_rag(m(dt.date(2015, 6, 1), baseline=dt.date(2015, 5, 25)), as_of=AS_OF) == RAG.AMBER


def test_on_plan_is_green_and_complete_is_blue():
    assert suggest_milestone_rag(m(dt.date(2015, 6, 1)), as_of=AS_OF) == RAG.GREEN
    done = m(dt.date(2015, 5, 1), status=MilestoneStatus.COMPLETE, completed_on=dt.date(2015, 5, 2))
    assert suggest_milestone_rag(done, as_of=AS_OF) == RAG.BLUE


def test_a_milestone_completed_after_the_date_counts_as_open_on_that_date():
    late = m(dt.date(2015, 5, 1), status=MilestoneStatus.COMPLETE, completed_on=dt.date(2015, 6, 2))
    assert suggest_milestone_rag(late, as_of=AS_OF) == RAG.RED


def test_scheme_takes_the_worst_milestone_and_blue_only_when_all_complete():
    green, amber, red = (
        m(dt.date(2015, 6, 1)),
        m(dt.date(2015, 7, 1), baseline=dt.date(2015, 6, 1)),
        m(dt.date(2015, 5, 1)),
    )
    done = m(dt.date(2015, 5, 1), status=MilestoneStatus.COMPLETE, completed_on=dt.date(2015, 5, 1))
    assert suggest_scheme_rag([green, amber, red, done], as_of=AS_OF) == RAG.RED
    assert suggest_scheme_rag([green, amber, done], as_of=AS_OF) == RAG.AMBER
    assert suggest_scheme_rag([green, done], as_of=AS_OF) == RAG.GREEN
    assert suggest_scheme_rag([done], as_of=AS_OF) == RAG.BLUE
    assert suggest_scheme_rag([], as_of=AS_OF) is None
    cancelled = m(dt.date(2015, 1, 1), status=MilestoneStatus.CANCELLED)
    assert suggest_scheme_rag([cancelled, done], as_of=AS_OF) == RAG.BLUE


def test_trend_against_previous_period():
    assert rag_trend(RAG.RED, RAG.AMBER) == Trend.UP
    assert rag_trend(RAG.GREEN, RAG.AMBER) == Trend.DOWN
    assert rag_trend(RAG.GREEN, RAG.GREEN) == Trend.SAME
    assert rag_trend(None, RAG.GREEN) == Trend.NEW
    assert rag_trend(RAG.GREEN, None) is None
