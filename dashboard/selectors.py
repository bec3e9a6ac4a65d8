"""Reads for the steering group dashboard: exceptions first, each tile in a fixed number of queries.

Every tile counts and sums in the database (GROUP BY, aggregates, LIMIT) and loads at most a short
list of rows, so the page costs the same number of queries for 7 schemes or 500. The query count is
pinned by tests/dashboard/test_queries.py.

All tiles take the same `DashboardFilters` (dashboard/forms.py): a programme and reporting period,
optionally narrowed to the schemes of one workstream, locality or project lead.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from core.natural import natural_order
from core.rag import RAG, Trend, rag_trend
from dashboard.forms import DashboardFilters
from finance.models import Decision, DecisionStatus, Fund, FundContribution
from finance.selectors import money_by_fund
from metrics.selectors import headline_panel, metrics_dashboard
from milestones.models import Milestone, MilestoneStatus, open_condition, overdue_condition, slipped_condition
from risks.models import Risk, RiskStatus
from risks.scoring import Grade, risk_grade
from risks.selectors import heat_map
from schemes.models import Scheme, SchemeLead, SchemePeriodUpdate, SchemeStatus

NOT_RATED = ""
RAG_VALUES = frozenset(RAG.values)  # RAG.values builds a new list on every call
RAG_ORDER = [RAG.RED.value, RAG.AMBER.value, RAG.GREEN.value, RAG.BLUE.value, NOT_RATED]
LIST_LIMIT = 10  # rows in each tile's exception list; the list behind the tile has the rest
TOP_RISKS = 5
STRIP_PERIODS = 6  # periods shown in each listed scheme's RAG strip
ZERO = Decimal("0")
POUNDS: DecimalField = DecimalField(max_digits=16, decimal_places=2)


# --- Schemes in scope ------------------------------------------------------------------------------


def _in_scope(filters: DashboardFilters, scheme_field: str) -> Q:
    """A condition on `scheme_field` (a scheme foreign key) for the schemes in scope.

    Without a workstream, locality or lead filter that is simply the programme, which PostgreSQL joins
    more cheaply than an IN over the programme's schemes.
    """
    if filters.narrows_schemes:
        return Q(**{f"{scheme_field}__in": schemes_in_scope(filters=filters)})
    return Q(**{f"{scheme_field}__programme_id": filters.programme.pk})


def schemes_in_scope(*, filters: DashboardFilters):
    """The programme's schemes narrowed by workstream, locality and lead (any lead record, as the scheme list)."""
    schemes = Scheme.objects.filter(programme=filters.programme)
    if filters.workstream:
        schemes = schemes.filter(workstream=filters.workstream)
    if filters.locality:
        schemes = schemes.filter(locality=filters.locality)
    if filters.lead:
        # A subquery rather than a join, so no scheme is counted twice.
        schemes = schemes.filter(pk__in=SchemeLead.objects.filter(user=filters.lead).values("scheme_id"))
    return schemes


# --- RAG tile --------------------------------------------------------------------------------------


def _effective(relation: str):
    """The chosen RAG of a period update, else the suggested one (NULL when the scheme has no update)."""
    return Coalesce(NullIf(F(f"{relation}__rag"), Value("")), F(f"{relation}__rag_suggested"), output_field=CharField())


def _schemes_with_rags(filters: DashboardFilters):
    """Schemes in scope with `rag_now` and `rag_before` (the previous period's), by two LEFT JOINs.

    Schemes that are closed or discontinued and have no update for the period are left out: they are
    no longer reported on, so they are not "not rated". Projects still to scope are left out too: the highlight
    report lists them apart ("Projects to scope"), not in its projects table and RAG chart, and the two agree.
    """
    schemes = schemes_in_scope(filters=filters)
    if filters.period is None:
        return schemes.none().annotate(rag_now=Value(None, CharField()), rag_before=Value(None, CharField()))
    schemes = schemes.annotate(
        now_update=FilteredRelation("period_updates", condition=Q(period_updates__period=filters.period))
    )
    if filters.previous is not None:
        schemes = schemes.annotate(
            before_update=FilteredRelation("period_updates", condition=Q(period_updates__period=filters.previous))
        ).annotate(rag_before=_effective("before_update"))
    else:
        schemes = schemes.annotate(rag_before=Value(None, output_field=CharField()))
    return schemes.annotate(rag_now=_effective("now_update")).filter(
        ~Q(status=SchemeStatus.TO_SCOPE) & (Q(status=SchemeStatus.ACTIVE) | Q(now_update__isnull=False))
    )


