"""Objects the security tests reach every URL with: the demo, plus for the project lead an object of their own
(scheme 5.1) and someone else's (5.3) of each kind. Built once per test database (tests/shared_db.py)."""

import datetime as dt
from decimal import Decimal

from accounts.models import User
from api import services as api_services
from cases import services as case_services
from core.models import JobState
from finance.models import Allocation, Decision, Movement
from metrics import services as metric_services
from metrics.models import Metric
from milestones.models import Milestone
from programme_load.models import WorkbookUpload
from programme_load.template import SHEETS, programme_template_bytes
from reporting import highlight
from reporting.renderers.pdf import html_to_pdf
from returns import services as return_services
from risks import services as risk_services
from schemes import services as scheme_services
from schemes.models import Approval, Programme, ProgrammeLocality, Scheme
from tests.factories.jobs import report_job, return_job
from tests.factories.returns import return_complete
from tests.security.partnerships import northshire_build

PROGRAMME = "trafford-bcf-2015-16"
TF = "trafford-tf"


def _risk_on(scheme, title):
    return risk_services.risk_create(
        programme=scheme.programme,
        title=title,
        description="Matrix fixture",
        raised_on=dt.date(2015, 6, 1),
        likelihood=3,
        consequence=3,
        target_likelihood=2,
        target_consequence=2,
        schemes=[scheme],
    )


def _case(scheme, name, payer):
    """A draft business case on the scheme, proposed by nobody in the matrix (so the programme office may decide it),
    with its scenario and one benefit line."""
    case = case_services.business_case_create(
        programme=scheme.programme, scheme=scheme, title=f"{name} case", first_year=2015
    )
    scenario = case.scenarios.get()
    benefit = case_services.benefit_line_add(
        scenario=scenario,
        description=f"{name} benefit",
        activity="10",
        activity_unit="admissions",
        unit_cost="100",
        unit_cost_source="Matrix",
        first_year=2015,
        shares=[(payer, 100)],
    )
    return {"case": case, "scenario": scenario, "benefit": benefit}


def _set(scheme, name):
    risk = _risk_on(scheme, f"{name} risk")
    action = risk_services.mitigating_action_add(risk=risk, action=f"{name} action")
    issue_risk = _risk_on(scheme, f"{name} issue")
    issue = risk_services.risk_convert_to_issue(risk=issue_risk, impact="It happened")
    kpi = Metric.objects.filter(scheme=scheme).first() or metric_services.metric_create(
        programme=scheme.programme, scheme=scheme, code=f"{name}-kpi", name=f"{name} KPI"
    )
    metric_services.plan_set(metric=kpi, period_start=dt.date(2015, 7, 1), plan=Decimal("10"))
    return {
        **_case(scheme, name, "Trafford CCG"),
        "scheme": scheme,
        "approval": Approval.objects.filter(scheme=scheme).first(),
        "milestone": Milestone.objects.filter(scheme=scheme).first(),
        "risk": risk,
        "action": action,
        "issue": issue,
        "metric": kpi,
    }


def security_objects_build() -> dict:
    """Over the demo: for the project lead an object of their own (scheme 5.1) and someone else's (5.3) of each
    kind, an issued report, a finished report job, a feed token and the Q1 return in two versions."""
    programme = Programme.objects.get(slug=PROGRAMME)
    period = programme.periods.get(code="2015-16-P1")
    issued = highlight.highlight_report_issue(
        programme=programme, period=period, meeting="Health & Wellbeing Board", meeting_date=dt.date(2015, 6, 9)
    )
    job = report_job(
        period=period,
        by=User.objects.get(username="secretary"),
        state=JobState.DONE,
        file=html_to_pdf("<p>Draft</p>").pdf,
    )
    own = Scheme.objects.get(programme=programme, ref="5.1")  # the demo lead leads 5.1 and 5.2
    other = Scheme.objects.get(programme=programme, ref="5.3")
    token, _raw = api_services.token_create(user=User.objects.get(username="finance"), name="Matrix")
    return {
        "own": _set(own, "own"),
        "other": _set(other, "other"),
        "decision": Decision.objects.filter(fund__slug=TF).order_by("pk").last(),
        "allocation": Allocation.objects.filter(fund__slug=TF, status="going_forward").first(),
        "movement": Movement.objects.filter(fund__slug=TF).order_by("pk").last(),
        "token": token,
        "returns": _returns(programme),
        "period": period,
        "issued_report": issued,
        "report_job": job,
        "workbook_upload": _workbook_upload(programme),
        "locality": ProgrammeLocality.objects.get_or_create(programme=programme, name="North")[0],
        # A second partnership beside Trafford (issue 17).
        "northshire": _northshire(),
    }


def _northshire():
    """Northshire's objects, with what the set-up, workbook-load and business-case URLs need: a workstream on its
    scheme, a locality, a checked upload by its programme office, and a draft case on its scheme."""
    north = northshire_build()
    programme, scheme = north["programme"], north["own"]["scheme"]
    workstream = scheme_services.workstream_create(programme=programme, name="Northshire workstream")
    Scheme.objects.filter(pk=scheme.pk).update(workstream=workstream)
    scheme.refresh_from_db()
    north["own"].update(_case(scheme, "Northshire", "Northshire ICB"))
    north["workbook_upload"] = _workbook_upload(programme, uploaded_by=north["users"]["pmo"])
    north["locality"] = ProgrammeLocality.objects.get_or_create(programme=programme, name="Northshire North")[0]
    return north


def _workbook_upload(programme, uploaded_by=None):
    """The programme office's checked upload of a blank programme workbook (loading it changes nothing)."""
    content = programme_template_bytes(programme=programme, workstreams=[])
    return WorkbookUpload.objects.create(
        programme=programme,
        uploaded_by=uploaded_by or User.objects.get(username="pmo"),
        filename="blank.xlsx",
        content=content,
        sha256="0" * 64,
        plan={"steps": [], "counts": {sheet: {"create": 0, "change": 0} for sheet in SHEETS}},
    )


def _returns(programme):
    """The Q1 2015/16 return: version 1 signed off, version 2 a correction in draft, and a build job."""
    pmo = User.objects.get(username="pmo")
    draft = return_complete(
        return_services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo), by=pmo
    )
    return_services.quarterly_return_sign_off(quarterly_return=draft, on_behalf_of="Trafford HWB", by=pmo)
    correction = return_services.quarterly_return_correct(
        programme=programme, quarter="2015-16-Q1", reason="Matrix correction", by=pmo
    )
    return {
        "answer": correction.answers.get(code="nc.1"),
        "job": return_job(programme=programme, quarter="2015-16-Q1", by=pmo),
    }
