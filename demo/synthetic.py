"""Synthetic programmes for scale tests and benchmarks (deterministic for a given seed)."""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from accounts.roles import Role
from accounts.services import partnership_ensure, user_ensure
from core.rag import RAG
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
    QuarterlySpend,
)
from finance.selectors import fund_reconciliation
from finance.services import financial_year_get_or_create
from metrics.models import Direction, Frequency, Metric, MetricValue, Unit
from milestones.models import Milestone, MilestoneStatus
from risks.models import MitigatingAction, Risk, RiskAssessment, RiskCategory
from schemes.models import Programme, ReportingPeriod, Scheme, SchemeLead, SchemePeriodUpdate, Workstream

WORKSTREAMS = ["Enablers", "Unscheduled Care", "Scheduled Care", "Mental Health", "Primary Care", "Children's"]


@transaction.atomic
def synthetic_programme_generate(
    *,
    schemes: int,
    milestones_per_scheme: int,
    periods: int = 12,
    seed: int = 1,
    slug: str | None = None,
    risks: int = 0,
    funds: int = 0,
    movements: int = 0,
    metrics: int = 0,
    kpis: int = 0,
    start: date = date(2024, 4, 1),
) -> Programme:
    """A programme of `schemes` schemes × `milestones_per_scheme` milestones and monthly periods, from `start`.

    With `funds`, also that many funds with an allocation per scheme and `movements` movements in all
    (see synthetic_money_generate).

    Bulk-created for speed: the rows are synthetic, so the per-record audit trail is not wanted here.
    """
    rng = random.Random(seed)
    slug = slug or f"synthetic-{seed}-{schemes}x{milestones_per_scheme}"
    programme = Programme.objects.create(
        slug=slug,
        name=f"Synthetic programme {seed}",
        partnership=partnership_ensure(slug=f"{slug}-partnership", name=f"Synthetic partnership {seed}"),
        start_date=start,
        end_date=start + timedelta(days=30 * periods + 30),
    )
    streams = [Workstream.objects.create(programme=programme, name=n, order=i) for i, n in enumerate(WORKSTREAMS)]
    leads = [
        user_ensure(
            username=f"{slug}-lead-{i}",
            first_name="Lead",
            last_name=str(i),
            roles=[Role.PROJECT_LEAD],
            programmes=[programme],
        )
        for i in range(max(1, schemes // 10))
    ]
    period_objs = ReportingPeriod.objects.bulk_create(
        ReportingPeriod(
            programme=programme,
            code=f"p{i + 1:02d}",
            name=f"Period {i + 1}",
            start_date=start + timedelta(days=30 * i),
            end_date=start + timedelta(days=30 * (i + 1)),
        )
        for i in range(periods)
    )
    scheme_objs = Scheme.objects.bulk_create(
        Scheme(
            programme=programme,
            workstream=rng.choice(streams),
            ref=f"{1 + i // 100}.{i % 100 + 1}",
            name=f"Scheme {i + 1}",
            description="Synthetic scheme for scale testing.",
            reports_to_ccg=rng.random() < 0.7,
            reports_to_gm=rng.random() < 0.3,
        )
        for i in range(schemes)
    )
    SchemeLead.objects.bulk_create(SchemeLead(scheme=s, user=leads[i % len(leads)]) for i, s in enumerate(scheme_objs))
    milestones = []
    for s in scheme_objs:
        for j in range(milestones_per_scheme):
            baseline = start + timedelta(days=rng.randint(0, 30 * periods))
            due = baseline + timedelta(days=rng.choice([0, 0, 0, 14, 30]))
            done = due < start + timedelta(days=30 * periods // 2) and rng.random() < 0.8
            milestones.append(
                Milestone(
                    scheme=s,
                    phase=str(rng.randint(1, 4)),
                    description=f"Milestone {j + 1}",
                    baseline_date=baseline,
                    due_date=due,
                    status=MilestoneStatus.COMPLETE if done else MilestoneStatus.NOT_STARTED,
                    completed_on=due if done else None,
                    order=j,
                )
            )
    Milestone.objects.bulk_create(milestones, batch_size=2000)
    rags = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.GREEN, RAG.BLUE]
    SchemePeriodUpdate.objects.bulk_create(
        (
            SchemePeriodUpdate(scheme=s, period=p, rag_suggested=rng.choice(rags))
            for s in scheme_objs
            for p in period_objs
        ),
        batch_size=2000,
    )
    if risks:
        synthetic_risks_generate(
            programme=programme, schemes=scheme_objs, count=risks, rng=rng, start=start, periods=periods
        )
    if funds:
        synthetic_money_generate(programme=programme, funds=funds, movements=movements, seed=seed)
    if metrics or kpis:
        synthetic_metrics_generate(programme=programme, schemes=scheme_objs, metrics=metrics, kpis=kpis, seed=seed)
    return programme


def synthetic_partnerships_generate(
    *,
    partnerships: int,
    schemes: int = 50,
    milestones_per_scheme: int = 20,
    risks: int = 50,
    funds: int = 1,
    movements: int = 20,
    seed: int = 1,
) -> list[Programme]:
    """`partnerships` partnerships, each with one synthetic programme (its own partnership, workstreams, leads,
    periods, schemes, milestones, risks and fund): one installation at national scale (issue 17). Each programme
    is bulk-created by synthetic_programme_generate, in its own transaction, seeds `seed`, `seed + 1`, ..."""
    return [
        synthetic_programme_generate(
            schemes=schemes,
            milestones_per_scheme=milestones_per_scheme,
            seed=seed + n,
            slug=f"synthetic-p{seed + n}-{schemes}x{milestones_per_scheme}",
            risks=risks,
            funds=funds,
            movements=movements,
        )
        for n in range(partnerships)
    ]


METRIC_YEARS = 3


def synthetic_metrics_generate(*, programme, schemes, metrics: int, kpis: int = 0, seed: int = 1, years=METRIC_YEARS):
    """`metrics` programme metrics and `kpis` scheme KPIs, each with `years` years of monthly plans and actuals
    ending with the programme's first year (so the dashboard always has recent figures). Bulk-created."""
    rng = random.Random(seed * 7919 + 13)
    first = date(programme.start_date.year - years + 1, 4, 1)
    months = [
        date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(12 * years)
    ]
    units = [Unit.COUNT, Unit.PERCENT, Unit.DAYS, Unit.RATE]
    created = Metric.objects.bulk_create(
        Metric(
            programme=programme,
            scheme=schemes[i % len(schemes)] if i >= metrics else None,
            code=f"{'kpi' if i >= metrics else 'metric'}-{i + 1}",
            name=f"{'KPI' if i >= metrics else 'Metric'} {i + 1}",
            unit=units[i % len(units)],
            direction=Direction.HIGHER if units[i % len(units)] == Unit.PERCENT else Direction.LOWER,
            frequency=Frequency.MONTHLY,
            tolerance_percent=Decimal(rng.choice(["0", "1", "2.5"])),
            is_demo=True,
            order=i,
        )
        for i in range(metrics + kpis)
    )
    values = []
    for metric in created:
        base = Decimal(rng.randint(40, 90)) if metric.unit == Unit.PERCENT else Decimal(rng.randint(50, 2000))
        for month in months:
            plan = base.quantize(Decimal("0.01"))
            drift = Decimal(rng.randint(-80, 80)) / 1000  # within ±8% of plan
            actual = min(plan * (1 + drift), Decimal("100")) if metric.unit == Unit.PERCENT else plan * (1 + drift)
            values.append(
                MetricValue(metric=metric, period_start=month, plan=plan, actual=actual.quantize(Decimal("0.01")))
            )
    MetricValue.objects.bulk_create(values, batch_size=2000)
    return created


def synthetic_risks_generate(*, programme, schemes, count: int, rng, start, periods: int) -> None:
    """Risks with an initial and a current assessment, a linked scheme and one or two actions each."""
    risks = []
    for i in range(count):
        raised = start + timedelta(days=rng.randint(0, 30 * periods // 2))
        likelihood, consequence = rng.randint(1, 5), rng.randint(1, 5)
        closed = rng.random() < 0.1
        risks.append(
            Risk(
                programme=programme,
                title=f"Synthetic risk {i + 1}",
                description="Synthetic risk for scale testing.",
                category=rng.choice(RiskCategory.values),
                raised_on=raised,
                likelihood=likelihood,
                consequence=consequence,
                target_likelihood=min(likelihood, rng.randint(1, 3)),
                target_consequence=min(consequence, rng.randint(1, 3)),
                status="closed" if closed else "open",
                closed_reason="Synthetic closure" if closed else "",
                next_review_date=raised + timedelta(days=rng.randint(30, 120)),
                on_assurance_framework=rng.random() < 0.2,
                assurance_reference="AF-S",
            )
        )
    risks = Risk.objects.bulk_create(risks, batch_size=2000)
    through = Risk.schemes.through
    through.objects.bulk_create(
        (through(risk_id=r.pk, scheme_id=rng.choice(schemes).pk) for r in risks), batch_size=2000
    )
    assessments = []
    for r in risks:
        assessments.append(
            RiskAssessment(
                risk=r,
                assessed_on=r.raised_on,
                likelihood=rng.randint(1, 5),
                consequence=rng.randint(1, 5),
                note="Initial",
            )
        )
        assessments.append(
            RiskAssessment(
                risk=r,
                assessed_on=r.raised_on + timedelta(days=30),
                likelihood=r.likelihood,
                consequence=r.consequence,
                note="Re-scored",
            )
        )
    RiskAssessment.objects.bulk_create(assessments, batch_size=2000)
    MitigatingAction.objects.bulk_create(
        (
            MitigatingAction(risk=r, action=f"Action {j + 1}", due_date=r.raised_on + timedelta(days=60 * (j + 1)))
            for r in risks
            for j in range(rng.randint(1, 2))
        ),
        batch_size=2000,
    )


# --- Money -------------------------------------------------------------------------------------

INITIATIVES = ["Care closer to home", "Urgent and emergency care", "Enabling change"]
CONTRIBUTORS = ["NHS ICB", "The council", "Improved Better Care Fund grant", "Disabled Facilities Grant"]
BODIES = ["Health and Wellbeing Board", "Executive", "Joint Commissioning Board", "Section 75 Partnership Board"]
DECISION_TITLES = {
    MovementKind.ALLOCATION: "New allocation from the unallocated pot",
    MovementKind.REPURPOSING: "Repurposing of allocations",
    MovementKind.RELEASE: "Discontinuation of a scheme",
    MovementKind.REVERSAL: "Correction: reversal of a repurposing",
}
MONEY_YEARS = 3
SPEND_QUARTERS = 8  # spend and forecasts are recorded for the first two years
CENT = Decimal("0.01")
POUND = Decimal("1")
ZERO = Decimal("0")


def _part(amount: Decimal, rng: random.Random, low: int, high: int) -> Decimal:
    """low–high % of `amount`, in whole pounds where it can be: at least a penny and never more than `amount`."""
    share = amount * rng.randint(low, high) / 100
    part = share.quantize(POUND, rounding=ROUND_DOWN)
    if part <= 0:
        part = share.quantize(CENT, rounding=ROUND_DOWN)
    return min(max(part, CENT), amount)


def _initiative(scheme: Scheme) -> str:
    return INITIATIVES[(scheme.workstream.order if scheme.workstream else 0) % len(INITIATIVES)]


@dataclass
class _FundBook:
    """One synthetic fund's rows and balances while its history is made up.

    Allocations are referred to by their index in `allocations` (unsaved model instances cannot be
    dictionary keys); None is the unallocated pot, as in MovementLine.
    """

    fund: Fund
    years: list[FinancialYear]
    allocations: list[Allocation]
    pot: Decimal
    reserved: Decimal = ZERO  # kept back in the pot for the allocations funded later
    balance: list[Decimal] = field(default_factory=list)
    live: list[int] = field(default_factory=list)  # funded and going forward: money moves only between these
    unfunded: list[int] = field(default_factory=list)
    planned: dict[int, Decimal] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)
    lines: list[MovementLine] = field(default_factory=list)
    repurposings: list[list] = field(default_factory=list)  # [movement, lines, decision number, reversed?]
    reversals: list[tuple[Movement, Movement]] = field(default_factory=list)

    def live_total(self) -> Decimal:
        return sum((self.balance[i] for i in self.live), ZERO)

    def decide(self, *, decided_on: date, rng: random.Random, title: str = "", key: bool = False) -> Decision:
        decision = Decision(
            fund=self.fund,
            title=title,
            body=rng.choice(BODIES),
            decided_on=decided_on,
            reference=f"{self.fund.slug}/{len(self.decisions) + 1:04d}",
            key_decision=key,
            notice_given=key,
            finance_clearance_note="Synthetic finance officer",
            legal_clearance="Synthetic legal officer",
            status=DecisionStatus.APPROVED,
            approved_at=datetime.combine(decided_on, time(17), tzinfo=UTC),
        )
        self.decisions.append(decision)
        return decision

    def move(self, decision: Decision, kind: str, reason: str, lines: list, year=None, **extra) -> Movement:
        """A movement with its lines [(allocation index or None, signed amount)], refused as movement_propose would.

        Refuses lines that do not sum to zero, a zero or sub-penny amount, and any allocation, or the
        pot, going below zero (or into the money kept back for allocations still to be funded).
        """
        if sum((amount for _, amount in lines), ZERO) != 0:
            raise ValueError(f"Synthetic {kind} does not sum to zero: {lines}")
        for index, amount in lines:
            if amount == 0 or amount != amount.quantize(CENT):
                raise ValueError(f"Synthetic {kind} has a bad amount: {amount}")
            if index is None:
                self.pot += amount
            else:
                self.balance[index] += amount
        if self.pot < self.reserved or any(self.balance[i] < 0 for i, _ in lines if i is not None):
            raise ValueError(f"Synthetic {kind} would take a balance below zero: {lines}")
        movement = Movement(
            fund=self.fund,
            decision=decision,
            kind=kind,
            reason=reason,
            financial_year=year or next(y for y in self.years if y.starts_on <= decision.decided_on <= y.ends_on),
            **extra,
        )
        self.movements.append(movement)
        self.lines += [
            MovementLine(movement=movement, allocation=None if i is None else self.allocations[i], amount=amount)
            for i, amount in lines
        ]
        return movement

    # Each step returns False when it cannot be done now; a repurposing can always be done instead.

    def award(self, *, count: int, late: int, rng: random.Random) -> None:
        """85–95% of the fund planned across the allocations; all but `late` of them funded under one decision."""
        planned = _part(self.pot, rng, 85, 95)
        weights = [rng.randint(1, 20) for _ in self.allocations]
        total_weight = sum(weights)
        for i, weight in enumerate(weights):
            self.planned[i] = max(POUND, (planned * weight / total_weight).quantize(POUND, rounding=ROUND_DOWN))
        self.unfunded = rng.sample(range(len(self.allocations)), late)
        self.reserved = sum((self.planned[i] for i in self.unfunded), ZERO)
        later = set(self.unfunded)
        funded = [i for i in range(len(self.allocations)) if i not in later]
        decision = self.decide(
            decided_on=self.years[0].starts_on + timedelta(days=rng.randint(14, 45)),
            rng=rng,
            title=f"Award of the {self.fund.name}",
            key=True,
        )
        start = 0
        for n in range(count):  # `count` movements share the funded allocations out between them
            size = len(funded) // count + (1 if n < len(funded) % count else 0)
            chunk = funded[start : start + size]
            start += size
            amount = sum((self.planned[i] for i in chunk), ZERO)
            names = self.allocations[chunk[0]].scheme_name + (f" and {len(chunk) - 1} more" if len(chunk) > 1 else "")
            self.move(
                decision,
                MovementKind.ALLOCATION,
                f"Initial allocation to {names}",
                [(None, -amount)] + [(i, self.planned[i]) for i in chunk],
            )
            self.live += chunk

    def fund_late(self, decision: Decision, number: int, rng: random.Random) -> bool:
        if not self.unfunded:
            return False
        i = self.unfunded.pop()
        amount = self.planned[i]
        self.reserved -= amount
        name = self.allocations[i].scheme_name
        self.move(decision, MovementKind.ALLOCATION, f"Initial allocation to {name}", [(None, -amount), (i, amount)])
        self.live.append(i)
        return True

    def repurpose(self, decision: Decision, number: int, rng: random.Random) -> bool:
        """From one or two allocations holding money to one or two others."""
        holding = [i for i in self.live if self.balance[i] > 0]
        if not holding or len(self.live) < 2:
            return False
        sources = rng.sample(holding, 2 if len(holding) > 1 and len(self.live) > 2 and rng.random() < 0.2 else 1)
        others = [i for i in self.live if i not in sources]
        destinations = rng.sample(others, 2 if len(others) > 1 and rng.random() < 0.2 else 1)
        lines = [(i, -_part(self.balance[i], rng, 5, 40)) for i in sources]
        moved = -sum((amount for _, amount in lines), ZERO)
        if len(destinations) == 2 and moved >= 2 * CENT:
            first = _part(moved, rng, 30, 70)
            lines += [(destinations[0], first), (destinations[1], moved - first)]
        else:
            lines.append((destinations[0], moved))
        self._repurposing(decision, number, lines, "Virement", "to")
        return True

    def top_up(self, decision: Decision, number: int, rng: random.Random) -> bool:
        """From the unallocated pot (what is not kept back for allocations still to be funded) to an allocation."""
        free = self.pot - self.reserved
        if free <= 0 or not self.live:
            return False
        amount = _part(free, rng, 1, 10)
        self._repurposing(decision, number, [(None, -amount), (rng.choice(self.live), amount)], "From", "to")
        return True

    def _repurposing(self, decision: Decision, number: int, lines: list, verb: str, to: str) -> None:
        def names(sign: int) -> str:
            picked = [i for i, amount in lines if (amount > 0) == (sign > 0)]
            return ", ".join("the unallocated pot" if i is None else self.allocations[i].scheme_name for i in picked)

        movement = self.move(decision, MovementKind.REPURPOSING, f"{verb} {names(-1)} {to} {names(1)}", lines)
        self.repurposings.append([movement, lines, number, False])

    def discontinue(self, decision: Decision, number: int, rng: random.Random) -> bool:
        """A scheme stops: it keeps its spend to date and the rest goes back to the pot (discontinuation_propose)."""
        if len(self.live) < 3:
            return False
        total = self.live_total()
        for _ in range(5):
            i = rng.choice(self.live)
            if total - self.balance[i] > 0:  # keep some money going forward to move about
                break
        else:
            return False
        balance = self.balance[i]
        spend = _part(balance, rng, 20, 90) if balance > 0 else ZERO
        release = balance - spend
        allocation = self.allocations[i]
        self.move(
            decision,
            MovementKind.RELEASE,
            f"{allocation.scheme_name} discontinued; unspent money released",
            [(i, -release), (None, release)] if release else [],
            discontinues=allocation,
            spend_to_date=spend,
        )
        allocation.status = AllocationStatus.DISCONTINUED
        allocation.discontinued_on = decision.decided_on
        allocation.spend_to_date = spend
        self.live.remove(i)
        return True

    def reverse(self, decision: Decision, number: int, rng: random.Random) -> bool:
        """Undo a recent repurposing approved under an earlier decision, if every balance can bear it."""
        candidates = [r for r in self.repurposings[-30:] if r[2] < number and not r[3]]
        rng.shuffle(candidates)
        live = set(self.live)
        for record in candidates:
            movement, lines = record[0], record[1]
            opposite = [(i, -amount) for i, amount in lines]
            if any(i is not None and (i not in live or self.balance[i] + amount < 0) for i, amount in opposite):
                continue
            to_pot = sum((amount for i, amount in opposite if i is None), ZERO)
            if self.live_total() - to_pot <= 0:
                continue
            reversal = self.move(
                decision,
                MovementKind.REVERSAL,
                f"Reverses the repurposing under “{movement.decision.title}” of "
                f"{movement.decision.decided_on:%d/%m/%Y}: recorded against the wrong scheme",
                opposite,
                year=movement.financial_year,  # as reversal_propose: the reversed movement's year, while open
            )
            record[3] = True
            self.reversals.append((reversal, movement))
            return True
        return False

    def history(self, *, count: int, rng: random.Random) -> None:
        """`count` movements: the award, then the rest in decisions of one to four, dated across the years."""
        allocations = len(self.allocations)
        initial = min(allocations, count - count // 4)
        rest = count - initial
        late = initial // 5 if initial == allocations else 0
        self.award(count=initial - late, late=late, rng=rng)
        steps = (
            [self.fund_late] * late
            + [self.discontinue] * (min(max(1, rest // 100), allocations // 5) if rest >= 4 else 0)
            + [self.reverse] * (max(1, rest // 50) if rest >= 5 else 0)
            + [self.top_up] * (rest // 10)
        )
        steps += [self.repurpose] * (late + rest - len(steps))
        rng.shuffle(steps)
        sizes: list[int] = []
        while sum(sizes) < len(steps):
            sizes.append(rng.randint(1, 4))
        first = self.decisions[0].decided_on + timedelta(days=30)
        span = (self.years[-1].ends_on - timedelta(days=30) - first).days
        done = 0
        for number, size in enumerate(sizes, start=1):
            decided_on = first + timedelta(days=span * (number - 1) // max(1, len(sizes) - 1))
            decision = self.decide(decided_on=decided_on, rng=rng, key=rng.random() < 0.3)
            kinds = set()
            for step in steps[done : done + size]:
                if not step(decision, number, rng) and not self.repurpose(decision, number, rng):
                    raise ValueError(f"Synthetic {self.fund.slug}: no money left to move")
                kinds.add(self.movements[-1].kind)
            done += size
            decision.title = DECISION_TITLES[kinds.pop()] if len(kinds) == 1 else "Changes to allocations"

    def spend(self, rng: random.Random) -> list[QuarterlySpend]:
        """Planned spend at an even share of the budget, actual spend around it and a forecast most quarters."""
        quarters = [(year, q) for year in self.years for q in (1, 2, 3, 4)]
        rows = []
        for i, allocation in enumerate(self.allocations):
            budget = self.balance[i]
            if budget <= 0:
                continue
            planned = (budget / len(quarters)).quantize(CENT, rounding=ROUND_DOWN)
            for year, q in quarters[:SPEND_QUARTERS]:
                if allocation.discontinued_on and year.quarter_ends_on(q) > allocation.discontinued_on:
                    break
                rows.append(
                    QuarterlySpend(
                        allocation=allocation,
                        financial_year=year,
                        quarter=q,
                        planned=planned,
                        actual=(planned * rng.randint(70, 120) / 100).quantize(CENT),
                        forecast_outturn=None
                        if rng.random() < 0.25
                        else (budget * rng.randint(90, 110) / 100).quantize(POUND),
                    )
                )
        return rows


@transaction.atomic
def synthetic_money_generate(*, programme: Programme, funds: int, movements: int, seed: int = 1) -> list[Fund]:
    """`funds` funds, each with an allocation per scheme of `programme`, and `movements` approved movements in all.

    Each fund has two to four contributions. Most allocations get their money under one award decision
    and the rest later from the unallocated pot; then come repurposings between allocations (and from the
    pot), a few discontinuations that release unspent money and a few reversals, one to four movements
    to a decision, all approved; and quarterly planned and actual spend and forecast outturn for two years.

    Bulk-created for speed, so, like the rest of the synthetic data, these rows have no
    django-simple-history records. The balances are kept as finance.services keeps them (every movement
    sums to zero, no allocation nor the pot ever below zero, nothing in a closed year), and each fund's
    reconciliation is checked before returning.
    """
    schemes = list(programme.schemes.select_related("workstream").order_by("id"))
    if funds < 0 or movements < 0:
        raise ValidationError("Synthetic money needs zero or more funds and movements.")
    if movements and not funds:
        raise ValidationError("Synthetic movements need at least one fund.")
    if funds and len(schemes) < 2:
        raise ValidationError("Synthetic money needs at least two schemes to move money between.")
    rng = random.Random(f"money-{seed}")
    first = programme.start_date.year - (1 if programme.start_date.month < 4 else 0)
    years = [financial_year_get_or_create(start_year=first + i) for i in range(MONEY_YEARS)]
    closed = [y.label for y in years if y.is_closed]
    if closed:
        raise ValidationError(f"{', '.join(closed)} closed: nothing more can be recorded in it.")
    schemes.sort(key=lambda s: (INITIATIVES.index(_initiative(s)), s.workstream.order if s.workstream else -1, s.pk))
    books, contributions = [], []
    for n in range(funds):
        pooled = n % 2 == 1
        fund = Fund(
            slug=f"{programme.slug}-fund-{n + 1}",
            name=f"Synthetic {'pooled budget' if pooled else 'transformation fund'} {n + 1}",
            programme=programme,
            kind=FundKind.POOLED if pooled else FundKind.TRANSFORMATION,
            section_75=pooled,
            risk_share="Overspends and underspends shared 50:50 by the ICB and the council." if pooled else "",
            description="Synthetic fund for scale testing.",
        )
        fund_contributions = [
            FundContribution(
                fund=fund,
                contributor=contributor,
                amount=Decimal(rng.randint(2_000, 20_000)) * 1000,
                financial_year=years[0],
            )
            for contributor in rng.sample(CONTRIBUTORS, rng.randint(2, 4))
        ]
        contributions += fund_contributions
        allocations = [
            Allocation(
                fund=fund,
                initiative=_initiative(s),
                workstream=s.workstream.name if s.workstream else "",
                scheme_name=f"{s.ref} {s.name}".strip(),
                scheme=s,
                order=order,
            )
            for order, s in enumerate(schemes, start=1)
        ]
        book = _FundBook(
            fund=fund,
            years=years,
            allocations=allocations,
            pot=sum((c.amount for c in fund_contributions), ZERO),
            balance=[ZERO] * len(allocations),
        )
        share = movements // funds + (1 if n < movements % funds else 0)
        if share:
            book.history(count=share, rng=rng)
        books.append(book)

    # Parents first, so that the children pick up their primary keys.
    fund_objs = Fund.objects.bulk_create([b.fund for b in books])
    through = Fund.financial_years.through
    through.objects.bulk_create([through(fund_id=f.pk, financialyear_id=y.pk) for f in fund_objs for y in years])
    FundContribution.objects.bulk_create(contributions)
    Allocation.objects.bulk_create([a for b in books for a in b.allocations], batch_size=2000)
    Decision.objects.bulk_create([d for b in books for d in b.decisions], batch_size=2000)
    Movement.objects.bulk_create([m for b in books for m in b.movements], batch_size=2000)
    reversals = []
    for book in books:
        for reversal, reversed_movement in book.reversals:
            reversal.reverses = reversed_movement  # saved only now that the reversed movement has its id
            reversals.append(reversal)
    Movement.objects.bulk_update(reversals, ["reverses"], batch_size=2000)
    MovementLine.objects.bulk_create([line for b in books for line in b.lines], batch_size=5000)
    QuarterlySpend.objects.bulk_create([row for b in books for row in b.spend(rng)], batch_size=5000)
    if connection.vendor == "postgresql":
        # Freshly bulk-loaded tables have no planner statistics until autovacuum reaches them. Without
        # them PostgreSQL sums each allocation's lines by scanning every approved decision, and the fund
        # page of 500 allocations and 5,000 movements took 17 s instead of about 0.2 s.
        with connection.cursor() as cursor:
            for model in (Allocation, Decision, Movement, MovementLine, QuarterlySpend, FundContribution):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    for fund in fund_objs:
        problems = fund_reconciliation(fund=fund)["problems"]
        if problems:
            raise ValueError(f"Synthetic fund {fund.slug} does not reconcile: {' '.join(problems)}")
    return fund_objs
