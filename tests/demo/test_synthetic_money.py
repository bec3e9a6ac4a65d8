"""Synthetic money (generate_synthetic --funds --movements) is bulk-created, so check it keeps the ledger's rules."""

import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from demo.synthetic import synthetic_programme_generate
from finance.models import (
    AllocationStatus,
    DecisionStatus,
    Fund,
    Movement,
    MovementKind,
    MovementLine,
    QuarterlySpend,
)
from finance.selectors import fund_balances, fund_reconciliation

pytestmark = pytest.mark.django_db


def generate(*, seed: int = 3, slug: str | None = None, schemes: int = 12, funds: int = 2, movements: int = 40):
    return synthetic_programme_generate(
        schemes=schemes, milestones_per_scheme=0, periods=3, seed=seed, slug=slug, funds=funds, movements=movements
    )


def ledger_of(programme) -> list:
    """Everything money-related about a programme's funds, with ids left out, in the order it was made."""
    funds = []
    for fund in Fund.objects.filter(programme=programme).order_by("id"):
        lines = defaultdict(list)
        for line in MovementLine.objects.filter(movement__fund=fund).select_related("allocation"):
            lines[line.movement_id].append((line.allocation.scheme_name if line.allocation else None, line.amount))
        funds.append(
            {
                "contributions": list(fund.contributions.order_by("id").values_list("contributor", "amount")),
                "allocations": list(
                    fund.allocations.order_by("id").values_list("initiative", "workstream", "scheme_name", "status")
                ),
                "movements": [
                    (m.kind, m.decision.decided_on, m.financial_year.start_year, sorted(lines[m.pk], key=str))
                    for m in Movement.objects.filter(fund=fund)
                    .select_related("decision", "financial_year")
                    .order_by("id")
                ],
                "spend": list(
                    QuarterlySpend.objects.filter(allocation__fund=fund)
                    .order_by("id")
                    .values_list("quarter", "planned", "actual", "forecast_outturn")
                ),
            }
        )
    return funds


def test_generate_synthetic_money_reconciles_and_matches_the_options():
    call_command(
        "generate_synthetic",
        *("--schemes", "12", "--milestones-per-scheme", "0", "--funds", "2", "--movements", "40", "--seed", "3"),
        stdout=io.StringIO(),
    )
    funds = list(Fund.objects.filter(programme__slug="synthetic-3-12x0"))
    assert len(funds) == 2
    assert Movement.objects.filter(fund__in=funds).count() == 40
    kinds = set(Movement.objects.filter(fund__in=funds).values_list("kind", flat=True))
    assert kinds == set(MovementKind.values)  # allocations, repurposings, releases and reversals
    for fund in funds:
        assert fund.allocations.count() == 12
        assert fund.allocations.filter(scheme__programme=fund.programme).count() == 12
        assert not fund.decisions.exclude(status=DecisionStatus.APPROVED).exists()
        rec = fund_reconciliation(fund=fund)
        assert rec["problems"] == []
        assert rec["total"] == fund.contributions.aggregate(t=Sum("amount"))["t"] > 0
        assert rec["allocated"] + rec["unallocated"] == rec["total"]
        assert rec["allocated"] > 0 and rec["unallocated"] >= 0
        balances = fund_balances(fund=fund)
        assert all(amount >= 0 for amount in balances.by_allocation.values())
        for allocation in fund.allocations.filter(status=AllocationStatus.DISCONTINUED):
            # Released on discontinuation: it keeps exactly its spend to date.
            assert balances.by_allocation.get(allocation.pk, Decimal("0")) == allocation.spend_to_date
            assert allocation.discontinued_on is not None
        spend = QuarterlySpend.objects.filter(allocation__fund=fund)
        assert spend.exists()
        assert spend.filter(actual__isnull=False).exists() and spend.filter(forecast_outturn__isnull=False).exists()
        assert not spend.filter(planned__lt=0).exists()
    # Lines sum to zero movement by movement, not only in total.
    sums = defaultdict(Decimal)
    for movement_id, amount in MovementLine.objects.filter(movement__fund__in=funds).values_list(
        "movement_id", "amount"
    ):
        sums[movement_id] += amount
    assert sums and all(total == 0 for total in sums.values())
    reversals = Movement.objects.filter(fund__in=funds, kind=MovementKind.REVERSAL)
    assert reversals.exists() and not reversals.filter(reverses__isnull=True).exists()


def test_synthetic_money_is_the_same_for_the_same_seed_and_differs_for_another():
    first = ledger_of(generate(seed=5, slug="first"))
    assert first[0]["movements"] and first[1]["spend"]
    assert ledger_of(generate(seed=5, slug="again")) == first
    assert ledger_of(generate(seed=6, slug="other")) != first


def test_synthetic_money_shares_the_movements_out_between_the_funds():
    programme = generate(schemes=5, funds=3, movements=7)
    counts = sorted(
        Movement.objects.filter(fund__programme=programme).values_list("fund__slug").annotate(n=Count("id"))
    )
    assert [n for _, n in counts] == [3, 2, 2]
    for fund in Fund.objects.filter(programme=programme):
        assert fund_reconciliation(fund=fund)["problems"] == []


def test_generate_synthetic_refuses_money_it_cannot_make():
    with pytest.raises(CommandError, match="--movements needs --funds"):
        call_command("generate_synthetic", "--schemes", "3", "--movements", "10", stdout=io.StringIO())
    with pytest.raises(CommandError, match="at least 2 schemes"):
        call_command("generate_synthetic", "--schemes", "1", "--funds", "1", stdout=io.StringIO())
    assert not Fund.objects.exists()
