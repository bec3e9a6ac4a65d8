"""The money pages take the same number of queries for a fund of 8 allocations as for one five times bigger.

Each test names the N+1 it prevents; on failure it prints both sets of SQL so the extra query shows.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from demo.synthetic import synthetic_programme_generate
from finance.models import Fund, Movement

pytestmark = pytest.mark.django_db


@pytest.fixture
def funds():
    """A small synthetic fund (8 allocations, 60 movements) and a big one (40 allocations, 300 movements)."""
    small, big = (
        synthetic_programme_generate(
            schemes=schemes, milestones_per_scheme=0, periods=3, seed=11, slug=slug, funds=1, movements=movements
        )
        for slug, schemes, movements in (("small", 8, 60), ("big", 40, 300))
    )
    small_fund, big_fund = Fund.objects.get(programme=small), Fund.objects.get(programme=big)
    assert big_fund.allocations.count() == 5 * small_fund.allocations.count()
    assert Movement.objects.filter(fund=big_fund).count() == 5 * Movement.objects.filter(fund=small_fund).count()
    return small_fund, big_fund


def queries(client, url: str) -> list[str]:
    client.get(url)  # the first request of a session does one-off work (e.g. loading the user's roles)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in ctx.captured_queries]


def assert_same_queries(client, name: str, small: Fund, big: Fund) -> str:
    few = queries(client, reverse(name, args=[small.slug]))
    many = queries(client, reverse(name, args=[big.slug]))
    assert len(few) == len(many), (
        f"{name}: {len(few)} queries for the small fund, {len(many)} for the big one."
        "\n--- small\n" + "\n".join(few) + "\n--- big\n" + "\n".join(many)
    )
    return client.get(reverse(name, args=[big.slug])).content.decode()


@pytest.mark.parametrize("role", [Role.FINANCE_OFFICER, Role.STEERING_GROUP])
def test_fund_page_queries_do_not_grow_with_allocations(client, make_user, funds, role):
    """Prevents a query per allocation in the Appendix 1 tree (its scheme, its money) and per summary figure."""
    client.force_login(make_user(role))
    page = assert_same_queries(client, "finance:fund", *funds)
    assert "Reconciles" in page
    assert funds[1].allocations.order_by("order").last().scheme_name in page


def test_ledger_queries_do_not_grow_with_movements(client, make_user, funds):
    """Prevents a query per movement for its decision, year, reversed movement or discontinued allocation,
    and per line for its allocation."""
    client.force_login(make_user(Role.FINANCE_OFFICER))
    page = assert_same_queries(client, "finance:ledger", *funds)
    assert "Repurposing (virement)" in page and "Reversal" in page
    assert len(re.findall(r'<a href="/money/decisions/\d+/">', page)) == 50  # a full page of movements


def test_budget_monitoring_queries_do_not_grow_with_allocations(client, make_user, funds):
    """Prevents a query per monitoring line for its budget, spend or forecast, and per quarter in the picker."""
    client.force_login(make_user(Role.FINANCE_OFFICER))
    page = assert_same_queries(client, "finance:monitoring", *funds)
    assert 'id="monitoring"' in page
