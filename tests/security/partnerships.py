"""A second partnership beside the demo's Trafford (issue 17): Northshire, with its own programme, scheme,
milestone, paper, risk, issue, KPI, fund with an allocation and decisions, issued report, report job, return in
two versions and a return job, a feed token, and one user in every role, holding it on Northshire's programme
only. Built once per test database with the security objects (tests/security/objects.py)."""

import datetime as dt
from decimal import Decimal

from accounts.roles import Role
from accounts.services import partnership_ensure, user_ensure
from api import services as api_services
from core.models import JobState
from finance import services as finance_services
from finance.models import Movement
from metrics import services as metric_services
from milestones import services as milestone_services
from reporting import highlight
from reporting.renderers.pdf import html_to_pdf
from returns import services as return_services
from risks import services as risk_services
from schemes import services as scheme_services
from tests.factories.finance import decision_clear_and_approve
from tests.factories.jobs import report_job, return_job
from tests.factories.returns import return_complete

NORTHSHIRE = "northshire-bcf-2015-16"
NORTHSHIRE_FUND = "northshire-pooled"
NORTHSHIRE_FUND_NAME = "Northshire pooled budget"
# The Northshire user holding each demo role (the demo user's name with "n-" in front).
ROLE_OF = {
    "pmo": Role.PROGRAMME_OFFICE,
    "lead": Role.PROJECT_LEAD,
    "steering": Role.STEERING_GROUP,
    "secretary": Role.BOARD_SECRETARY,
    "finance": Role.FINANCE_OFFICER,
    "governance": Role.GOVERNANCE_SECRETARY,
}


def northshire_build() -> dict:
    partnership = partnership_ensure(slug="northshire", name="Northshire", hwb_area="Northshire HWB")
    programme = scheme_services.programme_create(
        slug=NORTHSHIRE,
        name="Northshire BCF 2015/16",
        partnership=partnership,
        start_date=dt.date(2015, 4, 1),
        end_date=dt.date(2016, 4, 1),
    )
    users = {
        name: user_ensure(
            username=f"n-{name}", first_name="Northshire", last_name=name, roles=[role], programmes=[programme]
        )
        for name, role in ROLE_OF.items()
    }
    pmo = users["pmo"]
    periods = [
        scheme_services.reporting_period_create(
            programme=programme,
            code=code,
            name=name,
            start_date=start,
            end_date=end,
            board_date=end,
        )
        for code, name, start, end in [
            ("2015-16-P1", "Northshire P1", dt.date(2015, 4, 1), dt.date(2015, 6, 1)),
            ("2015-16-P2", "Northshire P2", dt.date(2015, 6, 1), dt.date(2015, 8, 1)),
        ]
    ]
    scheme = scheme_services.scheme_create(programme=programme, ref="N1", name="Northshire Falls Service")
    scheme_services.scheme_lead_assign(scheme=scheme, user=users["lead"], start_date=dt.date(2015, 4, 1))
    milestone = milestone_services.milestone_create(
        scheme=scheme, description="Northshire falls pathway agreed", due_date=dt.date(2015, 7, 1), by=pmo
    )
    approval = scheme_services.approval_record(scheme=scheme, body="TSG", item="Northshire business case", by=pmo)
    risk = risk_services.risk_create(
        programme=programme,
        title="Northshire workforce risk",
        description="Northshire matrix fixture",
        raised_on=dt.date(2015, 6, 1),
        likelihood=3,
        consequence=3,
        target_likelihood=2,
        target_consequence=2,
        schemes=[scheme],
    )
    action = risk_services.mitigating_action_add(risk=risk, action="Northshire action")
    issue_risk = risk_services.risk_create(
        programme=programme,
        title="Northshire issue",
        description="Northshire matrix fixture",
        raised_on=dt.date(2015, 6, 1),
        likelihood=3,
        consequence=3,
        target_likelihood=2,
        target_consequence=2,
        schemes=[scheme],
    )
    issue = risk_services.risk_convert_to_issue(risk=issue_risk, impact="It happened in Northshire")
    kpi = metric_services.metric_create(programme=programme, scheme=scheme, code="n-kpi", name="Northshire KPI")
    metric_services.plan_set(metric=kpi, period_start=dt.date(2015, 7, 1), plan=Decimal("10"))
    fund, allocation, decision = _money(programme, scheme, pmo)
    issued = highlight.highlight_report_issue(
        programme=programme, period=periods[0], meeting="Northshire HWB", meeting_date=dt.date(2015, 6, 9)
    )
    job = report_job(
        period=periods[0], by=users["secretary"], state=JobState.DONE, file=html_to_pdf("<p>Draft</p>").pdf
    )
    token, _raw = api_services.token_create(user=users["finance"], name="Northshire matrix")
    draft = return_complete(
        return_services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo), by=pmo
    )
    return_services.quarterly_return_sign_off(quarterly_return=draft, on_behalf_of="Northshire HWB", by=pmo)
    correction = return_services.quarterly_return_correct(
        programme=programme, quarter="2015-16-Q1", reason="Northshire correction", by=pmo
    )
    objects = {
        "scheme": scheme,
        "approval": approval,
        "milestone": milestone,
        "risk": risk,
        "action": action,
        "issue": issue,
        "metric": kpi,
    }
    return {
        "programme": programme,
        "users": users,
        # The Northshire lead leads N1: it is their own scheme, whichever side the matrix asks for.
        "own": objects,
        "other": objects,
        "decision": decision,
        "allocation": allocation,
        "movement": Movement.objects.filter(fund=fund).order_by("pk").last(),
        "token": token,
        "returns": {
            "answer": correction.answers.get(code="nc.1"),
            "job": return_job(programme=programme, quarter="2015-16-Q1", by=pmo),
        },
        "period": periods[0],
        "issued_report": issued,
        "report_job": job,
    }


def _money(programme, scheme, pmo):
    """Northshire's own pooled fund (£3m), £1.2m allocated to N1 and the rest unallocated."""
    year = finance_services.financial_year_get_or_create(start_year=2015)
    fund = finance_services.fund_create(
        slug=NORTHSHIRE_FUND,
        name=NORTHSHIRE_FUND_NAME,
        kind="pooled",
        programme=programme,
        years=[year],
        contributions=[("Northshire ICB", Decimal("3000000.00"), year)],
        by=pmo,
    )
    decision = finance_services.decision_record(
        fund=fund, title="Northshire award", body="Northshire HWB", decided_on=dt.date(2015, 4, 1), by=pmo
    )
    allocation = finance_services.allocation_create_funded(
        fund=fund,
        initiative="Falls",
        workstream="",
        scheme_name=str(scheme),
        scheme=scheme,
        amount=Decimal("1200000.00"),
        decision=decision,
        financial_year=year,
        by=pmo,
    )
    decision_clear_and_approve(decision)
    return fund, allocation, decision
