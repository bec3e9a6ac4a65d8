from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import VersionedModel


class HighlightCover(VersionedModel):
    """The highlight report's cover block and opening sections for one reporting period, edited before issue.

    Empty fields fall back to wording built from the programme and period (reporting.selectors.cover_for).
    """

    programme = models.ForeignKey("schemes.Programme", on_delete=models.CASCADE, related_name="highlight_covers")
    period = models.ForeignKey("schemes.ReportingPeriod", on_delete=models.CASCADE, related_name="highlight_covers")
    report_to = models.CharField("report to", max_length=200, blank=True)
    report_date = models.DateField("date", null=True, blank=True, help_text="The meeting's date.")
    report_for = models.CharField("report for", max_length=200, blank=True)
    report_of = models.CharField("report of", max_length=200, blank=True)
    title = models.CharField("report title", max_length=300, blank=True)
    purpose = models.TextField(blank=True)
    recommendations = models.TextField(blank=True)
    contact = models.TextField("contact person", blank=True)
    introduction = models.TextField(blank=True, help_text="One paragraph per line.")
    steering_group = models.TextField("the steering group", blank=True, help_text="One paragraph per line.")
    conclusion = models.TextField(
        "after the national conditions", blank=True, help_text="e.g. “Trafford have made progress …”"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "period"], name="one_cover_per_period"),
        ]

    def __str__(self) -> str:
        return f"Cover for {self.period}"


class IssuedReport(models.Model):
    """A highlight report as issued to a meeting: its PDF bytes and the data it was built from, never changed.

    Re-issuing for the same meeting adds a version; earlier versions stay downloadable.
    """

    programme = models.ForeignKey("schemes.Programme", on_delete=models.PROTECT, related_name="issued_reports")
    period = models.ForeignKey("schemes.ReportingPeriod", on_delete=models.PROTECT, related_name="issued_reports")
    meeting = models.CharField(max_length=200, help_text="e.g. Health & Wellbeing Board")
    meeting_date = models.DateField()
    version = models.PositiveIntegerField(default=1)
    reason = models.TextField(blank=True, help_text="Why it was re-issued.")
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64)
    snapshot = models.JSONField(help_text="The data the PDF was built from.")
    snapshot_sha256 = models.CharField("snapshot SHA-256", max_length=64)
    page_count = models.PositiveIntegerField(default=0)
    parts = models.PositiveIntegerField(
        default=1, help_text="How many parts it was laid out in by workers and joined (1: in one piece)."
    )
    compared_with = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="For the changes appendix."
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_by_name = models.CharField(max_length=200, help_text="Kept as it was when issued.")
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-meeting_date", "meeting", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "meeting", "meeting_date", "version"], name="one_issued_report_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} {self.meeting_date:%d/%m/%Y} (version {self.version})"

    def save(self, *args, **kwargs):
        # What went to a meeting is a record: it is written once and never rewritten.
        if not self._state.adding:
            raise ValueError("An issued report cannot be changed; re-issue a new version instead.")
        super().save(*args, **kwargs)

    @property
    def filename(self) -> str:
        return f"{self.programme.slug}-highlight-report-{self.meeting_date:%Y-%m-%d}-v{self.version}.pdf"

    @property
    def size(self) -> int:
        return len(self.pdf)
