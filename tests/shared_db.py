"""Expensive test data built once per test database (one per xdist worker) and shared by the tests that ask for it.

Loading the demo through the services takes about 5,000 queries (1.5–3.7 s), and the security tests' objects
(an issued highlight report, a signed-off return, ...) a few seconds more. Instead of building them again for
each of a few hundred tests, the test database is held in layers of transactions that stay open between tests:

    outer transaction           the empty, migrated database: tests that ask for neither run in here
      savepoint "demo"          the demo, loaded through the services once: tests asking for `demo` run in here
        savepoint "objects"     the security tests' objects on top of the demo (tests/security/objects.py)

Each test still runs in its own savepoint inside these (pytest-django's `db`), rolled back after it, so every
test sees exactly the data it saw when it built its own: the demo just loaded, or an empty database. Nothing
is ever committed, so there is nothing to clean up, and a layer a test does not want is rolled back first.

A test that needs real commits (`transactional_db`, `live_server`: worker, browser and fault tests) cannot run
inside an open transaction: before one, every layer is rolled back, and the database is empty as before; such
a test builds its data for itself. Tests are ordered (`sort_key`) so that each worker builds each layer once:
database tests without a layer, then with the demo, then with the objects, then the transactional ones.
"""

from __future__ import annotations

import copy
import warnings

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction

from demo.services import demo_load

DEMO_PASSWORD = "demo-pass-for-tests"


def demo_load_for_tests():
    """The demo as `make run` loads it, with the password the tests sign in with."""
    return demo_load(password=DEMO_PASSWORD)


def security_objects_build():
    # Imported here so that only a run with security tests imports the PDF renderer (WeasyPrint, ~1 s).
    from tests.security.objects import security_objects_build

    return security_objects_build()


# (fixture name, builder): a test asking for a layer's fixture gets every layer up to it, in this order.
LAYERS = [("demo", demo_load_for_tests), ("objects", security_objects_build)]
_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


def is_transactional(item) -> bool:
    """The same reading of a test's marker and fixtures as pytest-django's own (`_django_db_helper`)."""
    marker = item.get_closest_marker("django_db")
    kwargs = marker.kwargs if marker else {}
    names = item.fixturenames
    return bool(
        kwargs.get("transaction")
        or kwargs.get("reset_sequences")
        or "transactional_db" in names
        or "live_server" in names
        or "django_db_reset_sequences" in names
    )


def depth(item) -> int:
    """How many layers the test needs: 0 (an empty database), 1 (the demo) or 2 (the demo and the objects)."""
    names = set(getattr(item, "fixturenames", ()))
    return max((i + 1 for i, (name, _build) in enumerate(LAYERS) if name in names), default=0)


def sort_key(item) -> tuple[int, int]:
    """As pytest-django orders tests (database, then transactional, then none), then by the layers they need."""
    if not (item.get_closest_marker("django_db") or _DB_FIXTURES & set(item.fixturenames)):
        return 2, 0
    return (1 if is_transactional(item) else 0), depth(item)


