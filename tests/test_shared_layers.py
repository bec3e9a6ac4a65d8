"""The shared test layers (tests/shared_db.py) are rolled back on the connection object they were opened on.

Replays the clean-clone CI hang of 3-4 December 2026: Django's connections are per thread *and* per asyncio context,
and Playwright's sync API, started by the first browser journey, ran later code of the worker in another context,
where `connections["default"]` is a new object on a new database session. The layers were rolled back on that new
object only, so their own session stayed open, idle in a transaction holding the demo's rows, and the next demo load
waited on their unique keys for ever. Django keeps a thread's connections in an asgiref Local that, once an event
loop runs in the thread (as Playwright's sync API runs one), is also per asyncio context: a coroutine stands in.
"""

import asyncio

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from accounts.models import Partnership
from tests.shared_db import SharedLayers, _Layer


def _in_transaction(wrapper) -> bool:
    """Whether the database session behind a connection object has a transaction open."""
    raw = wrapper.connection
    if raw is None:
        return False
    if wrapper.vendor == "postgresql":
        from psycopg2.extensions import TRANSACTION_STATUS_IDLE  # only importable where PostgreSQL is used

        return raw.get_transaction_status() != TRANSACTION_STATUS_IDLE
    return raw.in_transaction


@pytest.mark.django_db(transaction=True)
def test_layers_opened_in_one_context_are_rolled_back_from_another(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the browser journeys allow it (tests/e2e)
    layers = SharedLayers(blocker=None)
    layers.layers.append(_Layer())
    layers.owner = connections[DEFAULT_DB_ALIAS]
    Partnership.objects.create(slug="held-by-the-layer", name="Held by the layer")  # a row the open layer holds
    assert _in_transaction(layers.owner)
    owner = layers.owner

    async def later_code_in_another_context():
        assert connections[DEFAULT_DB_ALIAS] is not owner  # as after Playwright's sync API started
        try:
            assert not layers._intact()  # seen as ended under it, so started again...
            layers._start_again()
        finally:
            connections.close_all()

    with pytest.warns(UserWarning, match="rolled back and built again"):
        asyncio.run(later_code_in_another_context())
    # ...and rolled back where it was opened: no session is left idle in a transaction holding the layer's rows.
    assert not owner.in_atomic_block and not _in_transaction(owner)
    assert not Partnership.objects.filter(slug="held-by-the-layer").exists()
