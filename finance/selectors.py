"""Reads for money. Every figure is computed from contributions, approved movements and recorded spend.

Each read is a fixed number of queries whatever the number of allocations or movements: sums are
done by the database (subqueries per allocation, or for a whole fund's allocations one query grouped by
allocation), and grouping into the Appendix 1 tree is done here.
"""

import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

import policy
from core.quarters import financial_year_label, financial_year_of
from finance.models import (
    Allocation,
    AllocationStatus,
    Decision,
    DecisionStatus,
    FinancialYear,
    Fund,
    Movement,
    MovementKind,
    MovementLine,
    QuarterlySpend,
)
from policy.spec import PolicyYear

logger = logging.getLogger(__name__)

ZERO = Decimal("0")
POUNDS: DecimalField = DecimalField(max_digits=16, decimal_places=2)
APPROVED = Q(movement__decision__status=DecisionStatus.APPROVED)


def fund_total(*, fund: Fund) -> Decimal:
    """The fund's total: the sum of its contributions."""
    return fund.contributions.aggregate(total=Sum("amount"))["total"] or ZERO


@dataclass
class Balances:
    total: Decimal
    by_allocation: dict
    unallocated: Decimal
    base_unallocated: Decimal

    @property
    def allocated(self) -> Decimal:
        return sum(self.by_allocation.values(), ZERO)

    def unallocated_before(self, decision) -> Decimal:
        return self.base_unallocated


def fund_balances(*, fund: Fund, with_decision: Decision | None = None) -> Balances:
    """Balances from approved movements, optionally as if `with_decision` were approved too (a preview)."""
    total = fund_total(fund=fund)
    lines = MovementLine.objects.filter(movement__fund=fund)

    def grouped(queryset) -> dict:
        return {
            row["allocation_id"]: row["total"] for row in queryset.values("allocation_id").annotate(total=Sum("amount"))
        }

    base = grouped(lines.filter(APPROVED))
    extra = {}
    if with_decision is not None and with_decision.status == DecisionStatus.PROPOSED:
        extra = grouped(lines.filter(movement__decision=with_decision))
    by_allocation = {k: v for k, v in base.items() if k is not None}
    for key, amount in extra.items():
        if key is not None:
            by_allocation[key] = by_allocation.get(key, ZERO) + amount
    base_unallocated = total + base.get(None, ZERO)
    return Balances(
        total=total,
        by_allocation=by_allocation,
        unallocated=base_unallocated + extra.get(None, ZERO),
        base_unallocated=base_unallocated,
    )


def fund_balances_pending(*, fund: Fund) -> Balances:
    """Balances as if every proposed decision were approved too: what a fund's plan will be once the decisions now
    waiting are approved (rejected ones never count)."""
    total = fund_total(fund=fund)
    counted = MovementLine.objects.filter(
        movement__fund=fund, movement__decision__status__in=[DecisionStatus.APPROVED, DecisionStatus.PROPOSED]
    )
    grouped = {
        row["allocation_id"]: row["total"] for row in counted.values("allocation_id").annotate(total=Sum("amount"))
    }
    unallocated = total + grouped.get(None, ZERO)
    return Balances(
        total=total,
        by_allocation={k: v for k, v in grouped.items() if k is not None},
        unallocated=unallocated,
        base_unallocated=unallocated,
    )


def allocations_pending_discontinuation(*, fund: Fund) -> set[int]:
    """The fund's allocations whose discontinuation is proposed and waiting for its decision."""
    return set(
        Movement.objects.filter(
            fund=fund, discontinues__isnull=False, decision__status=DecisionStatus.PROPOSED
        ).values_list("discontinues_id", flat=True)
    )


def financial_year_containing(day) -> FinancialYear | None:
    """The financial year (April to March) a date falls in, where that year is set up."""
    if day is None:
        return None
    return FinancialYear.objects.filter(start_year=financial_year_of(day)).first()


def fund_reconciliation(*, fund: Fund, allocations: list | None = None) -> dict:
    """Allocated + unallocated = fund total, checked from both sides; `problems` is empty when it holds.

    Allocated is summed over the allocations' own lines and unallocated over the pot's lines, so a movement
    whose lines do not sum to zero (which the services never write) shows up here as a difference.
    `by_allocation` is the approved money in the fund's movements by allocation id: each allocation's
    budget, since an allocation's lines are only ever in its own fund's movements (services refuse others).
    `allocations` (the fund's, with status and scheme_name), when the caller has them, saves reading them.
    """
    total = fund_total(fund=fund)
    # One pass over the approved lines, by allocation: the sums by status and the negative balances both
    # come from it (two grouped queries over the same lines took twice as long), and without joining the
    # allocations for their status and name, read apart (grouping by them too took half as long again).
    approved = dict(
        MovementLine.objects.filter(APPROVED, movement__fund=fund)
        .order_by()
        .values("allocation_id")
        .annotate(total=Sum("amount"))
        .values_list("allocation_id", "total")
    )
    if allocations is None:
        about = {pk: (status, name) for pk, status, name in fund.allocations.values_list("pk", "status", "scheme_name")}
    else:
        about = {a.pk: (a.status, a.scheme_name) for a in allocations}
    others = [pk for pk in approved if pk is not None and pk not in about]
    if others:  # lines of another fund's allocations, which the services never write: counted all the same
        about.update(
            (pk, (status, name))
            for pk, status, name in Allocation.objects.filter(pk__in=others).values_list("pk", "status", "scheme_name")
        )
    by_status: dict = {}
    by_name: dict = {}
    by_allocation: dict = {}
    for allocation_id, amount in approved.items():
        amount = amount or ZERO
        status, name = about[allocation_id] if allocation_id is not None else (None, None)
        by_status[status] = by_status.get(status, ZERO) + amount
        if allocation_id is not None:
            by_allocation[allocation_id] = amount
            by_name[name] = by_name.get(name, ZERO) + amount
    going_forward = by_status.get(AllocationStatus.GOING_FORWARD, ZERO)
    discontinued = by_status.get(AllocationStatus.DISCONTINUED, ZERO)
    allocated = going_forward + discontinued
    unallocated = total + by_status.get(None, ZERO)
    problems = []
    if allocated + unallocated != total:
        unbalanced = list(
            Movement.objects.filter(fund=fund, decision__status=DecisionStatus.APPROVED)
            .annotate(net=Sum("lines__amount"))
            .exclude(net=0)
            .exclude(net__isnull=True)
            .values_list("pk", flat=True)[:10]
        )
        problems.append(
            f"Allocated (£{allocated:,.2f}) + unallocated (£{unallocated:,.2f}) = £{allocated + unallocated:,.2f}, "
            f"not the fund total of £{total:,.2f}. Unbalanced movements: {', '.join(f'#{pk}' for pk in unbalanced)}."
        )
    if unallocated < 0:
        problems.append(f"The fund is over-allocated by £{-unallocated:,.2f}.")
    negative = sorted((name, amount) for name, amount in by_name.items() if amount < 0)
    for name, amount in negative[:10]:
        problems.append(f"“{name}” holds less than nothing (£{amount:,.2f}).")
    if problems:
        logger.error("Fund %s does not reconcile: %s", fund.slug, " ".join(problems))
    return {
        "fund": fund,
        "total": total,
        "going_forward": going_forward,
        "discontinued": discontinued,
        "allocated": allocated,
        "unallocated": unallocated,
        "balanced": not problems,
        "problems": problems,
        "by_allocation": by_allocation,
    }


