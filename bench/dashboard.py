"""Dashboard benchmark: median, p95 and query count of the steering group dashboard and of a trivial page.

Called from bench/run.py once the synthetic programme (500 schemes × 20 milestones, 12 periods, 5,000
risks, a fund of 500 allocations) exists, with a client signed in as a steering group member:

    from bench import dashboard as dashboard_bench
    dashboard_bench.run(client=client, programme=programme, emit=emit)

It emits, one JSON line each through `emit`:
    dashboard.500_schemes.median_ms / .p95_ms / .queries
    trivial_page.median_ms / .p95_ms / .queries
The trivial page (the password change form: session, user and a form, no programme data) is the floor
the dashboard's figures should be read against on the same machine. Targets (issue 6): dashboard
median < 150 ms and p95 < 300 ms on PostgreSQL on a 2-core machine, and ≤ 25 queries.
"""

import gc
import os
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

# p95 needs more samples than a median: 60 rounds put three samples above it.
ROUNDS = int(os.environ.get("BENCH_DASHBOARD_ROUNDS", "60"))
TRIVIAL_URL = "/accounts/password/"


def timed(client, url: str, *, rounds: int = ROUNDS) -> dict:
    """One warm-up request, one counted for queries, then `rounds` timed: {median_ms, p95_ms, queries}."""
    response = client.get(url)  # warm caches and templates
    assert response.status_code == 200, (url, response.status_code)
    # As config/wsgi.py does in a real server: what is loaded by now lives as long as the process, so the
    # collector's full passes need not walk it (without this, p95 measures the collector as much as the page).
    gc.collect()
    gc.freeze()
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    queries = len(ctx.captured_queries)  # read now: the next request resets the query log
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[18] if len(timings) > 1 else timings[0]
    return {"median_ms": round(statistics.median(timings), 2), "p95_ms": round(p95, 2), "queries": queries}


def refresh_statistics() -> None:
    """On PostgreSQL, ANALYZE the freshly generated tables first, as autovacuum does on a live database.

    Straight after a bulk insert the planner has no statistics, takes each table for a handful of rows,
    and picks nested loops that made one grouped sum over 10,000 movement lines take 8 s instead of
    10 ms. A production database never stays in that state for more than about a minute.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _emit_all(emit, name: str, figures: dict) -> None:
    emit(f"{name}.median_ms", figures["median_ms"], "ms")
    emit(f"{name}.p95_ms", figures["p95_ms"], "ms")
    emit(f"{name}.queries", figures["queries"], "queries")


def run(*, client, programme, emit) -> None:
    """Measure the dashboard of `programme` and the trivial page with `client` (already signed in)."""
    refresh_statistics()
    _emit_all(emit, "dashboard.500_schemes", timed(client, f"/dashboard/?programme={programme.slug}"))
    _emit_all(emit, "trivial_page", timed(client, TRIVIAL_URL))


def run_alone(*, emit) -> None:
    """`BENCH_ONLY=dashboard make bench`: the same 500-scheme programme, fund and metrics as the full run, then
    the dashboard and the trivial page only. With BENCH_PROFILE=<file.html> one more dashboard request is
    profiled with pyinstrument (if installed) into that file, and its text summary printed to stderr."""
    from django.test import Client

    from accounts.roles import Role
    from accounts.services import user_ensure
    from demo.synthetic import synthetic_metrics_generate, synthetic_money_generate, synthetic_programme_generate

    start = time.perf_counter()
    programme = synthetic_programme_generate(schemes=500, milestones_per_scheme=20, periods=12, seed=7, risks=5000)
    synthetic_money_generate(programme=programme, funds=1, movements=5000, seed=7)
    synthetic_metrics_generate(programme=programme, schemes=list(programme.schemes.all()), metrics=6, kpis=50)
    emit("synthetic.dashboard_programme.seconds", round(time.perf_counter() - start, 2), "s")
    client = Client()
    client.force_login(user_ensure(username="bench-steering", roles=[Role.STEERING_GROUP], programmes=[programme]))
    run(client=client, programme=programme, emit=emit)
    profile_to = os.environ.get("BENCH_PROFILE")
    if profile_to:
        import sys

        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(5):
                client.get(f"/dashboard/?programme={programme.slug}")
        with open(profile_to, "w") as out:
            out.write(profiler.output_html())
        print(profiler.output_text(unicode=True, color=False, show_all=False), file=sys.stderr)
