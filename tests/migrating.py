"""An installation at an older version, for the data-migration tests: the database emptied and migrated forward
from nothing to the given migrations only, as that installation was built, then forward to the latest.

Forward from nothing, not backwards from the test database's latest schema: Django's backwards path renders the
whole project's models again for every later migration it passes and every operation it undoes, which cost two
to three times going forward (tests/finance/test_migration.py's trip back to finance 0001: 24 s of CPU back,
12 s forward, where a whole build from nothing takes 20 s). Whichever way, the test database ends at the latest
migration for the tests that follow; the test is transactional, so its rows are flushed afterwards as usual.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def _empty_database() -> None:
    """Drop every table (and, on PostgreSQL, every function and index with them), as a new installation has."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            return
        tables = connection.introspection.table_names(cursor)
        with connection.constraint_checks_disabled():
            for table in tables:
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")


def migrate_to(targets: list[tuple[str, str | None]]) -> Apps:
    """Forward to `targets` (a later old version, to add rows as they were then); the models as they were there."""
    return MigrationExecutor(connection).migrate(targets).apps


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@contextmanager
def installation_at(targets: list[tuple[str, str | None]]) -> Iterator[Apps]:
    """Yields the models as they were at `targets` (the state the migration run built, not rendered again), to
    create the old rows with; the test then calls migrate_to_latest(). Whatever happens, the database is left at
    the latest migration."""
    try:
        _empty_database()
        yield migrate_to(targets)
    finally:
        migrate_to_latest()