# --- Allocations with their money --------------------------------------------------------------


def _as_at_spend(year: FinancialYear | None, quarter: int | None) -> Q:
    if year is None:
        return Q()
    return Q(financial_year__start_year__lt=year.start_year) | Q(
        financial_year__start_year=year.start_year, quarter__lte=quarter or 4
    )


def _approved_lines(year: FinancialYear | None, **which):
    """The approved movement lines that make up a budget (as at `year`), of the allocations `which` picks."""
    lines = MovementLine.objects.filter(APPROVED, **which)
    if year is not None:
        lines = lines.filter(movement__financial_year__start_year__lte=year.start_year)
    return lines


def _spend_in_year(year: FinancialYear | None, quarter: int | None, **which):
    """The spend rows summed into planned and actual spend: all of them, or `year` up to `quarter`."""
    spend = QuarterlySpend.objects.filter(**which)
    return spend.filter(financial_year=year, quarter__lte=quarter or 4) if year is not None else spend


def _forecasts(year: FinancialYear | None, quarter: int | None, **which):
    """The spend rows with a forecast outturn given by the end of the quarter (any time without `year`)."""
    return QuarterlySpend.objects.filter(**which).filter(_as_at_spend(year, quarter), forecast_outturn__isnull=False)


def allocations_with_money(queryset, *, year: FinancialYear | None = None, quarter: int | None = None):
    """Annotate allocations with budget (approved money), planned and actual spend, and the latest forecast.

    With `year`/`quarter`, figures are as at the end of that quarter: budget from movements up to that
    year, spend in that year to that quarter, and the latest forecast given by then.
    """
    lines = _approved_lines(year, allocation=OuterRef("pk"))
    in_year = _spend_in_year(year, quarter, allocation=OuterRef("pk"))

    def summed(qs, column):
        return Coalesce(
            # order_by(): QuarterlySpend's default ordering would join allocation, fund and year for nothing.
            Subquery(qs.order_by().values("allocation").annotate(t=Sum(column)).values("t")[:1], output_field=POUNDS),
            Value(ZERO),
            output_field=POUNDS,
        )

    return queryset.annotate(
        budget=summed(lines, "amount"),
        planned_spend=summed(in_year, "planned"),
        actual_spend=summed(in_year, "actual"),
        forecast=_latest_forecast(year, quarter),
    )


def _latest_forecast(year: FinancialYear | None, quarter: int | None) -> Subquery:
    """An allocation's latest forecast outturn given by the end of the quarter (None if none is)."""
    latest = (
        _forecasts(year, quarter, allocation=OuterRef("pk"))
        .order_by("-financial_year__start_year", "-quarter")
        .values("forecast_outturn")[:1]
    )
    return Subquery(latest, output_field=POUNDS)


def _fund_sums(
    *, fund: Fund, year: FinancialYear | None = None, quarter: int | None = None, budgets: dict | None = None
) -> tuple[dict, dict]:
    """The sums allocations_with_money gives the fund's allocations, by allocation id: budgets, and
    (planned, actual) spend. Allocations without any are left out.

    The same rules (the same filters), but each summed with one grouped query over the whole fund instead
    of a correlated subquery per allocation: for 500 allocations and 11,000 movement lines the budget
    subquery alone took ~55 ms on PostgreSQL (two index probes per line), the grouped sum ~13 ms.
    `budgets` (approved money as it stands, as fund_reconciliation's `by_allocation`) saves reading them.
    """
    mine = {"allocation__fund": fund}
    if budgets is None:
        budgets = dict(
            _approved_lines(year, **mine)
            .order_by()
            .values("allocation")
            .annotate(t=Sum("amount"))
            .values_list("allocation", "t")
        )
    elif year is not None:
        raise ValueError("`budgets` are the budgets as they stand: they cannot be given with a year.")
    spend = {
        allocation_id: (planned, actual)
        for allocation_id, planned, actual in _spend_in_year(year, quarter, **mine)
        .order_by()
        .values("allocation")
        .annotate(planned=Sum("planned"), actual=Sum("actual"))
        .values_list("allocation", "planned", "actual")
    }
    return budgets, spend


def _add_sums(allocations: list, sums: tuple[dict, dict]) -> None:
    """Set budget, planned_spend and actual_spend on each allocation, as allocations_with_money does."""
    budgets, spend = sums
    for allocation in allocations:
        planned, actual = spend.get(allocation.pk, (None, None))
        allocation.budget = _or_zero(budgets.get(allocation.pk))
        allocation.planned_spend = _or_zero(planned)
        allocation.actual_spend = _or_zero(actual)


def _or_zero(amount: Decimal | None) -> Decimal:
    return ZERO if amount is None else amount


@dataclass(slots=True)
class AllocationLine:
    """An allocation as the fund page lists it: the fields it shows, read without building the model.

    Building 500 Allocation and Scheme instances took ~15 ms, longer than any of the page's sums.
    """

    pk: int
    initiative: str
    workstream: str
    scheme_name: str
    scheme_id: int | None
    scheme_ref: str | None
    status: str
    note: str
    spend_to_date: Decimal | None
    figure_in_id: int | None
    printed_figure: Decimal | None
    footnote: str
    forecast: Decimal | None
    budget: Decimal = ZERO
    planned_spend: Decimal = ZERO
    actual_spend: Decimal = ZERO

    # What values_list() reads for the fields above, in their order: forecast is annotated.
    COLUMNS: ClassVar = (
        "pk",
        "initiative",
        "workstream",
        "scheme_name",
        "scheme",
        "scheme__ref",
        "status",
        "note",
        "spend_to_date",
        "figure_in",
        "printed_figure",
        "footnote",
        "forecast",
    )


