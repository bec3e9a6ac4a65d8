"""Writes for money. Every change of an allocation is a movement under a decision; balances are never typed.

Rules kept here, whoever calls (views, imports, commands, the demo loader):
- amounts are Decimal pounds, not negative, at most two decimal places;
- every movement's lines sum to zero, so money is neither made nor lost;
- a movement counts once its decision is approved, and approval is refused if any allocation or the
  unallocated pot would go below zero (no over-allocation);
- approved movements are never edited: a reversal undoes one;
- nothing is recorded in a closed financial year;
- separation of duties: a decision is approved by a named person who did not propose it, after a finance officer
  (also not its proposer) has given clearance in the app; one moving more than KEY_DECISION_THRESHOLD must be a
  key decision with its reference and 28-day notice.
"""

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from core.quarters import financial_year_label
from core.services import audited_save, bump_version, check_version
from finance.models import (
    Allocation,
    AllocationStatus,
    Decision,
    DecisionStatus,
    FinancialYear,
    Fund,
    FundContribution,
    FundKind,
    Movement,
    MovementKind,
    MovementLine,
    NhsMinimumRequirement,
    QuarterlySpend,
)
from finance.permissions import can_give_finance_clearance
from finance.selectors import (
    approval_problems,
    balance_problems,
    expenditure_plan_years,
    fund_balances,
    policy_year_of,
    source_overcommitment_problems,
)
from schemes.selectors import programme_start_year

ZERO = Decimal("0")
MAX_POUNDS = Decimal("999999999999.99")  # fits the column; far beyond any fund


def money(
    value, *, field: str = "amount", label: str = "Amount", allow_zero: bool = True, allow_negative: bool = False
) -> Decimal:
    """An amount of money as exact pounds and pence, or a clear refusal naming the field."""
    if isinstance(value, (bool, float)):
        raise ValidationError({field: f"{label} must be given as an exact decimal amount, not {value!r}."})
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").replace("£", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label} must be a number of pounds, e.g. 1250.50; got “{value}”."}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"{label} must be a number of pounds."})
    if amount < 0 and not allow_negative:
        raise ValidationError({field: f"{label} cannot be negative."})
    if not allow_zero and amount == 0:
        raise ValidationError({field: f"{label} must be more than £0."})
    exponent = amount.as_tuple().exponent  # an int for a finite amount (checked above)
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: f"{label} can have at most two decimal places (pence)."})
    if abs(amount) > MAX_POUNDS:
        raise ValidationError({field: f"{label} is too large."})
    return amount.quantize(Decimal("0.01"))


def _open_year(year: FinancialYear, *, field: str = "financial_year") -> None:
    if FinancialYear.objects.filter(pk=year.pk, is_closed=True).exists():
        raise ValidationError({field: f"{year.label} is closed: nothing more can be recorded in it."})


# --- Financial years ---------------------------------------------------------------------------


def financial_year_get_or_create(*, start_year: int) -> FinancialYear:
    if not 1990 <= int(start_year) <= 2100:
        raise ValidationError({"financial_year": f"{start_year} is not a plausible financial year."})
    year, _ = FinancialYear.objects.get_or_create(start_year=int(start_year))
    return year


def financial_year_close(*, year: FinancialYear, by=None) -> FinancialYear:
    year.is_closed = True
    return audited_save(year, by=by, reason="Financial year closed")


# --- Funds -------------------------------------------------------------------------------------


@transaction.atomic
def fund_create(
    *,
    slug: str,
    name: str,
    kind: str = FundKind.TRANSFORMATION,
    programme,
    section_75: bool = False,
    risk_share: str = "",
    description: str = "",
    years=(),
    contributions=(),
    discontinued_spend_as_at=None,
    by=None,
) -> Fund:
    """A fund with its financial years and the contributions that make its total: [(contributor, amount, year)]."""
    fund = audited_save(
        Fund(
            slug=slug,
            name=name,
            kind=kind,
            programme=programme,
            section_75=section_75,
            risk_share=risk_share,
            description=description,
            discontinued_spend_as_at=discontinued_spend_as_at,
        ),
        by=by,
    )
    fund.financial_years.set(years)
    for contributor, amount, year in contributions:
        contribution_add(fund=fund, contributor=contributor, amount=amount, financial_year=year, by=by)
    return fund


