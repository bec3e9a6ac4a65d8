"""Benchmarks behind `make bench`: one JSON object per line, {"name", "value", "unit"}.

Builds a throw-away test database (PostgreSQL when DATABASE_URL is set, in-memory SQLite otherwise),
fills it with a synthetic programme of 500 schemes × 20 milestones, 12 periods and 5,000 risks, and a
synthetic fund of 500 allocations (one per scheme) and 5,000 movements, and renders the pages the
steering group, project leads and finance officer open most.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench import cases as cases_bench  # noqa: E402
from bench import dashboard as dashboard_bench  # noqa: E402
from bench import report as report_bench  # noqa: E402
from bench import scale as scale_bench  # noqa: E402
from bench import spreadsheets as spreadsheets_bench  # noqa: E402
from bench import workbook as workbook_bench  # noqa: E402
from core.natural import natural_order  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def emit(name: str, value, unit: str) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit}), flush=True)


def measure(client: Client, name: str, url: str) -> None:
    figures = dashboard_bench.timed(client, url, rounds=ROUNDS)
    emit(f"{name}.median_ms", figures["median_ms"], "ms")
    emit(f"{name}.queries", figures["queries"], "queries")


def main() -> None:
    # No setup_test_environment(): it instruments every template render with signals, which a
    # production server does not pay for and which would inflate the figures.
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    if os.environ.get("BENCH_ONLY") == "workbook":  # `BENCH_ONLY=workbook make bench`: the programme load alone
        try:
            workbook_bench.run(emit=emit)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        return
    if os.environ.get("BENCH_ONLY") == "scale":  # one partnership among 150 (issue 17): PostgreSQL via DATABASE_URL
        try:
            scale_bench.run(emit=emit)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        return
    if os.environ.get("BENCH_ONLY") == "bcf_returns":  # `BENCH_ONLY=bcf_returns`: the 2025/26 year-end return alone
        try:
            from bench import bcf_returns as bcf_returns_bench

            bcf_returns_bench.run(emit=emit)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        return
    if os.environ.get("BENCH_ONLY") == "cases":  # `BENCH_ONLY=cases make bench`: the business cases portfolio alone
        try:
            cases_bench.run(emit=emit)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        return
    if os.environ.get("BENCH_ONLY") == "report":  # `BENCH_ONLY=report make bench`: the highlight report alone
        try:
            report_bench.run(emit=emit)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        return
    if os.environ.get("BENCH_ONLY") == "dashboard":  # `BENCH_ONLY=dashboard make bench`: the dashboard alone
        try:
            dashboard_bench.run_alone(emit=emit)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        return
    try:
        from accounts.models import User
        from accounts.roles import Role
        from accounts.services import user_ensure
        from demo.synthetic import synthetic_metrics_generate, synthetic_money_generate, synthetic_programme_generate

        start = time.perf_counter()
        programme = synthetic_programme_generate(schemes=500, milestones_per_scheme=20, periods=12, seed=7, risks=5000)
        emit("synthetic.generate_500x20_5000_risks.seconds", round(time.perf_counter() - start, 2), "s")
        steering = user_ensure(username="bench-steering", roles=[Role.STEERING_GROUP], programmes=[programme])
        lead = User.objects.filter(scheme_leads__scheme__programme=programme).first()
        client = Client()
        client.force_login(steering)
        measure(client, "scheme_list.500_schemes", f"/schemes/?programme={programme.slug}")
        scheme = programme.schemes.order_by(natural_order("ref_key")).first()
        measure(client, "scheme_detail.20_milestones", f"/schemes/{scheme.pk}/")
        measure(client, "risk_register.5000_risks", f"/risks/?programme={programme.slug}")
        measure(
            client,
            "risk_register.5000_risks.heat_map_cell",
            f"/risks/?programme={programme.slug}&likelihood=4&consequence=3",
        )
        client.force_login(lead)
        measure(client, "my_schemes.10_schemes", "/schemes/mine/")

        start = time.perf_counter()
        (fund,) = synthetic_money_generate(programme=programme, funds=1, movements=5000, seed=7)
        emit(
            "synthetic.generate_fund_500_allocations_5000_movements.seconds", round(time.perf_counter() - start, 2), "s"
        )
        client.force_login(user_ensure(username="bench-finance", roles=[Role.FINANCE_OFFICER], programmes=[programme]))
        measure(client, "fund_page.500_allocations", f"/money/{fund.slug}/")
        measure(client, "fund_ledger.5000_movements", f"/money/{fund.slug}/ledger/")
        measure(client, "fund_monitoring.500_allocations", f"/money/{fund.slug}/monitoring/")

        # The steering group dashboard over all of it, with 3 years of monthly metrics (issue 6), beside a
        # trivial signed-in page measured the same way so the ratio is visible.
        start = time.perf_counter()
        synthetic_metrics_generate(programme=programme, schemes=list(programme.schemes.all()), metrics=6, kpis=50)
        emit("synthetic.generate_56_metrics_3_years_monthly.seconds", round(time.perf_counter() - start, 2), "s")
        client.force_login(steering)
        dashboard_bench.run(client=client, programme=programme, emit=emit)

        # The NHS England quarterly return for a 500-scheme programme of its own (issue 8).
        from bench import returns as returns_bench

        returns_bench.run(emit=emit)

        # The 2025/26 year-end return of a 300-line expenditure plan (issue 18).
        from bench import bcf_returns as bcf_returns_bench

        bcf_returns_bench.run(emit=emit)

        # The highlight report PDF (issue 7): the demo and a 60-scheme programme, against WeasyPrint's floor.
        report_bench.run(emit=emit)

        # The business cases portfolio: 200 cases × 10 lines × 12 quarters of realisation (issue 20).

        cases_bench.run(emit=emit)

        # The 500-scheme workbook downloaded and uploaded again (issue 15): last, as its second upload saves.
        pmo = user_ensure(username="bench-pmo", roles=[Role.PROGRAMME_OFFICE], programmes=[programme])
        spreadsheets_bench.run(emit=emit, programme=programme, user=pmo)

        # A whole 500-scheme programme loaded from one workbook into an empty programme (issue 17, point 4).
        workbook_bench.run(emit=emit)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
