"""Reads for metrics: status per period, the latest figure, and the series a chart draws.

Status is computed here and nowhere else (dashboard, metric pages, highlight report and return all call it):
lower-is-better metrics are on track when actual ≤ plan × (1 + tolerance); higher-is-better ones when
actual ≥ plan × (1 − tolerance). Tolerance is the metric's `tolerance_percent` of the plan.

Headline metrics (a BCF policy year's, e.g. 2025/26's three; headline_progress) follow the same rule with no
tolerance (services refuse one): a metric is ON TRACK when its latest actual up to the date asked about is at or
better than that period's plan in the metric's direction (at or below plan where lower is better, at or above
where higher is better), NOT ON TRACK when it is worse, and NO DATA when no period up to that date has an actual.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

import policy
from core.natural import natural_order
from core.quarters import financial_year_of
from metrics.charts import headline_chart, metric_chart
from metrics.models import Direction, Frequency, Metric, MetricValue, Status, Unit, period_label
from metrics.permissions import can_define
from metrics.services import HEADLINE_UNITS, headline_periods
from schemes.selectors import programme_start_year

HUNDRED = Decimal("100")
# Units whose periods add up to a year (a count of admissions does; a percentage does not).
SUMMABLE = {Unit.COUNT, Unit.DAYS, Unit.POUNDS}


def status_of(*, metric: Metric, plan: Decimal | None, actual: Decimal | None) -> str:
    if actual is None or plan is None:
        return Status.NO_DATA
    allowance = abs(plan) * metric.tolerance_percent / HUNDRED
    if metric.direction == Direction.LOWER:
        return Status.ON_TRACK if actual <= plan + allowance else Status.NOT_ON_TRACK
    return Status.ON_TRACK if actual >= plan - allowance else Status.NOT_ON_TRACK


def variance_percent(plan: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """Actual against plan as a % of plan: −3.5 means 3.5% below plan."""
    if plan is None or plan == 0 or actual is None:
        return None
    return ((actual - plan) / plan * HUNDRED).quantize(Decimal("0.1"))


@dataclass
class PeriodRow:
    value: MetricValue
    label: str
    status: str
    variance: Decimal | None

    @property
    def status_label(self) -> str:
        return Status(self.status).label


@dataclass
class MetricSummary:
    metric: Metric
    rows: list[PeriodRow] = field(default_factory=list)
    latest: PeriodRow | None = None
    year_to_date: dict | None = None
    chart: str = ""  # the SVG chart, drawn for pages that show one

    @property
    def status(self) -> str:
        return self.latest.status if self.latest else Status.NO_DATA

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def labels(self) -> list[str]:
        return [row.label for row in self.rows]

    @property
    def plans(self) -> list[Decimal | None]:
        return [row.value.plan for row in self.rows]

    @property
    def actuals(self) -> list[Decimal | None]:
        return [row.value.actual for row in self.rows]


def _summary(metric: Metric, values: list[MetricValue], as_of: dt.date | None) -> MetricSummary:
    summary = MetricSummary(metric=metric)
    for value in values:
        if as_of is not None and value.period_start > as_of:
            continue
        summary.rows.append(
            PeriodRow(
                value=value,
                label=period_label(value.period_start, metric.frequency),
                status=status_of(metric=metric, plan=value.plan, actual=value.actual),
                variance=variance_percent(value.plan, value.actual),
            )
        )
    recorded = [row for row in summary.rows if row.value.actual is not None]
    summary.latest = recorded[-1] if recorded else None
    if summary.latest is not None and metric.unit in SUMMABLE:
        # Year to date: the financial year of the latest actual, periods with an actual only.
        start = summary.latest.value.period_start
        fy_start = dt.date(financial_year_of(start), 4, 1)
        in_year = [row for row in recorded if row.value.period_start >= fy_start]
        plan = sum((row.value.plan or Decimal("0") for row in in_year), Decimal("0"))
        actual = sum((row.value.actual or Decimal("0") for row in in_year), Decimal("0"))
        summary.year_to_date = {
            "periods": len(in_year),
            "plan": plan,
            "actual": actual,
            "variance": variance_percent(plan, actual),
            "status": status_of(metric=metric, plan=plan, actual=actual),
            "status_label": Status(status_of(metric=metric, plan=plan, actual=actual)).label,
        }
    return summary


def metric_summaries(
    *, programme=None, scheme=None, kpis: bool | None = None, as_of: dt.date | None = None, window: int | None = None
) -> list[MetricSummary]:
    """Metrics with their periods (two queries whatever the size). `kpis`: True only scheme KPIs, False none.

    `as_of` drops periods starting after that date; `window` keeps the last N periods for small charts.
    """
    metrics = Metric.objects.select_related("programme", "scheme").prefetch_related(
        Prefetch("values", queryset=MetricValue.objects.select_related("recorded_by").order_by("period_start"))
    )
    if programme is not None:
        metrics = metrics.filter(programme=programme)
    if scheme is not None:
        metrics = metrics.filter(scheme=scheme)
    if kpis is True:
        metrics = metrics.filter(scheme__isnull=False)
    elif kpis is False:
        metrics = metrics.filter(scheme__isnull=True)
    summaries = []
    for metric in metrics.order_by(natural_order("scheme__ref_key"), "order", "name"):
        summary = _summary(metric, list(metric.values.all()), as_of)
        if window:
            summary.rows = summary.rows[-window:]
        summaries.append(summary)
    return summaries


def metric_detail(*, metric: Metric) -> MetricSummary:
    values = list(metric.values.select_related("recorded_by").order_by("period_start"))
    return _summary(metric, values, None)


def metrics_dashboard(*, programme, as_of: dt.date | None = None, window: int = 12) -> dict:
    """The dashboard's metrics tile: programme metrics against plan, not-on-track first, and the counts."""
    summaries = metric_summaries(programme=programme, kpis=False, as_of=as_of, window=window)
    # Headline metrics have their own tile (headline_panel), with the policy year's rule.
    summaries = [s for s in summaries if not s.metric.is_headline]
    order: dict[str, int] = {Status.NOT_ON_TRACK: 0, Status.ON_TRACK: 1, Status.NO_DATA: 2}
    summaries.sort(key=lambda s: (order[s.status], s.metric.order, s.metric.name))
    counts = {status: sum(1 for s in summaries if s.status == status) for status in Status.values}
    return {"metrics": summaries, "counts": counts}