@transaction.atomic
def contribution_add(
    *,
    fund: Fund,
    contributor: str,
    amount,
    financial_year=None,
    note: str = "",
    funding_source: str = "",
    by=None,
):
    """Money paid into the fund: it raises the total and lands in the unallocated pot. `funding_source` is a code
    of the year's policy (e.g. "nhs_minimum"), for a pooled fund planned by source."""
    amount = money(amount, label="The contribution", allow_zero=False)
    if not contributor.strip():
        raise ValidationError({"contributor": "Say who the money comes from."})
    funding_source = (funding_source or "").strip()
    if funding_source:
        if financial_year is None:
            raise ValidationError({"financial_year": "A contribution from a source of funding is for one year."})
        _policy_source(financial_year.start_year, funding_source, field="funding_source")
    if financial_year is not None:
        _open_year(financial_year)
    Fund.objects.select_for_update().get(pk=fund.pk)
    return audited_save(
        FundContribution(
            fund=fund,
            contributor=contributor.strip(),
            amount=amount,
            financial_year=financial_year,
            funding_source=funding_source,
            note=note,
        ),
        by=by,
    )


# --- The expenditure plan's columns and the NHS minimum (2025/26 on, issue 18) ------------------------------


def _policy(start_year: int, *, field: str):
    year = policy_year_of(start_year)
    if year is None:
        raise ValidationError(
            {
                field: f"The app has no Better Care Fund policy year for {financial_year_label(start_year)}: it sets out no "
                "sources of funding or scheme types."
            }
        )
    return year


def _policy_source(start_year: int, code: str, *, field: str):
    year = _policy(start_year, field=field)
    source = year.funding_source(code)
    if source is None:
        known = ", ".join(f"{s.name} ({s.code})" for s in year.funding_sources)
        raise ValidationError(
            {field: f"“{code}” is not a source of funding in {year.label}. Its sources are: {known}."}
        )
    return source


PLAN_FIELDS = (
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


def plan_year_of(fund: Fund) -> int:
    """The financial year (start year) a fund's plan lines follow the policy of: the fund's first year whose policy
    sets out an expenditure plan, else its programme's first year."""
    years = expenditure_plan_years(fund)
    return years[0] if years else programme_start_year(fund.programme)


def _clean_plan_fields(allocation: Allocation, start_year: int) -> None:
    """Check (and tidy) an allocation's expenditure plan columns against the policy year; a clear refusal per
    field. Nothing to check for a line that gives none of them (e.g. a Transformation Fund's)."""
    for name in ("scheme_type", "sub_type", "commissioner", "provider", "funding_source", "outputs_unit"):
        setattr(allocation, name, (getattr(allocation, name) or "").strip())
    given = any(getattr(allocation, name) for name in ("scheme_type", "sub_type", "funding_source")) or (
        allocation.counts_to_asc_minimum
    )
    errors: dict[str, str | list[str]] = {}
    source = None
    if given:
        year = _policy(start_year, field="scheme_type")
        if allocation.scheme_type:
            scheme_type = year.scheme_type(allocation.scheme_type)
            if scheme_type is None:
                known = ", ".join(t.name for t in year.scheme_types)
                errors["scheme_type"] = (
                    f"“{allocation.scheme_type}” is not a scheme type in {year.label}. Its scheme types are: {known}."
                )
            elif allocation.sub_type and allocation.sub_type not in scheme_type.sub_types:
                errors["sub_type"] = f"“{allocation.sub_type}” is not a sub-type of {scheme_type.name}: " + (
                    f"choose one of {', '.join(scheme_type.sub_types)}."
                    if scheme_type.sub_types
                    else "it has no sub-types."
                )
        elif allocation.sub_type:
            errors["sub_type"] = "Choose the scheme type the sub-type belongs to."
        if allocation.funding_source:
            try:
                source = _policy_source(start_year, allocation.funding_source, field="funding_source")
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if allocation.counts_to_asc_minimum and (source is None or not source.nhs_minimum):
        errors["counts_to_asc_minimum"] = (
            "Only a line funded from the NHS minimum contribution counts towards its contribution to adult social "
            "care: choose that source of funding, or untick the box."
        )
    for name, label in (("outputs_planned", "Outputs planned"), ("outputs_delivered", "Outputs delivered")):
        value = getattr(allocation, name)
        if value in (None, ""):
            setattr(allocation, name, None)
            continue
        try:
            setattr(allocation, name, money(value, field=name, label=label))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if (allocation.outputs_planned is not None or allocation.outputs_delivered is not None) and not (
        allocation.outputs_unit
    ):
        errors["outputs_unit"] = "Say what the outputs are counted in, e.g. packages, hours, people."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def allocation_set_plan(*, allocation: Allocation, by=None, expected_version=None, **fields) -> Allocation:
    """Set an allocation's expenditure plan columns (scheme type and sub-type, commissioner, provider, source of
    funding, outputs, NHS minimum to adult social care), checked against its fund's policy year; audited, a stale
    edit refused, nothing saved when any is refused."""
    allocation = Allocation.objects.select_for_update().select_related("fund__programme").get(pk=allocation.pk)
    check_version(allocation, expected_version)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"Not expenditure plan fields: {sorted(unknown)}")
    source_before = allocation.funding_source
    for name, value in fields.items():
        setattr(allocation, name, value)
    _clean_plan_fields(allocation, plan_year_of(allocation.fund))
    bump_version(allocation)
    audited_save(allocation, by=by, reason="Expenditure plan line changed")
    if allocation.funding_source != source_before:
        # Its money now counts against another source: refused (and the save undone) if that source is over-planned.
        problems = source_overcommitment_problems(fund=allocation.fund)
        if problems:
            raise ValidationError({"funding_source": problems})
    return allocation


