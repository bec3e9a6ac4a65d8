"""Migrating an installation that had typed totals and amounts loses no money (finance 0002–0004)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_typed_amounts_become_contributions_and_an_approved_opening_movement():
    executor = MigrationExecutor(connection)
    executor.migrate([("finance", "0001_initial")])
    old = executor.loader.project_state([("finance", "0001_initial")]).apps
    Fund, Allocation = old.get_model("finance", "Fund"), old.get_model("finance", "Allocation")
    fund = Fund.objects.create(slug="tf", name="TF", total=Decimal("1000.00"), source="GMHSCP")
    Allocation.objects.create(fund=fund, initiative="A", scheme_name="One", amount=Decimal("600.00"))
    Allocation.objects.create(
        fund=fund, initiative="A", scheme_name="Two", amount=Decimal("150.50"), status="discontinued"
    )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        from finance.models import Allocation as NewAllocation
        from finance.models import Fund as NewFund
        from finance.selectors import fund_balances, fund_reconciliation

        new_fund = NewFund.objects.get(slug="tf")
        rec = fund_reconciliation(fund=new_fund)
        assert rec["total"] == Decimal("1000.00") and rec["problems"] == []
        assert (rec["going_forward"], rec["discontinued"]) == (Decimal("600.00"), Decimal("150.50"))
        balances = fund_balances(fund=new_fund).by_allocation
        two = NewAllocation.objects.get(scheme_name="Two")
        assert balances[two.pk] == Decimal("150.50") and two.spend_to_date == Decimal("150.50")
        assert new_fund.decisions.get().status == "approved"
    finally:
        # Leave the schema at the latest migration whatever happened, for the tests that follow.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