@dataclass
class MoneyRow:
    """One allocation's figures, or a subtotal of several. Forecast falls back to budget where none is given."""

    label: str
    budget: Decimal = ZERO
    planned: Decimal = ZERO
    spent: Decimal = ZERO
    forecast: Decimal = ZERO
    forecast_given: bool = True
    allocation: Allocation | AllocationLine | None = None
    level: str = "row"  # row, workstream, initiative, section, total

    @property
    def variance(self) -> Decimal:
        return self.forecast - self.budget

    @property
    def variance_pct(self) -> Decimal | None:
        if not self.budget:
            return None
        return (self.variance * 100 / self.budget).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def add(self, other: "MoneyRow") -> None:
        self.budget += other.budget
        self.planned += other.planned
        self.spent += other.spent
        self.forecast += other.forecast
        self.forecast_given = self.forecast_given and other.forecast_given


def spent_of(actual: Decimal, status: str, spend_to_date: Decimal | None) -> Decimal:
    """An allocation's spend: the actual spend recorded; for a discontinued scheme with none recorded, the spend to
    date kept when it was discontinued (Appendix 1's "estimated spend": its figure is its spend)."""
    if status == AllocationStatus.DISCONTINUED and spend_to_date is not None and not actual:
        return spend_to_date
    return actual


def _row(allocation) -> MoneyRow:
    forecast = allocation.forecast
    return MoneyRow(
        label=allocation.scheme_name,
        budget=allocation.budget,
        planned=allocation.planned_spend,
        spent=spent_of(allocation.actual_spend, allocation.status, allocation.spend_to_date),
        forecast=forecast if forecast is not None else allocation.budget,
        forecast_given=forecast is not None,
        allocation=allocation,
    )


@dataclass
class Group:
    label: str
    level: str
    rows: list = field(default_factory=list)  # MoneyRow or Group
    subtotal: MoneyRow = field(default_factory=lambda: MoneyRow(label=""))


def _group(rows: list[MoneyRow], keys: list, level_names: list[str], label: str, level: str) -> Group:
    """Nest rows by successive keys (initiative, then workstream), keeping first-seen order, with subtotals."""
    group = Group(label=label, level=level, subtotal=MoneyRow(label=f"Total {label}".strip(), level=level))
    for row in rows:
        group.subtotal.add(row)
    if not keys:
        group.rows = rows
        return group
    key, rest = keys[0], keys[1:]
    order: dict = {}
    for row in rows:
        order.setdefault(key(row.allocation), []).append(row)
    group.rows = [_group(members, rest, level_names[1:], name, level_names[0]) for name, members in order.items()]
    return group


def allocation_tree(*, fund: Fund, year: FinancialYear | None = None, quarter: int | None = None) -> dict:
    """Appendix 1: schemes going forward and discontinued, each by initiative → workstream, with totals."""
    allocations = list(
        fund.allocations.select_related("scheme")
        .annotate(forecast=_latest_forecast(year, quarter))
        .order_by("order", "id")
    )
    _add_sums(allocations, _fund_sums(fund=fund, year=year, quarter=quarter))
    return _tree([_row(a) for a in allocations])


def _tree(rows: list[MoneyRow]) -> dict:
    """Rows into allocation_tree's sections, in the rows' order."""
    sections = []
    grand = MoneyRow(label="Grand total", level="total")
    for status, title in (
        (AllocationStatus.GOING_FORWARD, SECTION_TITLES[AllocationStatus.GOING_FORWARD]),
        (AllocationStatus.DISCONTINUED, SECTION_TITLES[AllocationStatus.DISCONTINUED]),
    ):
        members = [r for r in rows if getattr(r.allocation, "status", None) == status]
        if not members and status == AllocationStatus.DISCONTINUED:
            continue
        section = _group(
            members,
            [lambda a: a.initiative, lambda a: a.workstream],
            ["initiative", "workstream"],
            title,
            "section",
        )
        section.subtotal.label = "Total"
        grand.add(section.subtotal)
        sections.append(section)
    return {"sections": sections, "grand_total": grand, "rows": rows}


@dataclass
class AppendixLine:
    """One line of Appendix 1 as every consumer walks it (fund page, Excel, CSV, PDF): a section heading, an
    initiative or workstream heading, an allocation's row, an initiative's or workstream's subtotal, a section's
    total, or the grand total. `money` carries the figures; each consumer prints the lines its layout has."""

    kind: str  # section, initiative, workstream, row, subtotal, total, grand
    label: str
    money: MoneyRow | None = None
    level: str = ""  # a subtotal's: initiative or workstream
    initiative: str = ""
    workstream: str = ""
    first_in_initiative: bool = False  # a row: the first of its initiative (the paper prints the name only there)
    first_in_workstream: bool = False
    groups: int = 0  # a heading's or subtotal's: how many workstreams (initiative) or rows (workstream) it has
    schemes: int = 0  # a heading's or subtotal's: how many allocations it holds
    footnote: int | None = None  # a row's footnote number, printed by its figure
    text: str = ""  # a footnote's text

    @property
    def allocation(self):
        return self.money.allocation if self.money is not None else None

    @property
    def figure(self) -> Decimal | None:
        """What the line prints as the paper has it: a row's printed figure where it has one, nothing for a row
        whose figure is in another line's (a merged cell), else its money (budget)."""
        allocation = self.allocation
        if self.kind == "row" and allocation is not None:
            if allocation.figure_in_id is not None:
                return None
            if allocation.printed_figure is not None:
                return allocation.printed_figure
        return self.money.budget if self.money is not None else None

    @property
    def row_type(self) -> str:
        """For the CSV: data (an allocation), subtotal (any total of allocations), unallocated, fund total,
        heading or note; summing the data rows' money gives allocated, and with unallocated the fund total."""
        return {
            "row": "data",
            "subtotal": "subtotal",
            "total": "subtotal",
            "grand": "subtotal",
            "unallocated": "unallocated",
            "fund_total": "fund total",
            "footnote": "note",
        }.get(self.kind, "heading")