@transaction.atomic
def nhs_minimum_required_set(
    *, fund: Fund, financial_year: FinancialYear, required, note: str = "", by=None, expected_version=None
):
    """The required NHS minimum contribution to adult social care for a fund and year, as the programme office
    enters it (once per fund and year; a change is audited and a stale one refused)."""
    required = money(required, field="required", label="The required minimum")
    _policy(financial_year.start_year, field="financial_year")
    if fund.financial_years.exists() and not fund.financial_years.filter(pk=financial_year.pk).exists():
        raise ValidationError({"financial_year": f"{financial_year.label} is not one of {fund.name}'s years."})
    _open_year(financial_year)
    Fund.objects.select_for_update().get(pk=fund.pk)
    row = NhsMinimumRequirement.objects.select_for_update().filter(fund=fund, financial_year=financial_year).first()
    if row is None:
        row = NhsMinimumRequirement(fund=fund, financial_year=financial_year)
    else:
        check_version(row, expected_version)
        bump_version(row)
    row.required, row.note = required, (note or "").strip()
    return audited_save(row, by=by, reason="Required NHS minimum contribution to adult social care entered")


# --- Allocations -------------------------------------------------------------------------------


@transaction.atomic
def allocation_add(
    *,
    fund: Fund,
    initiative: str,
    scheme_name: str,
    workstream: str = "",
    scheme=None,
    note: str = "",
    order: int | None = None,
    plan: dict | None = None,
    by=None,
) -> Allocation:
    """A new line in the fund's plan, with no money yet: money arrives by an approved movement. `plan` holds its
    expenditure plan columns (PLAN_FIELDS), checked against the fund's policy year."""
    if not initiative.strip() or not scheme_name.strip():
        raise ValidationError({"scheme_name": "An allocation needs an initiative and a scheme name."})
    if scheme is not None and fund.programme_id and scheme.programme_id != fund.programme_id:
        raise ValidationError({"scheme": "That scheme belongs to another programme."})
    if order is None:
        order = (fund.allocations.aggregate(top=Max("order"))["top"] or 0) + 1
    allocation = Allocation(
        fund=fund,
        initiative=initiative.strip(),
        workstream=workstream.strip(),
        scheme_name=scheme_name.strip(),
        scheme=scheme,
        note=note,
        order=order,
    )
    if plan:
        for name, value in plan.items():
            if name not in PLAN_FIELDS:
                raise ValueError(f"Not an expenditure plan field: {name}")
            setattr(allocation, name, value)
        _clean_plan_fields(allocation, plan_year_of(fund))
    try:
        allocation.validate_constraints()
    except ValidationError:
        raise ValidationError(
            {"scheme_name": f"{fund.name} already has “{allocation.path}”. Move money to it instead."}
        ) from None
    return audited_save(allocation, by=by)


