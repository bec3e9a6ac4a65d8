"""NHS England quarterly returns: each version of a programme's return for a quarter, its answers, and the
period-update reminders sent (the jobs that build it are core.models.BackgroundJob).

A quarter has at most one draft (a partial unique constraint). Signing off freezes a version: its workbook
bytes and their SHA-256 are kept and never rewritten; a correction is the next version, a new draft with a
reason, and the signed one stays as it was.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, VersionedModel

SIGNED_OFF_IS_FINAL = "A signed-off return cannot be changed: start a correction (a new version) instead."


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED_OFF = "signed_off", "Signed off"


class QuarterlyReturn(VersionedModel):
    """One version of a programme's quarterly return to NHS England, e.g. Trafford 2015-16-Q1, version 1."""

    programme = models.ForeignKey("schemes.Programme", on_delete=models.PROTECT, related_name="quarterly_returns")
    quarter = models.CharField(max_length=10, help_text="e.g. 2015-16-Q1 (April to June 2015)")
    revision = models.PositiveIntegerField("version of the return", default=1)
    template_year = models.CharField(max_length=7, help_text="The template followed, e.g. 2015-16.")
    status = models.CharField(max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)
    # What the last build read from live data: facts for pre-filling, and the tables of figures (money as
    # strings, so they stay exact). A signed-off version keeps the figures it was signed off with.
    facts = models.JSONField(default=dict, blank=True)
    figures = models.JSONField(default=dict, blank=True)
    checks = models.JSONField(default=list, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    workbook = models.BinaryField(null=True, blank=True, editable=False)
    sha256 = models.CharField("SHA-256 of the workbook", max_length=64, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    on_behalf_of = models.CharField("signed off on behalf of", max_length=200, blank=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by")
    correction_reason = models.TextField(blank=True)
    # The workbook bytes are not copied into every history row: the signed bytes never change.
    history = HistoricalRecords(excluded_fields=["workbook", "facts", "figures", "checks"])

    class Meta:
        ordering = ["programme", "quarter", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "quarter", "revision"], name="return_unique_version"),
            models.UniqueConstraint(
                fields=["programme", "quarter"], condition=Q(status="draft"), name="one_draft_return_per_quarter"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (
                    Q(signed_off_by__isnull=False)
                    & Q(signed_off_at__isnull=False)
                    & Q(workbook__isnull=False)
                    & ~Q(sha256="")
                    & ~Q(on_behalf_of="")
                ),
                name="signed_return_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(revision=1) | ~Q(correction_reason=""), name="return_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.quarter} version {self.revision} ({self.get_status_display().lower()})"

    def save(self, *args, **kwargs):
        # A signed-off version is a record sent to NHS England: whatever path tries (admin, shell, a bug),
        # its stored row is never rewritten. The sign-off itself saves a row still stored as a draft.
        if (
            not self._state.adding
            and QuarterlyReturn.objects.filter(pk=self.pk, status=ReturnStatus.SIGNED_OFF).exists()
        ):
            raise ValueError(SIGNED_OFF_IS_FINAL)
        super().save(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == ReturnStatus.DRAFT

    @property
    def failed_checks(self) -> list[dict]:
        return [c for c in self.checks if not c.get("ok")]


class ReturnAnswer(VersionedModel):
    """One answer of a return version: a question's answer and commentary, or the commentary on a table row."""

    quarterly_return = models.ForeignKey(QuarterlyReturn, on_delete=models.CASCADE, related_name="answers")
    code = models.CharField(max_length=120, help_text="The question's code, or <table>.<row> for a row's commentary.")
    value = models.TextField("answer", blank=True)
    commentary = models.TextField(blank=True)
    edited = models.BooleanField(
        default=False, help_text="A person changed it: rebuilding keeps it instead of pre-filling it again."
    )
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["quarterly_return", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quarterly_return", "code"], name="one_answer_per_return_code"),
        ]

    def save(self, *args, **kwargs):
        # The answers of a signed-off version are part of what was signed: none is added or changed.
        if QuarterlyReturn.objects.filter(pk=self.quarterly_return_id, status=ReturnStatus.SIGNED_OFF).exists():
            raise ValueError(SIGNED_OFF_IS_FINAL)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.quarterly_return} {self.code}"


class ConditionAnswer(models.TextChoices):
    YES = "Yes", "Yes"
    NO = "No", "No"
    IN_PROGRESS = "No - In Progress", "No - In Progress"


class NationalConditionAnswer(VersionedModel):
    """A programme's answer to one NHS England national condition for a quarter, as last signed off (or loaded):
    the highlight report's "latest submission" reads it (returns.selectors.national_conditions_as_at)."""

    programme = models.ForeignKey("schemes.Programme", on_delete=models.CASCADE, related_name="condition_answers")
    quarter = models.CharField(max_length=20, help_text="e.g. 2014-15-Q4")
    code = models.CharField(max_length=10, help_text="e.g. 1, 4, 4i")
    parent_code = models.CharField(max_length=10, blank=True)
    text = models.TextField()
    answer = models.CharField(max_length=20, choices=ConditionAnswer.choices, blank=True)
    commentary = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "quarter", "order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "quarter", "code"], name="one_answer_per_condition"),
        ]

    def __str__(self) -> str:
        return f"{self.code}) {self.text[:60]}"


class ReminderKind(models.TextChoices):
    LEAD = "lead", "Project lead: update missing"
    SUMMARY = "summary", "Programme office summary"


class UpdateReminder(TimeStampedModel):
    """A reminder email sent for a reporting period, kept so the daily task never sends the same one twice."""

    period = models.ForeignKey("schemes.ReportingPeriod", on_delete=models.CASCADE, related_name="update_reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    recipient = models.EmailField()
    schemes = models.TextField(blank=True, help_text="The schemes named in the email.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["period", "kind", "recipient"], name="one_reminder_per_period_recipient")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.period})"