def _norm(rag) -> str:
    return rag if rag in RAG_VALUES else NOT_RATED


@dataclass
class RagCount:
    rag: str
    label: str
    count: int = 0
    previous: int = 0

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass
class RagSummary:
    counts: list[RagCount]
    total: int = 0
    worse: int = 0
    better: int = 0
    same: int = 0
    new: int = 0
    exceptions: list[dict] = field(default_factory=list)
    exceptions_total: int = 0


def rag_summary(*, filters: DashboardFilters, limit: int = LIST_LIMIT) -> RagSummary:
    """Schemes by RAG this period against the previous one, and the schemes to look at first.

    Three queries: the (now, before) pairs counted by GROUP BY; up to `limit` exception schemes (red
    and worse first, then red, then the others that got worse, then those that got better); and the
    listed schemes' RAG over the last few periods.
    """
    labels = {rag.value: rag.label for rag in RAG} | {NOT_RATED: "Not rated"}
    counts = {rag: RagCount(rag=rag, label=labels[rag]) for rag in RAG_ORDER}
    summary = RagSummary(counts=list(counts.values()))
    if filters.period is None:
        return summary
    pairs = _schemes_with_rags(filters).order_by().values("rag_now", "rag_before").annotate(n=Count("pk"))
    changed = 0
    for row in pairs:
        now, before, n = _norm(row["rag_now"]), _norm(row["rag_before"]), row["n"]
        counts[now].count += n
        if filters.previous is not None:
            counts[before].previous += n
        summary.total += n
        trend = rag_trend(before or None, now or None)
        if trend == Trend.DOWN:
            summary.worse += n
        elif trend == Trend.UP:
            summary.better += n
        elif trend == Trend.SAME:
            summary.same += n
        elif trend == Trend.NEW:
            summary.new += n
        if now == RAG.RED or trend in (Trend.DOWN, Trend.UP):
            changed += n
    summary.exceptions_total = changed
    summary.exceptions = _rag_exceptions(filters, limit)
    return summary


def _attention(rag_now: str, rag_before: str) -> int | None:
    """Where a scheme comes in the exception list: red and worse, red, worse, better; None when not listed."""
    trend = rag_trend(rag_before or None, rag_now or None)
    if rag_now == RAG.RED:
        return 0 if trend == Trend.DOWN else 1
    return {Trend.DOWN.value: 2, Trend.UP.value: 3}.get(trend or "")


def _rag_exceptions(filters: DashboardFilters, limit: int) -> list[dict]:
    """The schemes that are red or changed RAG, red and worse first, then by ref; sorted here, not in SQL.

    The candidates are a few narrow rows (id, ref, name and two RAG codes) from the same joins as the
    counts. Sorting them in SQL took a CASE nested three deep, which cost more to compile than to run.
    """
    rated = [rag.value for rag in RAG]
    changed = Q(rag_now__in=rated, rag_before__in=rated) & ~Q(rag_now=F("rag_before"))
    candidates = []
    for pk, ref, ref_key, name, rag_now, rag_before in (
        _schemes_with_rags(filters)
        .filter(Q(rag_now=RAG.RED) | changed)
        .order_by()
        .values_list("pk", "ref", "ref_key", "name", "rag_now", "rag_before")
    ):
        rag_now, rag_before = _norm(rag_now), _norm(rag_before)
        attention = _attention(rag_now, rag_before)
        if attention is not None:
            candidates.append((attention, ref_key, ref, name, pk, rag_now, rag_before))
    rows = [
        {
            "pk": pk,
            "ref": ref,
            "name": name,
            "rag_now": rag_now,
            "rag_before": rag_before,
            "attention": attention,
            "trend": rag_trend(rag_before or None, rag_now or None) if filters.previous else None,
            "history": [],
        }
        for attention, _, ref, name, pk, rag_now, rag_before in sorted(candidates)[:limit]
    ]
    if rows:
        _add_history(filters, rows)
    return rows


