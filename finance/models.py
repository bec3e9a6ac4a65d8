"""Money: funds, their contributions, allocations, and the ledger of movements that sets every balance.

Nothing here stores a balance. An allocation's money is the sum of the approved movement lines
that name it; the unallocated pot is the fund's contributions plus the lines that name no
allocation. Every movement's lines sum to zero, so allocated + unallocated = fund total.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, VersionedModel
from core.quarters import financial_year_label

MONEY = {"max_digits": 14, "decimal_places": 2}


class FinancialYear(TimeStampedModel):
    """An April–March financial year. Once closed, no movement or spend may be recorded in it."""

    start_year = models.PositiveIntegerField(unique=True, help_text="2018 for 2018/19.")
    is_closed = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_year"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return financial_year_label(self.start_year)

    @property
    def slug(self) -> str:
        return financial_year_label(self.start_year, "-")

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def ends_on(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    def quarter_ends_on(self, quarter: int) -> dt.date:
        month = {1: 6, 2: 9, 3: 12, 4: 3}[quarter]
        year = self.start_year + (1 if quarter == 4 else 0)
        day = 30 if month in (6, 9) else 31
        return dt.date(year, month, day)


class FundKind(models.TextChoices):
    TRANSFORMATION = "transformation", "Transformation fund"
    POOLED = "pooled", "Pooled budget"


class Fund(VersionedModel):
    """A pot of money allocated to schemes, e.g. Trafford's £22m Transformation Fund or a BCF pooled budget."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    # A fund is one programme's money: its dashboard, report and returns show only their own programme's funds.
    programme = models.ForeignKey("schemes.Programme", on_delete=models.PROTECT, related_name="funds")
    kind = models.CharField(max_length=20, choices=FundKind.choices, default=FundKind.TRANSFORMATION)
    section_75 = models.BooleanField(
        "pooled under a section 75 agreement",
        default=False,
        help_text="NHS Act 2006 s75: the CCG/ICB and the council pool budgets, with a risk share.",
    )
    risk_share = models.TextField(blank=True, help_text="How overspends and underspends are shared.")
    description = models.TextField(blank=True)
    financial_years = models.ManyToManyField(FinancialYear, related_name="funds", blank=True)
    discontinued_spend_as_at = models.DateField(
        null=True,
        blank=True,
        help_text="The date discontinued schemes' estimated spend is given to, as the papers head that section "
        "(e.g. 31/03/2019: “Schemes Discontinued - Estimated Spend 31st March 2019”).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FundContribution(TimeStampedModel):
    """Money paid into a fund by one source (a CCG/ICB, a council, GMHSCP…). The fund's total is their sum."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="contributions")
    contributor = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY, help_text="In pounds.")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, null=True, blank=True)
    # A code of the policy year's funding sources (policy.spec.FundingSource), e.g. "nhs_minimum"; blank for funds
    # whose year sets out none (e.g. a Transformation Fund).
    funding_source = models.CharField("source of funding", max_length=40, blank=True)
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="contribution_positive")]

    def __str__(self) -> str:
        return f"{self.contributor}: £{self.amount:,.2f}"


class AllocationStatus(models.TextChoices):
    GOING_FORWARD = "going_forward", "Going forward"
    DISCONTINUED = "discontinued", "Discontinued"


class Allocation(VersionedModel):
    """A line of the fund's plan: initiative → workstream → scheme (Appendix 1 rows). Its money comes from movements."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="allocations")
    initiative = models.CharField(max_length=200)
    workstream = models.CharField(max_length=200, blank=True)
    scheme_name = models.CharField("scheme", max_length=200)
    scheme = models.ForeignKey(
        "schemes.Scheme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allocations",
        help_text="The programme scheme this money pays for, where there is one.",
    )
    status = models.CharField(max_length=20, choices=AllocationStatus.choices, default=AllocationStatus.GOING_FORWARD)
    discontinued_on = models.DateField(null=True, blank=True)
    spend_to_date = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Estimated spend kept when the scheme was discontinued."
    )
    note = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    # Appendix 1 line by line as the paper prints it.
    figure_in = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines_included",
        help_text="A line with no figure of its own in the paper: its money is in this line's figure (one merged "
        "cell). It holds no money and prints “—”.",
    )
    printed_figure = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="The figure the paper prints for this line where the fund's ledger cannot hold it (the paper's "
        "figures do not add up). Printed as the paper has it, with the footnote saying how the total reconciles.",
    )
    footnote = models.TextField(
        blank=True, help_text="Printed under Appendix 1 in every output (page, Excel, CSV, PDF), numbered."
    )
    # The BCF expenditure plan's columns (2025/26 on): codes from the programme's policy year (policy.spec).
    scheme_type = models.CharField(max_length=40, blank=True, help_text="A scheme type code of the policy year.")
    sub_type = models.CharField(max_length=200, blank=True)
    commissioner = models.CharField(max_length=200, blank=True, help_text="e.g. Northdale Council, NHS Northdale ICB")
    provider = models.CharField(max_length=200, blank=True)
    funding_source = models.CharField(
        "source of funding", max_length=40, blank=True, help_text="A funding source code of the policy year."
    )
    outputs_planned = models.DecimalField(
        "outputs/activity planned", max_digits=14, decimal_places=2, null=True, blank=True
    )
    outputs_unit = models.CharField("unit of outputs/activity", max_length=100, blank=True, help_text="e.g. packages")
    outputs_delivered = models.DecimalField(
        "outputs/activity delivered", max_digits=14, decimal_places=2, null=True, blank=True
    )
    counts_to_asc_minimum = models.BooleanField(
        "counts towards the NHS minimum contribution to adult social care",
        default=False,
        help_text="Only a line funded from the NHS minimum contribution can count.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "initiative", "workstream", "scheme_name"], name="allocation_unique_row"
            ),
            models.CheckConstraint(
                condition=Q(spend_to_date__isnull=True) | Q(spend_to_date__gte=0), name="allocation_spend_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(outputs_planned__isnull=True) | Q(outputs_planned__gte=0))
                & (Q(outputs_delivered__isnull=True) | Q(outputs_delivered__gte=0)),
                name="allocation_outputs_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.scheme_name

    @property
    def path(self) -> str:
        return " › ".join(p for p in (self.initiative, self.workstream, self.scheme_name) if p)


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Decision(VersionedModel):
    """The decision behind one or more movements, e.g. Trafford Council Executive, 18 March 2019."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="decisions")
    title = models.CharField(max_length=300)
    body = models.CharField("decision-making body", max_length=200, help_text="e.g. Executive, Governing Body.")
    decided_on = models.DateField("date of decision")
    reference = models.CharField(max_length=200, blank=True, help_text="Report or minute reference.")
    key_decision = models.BooleanField("key decision", default=False)
    notice_given = models.BooleanField("28-day notice given", default=False)
    # What the paper itself printed as the finance officer's clearance (e.g. "GB"), kept as the record's text. It
    # is not a clearance: that is a finance officer's action in the app, finance_cleared_by / finance_cleared_at.
    finance_clearance_note = models.CharField("finance clearance as printed on the paper", max_length=100, blank=True)
    finance_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="finance clearance given by",
    )
    finance_cleared_at = models.DateTimeField("finance clearance given at", null=True, blank=True)
    # Legal officers have no accounts here: their clearance is the named officer (name or initials) as the report
    # prints it; who typed it, and when, is in the history.
    legal_clearance = models.CharField(
        "legal officer clearance", max_length=100, blank=True, help_text="The legal officer's name or initials."
    )
    status = models.CharField(max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED)
    status_reason = models.TextField(blank=True)
    # The proposer. The approver must be someone else (finance.services.decision_approve).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="proposed by",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.body}, {self.decided_on:%d/%m/%Y})"


class MovementKind(models.TextChoices):
    ALLOCATION = "allocation", "Initial allocation"
    REPURPOSING = "repurposing", "Repurposing (virement)"
    RELEASE = "release", "Release on discontinuation"
    REVERSAL = "reversal", "Reversal"


class Movement(TimeStampedModel):
    """One change of allocations, under a decision. Counts towards balances once its decision is approved.

    Never edited once approved: a mistake is undone by a reversal, a new movement with the opposite lines.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="movements")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    reason = models.TextField()
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="movements")
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    # A release takes effect with its decision: the allocation becomes discontinued, keeping this spend.
    discontinues = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, null=True, blank=True, related_name="release_movements"
    )
    spend_to_date = models.DecimalField(**MONEY, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decision__decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class MovementLine(models.Model):
    """Money into (+) or out of (−) one allocation, or the unallocated pot when `allocation` is empty."""

    movement = models.ForeignKey(Movement, on_delete=models.CASCADE, related_name="lines")
    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, null=True, blank=True, related_name="movement_lines"
    )
    amount = models.DecimalField(**MONEY)
    history = HistoricalRecords()

    class Meta:
        ordering = ["movement", "amount", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="movement_line_not_zero")]

    def __str__(self) -> str:
        return f"{self.allocation or 'Unallocated'}: {self.amount:+,.2f}"