def appendix_section_lines(section: Group) -> list[AppendixLine]:
    """A section's lines under its heading: each initiative (heading, workstreams, subtotal), each workstream
    (heading, its allocations' rows, subtotal), in the tree's order."""
    lines: list[AppendixLine] = []
    for initiative in section.rows:
        schemes = sum(len(workstream.rows) for workstream in initiative.rows)
        lines.append(
            AppendixLine(
                "initiative", initiative.label, initiative.subtotal, groups=len(initiative.rows), schemes=schemes
            )
        )
        first_in_initiative = True
        for workstream in initiative.rows:
            count = len(workstream.rows)
            lines.append(AppendixLine("workstream", workstream.label, workstream.subtotal, groups=count, schemes=count))
            for index, row in enumerate(workstream.rows):
                lines.append(
                    AppendixLine(
                        "row",
                        row.label,
                        row,
                        initiative=initiative.label,
                        workstream=workstream.label,
                        first_in_initiative=first_in_initiative,
                        first_in_workstream=index == 0,
                    )
                )
                first_in_initiative = False
            lines.append(
                AppendixLine(
                    "subtotal",
                    f"Subtotal {workstream.label}",
                    workstream.subtotal,
                    level="workstream",
                    groups=count,
                    schemes=count,
                )
            )
        lines.append(
            AppendixLine(
                "subtotal",
                f"Subtotal {initiative.label}",
                initiative.subtotal,
                level="initiative",
                groups=len(initiative.rows),
                schemes=schemes,
            )
        )
    return lines


SECTION_TITLES = {
    AllocationStatus.GOING_FORWARD: "Schemes going forward",
    AllocationStatus.DISCONTINUED: "Schemes discontinued (estimated spend to date)",
}


def section_title(status: str, fund: Fund) -> str:
    """A section's heading as the paper prints it: "Schemes discontinued - estimated spend 31st March 2019" when the
    fund says to what date the estimate runs."""
    if status == AllocationStatus.DISCONTINUED and fund.discontinued_spend_as_at:
        day = fund.discontinued_spend_as_at
        suffix = "th" if 11 <= day.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
        return f"Schemes discontinued - estimated spend {day.day}{suffix} {day:%B %Y}"
    return SECTION_TITLES[AllocationStatus(status)]


def appendix_lines(
    *, fund: Fund, tree: dict | None = None, every_section: bool = False, reconciliation: dict | None = None
) -> list[AppendixLine]:
    """Appendix 1 of the Executive report (004) as lines: each section (schemes going forward, then
    discontinued) with its initiatives, workstreams, allocations and subtotals, the section's total, the grand
    total (allocated), unallocated and the fund total (so the lines reconcile to the fund), then the numbered
    footnotes of the rows that print otherwise than one figure of their own (a merged cell, a printed figure the
    paper's totals leave no room for); figures from allocation_tree (or `tree`, already read). A section with no
    allocations is left out, unless `every_section` (the spreadsheet keeps both, with a zero total)."""
    tree = tree if tree is not None else allocation_tree(fund=fund)
    reconciliation = reconciliation if reconciliation is not None else fund_reconciliation(fund=fund)
    sections = {section.label: section for section in tree["sections"]}
    lines: list[AppendixLine] = []
    for status, title in SECTION_TITLES.items():
        section = sections.get(title)
        if section is None and not every_section:
            continue
        lines.append(AppendixLine("section", section_title(status, fund), section.subtotal if section else None))
        if section is not None:
            lines.extend(appendix_section_lines(section))
        lines.append(AppendixLine("total", "Total", section.subtotal if section else MoneyRow(label="Total")))
    lines.append(AppendixLine("grand", "Grand total", tree["grand_total"]))
    lines.append(
        AppendixLine("unallocated", "Unallocated", MoneyRow(label="Unallocated", budget=reconciliation["unallocated"]))
    )
    lines.append(AppendixLine("fund_total", "Fund total", MoneyRow(label="Fund total", budget=reconciliation["total"])))
    names = {row.allocation.pk: row.label for row in tree["rows"] if row.allocation is not None}
    figures = {row.allocation.pk: row.budget for row in tree["rows"] if row.allocation is not None}
    notes: list[AppendixLine] = []
    for line in lines:
        allocation = line.allocation if line.kind == "row" else None
        if allocation is None:
            continue
        text = allocation.footnote
        if not text and allocation.figure_in_id is not None:
            merged = allocation.figure_in_id
            text = (
                f"{line.label}: no figure of its own in the paper; its money is in {names.get(merged, '')}'s "
                f"{thousands_text(figures.get(merged, ZERO))} (one merged cell)."
            )
        if text:
            line.footnote = len(notes) + 1
            notes.append(AppendixLine("footnote", f"{line.footnote}", text=text))
    return lines + notes


def thousands_text(amount: Decimal) -> str:
    """£ as the paper's £'000s: 1,270."""
    return f"{(amount / 1000).quantize(Decimal('1'), rounding=ROUND_HALF_UP):,}"


@dataclass
class FundMoneyTotals:
    """A fund's money summed over some of its allocations: allocated, spent, forecast outturn (budget where none
    is given), and how many allocations were summed."""

    allocations: int = 0
    allocated: Decimal = ZERO
    spent: Decimal = ZERO
    forecast: Decimal = ZERO
    forecast_given: bool = True
    # The allocated split as Appendix 1 splits it: schemes going forward, and discontinued ones (their spend kept).
    going_forward: Decimal = ZERO
    discontinued: Decimal = ZERO


