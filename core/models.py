from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    """Created/updated stamps for every domain record."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A record people edit in the browser: `version` lets a service refuse a stale edit."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class BackgroundJob(TimeStampedModel):
    """Work a Celery worker does for someone (a highlight report, a quarterly return): how it is going, for the
    progress panel, then what it made. One model for every kind of job; the rules are in core.jobs.

    A log of its own (who asked, when, what happened), so it has no separate history.
    """

    kind = models.CharField(max_length=40, help_text="What is built, e.g. highlight_report, quarterly_return.")
    programme = models.ForeignKey("schemes.Programme", on_delete=models.CASCADE, related_name="jobs")
    subject = models.CharField(
        max_length=40, blank=True, help_text="What it builds for, e.g. the period 2015-16-P1 or the quarter 2015-16-Q1."
    )
    params = models.JSONField(default=dict, blank=True, help_text="The request, as the kind of job reads it.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheduled = models.BooleanField(default=False, help_text="Queued by the daily schedule, not by a person.")
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    step = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(
        null=True, blank=True, help_text="What the job's parts are built from, when it hands its work out in parts."
    )
    result = models.JSONField(
        default=dict, blank=True, help_text="What it made, by reference, e.g. {'issued_report': 3}."
    )
    file = models.BinaryField(null=True, blank=True, editable=False, help_text="A file it made that is kept here.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["programme", "kind", "subject"], name="job_programme_kind_subject")]

    def __str__(self) -> str:
        return f"{self.kind.replace('_', ' ').capitalize()} job {self.pk} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def is_active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)


class BackgroundJobPart(models.Model):
    """One part of a job's work, laid out by its own task; the last task joins them, then they are deleted."""

    job = models.ForeignKey(BackgroundJob, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveIntegerField()
    file = models.BinaryField()
    meta = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="one_part_per_index")]

    def __str__(self) -> str:
        return f"Part {self.index} of job {self.job_id}"
