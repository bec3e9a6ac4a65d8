"""Helpers shared by every app's services."""

from django.db import models


def audited_save(instance: models.Model, *, by=None, reason: str = "") -> models.Model:
    """Validate and save, recording who made the change and why in the audit history."""
    instance.full_clean()
    if by is not None:
        instance._history_user = by
    if reason:
        instance._change_reason = reason
    instance.save()
    return instance