def money_by_fund(*, fund_ids: list[int], schemes=None) -> dict[int, FundMoneyTotals]:
    """Allocated, spent and forecast per fund, with the same rules as fund_summary (allocated: the approved
    movement lines; spent: recorded actual spend (spent_of); forecast: each allocation's latest forecast outturn, else its
    budget), summed in the database in three queries however many allocations. With `schemes` (a queryset),
    only the allocations linked to those schemes count, and funds with none of them are left out."""
    allocations = Allocation.objects.filter(fund_id__in=fund_ids)
    lines = MovementLine.objects.filter(APPROVED, movement__fund_id__in=fund_ids, allocation__isnull=False)
    spend = QuarterlySpend.objects.filter(allocation__fund_id__in=fund_ids, actual__isnull=False)
    if schemes is not None:
        allocations = allocations.filter(scheme__in=schemes)
        lines = lines.filter(allocation__in=allocations)
        spend = spend.filter(allocation__in=allocations)
    totals = {pk: FundMoneyTotals() for pk in fund_ids}
    budgets = dict(
        lines.order_by().values("allocation_id").annotate(total=Sum("amount")).values_list("allocation_id", "total")
    )
    # Spend per allocation, so each gets spent_of's rule (a discontinued one with none recorded: its spend to date).
    actual = dict(
        spend.order_by().values("allocation_id").annotate(total=Sum("actual")).values_list("allocation_id", "total")
    )
    for pk, fund_id, forecast, status, spend_to_date in (
        allocations.annotate(latest_forecast=_latest_forecast(None, None))
        .order_by()
        .values_list("pk", "fund_id", "latest_forecast", "status", "spend_to_date")
    ):
        row = totals[fund_id]
        row.spent += spent_of(actual.get(pk) or ZERO, status, spend_to_date)
        budget = budgets.get(pk) or ZERO
        row.allocations += 1
        row.allocated += budget
        if status == AllocationStatus.DISCONTINUED:
            row.discontinued += budget
        else:
            row.going_forward += budget
        row.forecast += budget if forecast is None else forecast
        row.forecast_given = row.forecast_given and forecast is not None
    if schemes is not None:
        return {pk: row for pk, row in totals.items() if row.allocations}
    return totals


def budget_monitoring(*, fund: Fund, year: FinancialYear, quarter: int) -> dict:
    """Budget, forecast outturn, variance and variance % as at a quarter, by initiative and workstream."""
    allocations = list(
        allocations_with_money(
            fund.allocations.filter(status=AllocationStatus.GOING_FORWARD), year=year, quarter=quarter
        ).order_by("order", "id")
    )
    rows = [_row(a) for a in allocations]
    tree = _group(
        rows, [lambda a: a.initiative, lambda a: a.workstream], ["initiative", "workstream"], fund.name, "section"
    )
    tree.subtotal.label = "Total"
    return {"tree": tree, "year": year, "quarter": quarter, "rows": rows}


def budget_monitoring_as_at(*, fund: Fund, on) -> dict | None:
    """Budget monitoring (budget_monitoring's figures) as at the latest quarter with spend or forecasts recorded
    that had begun by `on`, as a report for a period ending then prints it; None when none had."""
    for year, quarter in quarters_with_spend(fund=fund):
        if quarter_starts_on(year, quarter) <= on:
            return budget_monitoring(fund=fund, year=year, quarter=quarter)
    return None


