"""The 2025/26 demo partnership (issue 18 §5): Northdale, an invented area, with a pooled fund by source, an
expenditure plan of 25 lines, two quarters (Q1 reported, Q2 current), a few schemes, milestones and risks, and the
headline metrics with a year of figures. Every name and figure is made up (demo/data/northdale_bcf_2025_26.yaml),
and the programme is illustrative, so every page, export and PDF of it says so.

Built through the apps' services like the Trafford demo; the plan's 25 lines are added in bulk and funded by one
movement under one decision (proposed by the programme office, cleared and approved by the finance officer)."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from accounts.models import User
from accounts.roles import Role
from accounts.services import partnership_ensure, user_ensure
from finance import services as finance_services
from finance.models import Allocation, FinancialYear, Fund, MovementKind, QuarterlySpend
from finance.selectors import expenditure_plan_problems
from metrics import services as metric_services
from milestones import services as milestone_services
from risks import services as risk_services
from schemes import services as scheme_services
from schemes.models import Programme

START_YEAR = 2025
QUARTERS_DONE = (1, 2)  # the quarters with spend recorded: Q2 is the one being reported
# Spend in each quarter done, as a share of the line's planned expenditure, and outputs delivered by the end of Q2.
SPEND_SHARE = {1: Decimal("0.23"), 2: Decimal("0.26")}
OUTPUTS_SHARE = Decimal("0.47")

# Northdale's own sign-ins, one per role, on Northdale only (password: settings.DEMO_PASSWORD).
NORTHDALE_USERS = [
    {"username": "northdale-pmo", "first_name": "Northdale", "last_name": "Programme Office", "is_staff": True,
     "job_title": "BCF programme office (illustrative)", "roles": [Role.PROGRAMME_OFFICE]},
    {"username": "northdale-finance", "first_name": "Northdale", "last_name": "Finance Officer",
     "job_title": "Finance officer (illustrative)", "roles": [Role.FINANCE_OFFICER]},
    {"username": "northdale-lead", "first_name": "Northdale", "last_name": "Project Lead",
     "job_title": "Project lead (illustrative)", "roles": [Role.PROJECT_LEAD]},
    {"username": "northdale-steering", "first_name": "Northdale", "last_name": "Steering Member",
     "job_title": "BCF Steering Group member (illustrative)", "roles": [Role.STEERING_GROUP]},
    {"username": "northdale-secretary", "first_name": "Northdale", "last_name": "Board Secretary",
     "job_title": "Health & Wellbeing Board secretary (illustrative)", "roles": [Role.BOARD_SECRETARY]},
]  # fmt: skip


def northdale_programme_ensure(data: dict) -> tuple[Programme, bool]:
    """The illustrative programme in its own partnership (created if missing), and whether it was just created."""
    p = data["programme"]
    found = Programme.objects.filter(slug=p["slug"]).first()
    if found is not None:
        return found, False
    partnership = partnership_ensure(**data["partnership"])
    programme = scheme_services.programme_create(
        slug=p["slug"],
        name=p["name"],
        partnership=partnership,
        organisation=p["organisation"],
        health_and_wellbeing_board=p["health_and_wellbeing_board"],
        start_date=p["start_date"],
        end_date=p["end_date"],
        is_illustrative=True,
    )
    return programme, True


@transaction.atomic
def northdale_load(data: dict, *, programme: Programme, password: str) -> dict[str, int]:
    """Everything of the (new) Northdale programme: its users, plan, periods, schemes, money and metrics."""
    users = {
        spec["username"]: user_ensure(password=password, programmes=[programme], **spec) for spec in NORTHDALE_USERS
    }
    pmo, officer = users["northdale-pmo"], users["northdale-finance"]
    schemes = _load_plan(data, programme=programme, lead=users["northdale-lead"], by=pmo)
    fund = _load_fund(data, programme=programme, schemes=schemes, by=pmo, officer=officer)
    metrics = metric_services.load_headline_demo(programme, START_YEAR, by=pmo)
    problems = expenditure_plan_problems(fund, START_YEAR)
    if problems:  # a slip in the demo's figures: refuse to load it rather than show a plan that does not add up
        raise ValueError(f"The Northdale demo plan does not add up: {problems}")
    return {"northdale lines": len(data["lines"]), "northdale metrics": len(metrics)}


def _load_plan(data: dict, *, programme: Programme, lead: User, by: User) -> dict:
    workstreams = {
        name: scheme_services.workstream_create(programme=programme, name=name, order=i, by=by)
        for i, name in enumerate(data["workstreams"])
    }
    closing = []
    for period in data["periods"]:
        made = scheme_services.reporting_period_create(
            programme=programme,
            code=period["code"],
            name=period["name"],
            start_date=period["start_date"],
            end_date=period["end_date"],
            steering_group_date=period.get("steering_group_date"),
            board_date=period.get("board_date"),
            by=by,
        )
        if period.get("closed"):
            closing.append(made)
    schemes = {}
    for spec in data["schemes"]:
        scheme = scheme_services.scheme_create(
            programme=programme,
            ref=spec["ref"],
            name=spec["name"],
            workstream=workstreams[spec["workstream"]],
            by=by,
        )
        scheme_services.scheme_lead_assign(scheme=scheme, user=lead, start_date=dt.date(2025, 4, 1), by=by)
        schemes[spec["ref"]] = scheme
    for order, spec in enumerate(data["milestones"]):
        milestone = milestone_services.milestone_create(
            scheme=schemes[spec["scheme"]],
            description=spec["description"],
            due_date=spec["due_date"],
            order=order,
            source_note="Illustrative: an invented milestone of the Northdale demo.",
            by=by,
        )
        if spec.get("completed_on"):
            milestone_services.milestone_complete(milestone=milestone, completed_on=spec["completed_on"], by=by)
    for spec in data["risks"]:
        risk = risk_services.risk_create(
            programme=programme,
            title=spec["title"],
            description=spec["description"],
            raised_on=dt.date(2025, 4, 1),
            likelihood=spec["likelihood"],
            consequence=spec["consequence"],
            target_likelihood=spec["target_likelihood"],
            target_consequence=spec["target_consequence"],
            category=spec["category"],
            schemes=[schemes[ref] for ref in spec["schemes"]],
            demo_values=True,
            by=by,
        )
        risk_services.mitigating_action_add(risk=risk, action=spec["mitigation"], by=by)
    for period in closing:  # Q1 reported to the board: closed once its completions are recorded
        scheme_services.reporting_period_close(period=period, by=by)
    return schemes


def _load_fund(data: dict, *, programme: Programme, schemes: dict, by: User, officer: User) -> Fund:
    """The pooled fund by source and its 25-line expenditure plan, funded by one approved decision, with Q1 and Q2
    spend and the required NHS minimum contribution to adult social care."""
    f = data["fund"]
    year = finance_services.financial_year_get_or_create(start_year=START_YEAR)
    fund = finance_services.fund_create(
        slug=f["slug"],
        name=f["name"],
        kind="pooled",
        programme=programme,
        section_75=True,
        risk_share=f["risk_share"],
        description=f["description"],
        years=[year],
        by=officer,
    )
    for c in data["contributions"]:
        finance_services.contribution_add(
            fund=fund,
            contributor=c["contributor"],
            amount=Decimal(c["amount"]),
            financial_year=year,
            funding_source=c["source"],
            note="Illustrative figure.",
            by=officer,
        )
    finance_services.nhs_minimum_required_set(
        fund=fund,
        financial_year=year,
        required=Decimal(f["nhs_minimum_to_asc"]),
        note="Illustrative figure.",
        by=by,
    )
    lines = []
    for ref, name, type_code, sub_type, commissioner, provider, source, amount, outputs, unit, asc in data["lines"]:
        scheme = schemes[ref]
        lines.append(
            (
                Allocation(
                    initiative=scheme.workstream.name,
                    workstream=f"{ref} {scheme.name}",
                    scheme_name=name,
                    scheme=scheme,
                    scheme_type=type_code,
                    sub_type=sub_type,
                    commissioner=commissioner,
                    provider=provider,
                    funding_source=source,
                    outputs_planned=Decimal(outputs),
                    outputs_unit=unit,
                    outputs_delivered=(Decimal(outputs) * OUTPUTS_SHARE).quantize(Decimal("1")),
                    counts_to_asc_minimum=asc,
                ),
                Decimal(amount),
            )
        )
    allocations = finance_services.allocations_add_bulk(fund=fund, allocations=[a for a, _ in lines], by=by)
    decision = finance_services.decision_record(
        fund=fund,
        title="Northdale BCF plan 2025/26 (illustrative)",
        body="Northdale Health and Wellbeing Board",
        decided_on=dt.date(2025, 3, 25),
        reference="HWB/2025/03 (illustrative)",
        key_decision=True,
        notice_given=True,
        by=by,
    )
    total = sum((amount for _, amount in lines), Decimal("0"))
    finance_services.movement_propose(
        decision=decision,
        kind=MovementKind.ALLOCATION,
        reason="The 2025/26 expenditure plan as agreed by the ICB and the council",
        financial_year=year,
        lines=[
            (None, -total),
            *((allocation, amount) for allocation, (_, amount) in zip(allocations, lines, strict=True)),
        ],
        by=by,
    )
    finance_services.decision_clear_finance(decision=decision, by=officer)
    finance_services.decision_approve(decision=decision, by=officer)
    _spend(year, allocations, [amount for _, amount in lines], by=officer)
    return fund


def _spend(year: FinancialYear, allocations: list[Allocation], amounts: list[Decimal], *, by: User) -> None:
    """Q1 and Q2 planned and actual spend for every line, in one bulk write with its history."""
    rows = [
        QuarterlySpend(
            allocation=allocation,
            financial_year=year,
            quarter=quarter,
            planned=(amount / 4).quantize(Decimal("0.01")),
            actual=(amount * SPEND_SHARE[quarter]).quantize(Decimal("0.01")),
            note="Illustrative figure.",
        )
        for allocation, amount in zip(allocations, amounts, strict=True)
        for quarter in QUARTERS_DONE
    ]
    bulk_create_with_history(rows, QuarterlySpend, default_user=by)
