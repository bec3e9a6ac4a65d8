from django.conf import settings
from django.db import models


class Verb(models.TextChoices):
    SUBMITTED = "submitted", "Update submitted"
    RETURNED = "returned", "Update returned"
    APPROVED = "approved", "Update approved"
    REISSUED = "reissued", "Report re-issued"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something that happened to a person's work, shown in the app: made only by notifications.services, which
    the services that submit, return and approve updates and re-issue reports call. A log, so no history."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    programme = models.ForeignKey("schemes.Programme", on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=20, choices=Verb.choices)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, help_text="Where the thing it is about opens, e.g. the scheme's update.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text


class DigestPreference(models.Model):
    """Whether a person gets the weekly e-mail of what is due (off until they opt in)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference")
    weekly_digest = models.BooleanField("Send me a weekly e-mail of what is due", default=False)
    last_sent_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {'weekly' if self.weekly_digest else 'no'} digest"
