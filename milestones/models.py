from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.models import VersionedModel
from core.rag import RAG


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"
    CANCELLED = "cancelled", "Cancelled"


class Milestone(VersionedModel):
    """A milestone of a scheme's plan. `baseline_date` is the date first planned and never moves."""

    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.CASCADE, related_name="milestones")
    phase = models.CharField(max_length=20, blank=True, help_text='e.g. 1, 2, "1&2"')
    description = models.TextField()
    start_date = models.DateField(null=True, blank=True, help_text="Only for a date range.")
    baseline_date = models.DateField(help_text="The date first planned.")
    due_date = models.DateField(help_text="The date now planned (end of the range).")
    completed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.NOT_STARTED)
    rag = models.CharField("RAG", max_length=10, choices=RAG.choices, blank=True)
    rag_reason = models.TextField("Reason for the RAG", blank=True)
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "order", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(start_date__lte=F("due_date")),
                name="milestone_range_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(status="complete") & Q(completed_on__isnull=False))
                | (~Q(status="complete") & Q(completed_on__isnull=True)),
                name="milestone_completion_date_iff_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def is_complete(self) -> bool:
        return self.status == MilestoneStatus.COMPLETE

    @property
    def slippage_days(self) -> int:
        """Days the planned date has moved past its baseline (negative when brought forward)."""
        return (self.due_date - self.baseline_date).days

    @property
    def is_extended(self) -> bool:
        return self.due_date > self.baseline_date


class MilestoneDateChange(models.Model):
    """Each move of a milestone's date: who, when, from, to and why."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="date_changes")
    old_date = models.DateField()
    new_date = models.DateField()
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["milestone", "changed_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="date_change_has_reason")]

    def __str__(self) -> str:
        return f"{self.old_date:%d/%m/%Y} → {self.new_date:%d/%m/%Y}"
