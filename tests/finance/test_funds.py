"""The money ledger: balances come only from approved movements, and the fund always reconciles."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from finance import services
from finance.models import Allocation, AllocationStatus, Decision, DecisionStatus, Movement, MovementLine
from finance.selectors import decision_preview, fund_balances, fund_reconciliation
from tests.factories.finance import decision_clear_and_approve
from tests.factories.schemes import ProgrammeFactory

D = Decimal


@pytest.fixture
def year(db):
    return services.financial_year_get_or_create(start_year=2018)


@pytest.fixture
def fund(db, year):
    return services.fund_create(
        slug="tf",
        name="Transformation Fund",
        programme=ProgrammeFactory(),
        years=[year],
        contributions=[("GMHSCP", D("1000000.00"), year)],
    )


def decision(fund, **extra):
    fields = {"title": "Allocations", "body": "Executive", "decided_on": dt.date(2018, 6, 1)}
    return services.decision_record(fund=fund, **(fields | extra))


def funded(fund, year, name, amount, approve=True):
    if D(amount) == 0:
        return services.allocation_add(fund=fund, initiative="A", scheme_name=name)
    d = decision(fund)
    allocation = services.allocation_create_funded(
        fund=fund, initiative="A", scheme_name=name, amount=D(amount), decision=d, financial_year=year
    )
    if approve:
        decision_clear_and_approve(d)
    return allocation


def balance(allocation):
    return fund_balances(fund=allocation.fund).by_allocation.get(allocation.pk, D("0"))


def test_allocated_plus_unallocated_is_the_fund_total(fund, year):
    funded(fund, year, "One", "600000.00")
    two = funded(fund, year, "Two", "150000.50")
    rec = fund_reconciliation(fund=fund)
    assert rec["allocated"] == D("750000.50")
    assert rec["unallocated"] == D("249999.50")
    assert rec["allocated"] + rec["unallocated"] == rec["total"] == D("1000000.00")
    assert rec["problems"] == []
    assert balance(two) == D("150000.50")


def test_a_proposed_movement_does_not_count_until_approved(fund, year):
    one = funded(fund, year, "One", "600000", approve=False)
    assert balance(one) == 0
    assert fund_reconciliation(fund=fund)["unallocated"] == D("1000000")
    decision_clear_and_approve(Decision.objects.get(status=DecisionStatus.PROPOSED))
    assert balance(one) == D("600000")


def test_over_allocation_is_refused_and_nothing_is_saved(fund, year):
    funded(fund, year, "One", "900000")
    before = (Allocation.objects.count(), Movement.objects.count(), MovementLine.objects.count())
    with pytest.raises(ValidationError) as err:
        funded(fund, year, "Two", "100000.01")
    assert "over-allocate" in str(err.value)
    assert (Allocation.objects.count(), Movement.objects.count(), MovementLine.objects.count()) == before


def test_approval_rechecks_balances_so_two_proposals_cannot_both_take_the_same_money(fund, year):
    one = funded(fund, year, "One", "600000", approve=False)
    two = funded(fund, year, "Two", "600000", approve=False)
    first, second = (Decision.objects.get(movements__lines__allocation=a) for a in (one, two))
    decision_clear_and_approve(first)
    with pytest.raises(ValidationError, match="over-allocate"):
        decision_clear_and_approve(second)
    second.refresh_from_db()
    assert second.status == DecisionStatus.PROPOSED
    assert fund_reconciliation(fund=fund)["unallocated"] == D("400000")


def test_repurposing_moves_money_from_several_to_several_and_keeps_the_total(fund, year):
    a = funded(fund, year, "A", "500000")
    b = funded(fund, year, "B", "300000")
    c = funded(fund, year, "C", "0")
    d = decision(fund, title="Repurposing")
    services.repurposing_propose(
        decision=d,
        sources=[(a, D("200000")), (b, D("50000"))],
        destinations=[(c, D("240000")), (None, D("10000"))],
        reason="Stocktake",
        financial_year=year,
    )
    preview = decision_preview(decision=d)
    changes = {row["label"]: (row["before"], row["after"]) for row in preview["rows"]}
    assert changes["A › A"] == (D("500000"), D("300000"))
    assert changes["A › C"] == (D("0"), D("240000"))
    assert changes["Unallocated"] == (D("200000"), D("210000"))
    assert balance(a) == D("500000")  # the preview changed nothing
    decision_clear_and_approve(d)
    assert [balance(x) for x in (a, b, c)] == [D("300000"), D("250000"), D("240000")]
    rec = fund_reconciliation(fund=fund)
    assert rec["allocated"] + rec["unallocated"] == rec["total"] and rec["unallocated"] == D("210000")


def test_a_repurposing_larger_than_the_source_balance_is_refused(fund, year):
    a = funded(fund, year, "A", "100000")
    c = funded(fund, year, "C", "0")
    d = decision(fund)
    with pytest.raises(ValidationError, match="below zero"):
        services.repurposing_propose(
            decision=d,
            sources=[(a, D("100000.01"))],
            destinations=[(c, D("100000.01"))],
            reason="x",
            financial_year=year,
        )
    assert not Movement.objects.filter(decision=d).exists()


@pytest.mark.parametrize(
    "amount, message",
    [
        (D("-5"), "cannot be negative"),
        (D("10.001"), "two decimal places"),
        ("ten pounds", "number of pounds"),
        (0.1, "exact decimal"),
        (D("NaN"), "number of pounds"),
        (D("1e15"), "too large"),
    ],
)
def test_bad_amounts_are_refused_with_a_clear_message(fund, year, amount, message):
    d = decision(fund)
    with pytest.raises(ValidationError, match=message):
        services.allocation_create_funded(
            fund=fund, initiative="A", scheme_name="X", amount=amount, decision=d, financial_year=year
        )
    assert not Allocation.objects.exists()


def test_a_decision_without_a_date_is_refused(fund):
    with pytest.raises(ValidationError, match="date"):
        services.decision_record(fund=fund, title="T", body="B", decided_on=None)
    assert not Decision.objects.exists()


def test_a_movement_in_a_closed_year_is_refused(fund, year):
    a = funded(fund, year, "A", "100")
    services.financial_year_close(year=year)
    d = decision(fund)
    with pytest.raises(ValidationError, match="closed"):
        services.repurposing_propose(
            decision=d, sources=[(a, D("50"))], destinations=[(None, D("50"))], reason="x", financial_year=year
        )
    assert not Movement.objects.filter(decision=d).exists()


def test_a_year_closed_between_proposal_and_approval_blocks_approval(fund, year):
    funded(fund, year, "A", "100", approve=False)
    services.financial_year_close(year=year)
    with pytest.raises(ValidationError, match="closed"):
        decision_clear_and_approve(Decision.objects.get())


def test_approval_needs_finance_clearance_given_in_the_app(fund, year, make_user):
    d = services.decision_record(
        fund=fund, title="T", body="Executive", decided_on=dt.date(2018, 6, 1), finance_clearance_note="GB"
    )
    services.allocation_create_funded(
        fund=fund, initiative="A", scheme_name="X", amount=D("5"), decision=d, financial_year=year
    )
    approver = make_user(Role.PROGRAMME_OFFICE)
    with pytest.raises(ValidationError, match="finance officer must give clearance"):
        services.decision_approve(decision=d, by=approver)  # the printed "GB" is a note, not a clearance
    services.decision_clear_finance(decision=d, by=make_user(Role.FINANCE_OFFICER))
    services.decision_approve(decision=d, by=approver)


def test_approved_movements_cannot_change_only_be_reversed(fund, year):
    a = funded(fund, year, "A", "1000")
    approved = Decision.objects.get()
    with pytest.raises(ValidationError, match="approved"):
        services.movement_propose(
            decision=approved,
            kind="allocation",
            reason="sneak",
            financial_year=year,
            lines=[(None, D("-1")), (a, D("1"))],
        )
    with pytest.raises(ValidationError, match="approved"):
        services.decision_update(decision=approved, title="Changed")
    reversal = decision(fund, title="Correction")
    services.reversal_propose(movement=Movement.objects.get(), decision=reversal, reason="Entered twice")
    decision_clear_and_approve(reversal)
    assert balance(a) == 0
    with pytest.raises(ValidationError, match="already been reversed"):
        services.reversal_propose(movement=Movement.objects.get(kind="allocation"), decision=decision(fund), reason="x")
    assert fund_reconciliation(fund=fund)["problems"] == []


def test_discontinuation_keeps_spend_to_date_and_releases_the_rest_on_approval(fund, year):
    a = funded(fund, year, "A", "1000")
    d = decision(fund, title="Stop A")
    services.discontinuation_propose(allocation=a, spend_to_date=D("400"), decision=d, financial_year=year, reason="")
    a.refresh_from_db()
    assert a.status == AllocationStatus.GOING_FORWARD  # not until the decision is approved
    decision_clear_and_approve(d)
    a.refresh_from_db()
    assert a.status == AllocationStatus.DISCONTINUED and a.spend_to_date == D("400")
    assert a.discontinued_on == dt.date(2018, 6, 1)
    assert balance(a) == D("400")
    rec = fund_reconciliation(fund=fund)
    assert rec["discontinued"] == D("400") and rec["unallocated"] == D("999600")


def test_spend_to_date_above_the_balance_is_refused(fund, year):
    a = funded(fund, year, "A", "1000")
    with pytest.raises(ValidationError, match="more than"):
        services.discontinuation_propose(
            allocation=a, spend_to_date=D("1000.01"), decision=decision(fund), financial_year=year, reason=""
        )


def test_reconciliation_fails_loudly_when_the_ledger_is_tampered_with(fund, year, caplog):
    a = funded(fund, year, "A", "1000")
    assert fund_reconciliation(fund=fund)["problems"] == []
    # Bypass the services, as a bad SQL fix or a bug would: the check must notice.
    MovementLine.objects.filter(allocation=a).update(amount=D("1200"))
    rec = fund_reconciliation(fund=fund)
    assert not rec["balanced"]
    assert "not the fund total" in rec["problems"][0]
    assert "does not reconcile" in caplog.text


def test_every_change_is_audited_with_who(fund, year, make_user):
    officer = make_user(Role.FINANCE_OFFICER)
    d = decision(fund)
    services.allocation_create_funded(
        fund=fund, initiative="A", scheme_name="X", amount=D("5"), decision=d, financial_year=year, by=officer
    )
    decision_clear_and_approve(d, by=officer)
    assert d.history.filter(history_user=officer, status="approved").exists()
    assert Movement.history.filter(history_user=officer).count() == 1
    allocation = Allocation.objects.get()
    row = services.spend_record(allocation=allocation, financial_year=year, quarter=1, actual=D("2"), by=officer)
    services.spend_record(
        allocation=allocation, financial_year=year, quarter=1, actual=D("3"), by=officer, expected_version=row.version
    )
    assert [h.actual for h in row.history.order_by("history_date")] == [D("2"), D("3")]


def test_a_stale_spend_edit_is_refused(fund, year):
    from core.exceptions import StaleEdit

    a = funded(fund, year, "A", "1000")
    row = services.spend_record(allocation=a, financial_year=year, quarter=2, planned=D("100"))
    services.spend_record(allocation=a, financial_year=year, quarter=2, planned=D("120"), expected_version=row.version)
    with pytest.raises(StaleEdit):
        services.spend_record(
            allocation=a, financial_year=year, quarter=2, planned=D("130"), expected_version=row.version
        )
