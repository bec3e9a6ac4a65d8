"""Migrating an installation that had typed totals, amounts and clearances loses no money and names nobody as
clearing (finance 0002-0005).

One installation carries both old kinds of row through one upgrade: each trip from an old version is a whole
migration run (~20 s of CPU), so the clearance is added on the way, at finance 0004, where it was typed."""

from decimal import Decimal

import pytest

from tests.migrating import installation_at, migrate_to, migrate_to_latest


@pytest.mark.django_db(transaction=True)
def test_typed_amounts_become_contributions_and_typed_clearances_the_papers_note():
    """finance 0002-0004: typed totals and amounts become contributions and an approved opening movement.
    finance 0005: the free-text "finance officer clearance" (e.g. the demo's "GB") is kept word for word as the
    note of what the paper printed; it is not a clearance given in the app, so nobody is named as clearing."""
    with installation_at([("finance", "0001_initial")]) as old:
        Fund, Allocation = old.get_model("finance", "Fund"), old.get_model("finance", "Allocation")
        fund = Fund.objects.create(slug="tf", name="TF", total=Decimal("1000.00"), source="GMHSCP")
        Allocation.objects.create(fund=fund, initiative="A", scheme_name="One", amount=Decimal("600.00"))
        Allocation.objects.create(
            fund=fund, initiative="A", scheme_name="Two", amount=Decimal("150.50"), status="discontinued"
        )

        later = migrate_to([("finance", "0004_drop_typed_amounts")])
        Fund, Decision = later.get_model("finance", "Fund"), later.get_model("finance", "Decision")
        paper = Fund.objects.create(slug="paper", name="Paper")
        Decision.objects.create(
            fund=paper,
            title="Re-purpose",
            body="Executive",
            decided_on="2019-03-18",
            finance_clearance="GB",
            legal_clearance="JLF",
            status="approved",
        )

        migrate_to_latest()
        from finance.models import Allocation as NewAllocation
        from finance.models import Decision as NewDecision
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

        decision = NewDecision.objects.get(title="Re-purpose")
        assert (decision.finance_clearance_note, decision.legal_clearance) == ("GB", "JLF")
        assert decision.finance_cleared_by is None and decision.status == "approved"