def fresh(value):
    """A copy of a layer's value with every model instance read again from the database, so that what one test
    did to an instance in memory cannot leak into the next (the database side is rolled back anyway)."""
    if isinstance(value, models.Model):
        return type(value)._default_manager.get(pk=value.pk)
    if isinstance(value, dict):
        return {key: fresh(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(fresh(item) for item in value)
    return copy.deepcopy(value)


class _Layer:
    """One open transaction or savepoint, entered and left as Django's TestCase enters and leaves its own."""

    def __init__(self):
        self.atomic = transaction.atomic()
        # As TestCase marks its own: a durable block inside a test is still allowed (only the innermost is checked).
        self.atomic._from_testcase = True
        self.atomic.__enter__()
        self.value = None
        self.memo: dict = {}  # what tests worked out over this layer, kept while it lasts (SharedLayers.memo)

    def rollback(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)


class SharedLayers:
    """Keeps the layers of this worker's test database in step with what the next test needs."""

    def __init__(self, blocker):
        self.blocker = blocker
        self.layers: list[_Layer] = []  # the outer transaction, then one savepoint per built layer
        self.owner = None  # the connection object they are open on

    def value(self, name: str):
        """The layer's value (what its builder returned) if the test runs over it, else None."""
        index = [n for n, _build in LAYERS].index(name) + 1
        if len(self.layers) > index and connection.in_atomic_block:
            return fresh(self.layers[index].value)
        return None

    def memo(self, name: str) -> dict | None:
        """A dict kept with the layer while it lasts, for answers worked out over its data that the tests over it
        share (each asked once per worker); None if the test does not run over the layer."""
        index = [n for n, _build in LAYERS].index(name) + 1
        if len(self.layers) > index and connection.in_atomic_block:
            return self.layers[index].memo
        return None

    def prepare(self, item) -> None:
        """Called just before pytest-django opens the test's own transaction."""
        with self.blocker.unblock():
            if not self._intact():
                self._start_again()
            if is_transactional(item):
                self.rollback_all()
                return
            wanted = depth(item) + 1  # the outer transaction and the layers the test asks for
            while len(self.layers) > wanted:
                self.layers.pop().rollback()
            if not self.layers:
                self.layers.append(_Layer())
                self.owner = connections[DEFAULT_DB_ALIAS]  # the connection object the layers are opened on
            while len(self.layers) < wanted:
                _name, build = LAYERS[len(self.layers) - 1]
                layer = _Layer()
                self.layers.append(layer)
                try:
                    layer.value = build()
                except BaseException:
                    self.layers.pop().rollback()  # not left half-built for the next test: it tries again
                    raise

    def _intact(self) -> bool:
        """Our layers are still the outermost blocks on a live connection (no test closed it or left a block)."""
        blocks = [layer.atomic for layer in self.layers]
        if not blocks:
            return not connection.in_atomic_block
        if self.owner is not None and connections[DEFAULT_DB_ALIAS] is not self.owner:
            return False  # this thread now sees another connection object (below, _start_again)
        return (
            connection.atomic_blocks == blocks
            and connection.connection is not None
            and not connection.needs_rollback
            and not connection.closed_in_transaction
        )

    def _start_again(self) -> None:
        """Our transaction was ended under us, and with it every layer: start again from the empty database.

        Running a management command as from the shell (ManagementUtility, call_command does not) closes every
        database connection when it finishes. SQLite ignores that for its in-memory test database; PostgreSQL
        closes it and rolls the transaction back. Django leaves the connection marked until the outermost block
        ends, which here is ours: so it is reset as Django resets it there, and the next query reconnects.
        """
        warnings.warn(
            "The shared test data's transaction was ended under it (a command run as from the shell closes the "
            "connection; Playwright's sync API runs later code on another connection object): it is rolled back "
            "and built again.",
            stacklevel=1,
        )
        self.layers = []
        # Django's connections are per thread *and* per asyncio context (asgiref's Local): Playwright's sync API,
        # started by the first browser journey, runs later code in another context, where `connection` is a new
        # object on a new database session. The layers' own session then stayed open, idle in a transaction
        # holding the demo's rows, and the journey's demo load waited on their unique keys for ever (a CI hang).
        # So the layers are rolled back on the connection object they were opened on, whichever this one is.
        owners = [connections[DEFAULT_DB_ALIAS]]
        if self.owner is not None and self.owner is not owners[0]:
            owners.insert(0, self.owner)
        self.owner = None
        for wrapper in owners:
            _reset(wrapper)

    def rollback_all(self) -> None:
        with self.blocker.unblock():
            if self.layers and not self._intact():
                self._start_again()  # rolls the layers back where they are
                return
            while self.layers:
                self.layers.pop().rollback()
            self.owner = None


def _reset(wrapper) -> None:
    """Roll back and forget every block open on this connection object, as Django does when its outermost ends."""
    closed = (
        wrapper.closed_in_transaction
        or wrapper.connection is None
        or bool(getattr(wrapper.connection, "closed", False))
    )
    wrapper.atomic_blocks.clear()
    wrapper.savepoint_ids.clear()
    wrapper.run_on_commit = []
    wrapper.in_atomic_block = wrapper.needs_rollback = wrapper.closed_in_transaction = False
    wrapper.commit_on_exit = True
    if closed:
        wrapper.connection = None  # the database rolled back as it closed; the next query reconnects
    else:
        wrapper.connection.rollback()  # a block left open: roll it back at the database
        wrapper.set_autocommit(True)
