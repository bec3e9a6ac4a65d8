"""Programme metrics (the six BCF metrics of seed 000 §2.6) and scheme KPIs, with a plan and actuals per period.

A metric's periods are the periods it has a plan for: an actual can only be recorded for one of them, so a
figure cannot land in a month nobody planned. Status (on track / not on track) is computed, never stored.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.models import VersionedModel
from core.natural import natural_order
from core.quarters import financial_year_label, financial_year_of


class Unit(models.TextChoices):
    COUNT = "count", "Count"
    PERCENT = "percent", "Percentage (%)"
    RATE = "rate", "Rate per 100,000"
    DAYS = "days", "Days"
    POUNDS = "pounds", "Pounds (£)"
    SCORE = "score", "Score"


class Direction(models.TextChoices):
    LOWER = "lower", "Lower is better"
    HIGHER = "higher", "Higher is better"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class Status(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    NOT_ON_TRACK = "not_on_track", "Not on track"
    NO_DATA = "no_data", "No actual yet"


class Metric(VersionedModel):
    """A measure the steering group watches: a programme metric, or a KPI when it belongs to one scheme."""

    programme = models.ForeignKey("schemes.Programme", on_delete=models.CASCADE, related_name="metrics")
    scheme = models.ForeignKey(
        "schemes.Scheme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kpis",
        help_text="Blank for a programme metric; a scheme for that scheme's KPI.",
    )
    code = models.SlugField(max_length=60, help_text="Short name used in uploads, e.g. non-elective-admissions.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.COUNT)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.LOWER)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    source = models.CharField(max_length=300, blank=True, help_text="Where the actuals come from, e.g. SUS, ASCOF.")
    baseline_label = models.CharField(max_length=40, blank=True, help_text="e.g. 2014/15")
    baseline_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target_note = models.CharField(
        max_length=300, blank=True, help_text="The target in words, e.g. 3.5% fewer than 2014/15."
    )
    tolerance_percent = models.DecimalField(
        "Tolerance (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        help_text="How far the actual may fall short of plan, as a % of plan, and still count as on track.",
    )
    is_demo = models.BooleanField(
        default=False, help_text="Figures are illustrative: the source papers give none for this metric."
    )
    headline_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="For a BCF headline metric: the policy year whose definition it follows (2025 for 2025/26); "
        "its code is the definition's code, its actuals are numerator ÷ denominator × per.",
    )
    per = models.PositiveIntegerField(
        default=1, help_text="A headline metric's actual is numerator ÷ denominator × this, e.g. 100,000."
    )
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", natural_order("scheme__ref_key"), "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="one_metric_code_per_programme"),
            models.CheckConstraint(condition=Q(per__gte=1), name="metric_per_at_least_1"),
            models.CheckConstraint(
                condition=Q(tolerance_percent__gte=0) & Q(tolerance_percent__lte=100), name="metric_tolerance_0_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_kpi(self) -> bool:
        return self.scheme_id is not None

    @property
    def is_headline(self) -> bool:
        return self.headline_year is not None


class MetricValue(VersionedModel):
    """One period of a metric: its plan, and the actual once known."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="values")
    period_start = models.DateField(help_text="The first day of the month, quarter (Apr/Jul/Oct/Jan) or year (April).")
    plan = models.DecimalField(max_digits=14, decimal_places=2)
    actual = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # A headline metric's actual is computed from these (numerator ÷ denominator × the metric's per).
    numerator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True, help_text="Commentary on the actual, e.g. why it is off plan.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["metric", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "period_start"], name="one_value_per_metric_period"),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0), name="metric_value_denominator_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {period_label(self.period_start, self.metric.frequency)}"


def period_label(start: dt.date, frequency: str) -> str:
    """May 2015, 2015/16 Q1 or 2015/16, as the papers write periods."""
    year = financial_year_of(start)
    fy = financial_year_label(year)
    if frequency == Frequency.QUARTERLY:
        return f"{fy} Q{(start.month - 4) % 12 // 3 + 1}"
    if frequency == Frequency.ANNUAL:
        return fy
    return start.strftime("%b %Y")
