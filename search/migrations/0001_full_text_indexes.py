"""GIN indexes for full-text search, on PostgreSQL only (SQLite has no GIN; its fallback scans, see
search/selectors.py). Each index is on the very expression search.documents gives the query (to_tsvector with a
fixed configuration over the searched fields), so the planner can use it."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from search.documents import DOCUMENTS


def _indexes(apps):
    for document in DOCUMENTS:
        yield apps.get_model(document.app_label, document.model_name), GinIndex(
            document.vector(), name=document.index_name
        )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.add_index(model, index)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("schemes", "0009_programme_partnership_required"),
        ("milestones", "0003_milestone_closed_outcomes_and_source_note"),
        ("risks", "0004_risk_description_optional_for_loaded_risks"),
        ("finance", "0009_fund_programme_required"),
        ("reporting", "0004_history_change_reason_as_text"),
    ]

    operations = [migrations.RunPython(create, drop)]