@transaction.atomic
def allocations_add_bulk(*, fund: Fund, allocations: list[Allocation], by=None) -> list[Allocation]:
    """Many new lines in the fund's plan at once, with no money yet (the rules of allocation_add), audited, in a fixed
    number of queries; money arrives by one movement (movement_propose)."""
    top = fund.allocations.aggregate(top=Max("order"))["top"] or 0
    existing = {
        (i.casefold(), w.casefold(), n.casefold())
        for i, w, n in fund.allocations.values_list("initiative", "workstream", "scheme_name")
    }
    plan_year = plan_year_of(fund)
    for allocation in allocations:
        _clean_plan_fields(allocation, plan_year)
        allocation.fund = fund
        allocation.initiative = allocation.initiative.strip()
        allocation.workstream = allocation.workstream.strip()
        allocation.scheme_name = allocation.scheme_name.strip()
        if not allocation.initiative or not allocation.scheme_name:
            raise ValidationError({"scheme_name": "An allocation needs an initiative and a scheme name."})
        scheme = allocation.scheme
        if scheme is not None and fund.programme_id and scheme.programme_id != fund.programme_id:
            raise ValidationError({"scheme": "That scheme belongs to another programme."})
        key = (allocation.initiative.casefold(), allocation.workstream.casefold(), allocation.scheme_name.casefold())
        if key in existing:
            raise ValidationError(
                {"scheme_name": f"{fund.name} already has “{allocation.path}”. Move money to it instead."}
            )
        existing.add(key)
        top += 1
        allocation.order = top
        allocation.full_clean(exclude=["fund", "scheme"], validate_unique=False, validate_constraints=False)
    return bulk_create_with_history(allocations, Allocation, batch_size=500, default_user=by)


@transaction.atomic
def allocation_update_details(*, allocation: Allocation, by=None, expected_version=None, **fields) -> Allocation:
    """Rename or link an allocation to a scheme (one of its fund's programme); its money only changes by movements."""
    allocation = Allocation.objects.select_for_update().select_related("fund").get(pk=allocation.pk)
    check_version(allocation, expected_version)
    scheme = fields.get("scheme")
    if scheme is not None and allocation.fund.programme_id and scheme.programme_id != allocation.fund.programme_id:
        raise ValidationError({"scheme": "That scheme belongs to another programme."})
    for name in ("initiative", "workstream", "scheme_name", "scheme", "note"):
        if name in fields:
            setattr(allocation, name, fields[name].strip() if isinstance(fields[name], str) else fields[name])
    bump_version(allocation)
    return audited_save(allocation, by=by)


# --- Decisions and movements -------------------------------------------------------------------


# The decision record's boxes, as Trafford's reports print them; all editable while it is proposed. The finance
# officer's clearance is not one of them: it is given in the app (decision_clear_finance).
DECISION_FIELDS = (
    "title",
    "body",
    "decided_on",
    "reference",
    "key_decision",
    "notice_given",
    "legal_clearance",
)


@transaction.atomic
def decision_record(
    *,
    fund: Fund,
    title: str,
    body: str,
    decided_on,
    reference: str = "",
    key_decision: bool = False,
    notice_given: bool = False,
    legal_clearance: str = "",
    finance_clearance_note: str = "",
    by=None,
) -> Decision:
    """A proposed decision, with `by` as its proposer; its movements count once someone else approves it.

    `finance_clearance_note` keeps what a paper printed as the finance officer's clearance (e.g. "GB") when a
    decision taken elsewhere is recorded; it is a note, not a clearance.
    """
    if decided_on is None:
        raise ValidationError({"decided_on": "A decision needs the date it was (or will be) taken."})
    if not title.strip() or not body.strip():
        raise ValidationError({"title": "Give the decision a title and the body that takes it."})
    return audited_save(
        Decision(
            fund=fund,
            title=title.strip(),
            body=body.strip(),
            decided_on=decided_on,
            reference=reference.strip(),
            key_decision=key_decision,
            notice_given=notice_given,
            finance_clearance_note=finance_clearance_note.strip(),
            legal_clearance=legal_clearance.strip(),
            recorded_by=by,
        ),
        by=by,
        reason="Decision proposed",
    )


def _proposed(decision: Decision) -> Decision:
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != DecisionStatus.PROPOSED:
        raise ValidationError(
            f"This decision is {decision.get_status_display().lower()}: its movements can no longer change. "
            "Record a new decision (a reversal undoes an approved movement)."
        )
    return decision


def _withdraw_clearance(decision: Decision, *, by, why: str) -> None:
    """A finance clearance covers the decision as it stood: a change to it withdraws the clearance, audited."""
    if decision.finance_cleared_by_id is None:
        return
    decision.finance_cleared_by, decision.finance_cleared_at = None, None
    bump_version(decision)
    audited_save(decision, by=by, reason=f"{why}: finance clearance withdrawn, to be given again")


