"""The factories make what the services would: money only as approved movements that reconcile, a risk with its
first assessment, a token that signs in to the feeds. A factory that wrote rows the services never would would
let tests pass against data the application cannot produce."""

from decimal import Decimal

import pytest
from django.urls import reverse

from finance.selectors import fund_balances, fund_reconciliation
from metrics.models import Direction, Status
from metrics.selectors import status_of
from risks.models import RiskStatus
from tests.factories.api import ApiTokenFactory
from tests.factories.finance import AllocationFactory, FundFactory
from tests.factories.metrics import MetricFactory, metric_month
from tests.factories.reporting import ReportJobFactory
from tests.factories.returns import ReturnJobFactory
from tests.factories.risks import MitigatingActionFactory, RiskFactory, issue_from_risk
from tests.factories.schemes import SchemeFactory

pytestmark = pytest.mark.django_db


def test_an_allocation_is_funded_by_an_approved_movement_and_the_fund_reconciles():
    fund = FundFactory(total=Decimal("500000.00"))
    allocation = AllocationFactory(fund=fund, amount=Decimal("120000.50"))
    AllocationFactory(fund=fund, amount=Decimal("80000.00"))
    assert fund_balances(fund=fund).by_allocation[allocation.pk] == Decimal("120000.50")
    reconciliation = fund_reconciliation(fund=fund)
    assert reconciliation["total"] == Decimal("500000.00") and reconciliation["problems"] == []
    assert reconciliation["going_forward"] == Decimal("200000.50")


def test_a_risk_on_a_scheme_belongs_to_its_programme_with_its_first_assessment_and_actions():
    scheme = SchemeFactory()
    risk = RiskFactory(schemes=[scheme], likelihood=4, consequence=4)
    MitigatingActionFactory(risk=risk)
    assert risk.programme == scheme.programme and list(risk.schemes.all()) == [scheme]
    assert risk.status == RiskStatus.OPEN and risk.assessments.get().likelihood == 4
    assert risk.actions.count() == 1
    issue = issue_from_risk(risk)
    assert issue.from_risk == risk and issue.programme == scheme.programme


def test_a_kpi_belongs_to_its_schemes_programme_and_is_off_track_above_a_lower_is_better_plan():
    scheme = SchemeFactory()
    metric = MetricFactory(scheme=scheme, direction=Direction.LOWER, tolerance_percent=Decimal("0"))
    value = metric_month(metric, "2015-07", plan="100", actual="120")
    assert metric.programme == scheme.programme and value.actual == Decimal("120")
    assert status_of(metric=metric, plan=value.plan, actual=value.actual) == Status.NOT_ON_TRACK


def test_a_token_made_by_the_factory_reads_the_feeds(client):
    token = ApiTokenFactory()
    response = client.get(reverse("api:index"), HTTP_AUTHORIZATION=f"Bearer {token.raw}")
    assert response.status_code == 200


def test_jobs_belong_to_their_programme():
    from schemes.models import ReportingPeriod

    report_job = ReportJobFactory()
    assert report_job.programme == ReportingPeriod.objects.get(pk=report_job.params["period"]).programme
    assert ReturnJobFactory().programme.slug.startswith("programme-")