class QuarterlySpend(VersionedModel):
    """One allocation's money for a quarter: planned and actual spend, and the forecast outturn as then known."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="spend")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="spend")
    quarter = models.PositiveSmallIntegerField(choices=[(q, f"Q{q}") for q in (1, 2, 3, 4)])
    planned = models.DecimalField("planned spend", **MONEY, default=0)
    actual = models.DecimalField("actual spend", **MONEY, null=True, blank=True, help_text="Negative for a net credit.")
    forecast_outturn = models.DecimalField(
        "forecast outturn",
        **MONEY,
        null=True,
        blank=True,
        help_text="What the allocation is forecast to have spent in the end, as known at this quarter "
        "(negative where savings or reserves are applied, as budget monitoring shows them).",
    )
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["allocation", "financial_year__start_year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "financial_year", "quarter"], name="spend_one_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="spend_quarter_1_to_4"),
            models.CheckConstraint(condition=Q(planned__gte=0), name="spend_planned_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.allocation} {self.financial_year.slug}-Q{self.quarter}"

    @property
    def quarter_label(self) -> str:
        return f"{self.financial_year.slug}-Q{self.quarter}"


class NhsMinimumRequirement(VersionedModel):
    """The NHS minimum contribution to adult social care a fund must maintain in a year, as the programme office
    enters it from the year's published allocations. The plan's own figure is computed from its lines
    (finance.selectors.nhs_minimum_to_adult_social_care) and checked against this one."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="nhs_minimum_requirements")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    required = models.DecimalField("required minimum", **MONEY, help_text="In pounds.")
    note = models.TextField(blank=True, help_text="Where the figure comes from.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "financial_year__start_year"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "financial_year"], name="nhs_minimum_one_per_fund_year"),
            models.CheckConstraint(condition=Q(required__gte=0), name="nhs_minimum_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.fund} {self.financial_year.label}: £{self.required:,.2f}"