def _add_history(filters: DashboardFilters, rows: list[dict]) -> None:
    """Each listed scheme's RAG over the last few periods up to the chosen one: one query."""
    if filters.period is None:
        return
    upto = [p for p in filters.periods if p.start_date <= filters.period.start_date][-STRIP_PERIODS:]
    ratings = {
        (scheme_id, period_id): rag or suggested
        for scheme_id, period_id, rag, suggested in SchemePeriodUpdate.objects.filter(
            scheme_id__in=[r["pk"] for r in rows], period__in=upto
        )
        .order_by()
        .values_list("scheme_id", "period_id", "rag", "rag_suggested")
    }
    for row in rows:
        row["history"] = [(p.code, ratings.get((row["pk"], p.pk)) or NOT_RATED) for p in upto]


def rag_rows(*, filters: DashboardFilters) -> list[dict]:
    """Every scheme in scope with its RAG now and before, for the tile's CSV: one query."""
    rows = list(
        _schemes_with_rags(filters)
        .order_by(natural_order("ref_key"), "name", "pk")
        .values("pk", "ref", "name", "workstream__name", "locality", "status", "rag_now", "rag_before")
    )
    for row in rows:
        row["rag_now"], row["rag_before"] = _norm(row["rag_now"]), _norm(row["rag_before"])
        row["trend"] = rag_trend(row["rag_before"] or None, row["rag_now"] or None) if filters.previous else None
    return rows


# --- Milestones tile -------------------------------------------------------------------------------


def _open_milestones(filters: DashboardFilters):
    """Milestones of the schemes in scope still open at `as_of` (a later completion still counts as open then)."""
    return Milestone.objects.filter(_in_scope(filters, "scheme")).open_at(filters.as_of)


def overdue_milestones(*, filters: DashboardFilters):
    """Milestones overdue as at `as_of` (Milestone.objects.overdue), most overdue first."""
    return (
        Milestone.objects.filter(_in_scope(filters, "scheme"))
        .overdue(as_of=filters.as_of)
        .select_related("scheme")
        .order_by("due_date", "scheme_id", "order", "pk")
    )


def _biggest_slip_first(milestones):
    return (
        milestones.annotate(slip=DaysBetween("due_date", "baseline_date"))
        .select_related("scheme")
        .order_by("-slip", "due_date", "scheme_id", "pk")
    )


def slipped_milestones(*, filters: DashboardFilters):
    """Every milestone of the schemes in scope whose date has moved past its baseline, completed ones included
    (Milestone.objects.slipped, the one rule), the biggest slippage first: the list behind the tile."""
    return _biggest_slip_first(Milestone.objects.filter(_in_scope(filters, "scheme")).slipped())


def slipped_open_milestones(*, filters: DashboardFilters):
    """The slipped milestones still open at `as_of`: what the tile counts and its largest slippages."""
    return _biggest_slip_first(_open_milestones(filters).slipped())


class DaysBetween(Func):
    """`end − start` in whole days, computed by the database itself.

    Django's generic date subtraction on SQLite calls back into Python for every row, which made
    sorting 10,000 milestones by slippage the slowest part of the page.
    """

    arity = 2
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context):
        # PostgreSQL: date − date is already a whole number of days.
        return super().as_sql(
            compiler,
            connection,
            function=function,
            template=template or "(%(expressions)s)",
            arg_joiner=arg_joiner or " - ",
            **extra_context,
        )


def with_days(milestones, as_of: date) -> list:
    """Adds days_overdue (at `as_of`) and days_slipped (due − baseline) to each milestone."""
    milestones = list(milestones)
    for m in milestones:
        m.days_overdue = m.overdue_days(as_of)
        m.days_slipped = m.slippage_days
    return milestones


_MILESTONE_FIELDS = (
    "id",
    "description",
    "phase",
    "baseline_date",
    "due_date",
    "completed_on",
    "status",
    "scheme__id",
    "scheme__ref",
    "scheme__name",
)


