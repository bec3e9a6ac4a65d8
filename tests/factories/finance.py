"""Money for tests, made through the finance services: money is only ever a movement under a decision, and a
decision is approved the way the app requires, by people other than its proposer, so a factory must not write
balances or approvals of its own."""

import datetime
from decimal import Decimal

import factory

from accounts.roles import Role
from accounts.services import user_ensure
from finance import services
from finance.models import Allocation, Decision, Fund
from schemes.models import Programme
from tests.factories.accounts import FLOATING, memberships_grant
from tests.factories.schemes import ProgrammeFactory


def finance_officer(username: str = "test-finance-officer", programme=None):
    """A finance officer who proposed nothing in the test (get or create), of this programme (or of every one)."""
    officer = user_ensure(
        username=username, first_name="Test", last_name="Finance Officer", roles=[Role.FINANCE_OFFICER]
    )
    if programme is None:
        FLOATING[officer.pk] = [Role.FINANCE_OFFICER]
        programme_list = list(Programme.objects.all())
    else:
        programme_list = [programme]
    memberships_grant(officer, [Role.FINANCE_OFFICER], programme_list)
    return officer


def decision_clear_and_approve(decision, *, by=None, expected_version=None):
    """Give finance clearance (a finance officer who did not propose it), then approve (`by`, or that officer)."""
    officer = finance_officer(programme=decision.fund.programme)
    decision.refresh_from_db()
    if decision.finance_cleared_by_id is None:
        services.decision_clear_finance(decision=decision, by=officer, expected_version=expected_version)
        expected_version = None
    return services.decision_approve(decision=decision, by=by or officer, expected_version=expected_version)


def financial_year(start_year: int = 2015):
    return services.financial_year_get_or_create(start_year=start_year)


class FundFactory(factory.django.DjangoModelFactory):
    """A fund for one year with one contribution: FundFactory(total=Decimal("100000.00"))."""

    class Meta:
        model = Fund

    slug = factory.Sequence(lambda n: f"fund-{n}")
    name = factory.Sequence(lambda n: f"Fund {n}")
    programme = factory.SubFactory(ProgrammeFactory)
    start_year = 2015
    total = Decimal("1000000.00")
    contributor = "NHS Trafford CCG"

    @classmethod
    def _create(cls, model_class, *args, start_year, total, contributor, **kwargs):
        year = financial_year(start_year)
        return services.fund_create(years=[year], contributions=[(contributor, total, year)], **kwargs)


class DecisionFactory(factory.django.DjangoModelFactory):
    """A decision, proposed (by nobody in particular); decision_clear_and_approve() approves it."""

    class Meta:
        model = Decision

    fund = factory.SubFactory(FundFactory)
    title = factory.Sequence(lambda n: f"Decision {n}")
    body = "Health and Wellbeing Board"
    decided_on = datetime.date(2015, 4, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.decision_record(**kwargs)


class AllocationFactory(factory.django.DjangoModelFactory):
    """An allocation funded from its fund's unallocated pot under a decision cleared and approved by others."""

    class Meta:
        model = Allocation

    fund = factory.SubFactory(FundFactory)
    initiative = "BCF"
    workstream = ""
    scheme_name = factory.Sequence(lambda n: f"Allocation {n}")
    scheme = None
    amount = Decimal("100000.00")
    start_year = 2015

    @classmethod
    def _create(cls, model_class, *args, start_year, **kwargs):
        decision = DecisionFactory(fund=kwargs["fund"])
        allocation = services.allocation_create_funded(
            decision=decision, financial_year=financial_year(start_year), **kwargs
        )
        decision_clear_and_approve(decision)
        return allocation
