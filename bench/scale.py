"""One installation at national scale (issue 17): one partnership's dashboard, scheme list and risk register with
only its own programme loaded, then with 149 more partnerships beside it (`generate_synthetic --partnerships`), in
the same run, side by side. Scoping must keep both the query counts and the timings flat.

Called from bench/run.py inside its throw-away test database (`BENCH_ONLY=scale .venv/bin/python bench/run.py`,
with DATABASE_URL for PostgreSQL, where the figures count). Emits, one JSON line each:
    scale.<page>.<n>_partnerships.median_ms / .p95_ms / .queries     n = 1 and 150 (BENCH_PARTNERSHIPS)
    scale.trivial_page.<n>_partnerships.*   the floor (bench.dashboard.TRIVIAL_URL): on a shared machine the
                                            load can change between the halves; a floor that moves says so
    scale.generate_<n>_partnerships.seconds
"""

import os
import time

from django.test import Client

from accounts.roles import Role
from accounts.services import user_ensure
from bench.dashboard import TRIVIAL_URL, refresh_statistics, timed
from demo.synthetic import synthetic_partnerships_generate

PARTNERSHIPS = int(os.environ.get("BENCH_PARTNERSHIPS", "150"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
SIZE = {"schemes": 50, "milestones_per_scheme": 20, "risks": 50, "funds": 1, "movements": 20}


def _measure(client, programme, partnerships: int, emit) -> None:
    refresh_statistics()
    for page, url in (
        ("dashboard", f"/dashboard/?programme={programme.slug}"),
        ("scheme_list", f"/schemes/?programme={programme.slug}"),
        ("risk_register", f"/risks/?programme={programme.slug}"),
        ("trivial_page", TRIVIAL_URL),
    ):
        figures = timed(client, url, rounds=ROUNDS)
        name = f"scale.{page}.{partnerships}_partnerships"
        emit(f"{name}.median_ms", figures["median_ms"], "ms")
        emit(f"{name}.p95_ms", figures["p95_ms"], "ms")
        emit(f"{name}.queries", figures["queries"], "queries")


def run(*, emit) -> None:
    (programme,) = synthetic_partnerships_generate(partnerships=1, seed=1, **SIZE)
    steering = user_ensure(username="scale-steering", roles=[Role.STEERING_GROUP], programmes=[programme])
    client = Client()
    client.force_login(steering)
    _measure(client, programme, 1, emit)
    start = time.perf_counter()
    synthetic_partnerships_generate(partnerships=PARTNERSHIPS - 1, seed=2, **SIZE)
    emit(f"scale.generate_{PARTNERSHIPS - 1}_partnerships.seconds", round(time.perf_counter() - start, 2), "s")
    _measure(client, programme, PARTNERSHIPS, emit)
