"""generate_synthetic --metrics/--kpis: three years of monthly plans and actuals per metric."""

import io

import pytest
from django.core.management import call_command

from metrics.models import Metric, MetricValue, Unit
from metrics.selectors import metric_summaries


@pytest.mark.django_db
def test_metrics_and_kpis_with_three_years_of_monthly_actuals():
    call_command(
        "generate_synthetic",
        "--schemes", "6", "--milestones-per-scheme", "1", "--periods", "3", "--metrics", "4", "--kpis", "3",
        "--seed", "5",
        stdout=io.StringIO(),
    )  # fmt: skip
    metrics = Metric.objects.filter(programme__slug="synthetic-5-6x1")
    assert metrics.filter(scheme__isnull=True).count() == 4 and metrics.filter(scheme__isnull=False).count() == 3
    for metric in metrics:
        values = list(metric.values.order_by("period_start"))
        assert len(values) == 36 and all(v.actual is not None for v in values)
        starts = [v.period_start for v in values]
        assert starts[0].month == 4 and starts[0].day == 1 and len(set(starts)) == 36
        if metric.unit == Unit.PERCENT:
            assert all(0 <= v.actual <= 100 for v in values)
        assert all(v.actual >= 0 and v.actual == v.actual.quantize(v.plan) for v in values)
    # The selectors read them like any other metric, with a status for every period.
    summaries = metric_summaries(programme=metrics.first().programme)
    assert len(summaries) == 7 and all(s.latest is not None for s in summaries)
    assert MetricValue.objects.filter(metric__in=metrics).count() == 7 * 36
