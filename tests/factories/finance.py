"""Funds, decisions and allocations, made through the finance services: money is only ever a movement under a
decision, so a factory must not write balances of its own."""

import datetime
from decimal import Decimal

import factory

from finance import services as finance_services
from finance.models import Allocation, Decision, Fund


def financial_year(start_year: int = 2015):
    return finance_services.financial_year_get_or_create(start_year=start_year)


class FundFactory(factory.django.DjangoModelFactory):
    """A fund for one year with one contribution: FundFactory(total=Decimal("100000.00"))."""

    class Meta:
        model = Fund

    slug = factory.Sequence(lambda n: f"fund-{n}")
    name = factory.Sequence(lambda n: f"Fund {n}")
    programme = None
    start_year = 2015
    total = Decimal("1000000.00")
    contributor = "NHS Trafford CCG"

    @classmethod
    def _create(cls, model_class, *args, start_year, total, contributor, **kwargs):
        year = financial_year(start_year)
        return finance_services.fund_create(years=[year], contributions=[(contributor, total, year)], **kwargs)


class DecisionFactory(factory.django.DjangoModelFactory):
    """A decision, proposed; DecisionFactory(approved=True) approves it (its movements then count)."""

    class Meta:
        model = Decision

    fund = factory.SubFactory(FundFactory)
    title = factory.Sequence(lambda n: f"Decision {n}")
    body = "Health and Wellbeing Board"
    decided_on = datetime.date(2015, 4, 1)
    finance_clearance = "GB"  # approval needs the finance officer's clearance

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return finance_services.decision_record(**kwargs)


class AllocationFactory(factory.django.DjangoModelFactory):
    """An allocation funded from its fund's unallocated pot under an approved decision."""

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
        allocation = finance_services.allocation_create_funded(
            decision=decision, financial_year=financial_year(start_year), **kwargs
        )
        finance_services.decision_approve(decision=decision)
        return allocation