@transaction.atomic
def movement_propose(
    *,
    decision: Decision,
    kind: str,
    reason: str,
    financial_year: FinancialYear,
    lines,
    discontinues: Allocation | None = None,
    spend_to_date=None,
    reverses: Movement | None = None,
    by=None,
) -> Movement:
    """Record a movement under a proposed decision. `lines` is [(allocation or None for unallocated, signed amount)]."""
    decision = _proposed(decision)
    _withdraw_clearance(decision, by=by, why="Money added to the decision")
    fund = Fund.objects.select_for_update().get(pk=decision.fund_id)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the money moves."})
    if financial_year is None:
        raise ValidationError({"financial_year": "Choose the financial year the movement is for."})
    _open_year(financial_year)
    merged: dict = defaultdict(lambda: ZERO)
    for allocation, amount in lines:
        if not isinstance(amount, Decimal):
            raise ValidationError({"lines": "Money must be given as an exact decimal amount."})
        magnitude = money(abs(amount), field="lines", label="Each amount", allow_zero=False)
        if allocation is not None and allocation.fund_id != fund.pk:
            raise ValidationError({"lines": f"“{allocation}” belongs to another fund."})
        merged[allocation.pk if allocation else None] += magnitude if amount > 0 else -magnitude
    merged = {key: value for key, value in merged.items() if value != 0}
    if not merged:
        raise ValidationError({"lines": "A movement needs at least one amount."})
    if sum(merged.values(), ZERO) != 0:
        raise ValidationError(
            {"lines": f"Money out and money in differ by £{abs(sum(merged.values(), ZERO)):,.2f}; they must match."}
        )
    movement = audited_save(
        Movement(
            fund=fund,
            decision=decision,
            kind=kind,
            reason=reason.strip(),
            financial_year=financial_year,
            discontinues=discontinues,
            spend_to_date=spend_to_date,
            reverses=reverses,
            recorded_by=by,
        ),
        by=by,
    )
    allocations = {a.pk: a for a in Allocation.objects.filter(pk__in=[k for k in merged if k])}
    MovementLine.objects.bulk_create(
        [
            MovementLine(movement=movement, allocation=allocations.get(key), amount=value)
            for key, value in merged.items()
        ]
    )
    # Refuse now what approval would refuse, so the person proposing hears it first.
    problems = balance_problems(fund=fund, extra_decision=decision)
    if any(allocation.funding_source for allocation in allocations.values()):  # no query for a fund without sources
        problems += source_overcommitment_problems(fund=fund, decision=decision)
    if problems:
        raise ValidationError({"lines": problems})
    return movement


@transaction.atomic
def allocation_create_funded(
    *,
    fund: Fund,
    initiative: str,
    scheme_name: str,
    amount,
    decision: Decision,
    financial_year: FinancialYear,
    workstream: str = "",
    scheme=None,
    note: str = "",
    reason: str = "",
    order: int | None = None,
    plan: dict | None = None,
    by=None,
) -> Allocation:
    """A new allocation and its initial-allocation movement from the unallocated pot, under `decision`."""
    amount = money(amount, allow_zero=True)
    allocation = allocation_add(
        fund=fund,
        initiative=initiative,
        workstream=workstream,
        scheme_name=scheme_name,
        scheme=scheme,
        note=note,
        order=order,
        plan=plan,
        by=by,
    )
    if amount > 0:
        movement_propose(
            decision=decision,
            kind=MovementKind.ALLOCATION,
            reason=reason or f"Initial allocation to {allocation.scheme_name}",
            financial_year=financial_year,
            lines=[(None, -amount), (allocation, amount)],
            by=by,
        )
    return allocation


@transaction.atomic
def allocation_set_as_printed(
    *, allocation: Allocation, figure_in=None, printed_figure=None, footnote: str = "", by=None
) -> Allocation:
    """How Appendix 1 prints a line where the paper is not one figure per line: `figure_in` for a line whose money
    is in another line's figure (a merged cell: it holds no money and prints "—"); `printed_figure` where the paper
    prints a figure its own totals leave no room for (the ledger keeps what reconciles); `footnote` says how."""
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    errors = {}
    if figure_in is not None:
        if figure_in.fund_id != allocation.fund_id or figure_in.pk == allocation.pk:
            errors["figure_in"] = "A line's figure can only be in another line of the same fund."
        elif fund_balances(fund=allocation.fund).by_allocation.get(allocation.pk, Decimal(0)):
            errors["figure_in"] = f"“{allocation}” holds money of its own: its figure is not in another line's."
    if printed_figure is not None:
        printed_figure = money(printed_figure, allow_zero=True, label="The printed figure")
    if printed_figure is not None and not footnote.strip():
        errors["footnote"] = "Say in a footnote how the totals reconcile when the line prints the paper's figure."
    if errors:
        raise ValidationError(errors)
    allocation.figure_in = figure_in
    allocation.printed_figure = printed_figure
    allocation.footnote = footnote.strip()
    return audited_save(allocation, by=by)


