"""Writes for funds and allocations. Money is Decimal pounds; over-allocation is refused."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from core.services import audited_save
from finance.models import Allocation, AllocationStatus, Fund


@transaction.atomic
def fund_create(
    *, slug: str, name: str, total: Decimal, source: str = "", financial_years: str = "", programme=None, by=None
) -> Fund:
    """Create a fund with its total in pounds."""
    if not isinstance(total, Decimal):
        raise ValidationError({"total": "Money must be given as an exact decimal amount."})
    if total < 0:
        raise ValidationError({"total": "A fund's total cannot be negative."})
    return audited_save(
        Fund(slug=slug, name=name, total=total, source=source, financial_years=financial_years, programme=programme),
        by=by,
    )


@transaction.atomic
def allocation_create(
    *,
    fund: Fund,
    initiative: str,
    scheme_name: str,
    amount: Decimal,
    workstream: str = "",
    status: str = AllocationStatus.GOING_FORWARD,
    scheme=None,
    note: str = "",
    order: int = 0,
    by=None,
) -> Allocation:
    """Allocate money from a fund; refused when it would take the fund past its total."""
    if not isinstance(amount, Decimal):
        raise ValidationError({"amount": "Money must be given as an exact decimal amount."})
    if amount < 0:
        raise ValidationError({"amount": "An allocation cannot be negative."})
    fund = Fund.objects.select_for_update().get(pk=fund.pk)  # serialise allocations to one fund
    allocated = fund.allocations.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    if allocated + amount > fund.total:
        raise ValidationError(
            {
                "amount": f"This would over-allocate {fund.name}: £{allocated + amount - fund.total:,.2f} more than its total."
            }
        )
    return audited_save(
        Allocation(
            fund=fund,
            initiative=initiative,
            workstream=workstream,
            scheme_name=scheme_name,
            amount=amount,
            status=status,
            scheme=scheme,
            note=note,
            order=order,
        ),
        by=by,
    )
