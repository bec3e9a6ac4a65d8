"""Builds the demo programme and fund from the YAML transcriptions in demo/data, through the apps' own services."""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from accounts.services import partnership_ensure, programme_office_admin_permissions_grant, user_ensure
from cases import services as case_services
from cases.models import BusinessCase
from demo.northdale import northdale_load, northdale_programme_ensure
from finance import services as finance_services
from finance.models import Fund
from finance.selectors import fund_balances, fund_reconciliation
from metrics import services as metric_services
from milestones import services as milestone_services
from reporting import highlight
from returns import services as return_services
from risks import services as risk_services
from risks.models import RiskCategory
from schemes import services as scheme_services
from schemes.models import Programme, SchemeStatus

DATA_DIR = Path(__file__).resolve().parent / "data"
PROGRAMME_FILE = DATA_DIR / "trafford_bcf_2015_16.yaml"
FUND_FILE = DATA_DIR / "trafford_tf.yaml"
BUDGETS_FILE = DATA_DIR / "trafford_budgets_2016_17.yaml"
METRICS_FILE = DATA_DIR / "trafford_metrics_2015_16.yaml"
POOLED_FILE = DATA_DIR / "trafford_bcf_pooled_2015_16.yaml"
CASES_FILE = DATA_DIR / "manchester_cases_2012.yaml"
NORTHDALE_FILE = DATA_DIR / "northdale_bcf_2025_26.yaml"  # invented: the illustrative 2025/26 partnership

# The demo sign-ins, one per role (password: settings.DEMO_PASSWORD). `lead` is Sarah Gunshon, lead of 5.1 and 5.2.
DEMO_USERS: list[dict[str, Any]] = [
    {
        "username": "pmo",
        "first_name": "Programme",
        "last_name": "Office",
        "job_title": "BCF programme office",
        "roles": [Role.PROGRAMME_OFFICE],
        "is_staff": True,  # kept from before; the admin itself opens for superusers only (accounts/admin.py)
    },
    {
        "username": "lead",
        "first_name": "Sarah",
        "last_name": "Gunshon",
        "job_title": "Project lead",
        "roles": [Role.PROJECT_LEAD],
    },
    {
        "username": "steering",
        "first_name": "Steering",
        "last_name": "Member",
        "job_title": "BCF Steering Group member",
        "roles": [Role.STEERING_GROUP],
    },
    {
        "username": "secretary",
        "first_name": "Board",
        "last_name": "Secretary",
        "job_title": "Health & Wellbeing Board secretary",
        "roles": [Role.BOARD_SECRETARY],
    },
    {
        "username": "finance",
        "first_name": "Finance",
        "last_name": "Officer",
        "job_title": "Finance officer",
        "roles": [Role.FINANCE_OFFICER],
    },
    {
        "username": "governance",
        "first_name": "Governance",
        "last_name": "Secretary",
        "job_title": "Secretary to TSG, CC&FC and PRAP",
        "roles": [Role.GOVERNANCE_SECRETARY],
    },
]


@dataclass
class DemoLoadReport:
    users: list[str] = field(default_factory=list)
    programme_created: bool = False
    fund_created: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def _split_name(full: str) -> tuple[str, str]:
    parts = full.split()
    return (parts[0], " ".join(parts[1:])) if len(parts) > 1 else (full, "")


DEMO_PARTNERSHIP = {"slug": "trafford", "name": "Trafford", "hwb_area": "Trafford"}
# Manchester's 2012 investment cases (seed 002) belong to another Health & Wellbeing Board area.
CASES_PARTNERSHIP = {"slug": "manchester", "name": "Manchester", "hwb_area": "Manchester"}


def demo_users_ensure(*, password: str, programmes=()) -> dict[str, User]:
    """Create the demo sign-ins, one per role, each holding it on these programmes, with the demo password
    (idempotent)."""
    programme_office_admin_permissions_grant()
    return {spec["username"]: user_ensure(password=password, programmes=programmes, **spec) for spec in DEMO_USERS}


def _programme_create(p: dict, *, partnership) -> Programme:
    """The programme with this slug, created in the partnership if missing (left as it is if it exists)."""
    found = Programme.objects.filter(slug=p["slug"]).first()
    if found is not None:
        return found
    return scheme_services.programme_create(
        slug=p["slug"],
        name=p["name"],
        partnership=partnership,
        organisation=p.get("organisation", ""),
        health_and_wellbeing_board=p.get("health_and_wellbeing_board", ""),
        start_date=p["start_date"],
        end_date=p["end_date"],
    )