@transaction.atomic
def repurposing_propose(*, decision: Decision, sources, destinations, reason: str, financial_year, by=None) -> Movement:
    """Move money from one or more allocations (or the unallocated pot, None) to one or more."""
    if not sources or not destinations:
        raise ValidationError({"lines": "A repurposing needs at least one source and one destination."})
    source_ids = {a.pk if a else None for a, _ in sources}
    if source_ids & {a.pk if a else None for a, _ in destinations}:
        raise ValidationError({"lines": "The same allocation cannot be both a source and a destination."})
    lines = [(a, -money(x, field="lines", label="Each amount", allow_zero=False)) for a, x in sources]
    lines += [(a, money(x, field="lines", label="Each amount", allow_zero=False)) for a, x in destinations]
    return movement_propose(
        decision=decision,
        kind=MovementKind.REPURPOSING,
        reason=reason,
        financial_year=financial_year,
        lines=lines,
        by=by,
    )


@transaction.atomic
def discontinuation_propose(
    *, allocation: Allocation, spend_to_date, decision: Decision, financial_year, reason: str, by=None
) -> Movement | None:
    """Discontinue a scheme, keeping its spend to date and releasing the rest to the unallocated pot.

    Takes effect when the decision is approved.
    """
    spend = money(spend_to_date, field="spend_to_date", label="Spend to date")
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.status == AllocationStatus.DISCONTINUED:
        raise ValidationError({"spend_to_date": f"“{allocation}” is already discontinued."})
    if Movement.objects.filter(discontinues=allocation, decision__status=DecisionStatus.PROPOSED).exists():
        raise ValidationError({"spend_to_date": f"A discontinuation of “{allocation}” is already proposed."})
    # Count other movements already proposed under this decision (e.g. a repurposing out of this scheme).
    balance = fund_balances(fund=allocation.fund, with_decision=decision).by_allocation.get(allocation.pk, ZERO)
    if spend > balance:
        raise ValidationError(
            {"spend_to_date": f"Spend to date (£{spend:,.2f}) is more than “{allocation}” holds (£{balance:,.2f})."}
        )
    release = balance - spend
    lines = [(allocation, -release), (None, release)] if release else []
    decision = _proposed(decision)
    fund = Fund.objects.select_for_update().get(pk=allocation.fund_id)
    if decision.fund_id != fund.pk:
        raise ValidationError("The decision belongs to another fund.")
    if not lines:
        # Nothing to release, but the discontinuation still goes through the decision: a movement with no lines.
        _open_year(financial_year)
        _withdraw_clearance(decision, by=by, why="Discontinuation added to the decision")
        return audited_save(
            Movement(
                fund=fund,
                decision=decision,
                kind=MovementKind.RELEASE,
                reason=reason.strip() or f"{allocation} discontinued",
                financial_year=financial_year,
                discontinues=allocation,
                spend_to_date=spend,
                recorded_by=by,
            ),
            by=by,
        )
    return movement_propose(
        decision=decision,
        kind=MovementKind.RELEASE,
        reason=reason or f"{allocation} discontinued; unspent money released",
        financial_year=financial_year,
        lines=lines,
        discontinues=allocation,
        spend_to_date=spend,
        by=by,
    )


@transaction.atomic
def reversal_propose(*, movement: Movement, decision: Decision, reason: str, by=None) -> Movement:
    """Undo an approved movement with a new one carrying the opposite lines."""
    movement = Movement.objects.select_related("decision").get(pk=movement.pk)
    if movement.decision.status != DecisionStatus.APPROVED:
        raise ValidationError("Only an approved movement can be reversed; a proposed one is rejected instead.")
    if Movement.objects.filter(reverses=movement).exists():
        raise ValidationError("This movement has already been reversed (or a reversal is proposed).")
    if movement.kind == MovementKind.REVERSAL:
        raise ValidationError("A reversal cannot itself be reversed; record a new movement instead.")
    if movement.discontinues_id:
        raise ValidationError("A discontinuation cannot be reversed; allocate money to the scheme again instead.")
    lines = [(line.allocation, -line.amount) for line in movement.lines.select_related("allocation")]
    year = FinancialYear.objects.filter(is_closed=False, start_year__gte=movement.financial_year.start_year).first()
    if year is None:
        raise ValidationError("There is no open financial year to record the reversal in.")
    return movement_propose(
        decision=decision,
        kind=MovementKind.REVERSAL,
        reason=reason or f"Reverses {movement}",
        financial_year=year,
        lines=lines,
        reverses=movement,
        by=by,
    )