def milestone_summary(*, filters: DashboardFilters, limit: int = LIST_LIMIT) -> dict:
    """Overdue and slipped milestones: counts (one aggregate) and the worst `limit` of each (two queries).

    `slipped` counts the slipped milestones still open at `as_of`; `slipped_all` every slipped milestone,
    completed ones included (the list the tile links to); `completed_in_period` those completed in the chosen
    period (Milestone.is_completed_in's rule, as the highlight report lists them).
    """
    as_of = filters.as_of
    overdue, slipped_open = overdue_condition(as_of), open_condition(as_of) & slipped_condition()
    period = filters.period
    completed = (
        Q(
            status=MilestoneStatus.COMPLETE,
            completed_on__gte=period.start_date,
            completed_on__lt=period.end_date,
        )
        if period is not None
        else Q(pk__in=[])
    )
    totals = Milestone.objects.filter(_in_scope(filters, "scheme")).aggregate(
        overdue=Count("pk", filter=overdue),
        overdue_schemes=Count("scheme", filter=overdue, distinct=True),
        slipped=Count("pk", filter=slipped_open),
        slipped_schemes=Count("scheme", filter=slipped_open, distinct=True),
        slipped_all=Count("pk", filter=slipped_condition()),
        completed_in_period=Count("pk", filter=completed),
    )
    return {
        "as_of": as_of,
        **totals,
        "worst_overdue": with_days(list(overdue_milestones(filters=filters).only(*_MILESTONE_FIELDS)[:limit]), as_of),
        "largest_slippages": with_days(
            list(slipped_open_milestones(filters=filters).only(*_MILESTONE_FIELDS)[:limit]), as_of
        ),
    }


def milestone_rows(*, filters: DashboardFilters) -> list[dict]:
    """Every overdue or slipped open milestone, for the tile's CSV: one query of plain values."""
    as_of = filters.as_of
    rows = list(
        _open_milestones(filters)
        .filter(overdue_condition(as_of) | slipped_condition())
        .order_by("due_date", natural_order("scheme__ref_key"), "pk")
        .values("scheme__ref", "scheme__name", "description", "phase", "baseline_date", "due_date", "status")
    )
    for row in rows:
        row["days_overdue"] = max(0, (as_of - row["due_date"]).days)
        row["days_slipped"] = (row["due_date"] - row["baseline_date"]).days
    return rows


# --- Risks tile ------------------------------------------------------------------------------------


def open_risks(*, filters: DashboardFilters):
    """The programme's open risks; narrowed to the risks linked to the schemes in scope when a filter is set."""
    risks = Risk.objects.filter(programme=filters.programme, status=RiskStatus.OPEN)
    if filters.narrows_schemes:
        links = Risk.schemes.through.objects.filter(scheme__in=schemes_in_scope(filters=filters))
        risks = risks.filter(pk__in=links.values("risk_id"))
    return risks


def _top_risks(risks, limit: int):
    # Only the columns the tile shows: sorting 5,000 risks carried their long text columns along.
    return (
        risks.with_score()
        .select_related("owner")
        .only(
            "pk",
            "title",
            "likelihood",
            "consequence",
            "owner_name",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
        )
        .prefetch_related(
            Prefetch("schemes", queryset=Scheme.objects.only("pk", "ref", "name").order_by(natural_order("ref_key")))
        )
        .order_by("-score_value", "-consequence", "title", "pk")[:limit]
    )


def risk_summary(*, filters: DashboardFilters, limit: int = TOP_RISKS) -> dict:
    """Open risks as a 5×5 heat map (one GROUP BY), reviews overdue (one count) and the top `limit` by score (two)."""
    risks = open_risks(filters=filters)
    cells = heat_map(queryset=risks)
    by_grade = {grade.value: 0 for grade in Grade}
    for row in cells["rows"]:
        for cell in row["cells"]:
            by_grade[risk_grade(cell["score"]).value] += cell["count"]
    return {
        "heat_map": cells,
        "total": cells["total"],
        "by_grade": [(Grade(value), count) for value, count in reversed(by_grade.items())],
        "review_overdue": risks.filter(next_review_date__lt=timezone.localdate()).count(),
        "top": list(_top_risks(risks, limit)),
    }


def risk_rows(*, filters: DashboardFilters) -> list[dict]:
    """Every open risk in scope, highest score first, for the tile's CSV: two queries of plain values."""
    risks = open_risks(filters=filters)
    rows = list(
        risks.with_score()
        .order_by("-score_value", "-consequence", "title", "pk")
        .values(
            "pk",
            "title",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
            "owner_name",
            "likelihood",
            "consequence",
            "score_value",
            "next_review_date",
            "on_assurance_framework",
        )
    )
    schemes: dict[int, list[str]] = {}
    for risk_id, ref, name in (
        Risk.schemes.through.objects.filter(risk__in=risks)
        .order_by(natural_order("scheme__ref_key"))
        .values_list("risk_id", "scheme__ref", "scheme__name")
    ):
        schemes.setdefault(risk_id, []).append(ref or name)
    for row in rows:
        full_name = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
        row["owner"] = (full_name or row["owner__username"]) if row["owner__username"] else row["owner_name"]
        row["schemes"] = schemes.get(row["pk"], [])
        row["grade"] = risk_grade(row["score_value"])
    return rows