# libyaml's parser when PyYAML has it (the same safe constructor, ~10x faster): the seed files are read on
# every demo load, and the test suite loads the demo a few hundred times.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - a safe loader


@transaction.atomic
def demo_load(*, password: str | None = None) -> DemoLoadReport:
    """Load the demo users, the Trafford BCF 2015/16 programme and the Trafford TF fund.

    Idempotent: a programme or fund whose slug already exists is left exactly as it is.
    """
    report = DemoLoadReport()
    partnership = partnership_ensure(**DEMO_PARTNERSHIP)
    fund_data, budgets = _read_yaml(FUND_FILE), _read_yaml(BUDGETS_FILE)
    # The demo's three Trafford programmes: the 2015/16 BCF, the Transformation Fund and the 2016/17 budgets.
    programme_data = _read_yaml(PROGRAMME_FILE)
    new_programme = not Programme.objects.filter(slug=programme_data["programme"]["slug"]).exists()
    programme = _programme_create(programme_data["programme"], partnership=partnership)
    cases = _read_yaml(CASES_FILE)
    new_cases = not Programme.objects.filter(slug=cases["programme"]["slug"]).exists()
    manchester = _programme_create(cases["programme"], partnership=partnership_ensure(**CASES_PARTNERSHIP))
    programmes = [
        programme,
        _programme_create(fund_data["programme"], partnership=partnership),
        _programme_create(budgets["programme"], partnership=partnership),
        manchester,
    ]
    # Each demo sign-in holds its role on every demo programme (memberships, issue 17).
    users = demo_users_ensure(password=password or settings.DEMO_PASSWORD, programmes=programmes)
    report.users = list(users)
    pmo = users["pmo"]
    if new_programme:
        _load_programme(programme_data, programme=programme, users=users, by=pmo, report=report)
        report.programme_created = True
    # Money goes through the separation of duties like any other: the programme office proposes each decision,
    # the finance officer gives its clearance in the app and approves it.
    if not Fund.objects.filter(slug=fund_data["fund"]["slug"]).exists():
        _load_fund(fund_data, programme=programmes[1], by=pmo, officer=users["finance"], report=report)
        report.fund_created = True
    pooled = _read_yaml(POOLED_FILE)
    if not Fund.objects.filter(slug=pooled["fund"]["slug"]).exists():
        _fund_create(pooled, programme=programme, by=users["finance"])
    if not Fund.objects.filter(slug=budgets["fund"]["slug"]).exists():
        _load_budgets(budgets, programme=programmes[2], by=pmo, officer=users["finance"], report=report)
    if not programme.metrics.exists():
        _load_metrics(_read_yaml(METRICS_FILE), programme=programme, by=pmo, report=report)
    if new_cases:
        _load_cases(cases, programme=manchester, by=pmo, report=report)
    # The current year's illustrative partnership, with its own sign-ins (northdale-pmo, …) on it alone.
    northdale_data = _read_yaml(NORTHDALE_FILE)
    northdale, new_northdale = northdale_programme_ensure(northdale_data)
    if new_northdale:
        report.counts.update(
            northdale_load(northdale_data, programme=northdale, password=password or settings.DEMO_PASSWORD)
        )
    return report


