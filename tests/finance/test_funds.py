from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.models import Allocation, AllocationStatus
from finance.selectors import fund_reconciliation


@pytest.fixture
def fund(db):
    return services.fund_create(slug="tf", name="Transformation Fund", total=Decimal("1000000.00"))


def test_allocated_plus_unallocated_is_the_fund_total(fund):
    services.allocation_create(fund=fund, initiative="A", scheme_name="One", amount=Decimal("600000.00"))
    services.allocation_create(
        fund=fund, initiative="A", scheme_name="Two", amount=Decimal("150000.50"), status=AllocationStatus.DISCONTINUED
    )
    rec = fund_reconciliation(fund=fund)
    assert rec["going_forward"] == Decimal("600000.00")
    assert rec["discontinued"] == Decimal("150000.50")
    assert rec["allocated"] + rec["unallocated"] == fund.total
    assert rec["unallocated"] == Decimal("249999.50")


def test_over_allocation_is_refused_and_nothing_is_saved(fund):
    services.allocation_create(fund=fund, initiative="A", scheme_name="One", amount=Decimal("900000"))
    with pytest.raises(ValidationError) as err:
        services.allocation_create(fund=fund, initiative="A", scheme_name="Two", amount=Decimal("100000.01"))
    assert "over-allocate" in str(err.value)
    assert Allocation.objects.filter(fund=fund).count() == 1


def test_money_must_be_decimal(fund):
    with pytest.raises(ValidationError):
        services.allocation_create(fund=fund, initiative="A", scheme_name="Float", amount=0.1)  # type: ignore[arg-type]
