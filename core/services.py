"""Helpers shared by every app's services."""

import datetime as dt
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

from core.exceptions import StaleEdit

M = TypeVar("M", bound=models.Model)


def audited_save(instance: M, *, by=None, reason: str = "") -> M:
    """Validate and save, recording who made the change and why in the audit history."""
    instance.full_clean()
    record: Any = instance  # django-simple-history reads these two private attributes at save
    if by is not None:
        record._history_user = by
    if reason:
        record._change_reason = reason
    instance.save()
    return instance


def field_label(field) -> str:
    """A field's name as a sentence start, keeping acronyms such as RAG intact."""
    name = str(field.verbose_name)
    return name[:1].upper() + name[1:]


def display_value(field, value) -> str:
    """A stored value as a programme officer reads it: labels for choices, UK dates, Yes/No."""
    if value in (None, ""):
        return "—"
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _related_or_value(field, value) -> str:
    """display_value, but a foreign key by its record's name (a locality, a workstream), not its number."""
    if field.is_relation and value not in (None, ""):
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"(deleted, #{value})"
    return display_value(field, value)


def changes_since(instance, *, version: int) -> list[dict]:
    """What others changed on a versioned, audited record since `version`: field, before, after, who, when."""
    history = instance.history.order_by("history_date", "history_id")
    base = history.filter(version=version).last()
    later = list(history.filter(version__gt=version))
    if base is None or not later:
        return []
    changes, previous = [], base
    for record in later:
        delta = record.diff_against(previous, excluded_fields=["version", "updated_at", "created_at"])
        for change in delta.changes:
            field = instance._meta.get_field(change.field)
            changes.append(
                {
                    "field": field_label(field),
                    "before": _related_or_value(field, change.old),
                    "after": _related_or_value(field, change.new),
                    "who": str(record.history_user) if record.history_user else "someone",
                    "when": record.history_date,
                }
            )
        previous = record
    return changes


def check_version(instance, expected_version: int | None) -> None:
    """Refuse a stale edit: the form was opened at `expected_version` but the record has moved on.

    The caller must have locked the row (select_for_update) so two saves cannot both pass.
    """
    if expected_version is None or int(expected_version) == instance.version:
        return
    changes = changes_since(instance, version=int(expected_version))
    if changes:
        described = "; ".join(
            f"{c['who']} changed {c['field'].lower()} from “{c['before']}” to “{c['after']}”" for c in changes
        )
    else:
        described = "someone else saved it"
    raise StaleEdit(
        f"Not saved: this record changed after you opened it ({described}). Your change was not applied; "
        "review the current values and make it again.",
        current=instance,
    )


def bump_version(instance) -> None:
    instance.version = (instance.version or 0) + 1