def scheme_kpis_panel(*, scheme, user) -> dict:
    """The scheme page's KPIs: each with its chart, and whether the user may define more."""
    kpis = metric_summaries(scheme=scheme)
    for summary in kpis:
        summary.chart = metric_chart(summary)
    return {"kpis": kpis, "can_manage": can_define(user)}


# --- Headline metrics -------------------------------------------------------------------------------------------

HEADLINE_RULE = (
    "On track: the latest actual is at or better than its plan in the metric's direction (at or below plan where "
    "lower is better). Not on track: it is worse than plan. No data: no actual recorded yet."
)
HEADLINE_STATUS: dict[str, str] = {
    Status.ON_TRACK: "on track",
    Status.NOT_ON_TRACK: "not on track",
    Status.NO_DATA: "no data",
}


@dataclass(frozen=True)
class HeadlinePoint:
    label: str  # "2025/26 Q2" or "Jul 2025"
    start: dt.date
    end: dt.date
    planned: Decimal | None
    actual: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


@dataclass(frozen=True)
class HeadlineProgress:
    code: str
    name: str
    unit: str
    lower_is_better: bool
    points: list[HeadlinePoint]  # the plan by quarter or month, with actuals where recorded (up to as_of)
    latest: HeadlinePoint | None  # the latest point with an actual, up to as_of
    status: str  # "on track" | "not on track" | "no data" (HEADLINE_RULE)
    commentary: str
    metric_id: int | None = None
    frequency: str = ""
    per: int = 1
    is_demo: bool = False

    @property
    def labels(self) -> list[str]:
        return [p.label for p in self.points]

    @property
    def plans(self) -> list[Decimal | None]:
        return [p.planned for p in self.points]

    @property
    def actuals(self) -> list[Decimal | None]:
        return [p.actual for p in self.points]


