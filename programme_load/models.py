from django.conf import settings
from django.db import models

from core.models import TimeStampedModel


class UploadState(models.TextChoices):
    CHECKED = "checked", "Dry run passed, waiting to be loaded"
    LOADED = "loaded", "Loaded"


class WorkbookUpload(TimeStampedModel):
    """A programme workbook whose dry run passed, kept so the person can confirm it without uploading it again.

    A log of its own (who uploaded what, when, and what its dry run said), so it has no separate history; what the
    load changes is audited on the schemes, milestones, risks and allocations themselves.
    """

    programme = models.ForeignKey("schemes.Programme", on_delete=models.CASCADE, related_name="workbook_uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    fund = models.ForeignKey("finance.Fund", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision = models.JSONField(default=dict, blank=True, help_text="The decision behind any money the workbook moves.")
    plan = models.JSONField(default=dict, help_text="What the dry run said the load would create and change.")
    state = models.CharField(max_length=10, choices=UploadState.choices, default=UploadState.CHECKED)
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"
