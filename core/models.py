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
