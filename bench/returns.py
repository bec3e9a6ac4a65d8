"""Quarterly return benchmark: building the NHS England return for a 500-scheme programme (target < 2 s), and
how fast "Build now" answers when the job queue is down (target < 2 s).

Called from bench/run.py inside its throw-away test database:

    from bench import returns as returns_bench
    returns_bench.run(emit=emit)

It emits, one JSON line each through `emit`:
    returns.build_500_schemes.median_ms / .max_ms / .queries
    returns.build_now_queue_down.first_ms / .warm_ms
"""

import datetime as dt
import os
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

ROUNDS = int(os.environ.get("BENCH_RETURNS_ROUNDS", "5"))


def run(*, emit) -> None:
    from accounts.roles import Role
    from accounts.services import user_ensure
    from demo.synthetic import synthetic_programme_generate
    from returns import services
    from returns.models import ReturnJob

    # Its own programme: 500 schemes, a pooled fund and a transformation fund (an allocation per scheme, with
    # quarterly spend), six metrics with monthly figures.
    programme = synthetic_programme_generate(
        schemes=500,
        milestones_per_scheme=2,
        periods=12,
        seed=11,
        slug="bench-returns",
        funds=2,
        movements=2000,
        metrics=6,
        start=dt.date(2016, 4, 1),  # a year with a return template: 2016/17
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    quarter = "2016-17-Q2"
    services.quarterly_return_build(programme=programme, quarter=quarter)  # the first build creates the answers
    with CaptureQueriesContext(connection) as ctx:
        draft = services.quarterly_return_build(programme=programme, quarter=quarter)
    assert len(draft.figures["expenditure"]["rows"]) >= 400, "the pooled fund's schemes are in the return"
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        services.quarterly_return_build(programme=programme, quarter=quarter)
        timings.append((time.perf_counter() - start) * 1000)
    emit("returns.build_500_schemes.median_ms", round(statistics.median(timings), 1), "ms")
    emit("returns.build_500_schemes.max_ms", round(max(timings), 1), "ms")
    emit("returns.build_500_schemes.queries", len(ctx.captured_queries), "queries")

    # "Build now" with the broker on a closed port: the page must answer at once, offering to build here.
    from config.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    client = Client()
    client.force_login(user_ensure(username="bench-returns-pmo", roles=[Role.PROGRAMME_OFFICE], programmes=[programme]))
    elapsed = []
    try:
        for _ in range(3):  # the first in a cold process, then as a running server answers
            start = time.perf_counter()
            response = client.post(f"/returns/{programme.slug}/2016-17-Q3/build/")
            elapsed.append((time.perf_counter() - start) * 1000)
    finally:
        app.conf.update(**saved)
        app._pool = None
        app.amqp._producer_pool = None
    assert response.status_code == 503, response.status_code
    assert ReturnJob.objects.filter(programme=programme, quarter="2016-17-Q3", state="failed").exists()
    emit("returns.build_now_queue_down.first_ms", round(elapsed[0], 1), "ms")
    emit("returns.build_now_queue_down.warm_ms", round(statistics.median(elapsed[1:]), 1), "ms")
