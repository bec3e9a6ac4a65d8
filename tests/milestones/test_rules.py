"""The plan's rules have one home (milestones.models): the QuerySet methods and the per-milestone methods must
agree for every kind of milestone and date, and every screen that counts overdue milestones uses them."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from milestones.models import Milestone, MilestoneStatus
from schemes.models import ReportingPeriod
from schemes.selectors import my_schemes_todo, schemes_with_status
from tests.factories.milestones import MilestoneFactory
from tests.factories.schemes import ReportingPeriodFactory, SchemeFactory

pytestmark = pytest.mark.django_db

D = dt.date
# Two periods as the papers have them: the second starts on the day the first ends.
P1 = (D(2015, 3, 18), D(2015, 5, 20))
P2 = (D(2015, 5, 20), D(2015, 7, 22))


@pytest.fixture
def plan():
    """Milestones of every shape around the period boundaries."""
    scheme = SchemeFactory()
    p1 = ReportingPeriodFactory(programme=scheme.programme, code="p1", start_date=P1[0], end_date=P1[1])
    p2 = ReportingPeriodFactory(programme=scheme.programme, code="p2", start_date=P2[0], end_date=P2[1])
    days = [D(2015, 3, 17), P1[0], D(2015, 4, 30), D(2015, 5, 19), P1[1], D(2015, 6, 1), P2[1]]
    for baseline, due, done in itertools.product(days[:4], days, [None, *days]):
        if done is None:
            MilestoneFactory(scheme=scheme, baseline_date=baseline, due_date=due)
        else:
            MilestoneFactory(
                scheme=scheme, baseline_date=baseline, due_date=due, completed_on=done, status=MilestoneStatus.COMPLETE
            )
    MilestoneFactory(scheme=scheme, baseline_date=days[0], due_date=days[1], status=MilestoneStatus.CANCELLED)
    return scheme, p1, p2, days


def test_queryset_and_milestone_methods_agree_on_every_rule(plan):
    scheme, p1, p2, days = plan
    everything = list(Milestone.objects.filter(scheme=scheme))
    assert len(everything) > 100

    def ids(queryset):
        return set(queryset.values_list("pk", flat=True))

    for as_of in days:
        assert ids(Milestone.objects.overdue(as_of=as_of)) == {m.pk for m in everything if m.is_overdue(as_of)}
        assert ids(Milestone.objects.open_at(as_of)) == {m.pk for m in everything if m.is_open_at(as_of)}
    assert ids(Milestone.objects.slipped()) == {m.pk for m in everything if m.is_slipped}
    for period in (p1, p2):
        assert ids(Milestone.objects.completed_in(period)) == {m.pk for m in everything if m.is_completed_in(period)}
        assert ids(Milestone.objects.planned_for(period)) == {m.pk for m in everything if m.is_planned_for(period)}


def test_a_date_belongs_to_exactly_one_period(plan):
    scheme, p1, p2, days = plan
    boundary = P1[1]
    assert not p1.contains(boundary) and p2.contains(boundary)
    assert list(ReportingPeriod.objects.filter(programme=scheme.programme).containing(boundary)) == [p2]
    done_on_boundary = Milestone.objects.filter(completed_on=boundary)
    assert done_on_boundary.exists()
    in_p1 = set(Milestone.objects.completed_in(p1).values_list("pk", flat=True))
    in_p2 = set(Milestone.objects.completed_in(p2).values_list("pk", flat=True))
    assert not in_p1 & in_p2
    assert set(done_on_boundary.values_list("pk", flat=True)) <= in_p2


def test_overdue_is_judged_as_things_stood_at_the_date(plan):
    scheme, *_ = plan
    late = MilestoneFactory(scheme=scheme, baseline_date=D(2015, 4, 1), due_date=D(2015, 4, 1))
    late.status, late.completed_on = MilestoneStatus.COMPLETE, D(2015, 5, 1)
    late.save()
    assert late.is_overdue(D(2015, 4, 30))  # still open on 30 April
    assert not late.is_overdue(D(2015, 5, 1))  # done by the end of 1 May
    assert Milestone.objects.overdue(as_of=D(2015, 4, 30)).filter(pk=late.pk).exists()
    assert not Milestone.objects.overdue(as_of=D(2015, 5, 1)).filter(pk=late.pk).exists()
    cancelled = Milestone.objects.get(status=MilestoneStatus.CANCELLED)
    assert not cancelled.is_overdue(D(2016, 1, 1)) and not cancelled.is_slipped


def test_scheme_list_and_my_schemes_count_overdue_with_the_same_rule(plan):
    scheme, *_ = plan
    today = timezone.localdate()
    expected = Milestone.objects.filter(scheme=scheme).overdue(as_of=today).count()
    assert expected > 0
    (row,) = schemes_with_status(scheme.__class__.objects.filter(pk=scheme.pk))
    assert row.milestones_overdue == expected
    assert len(my_schemes_todo(schemes=[row])[scheme.pk]["overdue"]) == expected