def _load_cases(data: dict, *, programme: Programme, by: User, report: DemoLoadReport) -> Programme:
    """Manchester's four intermediate care pilots' business cases (seed 002), their paper to the CICB (pending) and
    the risks of investment, all through the services. The net table is then computed, never typed."""
    p = data["programme"]
    by_ref: dict[str, BusinessCase] = {}
    for spec in data["cases"]:
        scheme = scheme_services.scheme_create(
            programme=programme, ref=spec["scheme"]["ref"], name=spec["scheme"]["name"], by=by
        )
        scheme_services.approval_record(
            scheme=scheme, body=data["approval"]["body"], item=data["approval"]["item"], by=by
        )
        case = case_services.business_case_create(
            programme=programme,
            scheme=scheme,
            title=spec["title"],
            summary=spec.get("summary", ""),
            source_note=spec.get("source_note", ""),
            first_year=int(spec.get("first_year", 2012)),
            years=int(spec.get("years", 3)),
            is_demo=True,
            by=by,
        )
        baseline = case.scenarios.get(is_baseline=True)
        for line in spec["investments"]:
            case_services.investment_line_add(scenario=baseline, by=by, **line)
        benefits = []
        for line in spec["benefits"]:
            fields = dict(line)
            fields["shares"] = [(partner, Decimal(str(percent))) for partner, percent in fields.get("shares", [])]
            benefits.append(case_services.benefit_line_add(scenario=baseline, by=by, **fields))
        for variant in spec.get("scenarios", []):
            scenario = case_services.scenario_add(case=case, name=variant["name"], copy_from=baseline, by=by)
            vary = variant["vary"]
            line = scenario.benefits.order_by("order", "id")[int(vary["benefit"])]
            case_services.benefit_line_update(line=line, activity=vary["activity"], reason=vary["reason"], by=by)
        case_services.business_case_make_full(case=case, by=by)
        by_ref[scheme.ref] = case
    for spec in data["risks"]:
        linked = [by_ref[ref] for ref in spec.get("cases", by_ref)]
        risk = risk_services.risk_create(
            programme=programme,
            title=spec["title"],
            description=spec["description"],
            raised_on=p["start_date"],
            likelihood=3,
            consequence=3,
            target_likelihood=2,
            target_consequence=3,
            category=RiskCategory.FINANCIAL,
            schemes=[case.scheme for case in linked if case.scheme is not None],
            demo_values=True,
            by=by,
        )
        risk_services.mitigating_action_add(risk=risk, action=spec["mitigation"], by=by)
        for case in linked:
            case_services.case_risk_link(case=case, risk=risk, by=by)
    report.counts["business cases"] = len(by_ref)
    return programme


def _load_metrics(data: dict, *, programme: Programme, by: User, report: DemoLoadReport) -> None:
    """The six BCF metrics (seed 000 §2.6) and three scheme KPIs, with illustrative (demo) figures."""
    schemes = {s.ref: s for s in programme.schemes.all()}
    specs = [(spec, None) for spec in data["metrics"]] + [(spec, schemes[spec["scheme"]]) for spec in data["kpis"]]
    periods = 0
    for order, (spec, scheme) in enumerate(specs):
        fields = {key: spec[key] for key in metric_services.METRIC_FIELDS if key in spec and key != "name"}
        for key in ("baseline_value", "tolerance_percent"):
            if key in fields:
                fields[key] = Decimal(str(fields[key]))
        metric = metric_services.metric_create(
            programme=programme,
            scheme=scheme,
            code=spec["code"],
            name=spec["name"],
            is_demo=True,
            order=order,
            by=by,
            **fields,
        )
        if "plan_from_baseline" in spec:
            plan = spec["plan_from_baseline"]
            if metric.baseline_value is None:
                raise ValueError(f"Demo metric {metric.code} plans from a baseline but has none.")
            periods += len(
                metric_services.plans_from_baseline(
                    metric=metric,
                    first_period=plan["first"],
                    periods=plan["periods"],
                    per_period=metric.baseline_value,
                    change_percent=Decimal(str(plan["change_percent"])),
                    by=by,
                )
            )
        for period, value in (spec.get("plans") or {}).items():
            metric_services.plan_set(metric=metric, period_start=period, plan=Decimal(str(value)), by=by)
            periods += 1
        for period, figures in (spec.get("actuals") or {}).items():
            metric_services.actual_record(
                metric=metric,
                period_start=period,
                actual=Decimal(str(figures["actual"])),
                note=figures.get("note", ""),
                by=by,
            )
    report.counts["metrics"] = len(specs)
    report.counts["metric periods"] = periods


def _lead_user(lead: dict, users: dict[str, User], programme: Programme) -> User:
    username = lead["username"]
    if username in users:
        return users[username]
    first, last = _split_name(lead["name"])
    # Other leads get accounts with no usable password until the programme office invites them.
    users[username] = user_ensure(
        username=username,
        first_name=first,
        last_name=last,
        job_title="Project lead",
        roles=[Role.PROJECT_LEAD],
        programmes=[programme],
    )
    return users[username]


