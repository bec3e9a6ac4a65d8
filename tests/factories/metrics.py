"""Metrics (programme-wide or a scheme's KPI) and their plans and actuals, through the metric services."""

from decimal import Decimal

import factory

from metrics import services as metric_services
from metrics.models import Metric
from tests.factories.schemes import ProgrammeFactory


class MetricFactory(factory.django.DjangoModelFactory):
    """A monthly metric: MetricFactory(scheme=scheme) for a scheme's KPI (its programme is the scheme's)."""

    class Meta:
        model = Metric

    programme = None
    scheme = None
    code = factory.Sequence(lambda n: f"metric-{n}")
    name = factory.Sequence(lambda n: f"Metric {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs["programme"] is None:
            if kwargs["scheme"] is not None:
                kwargs["programme"] = kwargs["scheme"].programme
            else:
                kwargs["programme"] = ProgrammeFactory()
        return metric_services.metric_create(**kwargs)


def metric_month(metric: Metric, period_start: str, *, plan: str, actual: str | None = None):
    """One period's plan, and its actual when given."""
    value = metric_services.plan_set(metric=metric, period_start=period_start, plan=Decimal(plan))
    if actual is not None:
        value = metric_services.actual_record(metric=metric, period_start=period_start, actual=Decimal(actual))
    return value
