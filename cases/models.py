"""Investment business cases (seed 002): investment by year, benefits as activity avoided × unit cost, scenarios,
and the benefits realised afterwards.

Every figure a case shows (investment, benefit, net cost/benefit by year, realised) is computed in
cases/selectors.py from these lines and never stored. Each line keeps why it was set (`reason`) and who set it
(its history), so an assumption can be traced back to a person and a reason.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, VersionedModel


class CaseStatus(models.TextChoices):
    OUTLINE = "outline", "Outline business case"
    FULL = "full", "Full business case"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


DRAFT_STATUSES = (CaseStatus.OUTLINE, CaseStatus.FULL)


class BusinessCase(VersionedModel):
    """A case for investment in a scheme, or in a proposal that is not yet a scheme."""

    programme = models.ForeignKey("schemes.Programme", on_delete=models.PROTECT, related_name="business_cases")
    scheme = models.ForeignKey(
        "schemes.Scheme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="business_cases",
        help_text="Blank for a proposal that is not yet a scheme.",
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OUTLINE)
    first_year = models.PositiveSmallIntegerField(help_text="The first financial year's start, e.g. 2012 for 2012/13.")
    years = models.PositiveSmallIntegerField(default=3, help_text="How many financial years the case covers.")
    # The gate whose outcome approved or rejected the case (schemes.Approval: TSG, CC&FC, PRAP...).
    decision = models.ForeignKey(
        "schemes.Approval", on_delete=models.PROTECT, null=True, blank=True, related_name="business_cases"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    source_note = models.TextField(
        blank=True, help_text="Where the figures come from, and any figure inferred because the paper gives only a net."
    )
    is_demo = models.BooleanField(default=False)
    # Risks of investment, kept in the programme's risk register with their mitigation.
    risks = models.ManyToManyField("risks.Risk", blank=True, related_name="business_cases")
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["outline", "full"]) | Q(decision__isnull=False),
                name="case_decided_has_decision",
            ),
            models.CheckConstraint(condition=Q(years__gte=1) & Q(years__lte=15), name="case_years_1_15"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status in DRAFT_STATUSES

    @property
    def financial_years(self) -> list[int]:
        return list(range(self.first_year, self.first_year + self.years))


def year_label(start_year: int) -> str:
    """2012 → 12/13, as the paper heads its columns."""
    return f"{start_year % 100:02d}/{(start_year + 1) % 100:02d}"


class Scenario(VersionedModel):
    """One version of the case's numbers (e.g. a 19-day vs a 15-day process); exactly one is the baseline."""

    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_baseline = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "-is_baseline", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "name"], name="scenario_unique_name"),
            models.UniqueConstraint(fields=["case"], condition=Q(is_baseline=True), name="one_baseline_per_case"),
        ]

    def __str__(self) -> str:
        return self.name


class InvestmentKind(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    RECURRENT = "recurrent", "Recurrent (a year's cost, every year)"


MONTHS_1_12 = Q(first_year_months__gte=1) & Q(first_year_months__lte=12)


class InvestmentLine(VersionedModel):
    """Money put in: a one-off sum in its year, or a recurrent yearly cost from its first year (a part year first)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="investments")
    description = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=InvestmentKind.choices, default=InvestmentKind.RECURRENT)
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="One-off: the sum. Recurrent: a year's cost."
    )
    first_year = models.PositiveSmallIntegerField()
    last_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Blank: to the end of the case.")
    first_year_months = models.PositiveSmallIntegerField(
        default=12, help_text="Months of the first year the cost runs (1–12); 7 for a start in September."
    )
    reason = models.TextField(blank=True, help_text="Why this figure: its source or assumption.")
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scenario", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="investment_not_negative"),
            models.CheckConstraint(condition=MONTHS_1_12, name="investment_months_1_12"),
            models.CheckConstraint(
                condition=Q(last_year__isnull=True) | Q(last_year__gte=F("first_year")), name="investment_years_order"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class BenefitLine(VersionedModel):
    """A saving: activity avoided in a year × its unit cost (bed days × £ a day, admissions × £ an admission)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="benefits")
    description = models.CharField(max_length=200)
    activity = models.DecimalField(
        "activity avoided a year", max_digits=14, decimal_places=4, help_text="e.g. 2280 (bed days a year)."
    )
    activity_unit = models.CharField(max_length=80, help_text="e.g. bed days, admissions.")
    unit_cost = models.DecimalField(max_digits=14, decimal_places=2, help_text="£ per unit of activity.")
    unit_cost_source = models.CharField(max_length=300, help_text="e.g. Basic elderly care bed day 2010/11.")
    cashable = models.BooleanField(default=True, help_text="Cashable savings can be pulled into a reinvestment fund.")
    first_year = models.PositiveSmallIntegerField()
    last_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Blank: to the end of the case.")
    first_year_months = models.PositiveSmallIntegerField(default=12, help_text="Months of the first year (1–12).")
    # Realisation: the metric or KPI that counts this activity, and its level before the change, per period.
    metric = models.ForeignKey(
        "metrics.Metric", on_delete=models.SET_NULL, null=True, blank=True, related_name="benefit_lines"
    )
    baseline = models.DecimalField(
        "baseline per metric period",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The metric's level before the change, per period it is recorded in; realised = (baseline − actual) × unit cost.",
    )
    reason = models.TextField(blank=True, help_text="Why this figure: its source or assumption.")
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scenario", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(activity__gte=0), name="benefit_activity_not_negative"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="benefit_unit_cost_not_negative"),
            models.CheckConstraint(condition=MONTHS_1_12, name="benefit_months_1_12"),
            models.CheckConstraint(
                condition=Q(last_year__isnull=True) | Q(last_year__gte=F("first_year")), name="benefit_years_order"
            ),
            models.CheckConstraint(
                condition=Q(metric__isnull=True) | Q(baseline__isnull=False), name="benefit_metric_has_baseline"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class BenefitShare(TimeStampedModel):
    """The part of a benefit line that falls to one commissioner or partner; a line's shares add up to 100%."""

    benefit = models.ForeignKey(BenefitLine, on_delete=models.CASCADE, related_name="shares")
    partner = models.CharField(max_length=200)
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["benefit", "-percent", "partner"]
        constraints = [
            models.UniqueConstraint(fields=["benefit", "partner"], name="share_unique_partner"),
            models.CheckConstraint(condition=Q(percent__gt=0) & Q(percent__lte=100), name="share_percent_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.percent}%"
