from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.text import Truncator
from simple_history.models import HistoricalRecords

from core.models import VersionedModel
from core.rag import RAG


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"
    CANCELLED = "cancelled", "Cancelled"
    # A gate (a paper to TSG, CC&FC, PRAP) that ended without its purpose being met: closed, never complete, never
    # overdue, and shown by its outcome.
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Closed without being completed: left out of every open, overdue, slipped and planned count and of the RAG rules.
CLOSED_STATUSES = (MilestoneStatus.CANCELLED, MilestoneStatus.REJECTED, MilestoneStatus.WITHDRAWN)


def open_condition(as_of: date) -> Q:
    """Not closed (cancelled, rejected, withdrawn), and not completed by the end of `as_of`."""
    return ~Q(status__in=CLOSED_STATUSES) & (Q(completed_on__isnull=True) | Q(completed_on__gt=as_of))


def overdue_condition(as_of: date) -> Q:
    """Open as at `as_of` and due before it. Also used as an aggregate's filter (the dashboard's counts)."""
    return open_condition(as_of) & Q(due_date__lt=as_of)


def slipped_condition() -> Q:
    """Not closed, and due later than its baseline."""
    return ~Q(status__in=CLOSED_STATUSES) & Q(due_date__gt=F("baseline_date"))


class MilestoneQuerySet(models.QuerySet):
    """The plan's rules, each in one place. Every page, export, feed and PDF asks here (or asks the matching
    Milestone method for a milestone already loaded); tests/milestones/test_rules.py checks the two agree.

    A reporting period is half-open: it runs from its start date up to, not including, its end date, which is
    the next period's start date (the papers' "From 18/03/2015 To 20/05/2015", then "From 20/05/2015"). So a
    date belongs to exactly one period.
    """

    def open_at(self, as_of: date):
        """Not cancelled and not yet completed as at the end of `as_of` (history is judged as it stood)."""
        return self.filter(open_condition(as_of))

    def overdue(self, *, as_of: date):
        """Open as at `as_of` and due before it."""
        return self.filter(overdue_condition(as_of))

    def slipped(self):
        """Due later than first planned (the baseline), completed ones included; cancelled ones left out."""
        return self.filter(slipped_condition())

    def completed_in(self, period):
        """Completed on a date inside the period (start inclusive, end exclusive)."""
        return self.filter(
            status=MilestoneStatus.COMPLETE, completed_on__gte=period.start_date, completed_on__lt=period.end_date
        )

    def planned_for(self, period):
        """Due inside the period and not already completed before it started."""
        return (
            self.exclude(status__in=CLOSED_STATUSES)
            .filter(due_date__gte=period.start_date, due_date__lt=period.end_date)
            .filter(Q(completed_on__isnull=True) | Q(completed_on__gte=period.start_date))
        )


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
    source_note = models.TextField(
        blank=True,
        help_text="Where the milestone came from and how it was read (e.g. from a board paper): for the programme "
        "office only, never printed in a report.",
    )
    history = HistoricalRecords()

    objects = MilestoneQuerySet.as_manager()

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
        return Truncator(self.description).chars(80)

    @property
    def is_complete(self) -> bool:
        return self.status == MilestoneStatus.COMPLETE

    @property
    def is_closed(self) -> bool:
        """Closed without being completed (cancelled, or a gate rejected or withdrawn)."""
        return self.status in CLOSED_STATUSES

    @property
    def slippage_days(self) -> int:
        """Days the planned date has moved past its baseline (negative when brought forward)."""
        return (self.due_date - self.baseline_date).days

    @property
    def is_extended(self) -> bool:
        return self.due_date > self.baseline_date

    @property
    def is_brought_forward(self) -> bool:
        return self.due_date < self.baseline_date

    # The same rules as MilestoneQuerySet, for a milestone already in memory (e.g. prefetched with its scheme).

    def is_open_at(self, as_of: date) -> bool:
        return self.status not in CLOSED_STATUSES and (self.completed_on is None or self.completed_on > as_of)

    def is_overdue(self, as_of: date) -> bool:
        return self.is_open_at(as_of) and self.due_date < as_of

    def overdue_days(self, as_of: date) -> int:
        return max(0, (as_of - self.due_date).days) if self.is_overdue(as_of) else 0

    @property
    def is_slipped(self) -> bool:
        return self.status not in CLOSED_STATUSES and self.due_date > self.baseline_date

    def is_completed_in(self, period) -> bool:
        return (
            self.status == MilestoneStatus.COMPLETE
            and self.completed_on is not None
            and period.start_date <= self.completed_on < period.end_date
        )

    def is_planned_for(self, period) -> bool:
        return (
            self.status not in CLOSED_STATUSES
            and period.start_date <= self.due_date < period.end_date
            and (self.completed_on is None or self.completed_on >= period.start_date)
        )


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
