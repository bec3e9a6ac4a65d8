"""Reads for funds. Totals are computed from the allocations, never typed."""

from decimal import Decimal

from django.db.models import Sum

from finance.models import AllocationStatus, Fund


def fund_reconciliation(*, fund: Fund) -> dict:
    """Allocated (going forward + discontinued spend) + unallocated = fund total, by construction."""
    sums = {
        row["status"]: row["total"] or Decimal("0")
        for row in fund.allocations.values("status").annotate(total=Sum("amount"))
    }
    going_forward = sums.get(AllocationStatus.GOING_FORWARD, Decimal("0"))
    discontinued = sums.get(AllocationStatus.DISCONTINUED, Decimal("0"))
    allocated = going_forward + discontinued
    return {
        "fund": fund,
        "going_forward": going_forward,
        "discontinued": discontinued,
        "allocated": allocated,
        "unallocated": fund.total - allocated,
        "balanced": allocated + (fund.total - allocated) == fund.total and allocated <= fund.total,
    }