def _not_the_proposer(decision: Decision, by, doing: str) -> None:
    """Nobody clears or approves their own proposal, whatever their role (a superuser included)."""
    if by is None:
        raise ValidationError(f"A decision's {doing} is recorded by a named person, signed in as themselves.")
    if decision.recorded_by_id is not None and decision.recorded_by_id == by.pk:
        raise ValidationError(
            f"You proposed this decision, so its {doing} must come from someone else "
            "(the finance officer or the programme office)."
        )


@transaction.atomic
def decision_clear_finance(*, decision: Decision, by, expected_version=None) -> Decision:
    """A finance officer, not the proposer, gives the decision finance clearance: who and when are recorded."""
    decision = _proposed(decision)
    check_version(decision, expected_version)
    _not_the_proposer(decision, by, "finance clearance")
    if not can_give_finance_clearance(by, decision.fund.programme_id):
        raise ValidationError(f"Finance clearance is given by a finance officer: {by} is not one.")
    if decision.finance_cleared_by_id is not None:
        raise ValidationError(
            f"Finance clearance was already given by {decision.finance_cleared_by} "
            f"on {timezone.localtime(decision.finance_cleared_at):%d/%m/%Y %H:%M}."
        )
    decision.finance_cleared_by = by
    decision.finance_cleared_at = timezone.now()
    bump_version(decision)
    return audited_save(decision, by=by, reason="Finance clearance given")


@transaction.atomic
def decision_approve(*, decision: Decision, by, expected_version=None) -> Decision:
    """Approve: its movements now count. Only by a named person other than its proposer, after finance clearance;
    refused if any balance would go below zero, a year has closed, or it needed to be a key decision."""
    decision = _proposed(decision)
    check_version(decision, expected_version)
    _not_the_proposer(decision, by, "approval")
    Fund.objects.select_for_update().get(pk=decision.fund_id)  # one approval at a time per fund
    movements = list(decision.movements.select_related("financial_year", "discontinues"))
    problems = []
    if not movements:
        problems.append("This decision has no movements to approve.")
    problems += approval_problems(decision=decision)
    for movement in movements:
        if movement.financial_year.is_closed:
            problems.append(f"{movement} is for {movement.financial_year.label}, which is now closed.")
    problems += balance_problems(fund=decision.fund, extra_decision=decision)
    problems += source_overcommitment_problems(fund=decision.fund, decision=decision)
    if problems:
        raise ValidationError(problems)
    decision.status = DecisionStatus.APPROVED
    decision.approved_by = by
    decision.approved_at = timezone.now()
    bump_version(decision)
    audited_save(decision, by=by, reason="Decision approved")
    for movement in movements:
        if movement.discontinues_id:
            allocation = Allocation.objects.select_for_update().get(pk=movement.discontinues_id)
            allocation.status = AllocationStatus.DISCONTINUED
            allocation.discontinued_on = decision.decided_on
            allocation.spend_to_date = movement.spend_to_date
            bump_version(allocation)
            audited_save(allocation, by=by, reason=f"Discontinued by {decision.title}")
    return decision


@transaction.atomic
def decision_reject(*, decision: Decision, reason: str, by=None, expected_version=None) -> Decision:
    decision = _proposed(decision)
    check_version(decision, expected_version)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the decision was rejected."})
    decision.status = DecisionStatus.REJECTED
    decision.status_reason = reason.strip()
    bump_version(decision)
    return audited_save(decision, by=by, reason="Decision rejected")


@transaction.atomic
def decision_update(*, decision: Decision, by=None, expected_version=None, **fields) -> Decision:
    """Correct a proposed decision's record (e.g. its reference). An approved one never changes.

    A finance clearance was given to the record as it stood: any change withdraws it, to be given again.
    """
    decision = _proposed(decision)
    check_version(decision, expected_version)
    changed = False
    for name in DECISION_FIELDS:
        if name in fields:
            value = fields[name]
            value = value.strip() if isinstance(value, str) else value
            changed = changed or getattr(decision, name) != value
            setattr(decision, name, value)
    if decision.decided_on is None:
        raise ValidationError({"decided_on": "A decision needs the date it was (or will be) taken."})
    if changed and decision.finance_cleared_by_id is not None:
        decision.finance_cleared_by, decision.finance_cleared_at = None, None
        bump_version(decision)
        return audited_save(
            decision, by=by, reason="Decision record changed: finance clearance withdrawn, to be given again"
        )
    bump_version(decision)
    return audited_save(decision, by=by)


# --- Spend and forecast ------------------------------------------------------------------------


