"""The money tile sums in the database, and must agree with the Money pages to the penny."""

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from accounts.roles import Role
from dashboard import selectors
from dashboard.forms import dashboard_filters_from
from demo.synthetic import synthetic_programme_generate
from finance.models import Allocation
from finance.selectors import allocations_with_money, fund_summary, spent_of
from schemes.models import SchemeLead


@pytest.fixture
def programme(db):
    # Repurposings, discontinuations, reversals, late funding and two years of spend and forecasts.
    return synthetic_programme_generate(schemes=24, milestones_per_scheme=2, periods=3, seed=5, funds=2, movements=40)


def _filters(programme, user, **params):
    return dashboard_filters_from(QueryDict(urlencode({"programme": programme.slug, **params})), user=user).filters


def test_money_tile_equals_fund_summary_for_every_fund(programme, make_user):
    tile = selectors.money_summary(filters=_filters(programme, make_user(Role.STEERING_GROUP)))
    assert len(tile) == 2
    for row in tile:
        summary = fund_summary(fund=row.fund)
        assert summary["reconciliation"]["balanced"]
        assert (row.total, row.allocated, row.unallocated, row.spent, row.forecast, row.variance) == (
            summary["total"],
            summary["allocated"],
            summary["unallocated"],
            summary["spent"],
            summary["forecast"],
            summary["variance"],
        )
        assert row.spent > 0 and row.allocations == 24


def test_money_tile_for_one_lead_sums_only_the_allocations_of_their_schemes(programme, make_user):
    lead = SchemeLead.objects.filter(scheme__programme=programme).order_by("id").first().user
    tile = selectors.money_summary(filters=_filters(programme, make_user(Role.STEERING_GROUP), lead=str(lead.pk)))
    theirs = Allocation.objects.filter(scheme__leads__user=lead)
    assert tile and all(row.narrowed and row.unallocated is None for row in tile)
    for row in tile:
        expected = list(allocations_with_money(theirs.filter(fund=row.fund)))
        assert row.allocations == len(expected) > 0
        assert row.allocated == sum((a.budget for a in expected), Decimal(0))
        assert row.spent == sum((spent_of(a.actual_spend, a.status, a.spend_to_date) for a in expected), Decimal(0))
        assert row.forecast == sum((a.budget if a.forecast is None else a.forecast for a in expected), Decimal(0))
