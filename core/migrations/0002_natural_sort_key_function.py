"""PostgreSQL's natural_sort_key(text), the database side of core.natural (SQLite gets it per connection)."""

from django.db import migrations

from core.natural import POSTGRES_FUNCTION_SQL


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION_SQL)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS natural_sort_key(text)")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_function, drop_function)]
