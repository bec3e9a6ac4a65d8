"""Whatever sequence of changes people make through the services, the fund reconciles and no balance goes negative."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from accounts.services import user_ensure
from finance import services
from finance.models import Allocation, AllocationStatus, DecisionStatus, Movement
from finance.selectors import fund_balances, fund_reconciliation
from tests.factories.finance import decision_clear_and_approve
from tests.factories.schemes import ProgrammeFactory

D = Decimal


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_of_changes_never_break_the_reconciliation(db, seed):
    rng = random.Random(seed)
    year = services.financial_year_get_or_create(start_year=2019)
    fund = services.fund_create(
        slug=f"f{seed}",
        name="F",
        programme=ProgrammeFactory(),
        years=[year],
        contributions=[("ICB", D("100000.00"), year)],
    )
    allocations = [services.allocation_add(fund=fund, initiative="I", scheme_name=f"S{i}") for i in range(6)]
    refused = 0
    proposer = user_ensure(username="proposer", roles=[Role.PROGRAMME_OFFICE], programmes=[fund.programme])

    def pennies():
        return D(rng.randint(-5000, 4_000_000)) / 100  # sometimes negative, often too big

    def decision():
        return services.decision_record(fund=fund, title="d", body="b", decided_on=dt.date(2019, 5, 1), by=proposer)

    for _ in range(120):
        live = [a for a in allocations if Allocation.objects.get(pk=a.pk).status == AllocationStatus.GOING_FORWARD]
        action = rng.choice(["allocate", "repurpose", "discontinue", "reverse", "reject"])
        try:
            d = decision()
            if action == "allocate":
                services.movement_propose(
                    decision=d,
                    kind="allocation",
                    reason="r",
                    financial_year=year,
                    lines=[(None, -abs(x := pennies())), (rng.choice(live), abs(x))],
                )
            elif action == "repurpose":
                a, b = rng.sample(live, 2)
                services.repurposing_propose(
                    decision=d, sources=[(a, pennies())], destinations=[(b, pennies())], reason="r", financial_year=year
                )
            elif action == "discontinue" and len(live) > 2:
                services.discontinuation_propose(
                    allocation=rng.choice(live),
                    spend_to_date=abs(pennies()),
                    decision=d,
                    financial_year=year,
                    reason="",
                )
            elif action == "reverse":
                approved = list(Movement.objects.filter(fund=fund, decision__status="approved", kind="repurposing"))
                if approved:
                    services.reversal_propose(movement=rng.choice(approved), decision=d, reason="r")
            if rng.random() < 0.8:
                decision_clear_and_approve(d)
            else:
                services.decision_reject(decision=d, reason="no")
        except ValidationError:
            refused += 1
        rec = fund_reconciliation(fund=fund)
        assert rec["problems"] == [], rec
        assert rec["allocated"] + rec["unallocated"] == rec["total"] == D("100000.00")
        assert all(v >= 0 for v in fund_balances(fund=fund).by_allocation.values())
    # The sequence exercised both paths: some changes went through, some were refused.
    assert refused > 0
    assert fund.decisions.filter(status=DecisionStatus.APPROVED).exists()
