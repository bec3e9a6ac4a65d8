"""Readable audit trails from django-simple-history records: who, when, what, before → after, why."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model

from core.services import display_value, field_label

HIDDEN_FIELDS = ["version", "updated_at", "created_at", "order"]
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def audit_entries(
    sources: Iterable[tuple[str, Any, Callable]], *, hidden: Mapping[str, Iterable[str]] | None = None
) -> list[dict]:
    """Entries, newest first, from (kind, historical queryset, label-of-record) sources. `hidden`: {kind: more
    fields to leave out}, those this reader may not see (decided by the app's permissions).

    One query per source plus one for the people named in foreign keys, however long the history.
    Saves that changed nothing visible are left out.
    """
    User = get_user_model()  # noqa: N806 - core sits below accounts, so the user model is looked up, not imported
    loaded = [
        (kind, label, list(queryset.select_related("history_user").order_by("id", "history_date", "history_id")))
        for kind, queryset, label in sources
    ]
    user_fields = {
        field.name
        for _, _, records in loaded
        for field in (records[0].instance_type._meta.fields if records else [])
        if field.is_relation and field.related_model is User
    }
    user_ids = {getattr(r, f"{name}_id", None) for _, _, records in loaded for r in records for name in user_fields}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[i for i in user_ids if i])}
    hidden = hidden or {}

    def shown(field, value):
        if field.is_relation and field.related_model is User:
            return names.get(value, "—") if value else "—"
        return display_value(field, value)

    entries = []
    for kind, label, records in loaded:
        left_out = [*HIDDEN_FIELDS, *hidden.get(kind, ())]
        previous_by_id: dict[int, Any] = {}
        for record in records:
            previous = previous_by_id.get(record.id)
            previous_by_id[record.id] = record
            changes = []
            if record.history_type == "~" and previous is not None:
                model = record.instance_type
                delta = record.diff_against(previous, excluded_fields=left_out)
                changes = [
                    {
                        "field": field_label(model._meta.get_field(c.field)),
                        "before": shown(model._meta.get_field(c.field), c.old),
                        "after": shown(model._meta.get_field(c.field), c.new),
                    }
                    for c in delta.changes
                ]
                if not changes:
                    continue
            elif record.history_type == "+":
                # What was created, so a comment's or a risk's words are in its history, not only "created".
                model = record.instance_type
                changes = [
                    {"field": field_label(field), "before": "—", "after": shown(field, value)}
                    for field in model._meta.fields
                    if field.name not in left_out
                    and not field.primary_key
                    and not (field.is_relation and field.related_model is not User)
                    # Fields the history leaves out (e.g. a generated sort key) are not shown either.
                    and (value := getattr(record, field.attname, None)) not in (None, "")
                ]
            entries.append(
                {
                    "when": record.history_date,
                    "who": record.history_user,
                    "kind": kind,
                    "what": label(record),
                    "action": ACTIONS[record.history_type],
                    "changes": changes,
                    "reason": record.history_change_reason or "",
                }
            )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries
