"""2025/26 year-end return benchmark (issue 18): building the Q4 return of a pooled fund with 300 expenditure lines
(target under 1 s), its workbook read back with openpyxl.

Run alone: `BENCH_ONLY=bcf_returns .venv/bin/python bench/run.py`. Emits, one JSON line each through `emit`:
    bcf_returns.year_end_300_lines.median_ms / .max_ms / .queries
    bcf_returns.year_end_300_lines.read_back_ms      (openpyxl loading the workbook and reading the lines)
"""

import datetime as dt
import io
import os
import statistics
import time
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

ROUNDS = int(os.environ.get("BENCH_BCF_RETURNS_ROUNDS", "5"))
LINES = 300
QUARTER = "2025-26-Q4"


def _plan_fields(programme) -> None:
    """Give the pooled fund's 300 allocations the expenditure plan's columns, spread over the year's sources and
    scheme types, and its contributions their sources (bulk: synthetic rows, no audit wanted)."""
    import policy
    from finance.models import Allocation, FinancialYear, Fund, FundContribution, FundKind, NhsMinimumRequirement

    year = policy.year_for(2025)
    fund = Fund.objects.get(programme=programme, kind=FundKind.POOLED)
    sources = [s.code for s in year.funding_sources]
    types = [t for t in year.scheme_types if t.sub_types]
    allocations = list(fund.allocations.order_by("order", "id"))
    for index, allocation in enumerate(allocations):
        kind = types[index % len(types)]
        allocation.scheme_type = kind.code
        allocation.sub_type = kind.sub_types[0]
        allocation.commissioner = "Bench Council" if index % 2 else "NHS Bench ICB"
        allocation.provider = f"Provider {index % 17}"
        allocation.funding_source = sources[index % len(sources)]
        allocation.outputs_planned = Decimal(100 + index)
        allocation.outputs_unit = "packages"
        allocation.outputs_delivered = Decimal(90 + index)
        allocation.counts_to_asc_minimum = allocation.funding_source == "nhs_minimum" and index % 3 == 0
    fields = [
        "scheme_type",
        "sub_type",
        "commissioner",
        "provider",
        "funding_source",
        "outputs_planned",
        "outputs_unit",
        "outputs_delivered",
        "counts_to_asc_minimum",
    ]
    Allocation.objects.bulk_update(allocations, fields, batch_size=500)
    contributions = list(fund.contributions.order_by("id"))
    for index, contribution in enumerate(contributions):
        contribution.funding_source = sources[index % len(sources)]
    FundContribution.objects.bulk_update(contributions, ["funding_source"])
    NhsMinimumRequirement.objects.create(
        fund=fund, financial_year=FinancialYear.objects.get(start_year=2025), required=Decimal("1000000")
    )


def run(*, emit) -> None:
    import openpyxl

    from demo.synthetic import synthetic_programme_generate
    from metrics.services import load_headline_demo
    from returns import services

    # Two funds: the first a transformation fund, the second the pooled fund whose plan the return reports.
    programme = synthetic_programme_generate(
        schemes=LINES,
        milestones_per_scheme=1,
        periods=12,
        seed=18,
        slug="bench-bcf-2025-26",
        funds=2,
        movements=2 * LINES,
        start=dt.date(2025, 4, 1),
    )
    _plan_fields(programme)
    load_headline_demo(programme, 2025)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    services.quarterly_return_build(programme=programme, quarter=QUARTER)  # the first build creates the answers
    with CaptureQueriesContext(connection) as ctx:
        draft = services.quarterly_return_build(programme=programme, quarter=QUARTER)
    assert len(draft.figures["expenditure_plan"]["rows"]) == LINES, len(draft.figures["expenditure_plan"]["rows"])
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        draft = services.quarterly_return_build(programme=programme, quarter=QUARTER)
        timings.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    book = openpyxl.load_workbook(io.BytesIO(bytes(draft.workbook)), data_only=True)
    ws = book["Spend and activity"]
    lines = [row for row in ws.iter_rows(min_col=2, max_col=2, values_only=True) if str(row[0] or "").isdigit()]
    read_ms = (time.perf_counter() - start) * 1000
    assert len(lines) == LINES, len(lines)
    emit("bcf_returns.year_end_300_lines.median_ms", round(statistics.median(timings), 1), "ms")
    emit("bcf_returns.year_end_300_lines.max_ms", round(max(timings), 1), "ms")
    emit("bcf_returns.year_end_300_lines.queries", len(ctx.captured_queries), "queries")
    emit("bcf_returns.year_end_300_lines.read_back_ms", round(read_ms, 1), "ms")