def headline_year_of(programme) -> int | None:
    """The programme's policy year when that year declares headline metrics, else None (no query)."""
    start_year = programme_start_year(programme)
    year = policy.year_for(start_year)
    return start_year if year is not None and year.headline_metrics else None


def _period_end(start: dt.date, frequency: str) -> dt.date:
    months = 3 if frequency == Frequency.QUARTERLY else 1
    index = start.month - 1 + months
    return dt.date(start.year + index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)


def headline_progress(programme, start_year: int, as_of: dt.date) -> list[HeadlineProgress]:
    """The policy year's headline metrics for a programme, in the year's order, one per metric of the year: every
    planned period of the year with its actual where recorded for a period starting on or before `as_of`, the
    latest such actual and the status by HEADLINE_RULE. Two queries whatever the size; none for a year without."""
    year = policy.year_for(start_year)
    if year is None or not year.headline_metrics:
        return []
    metrics = {
        m.code: m
        for m in Metric.objects.filter(programme=programme, headline_year=start_year, scheme__isnull=True)
        .order_by()
        .prefetch_related(Prefetch("values", queryset=MetricValue.objects.order_by("period_start")))
    }
    result = []
    for definition in year.headline_metrics:
        metric = metrics.get(definition.code)
        if metric is None:
            result.append(
                HeadlineProgress(
                    code=definition.code,
                    name=definition.name,
                    unit=HEADLINE_UNITS.get(definition.unit, Unit.COUNT),
                    lower_is_better=definition.lower_is_better,
                    points=[],
                    latest=None,
                    status=HEADLINE_STATUS[Status.NO_DATA],
                    commentary="",
                    per=definition.per,
                )
            )
            continue
        in_year = set(headline_periods(start_year, metric.frequency))
        points, latest, latest_note, status = [], None, "", str(Status.NO_DATA)
        for value in metric.values.all():
            if value.period_start not in in_year:
                continue
            known = value.period_start <= as_of and value.actual is not None
            point = HeadlinePoint(
                label=period_label(value.period_start, metric.frequency),
                start=value.period_start,
                end=_period_end(value.period_start, metric.frequency),
                planned=value.plan,
                actual=value.actual if known else None,
                numerator=value.numerator if known else None,
                denominator=value.denominator if known else None,
            )
            points.append(point)
            if known:
                latest, latest_note = point, value.note
                status = status_of(metric=metric, plan=value.plan, actual=value.actual)
        result.append(
            HeadlineProgress(
                code=metric.code,
                name=metric.name,
                unit=metric.unit,
                lower_is_better=metric.direction == Direction.LOWER,
                points=points,
                latest=latest,
                status=HEADLINE_STATUS[status],
                commentary=latest_note,
                metric_id=metric.pk,
                frequency=metric.frequency,
                per=metric.per,
                is_demo=metric.is_demo,
            )
        )
    return result


def headline_panel(*, programme, as_of: dt.date, **chart_options) -> dict | None:
    """The headline metrics of the programme's policy year as the metrics page and the dashboard show them, each
    with its chart (options go to core.charts.line_chart); None when the programme's year declares none."""
    start_year = programme_start_year(programme)
    year = policy.year_for(start_year)
    if year is None or not year.headline_metrics:
        return None
    items = headline_progress(programme, start_year, as_of)
    return {
        "year": year,
        "as_of": as_of,
        "items": [{"progress": i, "chart": headline_chart(i, year_label=year.label, **chart_options)} for i in items],
        "rule": HEADLINE_RULE,
        "counts": {str(key): sum(1 for i in items if i.status == words) for key, words in HEADLINE_STATUS.items()},
    }
