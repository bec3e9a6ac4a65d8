from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.models import VersionedModel


class Fund(VersionedModel):
    """A pot of money allocated to schemes, e.g. Trafford's £22m Transformation Fund."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    programme = models.ForeignKey(
        "schemes.Programme", on_delete=models.PROTECT, null=True, blank=True, related_name="funds"
    )
    total = models.DecimalField(max_digits=14, decimal_places=2, help_text="In pounds.")
    source = models.CharField(max_length=300, blank=True)
    financial_years = models.CharField(max_length=100, blank=True, help_text="e.g. 2017/18 to 2020/21")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="fund_total_not_negative")]

    def __str__(self) -> str:
        return self.name


class AllocationStatus(models.TextChoices):
    GOING_FORWARD = "going_forward", "Going forward"
    DISCONTINUED = "discontinued", "Discontinued"


class Allocation(VersionedModel):
    """Money from a fund for one scheme, under an initiative and a workstream (Appendix 1 rows)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="allocations")
    initiative = models.CharField(max_length=200)
    workstream = models.CharField(max_length=200, blank=True)
    scheme_name = models.CharField(max_length=200)
    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.SET_NULL, null=True, blank=True, related_name="allocations"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="In pounds.")
    status = models.CharField(max_length=20, choices=AllocationStatus.choices, default=AllocationStatus.GOING_FORWARD)
    note = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="allocation_not_negative"),
            models.UniqueConstraint(
                fields=["fund", "initiative", "workstream", "scheme_name"], name="allocation_unique_row"
            ),
        ]

    def __str__(self) -> str:
        return self.scheme_name
