"""Carry typed totals and amounts into the ledger so no money is lost when the columns go (0004).

Each fund's typed total becomes one contribution; its allocations' typed amounts become one approved
"opening balances" movement from the unallocated pot, in the financial year the fund was set up.
"""

from decimal import Decimal

from django.db import migrations


def forwards(apps, schema_editor):
    Fund = apps.get_model("finance", "Fund")
    FinancialYear = apps.get_model("finance", "FinancialYear")
    FundContribution = apps.get_model("finance", "FundContribution")
    Decision = apps.get_model("finance", "Decision")
    Movement = apps.get_model("finance", "Movement")
    MovementLine = apps.get_model("finance", "MovementLine")
    for fund in Fund.objects.all():
        created = fund.created_at.date()
        start_year = created.year if created.month >= 4 else created.year - 1
        year, _ = FinancialYear.objects.get_or_create(start_year=start_year)
        if fund.total and fund.total > 0:
            FundContribution.objects.create(
                fund=fund, contributor=fund.source or "Opening total", amount=fund.total, financial_year=year
            )
        amounts = [(a, a.amount) for a in fund.allocations.all() if a.amount and a.amount > 0]
        if not amounts:
            continue
        decision = Decision.objects.create(
            fund=fund,
            title="Opening balances carried over from typed amounts",
            body="Data migration",
            decided_on=created,
            finance_clearance="Migrated",
            status="approved",
        )
        movement = Movement.objects.create(
            fund=fund,
            decision=decision,
            kind="allocation",
            reason="Opening balances: the allocations' typed amounts when the ledger was introduced",
            financial_year=year,
        )
        total = sum((amount for _, amount in amounts), Decimal("0"))
        MovementLine.objects.bulk_create(
            [MovementLine(movement=movement, allocation=a, amount=amount) for a, amount in amounts]
            + [MovementLine(movement=movement, allocation=None, amount=-total)]
        )
        for allocation, amount in amounts:
            if allocation.status == "discontinued":
                allocation.spend_to_date = amount
                allocation.save(update_fields=["spend_to_date"])


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0002_money_ledger"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
