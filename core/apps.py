from django.apps import AppConfig
from django.db.backends.signals import connection_created

from core.natural import register_sqlite_function


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # SQLite has no natural_sort_key() of its own: each connection is given the Python one.
        connection_created.connect(register_sqlite_function, dispatch_uid="core.natural_sort_key")
