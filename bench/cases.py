"""Business cases benchmark (issue 20): the portfolio page over 200 cases × 10 lines × 12 quarters of realisation.

Builds its own programme with bulk inserts (the figures to measure are the page's, not the services'): 200 cases,
each with a baseline of 2 investment lines and 8 benefit lines (every benefit shared between two commissioners and
measured by the case's quarterly KPI, which has 12 quarters of actuals). Emits, one JSON line each:
    cases_portfolio.200_cases.median_ms / .p95_ms / .queries
Target: median under 100 ms, with the query count fixed (pinned in tests/cases/test_views.py).
"""

import datetime as dt
import os
import time
from decimal import Decimal

from accounts.roles import Role
from accounts.services import partnership_ensure, user_ensure
from bench.dashboard import timed
from cases.models import BenefitLine, BenefitShare, BusinessCase, CaseStatus, InvestmentLine, Scenario
from metrics.models import Frequency, Metric, MetricValue
from schemes.models import Programme, Scheme

CASES, INVESTMENTS, BENEFITS, QUARTERS = 200, 2, 8, 12


def build() -> Programme:
    programme = Programme.objects.create(
        partnership=partnership_ensure(slug="bench-cases", name="Bench cases partnership"),
        slug="bench-cases",
        name="Bench cases",
        start_date=dt.date(2015, 4, 1),
        end_date=dt.date(2018, 3, 31),
    )
    schemes = Scheme.objects.bulk_create(
        Scheme(programme=programme, ref=f"C{n}", name=f"Scheme {n}") for n in range(CASES)
    )
    metrics = Metric.objects.bulk_create(
        Metric(
            programme=programme,
            scheme=scheme,
            code=f"kpi-{n}",
            name=f"Admissions {n}",
            frequency=Frequency.QUARTERLY,
            baseline_value=Decimal("100"),
        )
        for n, scheme in enumerate(schemes)
    )
    quarters = [dt.date(2015 + (3 + 3 * q) // 12, (3 + 3 * q) % 12 + 1, 1) for q in range(QUARTERS)]
    MetricValue.objects.bulk_create(
        MetricValue(metric=metric, period_start=start, plan=Decimal("90"), actual=Decimal(85 + (n + q) % 15))
        for n, metric in enumerate(metrics)
        for q, start in enumerate(quarters)
    )
    cases = BusinessCase.objects.bulk_create(
        BusinessCase(
            programme=programme,
            scheme=scheme,
            title=f"Case {n:03d}",
            first_year=2015,
            years=3,
            status=CaseStatus.OUTLINE,
        )
        for n, scheme in enumerate(schemes)
    )
    scenarios = Scenario.objects.bulk_create(Scenario(case=case, name="Baseline", is_baseline=True) for case in cases)
    InvestmentLine.objects.bulk_create(
        InvestmentLine(
            scenario=scenario,
            description=f"Team {i}",
            amount=Decimal("50000"),
            first_year=2015,
            first_year_months=7 if i == 0 else 12,
            kind="recurrent" if i == 0 else "one_off",
        )
        for scenario in scenarios
        for i in range(INVESTMENTS)
    )
    benefits = BenefitLine.objects.bulk_create(
        BenefitLine(
            scenario=scenario,
            description=f"Admissions avoided {b}",
            activity=Decimal("40"),
            activity_unit="admissions",
            unit_cost=Decimal("2665"),
            unit_cost_source="Bench",
            first_year=2015,
            first_year_months=6,
            cashable=b % 2 == 0,
            metric=metric,
            baseline=Decimal("100"),
            order=b,
        )
        for scenario, metric in zip(scenarios, metrics, strict=True)
        for b in range(BENEFITS)
    )
    BenefitShare.objects.bulk_create(
        BenefitShare(benefit=line, partner=partner, percent=Decimal(percent))
        for line in benefits
        for partner, percent in (("CCG", 70), ("Council", 30))
    )
    return programme


def run(*, emit, rounds: int = int(os.environ.get("BENCH_CASES_ROUNDS", "30"))) -> None:
    from django.test import Client  # noqa: PLC0415 - the bench builds Django before its test client

    start = time.perf_counter()
    programme = build()
    emit("synthetic.generate_200_cases.seconds", round(time.perf_counter() - start, 2), "s")
    client = Client()
    client.force_login(
        user_ensure(username="bench-cases-steering", roles=[Role.STEERING_GROUP], programmes=[programme])
    )
    figures = timed(client, f"/cases/?programme={programme.slug}", rounds=rounds)
    emit("cases_portfolio.200_cases.median_ms", figures["median_ms"], "ms")
    emit("cases_portfolio.200_cases.p95_ms", figures["p95_ms"], "ms")
    emit("cases_portfolio.200_cases.queries", figures["queries"], "queries")