def _source_note(m: dict) -> str:
    """How a milestone was transcribed from the paper: for the programme office, never printed as a reason."""
    parts = [f"Source: {m['source']}." if m.get("source") else ""]
    parts += [m.get(key) or "" for key in ("note", "completion_reading")]
    if m.get("date_change_source"):
        parts.append(f"Date move as transcribed: {m['date_change_source']}")
    return " ".join(" ".join(str(p).split()) for p in parts if p)


def _load_programme(
    data: dict, *, programme: Programme, users: dict[str, User], by: User, report: DemoLoadReport
) -> Programme:
    workstreams = {
        w["name"]: scheme_services.workstream_create(programme=programme, name=w["name"], order=i, by=by)
        for i, w in enumerate(data["workstreams"])
    }
    periods = {
        period["code"]: scheme_services.reporting_period_create(
            programme=programme,
            code=period["code"],
            name=period["name"],
            start_date=period["start_date"],
            end_date=period["end_date"],
            steering_group_date=period.get("steering_group_date"),
            board_date=period.get("board_date"),
            by=by,
        )
        for period in data["periods"]
    }
    schemes = {}
    counts = {"schemes": 0, "milestones": 0, "comments": 0, "approvals": 0, "risks": 0}
    for s in data["schemes"]:
        scheme = scheme_services.scheme_create(
            programme=programme,
            ref=s["ref"],
            name=s["name"],
            workstream=workstreams.get(s.get("workstream")),
            description=(s.get("description") or "").strip(),
            clinical_lead=s.get("clinical_lead") or "",
            reports_to_ccg=bool(s.get("reports_to_ccg")),
            reports_to_gm=bool(s.get("reports_to_gm")),
            reports_to_national=bool(s.get("reports_to_national")),
            status=s.get("status", SchemeStatus.ACTIVE),
            by=by,
        )
        schemes[s["ref"]] = scheme
        counts["schemes"] += 1
        for lead in s.get("leads") or []:
            scheme_services.scheme_lead_assign(
                scheme=scheme,
                user=_lead_user(lead, users, programme),
                start_date=lead.get("start_date"),
                end_date=lead.get("end_date"),
                by=by,
            )
        for order, m in enumerate(s.get("milestones") or []):
            milestone = milestone_services.milestone_create(
                scheme=scheme,
                description=m["description"],
                phase=str(m.get("phase") or ""),
                start_date=m.get("start_date"),
                baseline_date=m["baseline_date"],
                due_date=m["baseline_date"],
                order=order,
                source_note=_source_note(m),
                by=by,
            )
            if m["due_date"] != m["baseline_date"]:
                # Replay the move through the service, so the demo shows "deadline extended from …" (or "brought
                # forward from …") with the reason the paper gives; how it was read stays in the source note.
                milestone_services.milestone_move(
                    milestone=milestone, new_date=m["due_date"], reason=m["date_change_reason"], by=by
                )
            if m.get("completed_on"):
                milestone_services.milestone_complete(milestone=milestone, completed_on=m["completed_on"], by=by)
            if m.get("outcome"):
                milestone_services.milestone_close(
                    milestone=milestone, outcome=m["outcome"], reason=m["outcome_reason"], by=users["governance"]
                )
            counts["milestones"] += 1
        for a in s.get("approvals") or []:
            # The bodies' decisions are recorded by their secretary, not by the programme office or a lead.
            scheme_services.approval_record(
                scheme=scheme,
                body=a["body"],
                item=a["item"],
                papers_date=a.get("papers_date"),
                meeting_date=a.get("meeting_date"),
                outcome=a.get("outcome", "pending"),
                reason=a.get("reason") or "",
                by=users["governance"],
            )
            counts["approvals"] += 1
        for c in s.get("progress_comments") or []:
            scheme_services.progress_comment_add(
                scheme=scheme,
                period=periods[c["period"]],
                date=c["date"],
                text=c["text"],
                kind=c.get("kind", "general"),
                by=by,
            )
            counts["comments"] += 1
    for project in data.get("projects_to_scope") or []:
        scheme_services.scheme_create(
            programme=programme,
            ref="",
            name=project["name"],
            workstream=workstreams.get(project.get("workstream")),
            status=SchemeStatus.TO_SCOPE,
            by=by,
        )
        counts["schemes"] += 1
    for dep in data.get("interdependencies") or []:
        scheme_services.scheme_dependency_add(
            scheme=schemes[dep["from"]],
            depends_on=schemes[dep["to"]] if dep.get("to") else None,
            external_project=dep.get("to_external") or "",
            by=by,
        )
    for r in data.get("risks") or []:
        owner = users.get(r["owner_username"]) if r.get("owner_username") else None
        risk = risk_services.risk_create(
            programme=programme,
            title=r["title"],
            description=r["description"],
            raised_on=r["raised_on"],
            likelihood=r["likelihood"],
            consequence=r["consequence"],
            target_likelihood=r["target_likelihood"],
            target_consequence=r["target_consequence"],
            schemes=[schemes[ref] for ref in r.get("schemes") or []],
            owner=owner,
            owner_name=r.get("owner_name") or "",
            on_assurance_framework=bool(r.get("on_assurance_framework")),
            board_escalation="always" if r.get("escalated_to_board") else "auto",
            category=r.get("category", "delivery"),
            next_review_date=r.get("next_review_date"),
            demo_values=bool(r.get("demo_values")),
            by=by,
        )
        for action in r.get("mitigations") or []:
            risk_services.mitigating_action_add(
                risk=risk,
                action=action["action"],
                owner_name=action.get("owner_name") or "",
                due_date=action.get("due_date"),
                by=by,
            )
        counts["risks"] += 1
    quarter = data.get("national_conditions_quarter", "")
    for order, condition in enumerate(data.get("national_conditions") or []):
        return_services.national_condition_answer_record(
            programme=programme,
            quarter=quarter,
            code=str(condition["code"]),
            parent_code=str(condition.get("parent") or ""),
            text=condition["text"],
            answer=condition.get("answer") or "",
            order=order,
            by=by,
        )
    cover = data.get("highlight_cover")
    if cover:
        highlight.highlight_cover_save(
            programme=programme,
            period=periods[cover["period"]],
            data={name: cover.get(name, "") for name in highlight.COVER_FIELDS},
            version=None,
            by=by,
        )
    # The papers' RAG cells are empty: store what the documented rules suggest, for people to confirm or override.
    for scheme in schemes.values():
        for period in periods.values():
            scheme_services.scheme_period_update_refresh_suggestion(scheme=scheme, period=period, by=by)
    report.counts.update(counts)
    return programme