# --- Money tile ------------------------------------------------------------------------------------


@dataclass
class FundMoney:
    fund: Fund
    total: Decimal
    allocated: Decimal = ZERO
    spent: Decimal = ZERO
    forecast: Decimal = ZERO
    forecast_given: bool = True
    allocations: int = 0
    proposed: int = 0
    narrowed: bool = False
    going_forward: Decimal = ZERO
    discontinued: Decimal = ZERO

    @property
    def unallocated(self) -> Decimal | None:
        return None if self.narrowed else self.total - self.allocated

    @property
    def variance(self) -> Decimal:
        """Forecast outturn − budget: above zero is an overspend."""
        return self.forecast - self.allocated


def programme_funds(*, filters: DashboardFilters):
    """The programme's own funds: another programme's money never shows on its dashboard (issue 17)."""
    contributions = (
        FundContribution.objects.filter(fund=OuterRef("pk")).order_by().values("fund").annotate(t=Sum("amount"))
    )
    proposed = (
        Decision.objects.filter(fund=OuterRef("pk"), status=DecisionStatus.PROPOSED)
        .order_by()
        .values("fund")
        .annotate(n=Count("pk"))
    )
    return (
        Fund.objects.filter(programme=filters.programme)
        .annotate(
            contributed=Coalesce(
                Subquery(contributions.values("t"), output_field=POUNDS), Value(ZERO), output_field=POUNDS
            ),
            proposed_count=Coalesce(Subquery(proposed.values("n"), output_field=IntegerField()), Value(0)),
        )
        .order_by("name")
    )


def money_summary(*, filters: DashboardFilters) -> list[FundMoney]:
    """Total, allocated, spent, forecast and variance per fund: the Money pages' figures
    (finance.selectors.money_by_fund, the same rules as fund_summary; tests hold them equal), in four queries
    however many allocations.

    With a workstream, locality or lead filter only the allocations linked to those schemes count,
    so a fund's total and unallocated are not shown, and funds with none of them are left out.
    """
    funds = {fund.pk: fund for fund in programme_funds(filters=filters)}
    if not funds:
        return []
    schemes = schemes_in_scope(filters=filters) if filters.narrows_schemes else None
    money = []
    for pk, totals in money_by_fund(fund_ids=list(funds), schemes=schemes).items():
        fund = funds[pk]
        money.append(
            FundMoney(
                fund=fund,
                total=fund.contributed,
                allocated=totals.allocated,
                spent=totals.spent,
                forecast=totals.forecast,
                forecast_given=totals.forecast_given,
                allocations=totals.allocations,
                proposed=fund.proposed_count,
                narrowed=filters.narrows_schemes,
                going_forward=totals.going_forward,
                discontinued=totals.discontinued,
            )
        )
    return money


# --- The page --------------------------------------------------------------------------------------


def metrics_summary(*, filters: DashboardFilters) -> dict:
    """Programme metrics against plan as at the period's end, not on track first (two queries)."""
    as_of = filters.period.end_date if filters.period else None
    return metrics_dashboard(programme=filters.programme, as_of=as_of, window=12)


def dashboard(*, filters: DashboardFilters) -> dict:
    """Every tile for the chosen programme, period and filters, in a fixed number of queries."""
    return {
        "rag": rag_summary(filters=filters),
        "milestones": milestone_summary(filters=filters),
        "risks": risk_summary(filters=filters),
        "money": money_summary(filters=filters),
        "metrics": metrics_summary(filters=filters),
        "headline": headline_summary(filters=filters),
    }


def headline_summary(*, filters: DashboardFilters) -> dict | None:
    """The policy year's headline metrics as at the period's end, with small charts; None (and no query) for a
    programme whose year declares none. Two queries."""
    as_of = filters.period.end_date if filters.period else timezone.localdate()
    return headline_panel(programme=filters.programme, as_of=as_of, width=280, height=110)


def programme_gaps(*, filters: DashboardFilters) -> list[str]:
    """What a programme still lacks before the dashboard can say anything: no periods, no schemes (one query)."""
    gaps = []
    if filters.period is None:
        gaps.append("reporting periods")
    if not filters.programme.schemes.exists():
        gaps.append("schemes")
    return gaps