def quarter_starts_on(year: FinancialYear, quarter: int):
    """The first day of a financial year's quarter (Q1 starts on 1 April)."""
    month = 4 + 3 * (quarter - 1)
    return year.starts_on.replace(year=year.start_year + (month - 1) // 12, month=(month - 1) % 12 + 1)


def fund_summary(*, fund: Fund, rows: list[MoneyRow] | None = None, reconciliation: dict | None = None) -> dict:
    """The headline figures: total, allocated, spent, forecast, unallocated, variance.

    `rows` (every allocation of the fund with its money as it stands: allocation_tree's "rows" with no
    year) and `reconciliation` (fund_reconciliation's answer), when given, are used rather than read
    again: see fund_overview.
    """
    if reconciliation is None:
        reconciliation = fund_reconciliation(fund=fund)
    if rows is None:
        # Only the sums are wanted, so read the figures without building an Allocation for each row.
        figures = (
            allocations_with_money(fund.allocations.all())
            .order_by()
            .values_list("budget", "planned_spend", "actual_spend", "forecast", "status", "spend_to_date")
        )
        rows = [
            MoneyRow(
                label="",
                budget=budget,
                planned=planned,
                spent=spent_of(spent, status, spend_to_date),
                forecast=forecast if forecast is not None else budget,
                forecast_given=forecast is not None,
            )
            for budget, planned, spent, forecast, status, spend_to_date in figures
        ]
    totals = MoneyRow(label=fund.name)
    for row in rows:
        totals.add(row)
    return {
        "fund": fund,
        "reconciliation": reconciliation,
        "total": reconciliation["total"],
        "allocated": reconciliation["allocated"],
        "unallocated": reconciliation["unallocated"],
        "spent": totals.spent,
        "forecast": totals.forecast,
        "variance": totals.forecast - totals.budget,
        "proposed": fund.decisions.filter(status=DecisionStatus.PROPOSED).count(),
    }


def fund_overview(*, fund: Fund) -> dict:
    """The fund page's figures: the headline summary and the Appendix 1 tree, each line of money read once.

    The same figures as fund_summary(fund=fund) and allocation_tree(fund=fund), but the reconciliation's
    pass over the approved lines gives the tree its budgets and the summary sums the tree's rows (reading
    them separately took ~80 ms more for a fund of 500 allocations and 5,000 movements); and the tree's
    rows carry an AllocationLine, not an Allocation.
    """
    lines = [
        AllocationLine(*values)
        for values in fund.allocations.annotate(forecast=_latest_forecast(None, None))
        .order_by("order", "id")
        .values_list(*AllocationLine.COLUMNS)
    ]
    reconciliation = fund_reconciliation(fund=fund, allocations=lines)
    _add_sums(lines, _fund_sums(fund=fund, budgets=reconciliation["by_allocation"]))
    tree = _tree([_row(line) for line in lines])
    return {
        "summary": fund_summary(fund=fund, rows=tree["rows"], reconciliation=reconciliation),
        "tree": tree,
    }


def fund_list(*, funds=None) -> list[dict]:
    """Funds (every fund, or those given: the caller scopes them to the user) with their headline figures (a
    handful of funds, so a few queries each is fine)."""
    funds = Fund.objects.all() if funds is None else funds
    return [fund_summary(fund=fund) for fund in funds.select_related("programme").order_by("name")]


def movement_ledger(*, fund: Fund, status: str | None = None):
    """Movements newest first, with their decision and lines, ready to page through."""
    # A correlated subquery rather than a join to the lines and GROUP BY: grouping made the database
    # group every movement of the fund with all its joined columns before taking one page (~120 ms for
    # 5,000 movements on SQLite, against ~40 ms now).
    money_in = (
        MovementLine.objects.filter(movement=OuterRef("pk"), amount__gt=0)
        .order_by()
        .values("movement")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    movements = (
        Movement.objects.filter(fund=fund)
        .select_related("decision", "financial_year", "recorded_by", "reverses", "discontinues")
        .prefetch_related("lines__allocation")
        .annotate(money_moved=Coalesce(Subquery(money_in, output_field=POUNDS), Value(ZERO), output_field=POUNDS))
        .order_by("-decision__decided_on", "-id")
    )
    if status:
        movements = movements.filter(decision__status=status)
    return movements


def decision_preview(*, decision: Decision) -> dict:
    """What approving the decision would do: each affected allocation's balance before and after."""
    fund = decision.fund
    before = fund_balances(fund=fund)
    after = fund_balances(fund=fund, with_decision=decision) if decision.status == DecisionStatus.PROPOSED else before
    lines = MovementLine.objects.filter(movement__decision=decision).select_related("allocation")
    touched = {line.allocation_id: line.allocation for line in lines}
    moved: dict[int | None, Decimal] = {}
    for line in lines:
        moved[line.allocation_id] = moved.get(line.allocation_id, ZERO) + line.amount
    rows = []
    for allocation_id, allocation in touched.items():
        if allocation_id is None:
            rows.append(
                {
                    "label": "Unallocated",
                    "before": before.unallocated,
                    "after": after.unallocated,
                    "change": after.unallocated - before.unallocated,
                    "moved": moved[None],
                }
            )
        elif allocation is not None:
            b = before.by_allocation.get(allocation_id, ZERO)
            a = after.by_allocation.get(allocation_id, ZERO)
            rows.append(
                {
                    "label": allocation.path,
                    "before": b,
                    "after": a,
                    "change": a - b,
                    "moved": moved[allocation_id],
                    "allocation": allocation,
                }
            )
    problems = (
        approval_problems(decision=decision) + balance_problems(fund=fund, extra_decision=decision)
        if decision.status == DecisionStatus.PROPOSED
        else []
    )
    return {
        "rows": rows,
        "problems": problems,
        "applies": decision.status == DecisionStatus.PROPOSED,
        "applied": decision.status == DecisionStatus.APPROVED,
    }


def key_decision_threshold() -> Decimal:
    """KEY_DECISION_THRESHOLD in pounds: a decision moving more than this must be a key decision."""
    return Decimal(str(settings.KEY_DECISION_THRESHOLD))


def decision_money_moved(*, decision: Decision) -> Decimal:
    """The money a decision moves between allocations (repurposing, release, reversal): what the key-decision
    threshold counts. Initial allocations share out money the contributors have already decided to put in (the
    award or the budget, decided by their own bodies), so they are not counted."""
    total = (
        MovementLine.objects.filter(movement__decision=decision, amount__gt=0)
        .exclude(movement__kind=MovementKind.ALLOCATION)
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or ZERO


def approval_problems(*, decision: Decision) -> list[str]:
    """What stops a proposed decision being approved, whoever approves it: a finance officer's clearance given in
    the app, and above the threshold a key decision with its reference and 28-day notice."""
    problems = []
    if decision.finance_cleared_by_id is None:
        problems.append(
            "A finance officer must give clearance in the app (Give finance clearance on the decision's page) "
            "before it is approved."
        )
    threshold = key_decision_threshold()
    moved = decision_money_moved(decision=decision)
    if moved > threshold:
        missing = [
            label
            for label, ok in (
                ("marked as a key decision", decision.key_decision),
                ("its key decision reference", bool(decision.reference.strip())),
                ("28-day notice given", decision.notice_given),
            )
            if not ok
        ]
        if missing:
            problems.append(
                f"This decision moves £{moved:,.2f}, more than £{threshold:,.2f}: it must be a key decision with "
                f"its reference and 28-day notice. Missing: {', '.join(missing)}. Correct the decision record."
            )
    return problems


def scheme_money(*, scheme) -> list[MoneyRow]:
    """The money a programme scheme has, across funds, for its page."""
    return [
        _row(a)
        for a in allocations_with_money(Allocation.objects.filter(scheme=scheme).select_related("fund")).order_by(
            "fund__name", "order"
        )
    ]


def quarters_with_spend(*, fund: Fund) -> list[tuple[FinancialYear, int]]:
    """The (year, quarter) pairs that have any spend recorded, newest first, for the monitoring picker."""
    pairs = (
        QuarterlySpend.objects.filter(allocation__fund=fund)
        .values_list("financial_year_id", "quarter")
        .distinct()
        .order_by("-financial_year__start_year", "-quarter")
    )
    years = {y.pk: y for y in FinancialYear.objects.all()}
    return [(years[y], q) for y, q in pairs]


def allocation_row(*, allocation: Allocation) -> MoneyRow:
    """One allocation's budget, spend and forecast, for its own page."""
    return _row(allocations_with_money(Allocation.objects.filter(pk=allocation.pk)).get())


def balance_problems(*, fund: Fund, extra_decision: Decision | None = None) -> list[str]:
    """What would be wrong with the fund's balances if `extra_decision` were approved too."""
    balances = fund_balances(fund=fund, with_decision=extra_decision)
    problems = []
    if balances.unallocated < 0:
        problems.append(
            f"This would over-allocate {fund.name} by £{-balances.unallocated:,.2f}: "
            f"only £{balances.unallocated_before(extra_decision):,.2f} is unallocated."
        )
    negative = [pk for pk, amount in balances.by_allocation.items() if amount < 0]
    for allocation in Allocation.objects.filter(pk__in=negative).order_by("order"):
        problems.append(
            f"“{allocation}” would go £{-balances.by_allocation[allocation.pk]:,.2f} below zero: "
            "a repurposing cannot take more than an allocation holds."
        )
    return problems


def fund_year_on(*, fund: Fund, day) -> FinancialYear:
    """The fund's financial year a date falls in (April to March). Raises ValidationError, in words, when the date
    is outside the fund's years or its year is not set up."""
    start_year = financial_year_of(day)
    years = fund.financial_years.all() if fund.financial_years.exists() else FinancialYear.objects.all()
    year = years.filter(start_year=start_year).first()
    if year is None:
        known = ", ".join(y.label for y in years.order_by("start_year")) or "none yet"
        raise ValidationError(
            {
                "financial_year": f"The date of decision {day:%d/%m/%Y} falls in {financial_year_label(start_year)}, "
                f"which is not one of this fund's years ({known}): choose the year the money moves in."
            }
        )
    return year


def setup_missing(*, programme, today=None) -> list:
    """ "Ready to report?": the money a programme still lacks: a fund, its contributions, and every pound of it
    allocated (or knowingly left unallocated). As (what, where to fix it, how) triples."""
    funds = list(Fund.objects.filter(programme=programme).order_by("name"))
    if not funds:
        return [("The programme has no fund.", reverse("finance:setup_funds", args=[programme.slug]), "Add a fund")]
    missing = []
    for fund in funds:
        balances = fund_balances(fund=fund)
        if balances.total == 0:
            missing.append(
                (
                    f"The fund {fund} has no contributions, so its total is £0.",
                    reverse("finance:setup_fund", args=[fund.slug]),
                    "Add its contributions",
                )
            )
        elif balances.unallocated > 0:
            missing.append(
                (
                    f"The fund {fund} is not fully allocated: £{balances.unallocated:,.2f} of £{balances.total:,.2f} is unallocated.",
                    reverse("finance:allocation_create", args=[fund.slug]),
                    "Allocate it",
                )
            )
        elif balances.unallocated < 0:
            missing.append(
                (
                    f"The fund {fund} is over-allocated by £{-balances.unallocated:,.2f}.",
                    reverse("finance:fund", args=[fund.slug]),
                    "Review its allocations",
                )
            )
    return missing


# --- The BCF expenditure plan and the pooled fund by source (2025/26 on, issue 18) -----------------------------
# A line of the plan is an allocation: its planned expenditure for a year is the approved money moved to it in that
# year's movements (never typed); its spend to date is the actual spend recorded in that year's quarters. The fund's
# contributions in that year, by source, are what the plan must add up to, source by source.


def policy_year_of(start_year: int | None) -> PolicyYear | None:
    """The policy year a financial year's plan follows (None where the app has none for it)."""
    return None if start_year is None else policy.year_for(start_year)


@dataclass(frozen=True)
class ExpenditureLine:
    allocation_id: int
    line: int  # 1-based order in the plan
    scheme_ref: str
    scheme_name: str
    scheme_type: str  # the scheme type's name (its code where the year does not know it)
    sub_type: str
    commissioner: str
    provider: str
    source_code: str
    source_name: str
    planned: Decimal
    spent_to_date: Decimal | None
    outputs_planned: Decimal | None
    outputs_unit: str
    outputs_delivered: Decimal | None
    counts_to_asc_minimum: bool = False
    scheme_type_code: str = ""


def _year_money(fund: Fund, start_year: int) -> tuple[dict, dict]:
    """Planned (approved money moved in the year) and actual spend in the year, by allocation id: two grouped
    queries whatever the number of lines."""
    planned = dict(
        MovementLine.objects.filter(APPROVED, allocation__fund=fund, movement__financial_year__start_year=start_year)
        .order_by()
        .values("allocation")
        .annotate(t=Sum("amount"))
        .values_list("allocation", "t")
    )
    spent = dict(
        QuarterlySpend.objects.filter(
            allocation__fund=fund, financial_year__start_year=start_year, actual__isnull=False
        )
        .order_by()
        .values("allocation")
        .annotate(t=Sum("actual"))
        .values_list("allocation", "t")
    )
    return planned, spent


PLAN_COLUMNS = (
    "pk",
    "scheme__ref",
    "scheme_name",
    "scheme_type",
    "sub_type",
    "commissioner",
    "provider",
    "funding_source",
    "outputs_planned",
    "outputs_unit",
    "outputs_delivered",
    "counts_to_asc_minimum",
)


def expenditure_plan(fund: Fund, start_year: int) -> list[ExpenditureLine]:
    """The fund's expenditure plan for a year, in the plan's order: every allocation with money in that year or
    with a source of funding given. Three queries whatever the number of lines."""
    year = policy_year_of(start_year)
    planned, spent = _year_money(fund, start_year)
    lines: list[ExpenditureLine] = []
    for values in fund.allocations.order_by("order", "id").values_list(*PLAN_COLUMNS):
        (pk, ref, name, type_code, sub_type, commissioner, provider, source_code, out_plan, unit, out_done, asc) = (
            values
        )
        amount = planned.get(pk) or ZERO
        if not amount and not source_code:
            continue
        scheme_type = year.scheme_type(type_code) if year and type_code else None
        source = year.funding_source(source_code) if year and source_code else None
        lines.append(
            ExpenditureLine(
                allocation_id=pk,
                line=len(lines) + 1,
                scheme_ref=ref or "",
                scheme_name=name,
                scheme_type=scheme_type.name if scheme_type else type_code,
                sub_type=sub_type,
                commissioner=commissioner,
                provider=provider,
                source_code=source_code,
                source_name=source.name if source else source_code,
                planned=amount,
                spent_to_date=spent.get(pk),
                outputs_planned=out_plan,
                outputs_unit=unit,
                outputs_delivered=out_done,
                counts_to_asc_minimum=asc,
                scheme_type_code=type_code,
            )
        )
    return lines


@dataclass(frozen=True)
class SourceTotal:
    code: str
    name: str
    contributed: Decimal
    planned: Decimal

    @property
    def difference(self) -> Decimal:
        """Planned less contributed: more than nothing is planned spend the source does not pay for."""
        return self.planned - self.contributed


NO_SOURCE = "No source of funding given"


def pooled_fund_by_source(
    fund: Fund, start_year: int, *, lines: list[ExpenditureLine] | None = None
) -> list[SourceTotal]:
    """The fund's contributions in a year against its expenditure plan, source by source, in the policy year's
    order of sources; money under no source (or a code the year does not have) gets its own row, never dropped.
    `lines` (expenditure_plan's answer), when the caller has it, saves reading it again."""
    year = policy_year_of(start_year)
    lines = expenditure_plan(fund, start_year) if lines is None else lines
    contributed: dict[str, Decimal] = {}
    for code, amount in (
        fund.contributions.filter(financial_year__start_year=start_year)
        .order_by()
        .values("funding_source")
        .annotate(t=Sum("amount"))
        .values_list("funding_source", "t")
    ):
        contributed[code] = contributed.get(code, ZERO) + amount
    planned: dict[str, Decimal] = {}
    for line in lines:
        planned[line.source_code] = planned.get(line.source_code, ZERO) + line.planned
    known = [(s.code, s.name) for s in year.funding_sources] if year else []
    codes = [code for code, _ in known]
    others = sorted((set(contributed) | set(planned)) - set(codes))
    rows = [SourceTotal(code, name, contributed.get(code, ZERO), planned.get(code, ZERO)) for code, name in known]
    for code in others:
        label = NO_SOURCE if not code else f"“{code}” (not a source of {year.label if year else 'this year'})"
        rows.append(SourceTotal(code, label, contributed.get(code, ZERO), planned.get(code, ZERO)))
    return rows


@dataclass(frozen=True)
class PooledFundYear:
    """A fund's expenditure plan for a year beside its contributions, source by source, with both totals: the one
    answer the fund page and the highlight report's pooled fund by source both print."""

    start_year: int
    lines: list[ExpenditureLine]
    by_source: list[SourceTotal]

    @property
    def contributed(self) -> Decimal:
        return sum((row.contributed for row in self.by_source), ZERO)

    @property
    def planned(self) -> Decimal:
        """Every line's money sits in one source's row (none dropped), so this is also the plan's total."""
        return sum((row.planned for row in self.by_source), ZERO)


def pooled_fund_year(fund: Fund, start_year: int) -> PooledFundYear:
    lines = expenditure_plan(fund, start_year)
    return PooledFundYear(start_year, lines, pooled_fund_by_source(fund, start_year, lines=lines))


@dataclass(frozen=True)
class NhsMinimumCheck:
    computed: Decimal
    required: Decimal | None
    ok: bool
    message: str


def nhs_minimum_to_adult_social_care(
    fund: Fund, start_year: int, *, lines: list[ExpenditureLine] | None = None
) -> NhsMinimumCheck:
    """The plan's NHS minimum contribution to adult social care (the planned money of its lines marked as counting
    towards it) against the required minimum the programme office entered for the fund and year. Not entered is a
    failed check, in words, not a pass."""
    lines = expenditure_plan(fund, start_year) if lines is None else lines
    computed = sum((line.planned for line in lines if line.counts_to_asc_minimum), ZERO)
    requirement = fund.nhs_minimum_requirements.filter(financial_year__start_year=start_year).first()
    label = financial_year_label(start_year)
    if requirement is None:
        return NhsMinimumCheck(
            computed,
            None,
            False,
            f"The required NHS minimum contribution to adult social care for {label} has not been entered: the "
            f"programme office enters it on the fund's set-up page. The plan's lines marked as counting towards it "
            f"come to £{computed:,.2f}.",
        )
    required = requirement.required
    if computed < required:
        return NhsMinimumCheck(
            computed,
            required,
            False,
            f"The NHS minimum contribution to adult social care in the {label} plan is £{computed:,.2f}, "
            f"£{required - computed:,.2f} below the required £{required:,.2f}.",
        )
    return NhsMinimumCheck(
        computed,
        required,
        True,
        f"The NHS minimum contribution to adult social care in the {label} plan is £{computed:,.2f}, "
        f"at least the required £{required:,.2f}.",
    )


def expenditure_plan_problems(fund: Fund, start_year: int) -> list[str]:
    """What is wrong with a fund's expenditure plan for a year, in words (empty when nothing is): what a return's
    sign-off refuses while any remain. Sources that do not add up are named one by one."""
    year = policy_year_of(start_year)
    label = financial_year_label(start_year)
    if year is None:
        return [f"The app has no Better Care Fund policy year for {label}: its plan cannot be checked."]
    lines = expenditure_plan(fund, start_year)
    problems = []
    if not lines:
        problems.append(f"{fund.name} has no expenditure plan lines for {label}.")
    for row in pooled_fund_by_source(fund, start_year, lines=lines):
        if row.difference > 0:
            problems.append(
                f"{row.name}: the expenditure plan spends £{row.planned:,.2f} but the fund's {label} contributions "
                f"from it are £{row.contributed:,.2f}, £{row.difference:,.2f} more than it pays in."
            )
        elif row.difference < 0:
            problems.append(
                f"{row.name}: the fund's {label} contributions from it are £{row.contributed:,.2f} but the "
                f"expenditure plan spends £{row.planned:,.2f} of it, £{-row.difference:,.2f} not planned."
            )
    for line in lines:
        if not line.scheme_type_code:
            problems.append(f"Line {line.line} “{line.scheme_name}” has no scheme type.")
        elif year.scheme_type(line.scheme_type_code) is None:
            problems.append(
                f"Line {line.line} “{line.scheme_name}”: scheme type “{line.scheme_type_code}” is not one of {label}'s."
            )
    check = nhs_minimum_to_adult_social_care(fund, start_year, lines=lines)
    if not check.ok:
        problems.append(check.message)
    return problems


def expenditure_plan_years(fund: Fund) -> list[int]:
    """The fund's financial years (start years) whose policy year sets out an expenditure plan (funding sources and
    scheme types, 2025/26 on): the years its page shows a plan by source for."""
    years = fund.financial_years.order_by("start_year").values_list("start_year", flat=True)
    return [y for y in years if (p := policy.year_for(y)) is not None and p.funding_sources and p.scheme_types]


def source_overcommitment_problems(*, fund: Fund, decision: Decision | None = None) -> list[str]:
    """What the fund's plan (with `decision` approved too, if given) plans from a source beyond the fund's
    contributions from it in a year (lines with a source of funding only): each source named. Two grouped queries."""
    counted = MovementLine.objects.filter(allocation__fund=fund).exclude(allocation__funding_source="")
    counted = counted.filter(APPROVED | Q(movement__decision=decision) if decision is not None else APPROVED)
    planned = {
        (year, code): total
        for year, code, total in counted.order_by()
        .values("movement__financial_year__start_year", "allocation__funding_source")
        .annotate(t=Sum("amount"))
        .values_list("movement__financial_year__start_year", "allocation__funding_source", "t")
    }
    if not planned:
        return []
    contributed = {
        (year, code): total
        for year, code, total in fund.contributions.order_by()
        .values("financial_year__start_year", "funding_source")
        .annotate(t=Sum("amount"))
        .values_list("financial_year__start_year", "funding_source", "t")
    }
    problems = []
    for (start_year, code), amount in sorted(planned.items()):
        paid_in = contributed.get((start_year, code), ZERO)
        if amount > paid_in:
            year = policy_year_of(start_year)
            source = year.funding_source(code) if year else None
            label = financial_year_label(start_year)
            problems.append(
                f"This would plan £{amount:,.2f} from {source.name if source else code} in {label}, "
                f"£{amount - paid_in:,.2f} more than {fund.name}'s contributions from it (£{paid_in:,.2f})."
            )
    return problems
