"""Loading a whole programme from one workbook (issue 17, point 4): a generated 500-scheme × 20-milestone
workbook with 500 risks and 500 allocations, loaded into an empty programme through the bounded reader.

Called from bench/run.py inside its throw-away test database (`BENCH_ONLY=workbook make bench` runs it alone):

    from bench import workbook as workbook_bench
    workbook_bench.run(emit=emit)

It emits, one JSON line each through `emit`:
    workbook_load.500x20.file_kb
    workbook_load.500x20.dry_run_seconds / _cpu_seconds / _queries    everything done, then rolled back
    workbook_load.500x20.load_seconds / _cpu_seconds / _queries       the real load (target: under 10 s)
    workbook_load.500x20.reload_seconds / _cpu_seconds / _queries     the same workbook again: changes nothing
    workbook_load.500x20.created                               rows created (10,000 milestones among them)
"""

import datetime as dt
import io
import time
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import Workbook

from accounts.roles import Role
from accounts.services import partnership_ensure, user_ensure
from finance import services as finance_services
from programme_load.services import programme_workbook_load
from programme_load.template import SHEETS
from schemes import services as scheme_services

NAME = "workbook_load.500x20"
SCHEMES, MILESTONES, LEADS = 500, 20, 50
TODAY = dt.date(2024, 11, 1)


def workbook_bytes(schemes: int = SCHEMES, milestones: int = MILESTONES) -> bytes:
    """The programme workbook, generated: every scheme with its milestones (one in five moved from its baseline,
    with a reason; one in four completed), a risk and an allocation. Saved as Excel saves it, each sheet's size at
    its top (openpyxl's write-only mode leaves it out, which makes every reader scan each sheet once more)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets = {name: workbook.create_sheet(name) for name in SHEETS}
    for name, ws in sheets.items():
        ws.append(SHEETS[name])
    for n in range(1, schemes + 1):
        ref = f"B{n}"
        workstream = f"Workstream {n % 5}"
        sheets["Schemes"].append(
            [ref, f"Scheme {n}", workstream, "North", "Yes", "No", "No", f"lead{n % LEADS}@bench.example", "", ""]
        )
        for m in range(milestones):
            baseline = dt.datetime(2024, 4, 1) + dt.timedelta(days=7 * m)
            moved = m % 5 == 4
            due = baseline + dt.timedelta(days=30) if moved else baseline
            completed = baseline if m % 4 == 0 and baseline.date() < TODAY else None
            sheets["Milestones"].append(
                [
                    ref,
                    str(1 + m // 5),
                    f"Milestone {m + 1}",
                    baseline,
                    due,
                    "Awaiting data" if moved else None,
                    completed,
                ]
            )
        sheets["Risks"].append(
            [f"Risk of scheme {n}", ref, 1 + n % 5, 1 + (n // 5) % 5, "", "", "", None, None, None, None, ""]
        )
        sheets["Allocations"].append([ref, "BCF", workstream, 1000 + n, "Going forward", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _timed(**kwargs) -> tuple[float, float, int, object]:
    """Wall-clock and CPU seconds (the CPU time of this process: on a shared, busy machine the wall clock also
    counts other processes' turns), queries, and the result. Queries are counted, not captured: capturing formats
    every statement's SQL and parameters, which was a twentieth of the time measured."""
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start, cpu = time.perf_counter(), time.process_time()
        result = programme_workbook_load(**kwargs)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu_seconds, queries, result


def run(*, emit) -> None:
    programme = scheme_services.programme_create(
        slug="bench-workbook",
        name="Bench workbook programme",
        partnership=partnership_ensure(slug="bench-workbook", name="Bench workbook partnership"),
        start_date=dt.date(2024, 4, 1),
        end_date=dt.date(2025, 3, 31),
    )
    for n in range(5):
        scheme_services.workstream_create(programme=programme, name=f"Workstream {n}", order=n)
    year = finance_services.financial_year_get_or_create(start_year=2024)
    fund = finance_services.fund_create(
        slug="bench-workbook-pool",
        name="Bench pooled budget",
        programme=programme,
        years=[year],
        contributions=[("Bench ICB", Decimal("10000000.00"), year)],
    )
    for n in range(LEADS):
        user_ensure(username=f"bench-lead-{n}", email=f"lead{n}@bench.example", roles=[Role.PROJECT_LEAD])
    pmo = user_ensure(username="bench-workbook-pmo", roles=[Role.PROGRAMME_OFFICE], programmes=[programme])
    content = workbook_bytes()
    emit(f"{NAME}.file_kb", round(len(content) / 1024), "KB")
    common = {
        "programme": programme,
        "user": pmo,
        "fund": fund,
        "decision": {"title": "Bench allocations", "body": "Health and Wellbeing Board", "decided_on": "2024-10-01"},
        "today": TODAY,
    }
    for name, dry_run in (("dry_run", True), ("load", False), ("reload", False)):
        seconds, cpu, queries, result = _timed(
            file=SimpleUploadedFile("bench.xlsx", content), dry_run=dry_run, **common
        )
        emit(f"{NAME}.{name}_seconds", round(seconds, 2), "s")
        emit(f"{NAME}.{name}_cpu_seconds", round(cpu, 2), "s")
        emit(f"{NAME}.{name}_queries", queries, "queries")
        if name == "load":
            emit(f"{NAME}.created", sum(c["create"] for c in result.counts.values()), "rows")
        if name == "reload":
            assert not result.steps, "loading the same workbook again must change nothing"
