"""A metric's chart: plan (dashed) and actual as server-side SVG, the same on screen and in the PDF report."""

from core.charts import line_chart
from metrics.models import Unit

UNIT_SUFFIX = {Unit.PERCENT: "%", Unit.RATE: "per 100k", Unit.DAYS: "days", Unit.POUNDS: "£"}


def metric_chart(summary, *, title: str | None = None, **options) -> str:
    """`summary` is a metrics.selectors.MetricSummary; options go to core.charts.line_chart."""
    return line_chart(
        summary.labels,
        series=[
            {"name": "Plan", "values": summary.plans, "dashed": True},
            {"name": "Actual", "values": summary.actuals, "dashed": False},
        ],
        unit=UNIT_SUFFIX.get(summary.metric.unit, ""),
        title=title or f"{summary.metric.name}: plan and actual",
        **options,
    )


def headline_chart(progress, *, year_label: str = "", **options) -> str:
    """A headline metric's plan (dashed) and actual per quarter or month; `progress` is a HeadlineProgress."""
    suffix = f", {year_label}" if year_label else ""
    return line_chart(
        progress.labels,
        series=[
            {"name": "Plan", "values": progress.plans, "dashed": True},
            {"name": "Actual", "values": progress.actuals, "dashed": False},
        ],
        unit=UNIT_SUFFIX.get(progress.unit, ""),
        title=f"{progress.name}: plan and actual{suffix}",
        **options,
    )
