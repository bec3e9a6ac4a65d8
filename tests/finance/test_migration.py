"""Migrating an installation that had typed totals and amounts loses no money (finance 0002–0004)."""

from decimal import Decimal

import pytest

from tests.migrating import installation_at, migrate_to_latest


@pytest.mark.django_db(transaction=True)
def test_typed_amounts_become_contributions_and_an_approved_opening_movement():
    with installation_at([("finance", "0001_initial")]) as old:
        Fund, Allocation = old.get_model("finance", "Fund"), old.get_model("finance", "Allocation")
        fund = Fund.objects.create(slug="tf", name="TF", total=Decimal("1000.00"), source="GMHSCP")
        Allocation.objects.create(fund=fund, initiative="A", scheme_name="One", amount=Decimal("600.00"))
        Allocation.objects.create(
            fund=fund, initiative="A", scheme_name="Two", amount=Decimal("150.50"), status="discontinued"
        )
        migrate_to_latest()
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


@pytest.mark.django_db(transaction=True)
def test_typed_clearances_are_kept_as_the_papers_note_not_as_a_clearance():
    """finance 0005: the free-text "finance officer clearance" (e.g. the demo's "GB") is kept word for word as
    the note of what the paper printed; it is not a clearance given in the app, so nobody is named as clearing."""
    with installation_at([("finance", "0004_drop_typed_amounts")]) as old:
        Fund, Decision = old.get_model("finance", "Fund"), old.get_model("finance", "Decision")
        fund = Fund.objects.create(slug="tf", name="TF")
        Decision.objects.create(
            fund=fund,
            title="Re-purpose",
            body="Executive",
            decided_on="2019-03-18",
            finance_clearance="GB",
            legal_clearance="JLF",
            status="approved",
        )
        migrate_to_latest()
        from finance.models import Decision as NewDecision

        decision = NewDecision.objects.get(title="Re-purpose")
        assert (decision.finance_clearance_note, decision.legal_clearance) == ("GB", "JLF")
        assert decision.finance_cleared_by is None and decision.status == "approved"
