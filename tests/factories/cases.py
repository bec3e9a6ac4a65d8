"""Business cases for tests: built through the services, so every rule applies."""

from decimal import Decimal

from cases import services
from cases.models import BusinessCase


def business_case(*, programme, scheme=None, by=None, first_year=2012, years=3, title="Scale up") -> BusinessCase:
    return services.business_case_create(
        programme=programme, scheme=scheme, title=title, first_year=first_year, years=years, by=by
    )


def chc_case(*, programme, scheme=None, by=None) -> BusinessCase:
    """The paper's continuing healthcare case: a £104k team from September 2012, 2,280 bed days at £250."""
    case = business_case(programme=programme, scheme=scheme, by=by, title="Continuing healthcare")
    baseline = case.scenarios.get()
    services.investment_line_add(
        scenario=baseline,
        description="Care coordination team",
        amount=Decimal("104000"),
        first_year=2012,
        first_year_months=7,
        by=by,
    )
    services.benefit_line_add(
        scenario=baseline,
        description="Bed days saved",
        activity=Decimal("2280"),
        activity_unit="bed days",
        unit_cost=Decimal("250"),
        unit_cost_source="Basic elderly care bed day 2010/11",
        first_year=2013,
        shares=[("Central Manchester CCG", 70), ("North Manchester CCG", 15), ("South Manchester CCG", 15)],
        by=by,
    )
    return case