THOUSAND = Decimal("1000")


def _pounds(thousands: str) -> Decimal:
    return Decimal(str(thousands)) * THOUSAND


def _fund_create(data: dict, *, programme: Programme, by: User) -> Fund:
    f = data["fund"]
    years = {y: finance_services.financial_year_get_or_create(start_year=y) for y in data["years"]}
    return finance_services.fund_create(
        slug=f["slug"],
        name=f["name"],
        programme=programme,
        kind=f.get("kind", "transformation"),
        section_75=f.get("section_75", False),
        risk_share=" ".join((f.get("risk_share") or "").split()),
        description=" ".join((f.get("description") or "").split()),
        years=list(years.values()),
        contributions=[(c["contributor"], _pounds(c["thousands"]), years[c["year"]]) for c in data["contributions"]],
        discontinued_spend_as_at=f.get("discontinued_spend_as_at"),
        by=by,
    )


def _decision(fund: Fund, spec: dict, *, by: User):
    """A proposed decision; the paper's "finance officer clearance" (e.g. GB) is kept as its printed note."""
    fields = {k: spec[k] for k in finance_services.DECISION_FIELDS if k in spec}
    return finance_services.decision_record(
        fund=fund, by=by, finance_clearance_note=spec.get("finance_clearance", ""), **fields
    )


def _clear_and_approve(decision, *, officer: User) -> None:
    """The finance officer, who did not propose it, gives the decision clearance and approves it."""
    finance_services.decision_clear_finance(decision=decision, by=officer)
    finance_services.decision_approve(decision=decision, by=officer)


