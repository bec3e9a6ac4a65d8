"""Reads for metrics: status per period, the latest figure, and the series a chart draws.

Status is computed here and nowhere else (dashboard, metric pages, highlight report and return all call it):
lower-is-better metrics are on track when actual ≤ plan × (1 + tolerance); higher-is-better ones when
actual ≥ plan × (1 − tolerance). Tolerance is the metric's `tolerance_percent` of the plan.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from core.natural import natural_order
from metrics.charts import metric_chart
from metrics.models import Direction, Metric, MetricValue, Status, Unit, period_label
from metrics.permissions import can_define

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
        fy_start = dt.date(start.year if start.month >= 4 else start.year - 1, 4, 1)
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