@transaction.atomic
def spend_record(
    *,
    allocation: Allocation,
    financial_year: FinancialYear,
    quarter: int,
    planned=None,
    actual=None,
    forecast_outturn=None,
    note: str = "",
    by=None,
    expected_version=None,
) -> QuarterlySpend:
    """Set one allocation's planned and actual spend and forecast outturn for a quarter (creating the row)."""
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": "The quarter must be 1, 2, 3 or 4."})
    _open_year(financial_year)
    planned = money(planned if planned not in (None, "") else ZERO, field="planned", label="Planned spend")
    actual = None if actual in (None, "") else money(actual, field="actual", label="Actual spend", allow_negative=True)
    forecast = (
        None
        if forecast_outturn in (None, "")
        else money(forecast_outturn, field="forecast_outturn", label="Forecast outturn", allow_negative=True)
    )
    row = (
        QuarterlySpend.objects.select_for_update()
        .filter(allocation=allocation, financial_year=financial_year, quarter=quarter)
        .first()
    )
    if row is None:
        row = QuarterlySpend(allocation=allocation, financial_year=financial_year, quarter=quarter)
    else:
        check_version(row, expected_version)
        if (row.planned, row.actual, row.forecast_outturn, row.note) == (planned, actual, forecast, note):
            return row
        bump_version(row)
    row.planned, row.actual, row.forecast_outturn, row.note = planned, actual, forecast, note
    return audited_save(row, by=by)


# --- Setting up a programme's money (issue 17) -----------------------------------------------------------------

RESERVED_FUND_SLUGS = {"setup", "decisions", "allocations", "movements"}


def _start_year(value) -> int:
    """2024 from 2024, "2024", "2024/25" or "2024-25"; a clear refusal otherwise."""
    text = str(value).strip().replace("-", "/")
    first, _, second = text.partition("/")
    try:
        year = int(first)
    except ValueError:
        raise ValidationError({"start_year": f"Write the year as 2024/25; got “{value}”."}) from None
    if second and (not second.isdigit() or int(second) % 100 != (year + 1) % 100):
        raise ValidationError(
            {"start_year": f"{text} is not one financial year: it runs April to March, e.g. 2024/25."}
        )
    if not 1990 <= year <= 2100:
        raise ValidationError({"start_year": f"{text} is not a plausible financial year."})
    return year


@transaction.atomic
def financial_year_add(*, start_year, by=None) -> FinancialYear:
    """Add a financial year (April to March) money can be recorded in; each year exists once."""
    year = _start_year(start_year)
    existing = FinancialYear.objects.filter(start_year=year).first()
    if existing is not None:
        raise ValidationError({"start_year": f"{existing.label} is already set up."})
    return audited_save(FinancialYear(start_year=year), by=by)


def _fund_fields(*, name: str, years) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the fund a name."})
    if any(year.is_closed for year in years):
        closed = ", ".join(year.label for year in years if year.is_closed)
        raise ValidationError({"years": f"{closed} is closed: a fund cannot be added to a closed year."})
    return name


@transaction.atomic
def fund_set_up(
    *,
    programme,
    name: str,
    kind: str = FundKind.POOLED,
    section_75: bool = False,
    risk_share: str = "",
    description: str = "",
    years=(),
    by=None,
) -> Fund:
    """A programme's new fund, with no money yet: its total is the sum of the contributions added to it."""
    name = _fund_fields(name=name, years=years)
    base = slugify(f"{programme.slug}-{name}")[:70] or "fund"
    slug, n = base, 1
    while slug in RESERVED_FUND_SLUGS or Fund.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return fund_create(
        slug=slug,
        name=name,
        kind=kind,
        programme=programme,
        section_75=section_75,
        risk_share=risk_share,
        description=description,
        years=years,
        by=by,
    )


@transaction.atomic
def fund_update(
    *,
    fund: Fund,
    name: str,
    kind: str,
    section_75: bool,
    risk_share: str = "",
    description: str = "",
    years=(),
    by=None,
    expected_version: int | None = None,
) -> Fund:
    """Change a fund's details and years; a stale edit is refused. Its money changes only through contributions
    and decisions."""
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    check_version(fund, expected_version)
    name = _fund_fields(name=name, years=[y for y in years if y not in set(fund.financial_years.all())])
    fields = {
        "name": name,
        "kind": kind,
        "section_75": section_75,
        "risk_share": risk_share,
        "description": description,
    }
    changed = {k: v for k, v in fields.items() if getattr(fund, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(fund, key, value)
        bump_version(fund)
        audited_save(fund, by=by)
    fund.financial_years.set(years)
    return fund