def _load_fund(data: dict, *, programme: Programme, by: User, officer: User, report: DemoLoadReport) -> Fund:
    """The Transformation Fund, with Appendix 1 rebuilt from the award, the repurposing and the discontinuations.

    `by` proposes every decision and movement; `officer` (the finance officer) clears and approves them.
    """
    fund = _fund_create(data, programme=programme, by=officer)
    year = {y.start_year: y for y in fund.financial_years.all()}
    award = _decision(fund, data["award_decision"], by=by)
    allocations = {}
    for order, a in enumerate(data["allocations"]):
        allocations[a["scheme"]] = finance_services.allocation_create_funded(
            fund=fund,
            initiative=a["initiative"],
            workstream=a.get("workstream", ""),
            scheme_name=a["scheme"],
            amount=_pounds(a.get("initial_thousands", a["thousands"])),
            decision=award,
            financial_year=year[data["award_decision"]["year"]],
            note=a.get("note", ""),
            order=order,
            by=by,
        )
    _clear_and_approve(award, officer=officer)
    spec = data["repurposing_decision"]
    repurposing = _decision(fund, spec, by=by)
    finance_services.repurposing_propose(
        decision=repurposing,
        sources=[(allocations[x["scheme"]], _pounds(x["thousands"])) for x in spec["from"]],
        destinations=[(allocations[x["scheme"]], _pounds(x["thousands"])) for x in spec["to"]],
        reason=spec["reason"],
        financial_year=year[spec["year"]],
        by=by,
    )
    for a in data["allocations"]:
        if a.get("status") == "discontinued":
            finance_services.discontinuation_propose(
                allocation=allocations[a["scheme"]],
                spend_to_date=_pounds(a["thousands"]),
                decision=repurposing,
                financial_year=year[spec["year"]],
                reason="Discontinued: Appendix 1 lists it with its estimated spend to 31 March 2019",
                by=by,
            )
    _clear_and_approve(repurposing, officer=officer)
    for a in data["allocations"]:
        if a.get("figure_in") or a.get("printed_thousands") or a.get("footnote"):
            finance_services.allocation_set_as_printed(
                allocation=allocations[a["scheme"]],
                figure_in=allocations[a["figure_in"]] if a.get("figure_in") else None,
                printed_figure=_pounds(a["printed_thousands"]) if a.get("printed_thousands") else None,
                footnote=a.get("footnote", ""),
                by=officer,
            )
    _check_appendix_1(fund, data)
    report.counts["allocations"] = len(data["allocations"])
    return fund


def _check_appendix_1(fund: Fund, data: dict) -> None:
    """Refuse to load a fund whose computed figures differ from the paper's (a transcription slip)."""
    balances = fund_balances(fund=fund).by_allocation
    for allocation in fund.allocations.all():
        row = next(a for a in data["allocations"] if a["scheme"] == allocation.scheme_name)
        if balances.get(allocation.pk, Decimal("0")) != _pounds(row["thousands"]):
            raise ValueError(f"Demo fund: {allocation.scheme_name} computes to {balances.get(allocation.pk)}")
    rec = fund_reconciliation(fund=fund)
    expected = data["expected_totals"]
    for key in ("going_forward", "discontinued"):
        if rec[key] != _pounds(expected[f"{key}_thousands"]):
            raise ValueError(f"Demo fund: {key} computes to {rec[key]}, the paper says {expected[key + '_thousands']}k")
    if rec["total"] != _pounds(expected["grand_total_thousands"]) or rec["problems"]:
        raise ValueError(f"Demo fund does not reconcile: {rec['problems']}")


def _load_budgets(data: dict, *, programme: Programme, by: User, officer: User, report: DemoLoadReport) -> Fund:
    """Seed 003's budget monitoring tables as a pooled budget: budgets as allocations, forecasts as spend rows."""
    fund = _fund_create(data, programme=programme, by=officer)
    year = fund.financial_years.get()
    decisions = {d["key"]: _decision(fund, d, by=by) for d in data["decisions"]}
    for order, a in enumerate(data["allocations"]):
        allocation = finance_services.allocation_create_funded(
            fund=fund,
            initiative=a["initiative"],
            workstream=a["workstream"],
            scheme_name=a["scheme"],
            amount=_pounds(a["budget"]),
            decision=decisions[a["decision"]],
            financial_year=year,
            order=order,
            by=by,
        )
        finance_services.spend_record(
            allocation=allocation,
            financial_year=year,
            quarter=a["quarter"],
            forecast_outturn=_pounds(a["forecast"]),
            note="Forecast outturn from seed 003 §3",
            by=officer,
        )
    for decision in decisions.values():
        _clear_and_approve(decision, officer=officer)
    report.counts["budget lines"] = len(data["allocations"])
    return fund
