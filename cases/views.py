"""Business case pages: the portfolio, a case with its scenarios side by side and planned vs realised by quarter,
and the small forms that draft, cost, measure and decide it. Access in cases/permissions.py; rules in services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases import permissions, selectors, services
from cases.exports import cases_csv, cases_xlsx
from cases.forms import (
    BenefitEditForm,
    BenefitForm,
    CaseForm,
    DecideForm,
    InvestmentForm,
    MeasureForm,
    RiskLinkForm,
    ScenarioForm,
    UnitCostForm,
)
from cases.models import BenefitLine, InvestmentLine, Scenario
from core.charts import line_chart
from core.exceptions import StaleEdit
from core.forms import not_saved_text
from core.history import audit_entries
from core.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from metrics.models import Metric
from risks.models import Risk
from schemes.models import Approval, ApprovalOutcome
from schemes.permissions import programme_current, programmes_for


def _programme(request):
    slug = request.GET.get("programme") or request.POST.get("programme")
    return programme_current(request, slug)


def portfolio(request):
    permissions.require_case_reader(request.user)
    programme = _programme(request)
    summaries = selectors.portfolio(programme=programme) if programme else []
    return render(
        request,
        "cases/portfolio.html",
        {
            "programme": programme,
            "programmes": programmes_for(request.user),
            "summaries": summaries,
            "net": selectors.net_table_of(summaries) if programme else None,
            "can_propose": programme is not None
            and permissions.can_propose_case(request.user, programme=programme, scheme=None),
        },
    )


def export(request, fmt: str):
    permissions.require_case_reader(request.user)
    programme = _programme(request)
    if programme is None or fmt not in ("csv", "xlsx"):
        raise Http404("No such export.")
    tables = selectors.export_tables(programme=programme)
    if fmt == "xlsx":
        response = HttpResponse(cases_xlsx(tables), content_type=XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(cases_csv(tables), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="business-cases-{programme.slug}.{fmt}"'
    return response


def case_create(request):
    programme = _programme(request)
    if programme is None:
        raise Http404("There is no programme yet.")
    permissions.require_case_proposer(request.user, programme=programme, scheme=None)
    schemes = programme.schemes.order_by("ref", "name")
    form = CaseForm(request.POST or None, schemes=schemes, initial={"scheme": request.GET.get("scheme")})
    if request.method == "POST" and form.is_valid():
        scheme = form.cleaned_data["scheme"]
        permissions.require_case_proposer(request.user, programme=programme, scheme=scheme)
        try:
            case = services.business_case_create(
                programme=programme,
                scheme=scheme,
                title=form.cleaned_data["title"],
                first_year=form.cleaned_data["first_year"],
                years=form.cleaned_data["years"],
                summary=form.cleaned_data["summary"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, not_saved_text(exc))
        else:
            messages.success(request, f"Outline business case “{case.title}” started.")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_form.html", {"programme": programme, "form": form})


def case_detail(request, pk: int):
    case = permissions.case_get_for_view(user=request.user, pk=pk)
    summary = selectors.case_summary(case=case)
    case = summary.case
    realisation = summary.realisation
    chart = ""
    if realisation is not None:
        chart = line_chart(
            [q.label for q in realisation.quarters],
            [
                {"name": "Planned", "values": [q.planned for q in realisation.quarters], "dashed": True},
                {"name": "Realised", "values": [q.realised for q in realisation.quarters]},
            ],
            title=f"{case.title}: planned and realised benefit by quarter (£)",
            desc="Planned benefit (dashed) and benefit realised from the metrics' actuals, by quarter. The table "
            "below has the same figures.",
            unit="£",
            zero_based=True,
            width=640,
            height=220,
        )
    user = request.user
    can_edit = permissions.can_edit_case(user, case)
    approvals = Approval.objects.none()
    if case.scheme_id:
        approvals = Approval.objects.filter(
            scheme_id=case.scheme_id, outcome__in=[ApprovalOutcome.APPROVED, ApprovalOutcome.REJECTED]
        )
    metrics = Metric.objects.filter(programme_id=case.programme_id).order_by("name")
    # One form per scenario and per benefit line, each with its own field ids (a page has no repeated ids).
    for figures in summary.scenarios:
        pk = figures.scenario.pk
        initial = {"first_year": case.first_year, "first_year_months": 12}
        figures.investment_form = InvestmentForm(initial=initial, auto_id=f"inv{pk}_%s")
        figures.benefit_form = BenefitForm(initial=initial, auto_id=f"ben{pk}_%s")
    if summary.baseline is not None:
        for line in summary.baseline.benefits:
            line.measure_form = MeasureForm(metrics=metrics, auto_id=f"measure{line.pk}_%s")
    line_ids = [line.pk for s in summary.scenarios for line in s.benefits]
    context = {
        "case": case,
        "summary": summary,
        "years": case.financial_years,
        "chart": chart,
        "can_edit": can_edit,
        "can_set_unit_costs": permissions.can_set_unit_costs(user, case),
        "can_decide": permissions.can_decide_case(user, case),
        "decision_refusal": permissions.decision_refusal(user, case) if case.is_draft else None,
        "can_measure": permissions.can_record_realisation(user, case),
        "can_link_risks": permissions.can_link_risks(user, case),
        "scenario_form": ScenarioForm(case=case),
        "decide_form": DecideForm(approvals=approvals, initial={"version": case.version}),
        "risk_form": RiskLinkForm(
            risks=Risk.objects.filter(programme_id=case.programme_id).exclude(business_cases=case)
        ),
        "risks": case.risks.prefetch_related("actions").order_by("title"),
        "history": audit_entries(
            [
                ("Business case", case.history.all(), lambda r: "Business case"),
                ("Scenario", Scenario.history.filter(case_id=case.pk), lambda r: f"Scenario {r.name}"),
                (
                    "Investment",
                    InvestmentLine.history.filter(scenario__case_id=case.pk),
                    lambda r: f"Investment: {r.description}",
                ),
                ("Benefit", BenefitLine.history.filter(id__in=line_ids), lambda r: f"Benefit: {r.description}"),
            ]
        ),
    }
    return render(request, "cases/case_detail.html", context)


def _back(case_pk: int, anchor: str = ""):
    return redirect(reverse("cases:detail", args=[case_pk]) + (f"#{anchor}" if anchor else ""))


def _run(request, action, success: str) -> None:
    try:
        action()
    except (ValidationError, StaleEdit) as exc:
        messages.error(request, not_saved_text(exc))
    else:
        messages.success(request, success)


def _form_errors(request, form) -> None:
    text = " ".join(
        f"{form.fields[name].label or name if name in form.fields else ''}: {' '.join(errs)}".lstrip(": ")
        for name, errs in form.errors.items()
    )
    messages.error(request, f"Not saved: {text}")


@require_POST
def scenario_add(request, pk: int):
    case = permissions.case_get_for_edit(user=request.user, pk=pk)
    form = ScenarioForm(request.POST, case=case)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        _run(
            request,
            lambda: services.scenario_add(case=case, by=request.user, **form.cleaned_data),
            f"Scenario “{form.cleaned_data['name']}” added.",
        )
    return _back(case.pk, "scenarios")


@require_POST
def investment_add(request, pk: int):
    scenario = permissions.scenario_get_for_edit(user=request.user, pk=pk)
    form = InvestmentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        _run(
            request,
            lambda: services.investment_line_add(scenario=scenario, by=request.user, **form.cleaned_data),
            "Investment added.",
        )
    return _back(scenario.case_id, "scenarios")


@require_POST
def benefit_add(request, pk: int):
    scenario = permissions.scenario_get_for_edit(user=request.user, pk=pk)
    form = BenefitForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        _run(
            request,
            lambda: services.benefit_line_add(scenario=scenario, by=request.user, **form.cleaned_data),
            "Benefit added.",
        )
    return _back(scenario.case_id, "scenarios")


@require_POST
def benefit_edit(request, pk: int):
    line = permissions.benefit_line_get(user=request.user, pk=pk)
    form = BenefitEditForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        data = form.cleaned_data
        _run(
            request,
            lambda: services.benefit_line_update(
                line=line,
                activity=data["activity"],
                first_year_months=data["first_year_months"],
                reason=data["reason"],
                expected_version=data["version"],
                by=request.user,
            ),
            "Benefit changed.",
        )
    return _back(line.scenario.case_id, "scenarios")


@require_POST
def unit_cost_set(request, pk: int):
    line = permissions.benefit_line_get(user=request.user, pk=pk, unit_costs=True)
    form = UnitCostForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        data = form.cleaned_data
        _run(
            request,
            lambda: services.benefit_unit_cost_set(
                line=line,
                unit_cost=data["unit_cost"],
                source=data["unit_cost_source"],
                reason=data["reason"],
                expected_version=data["version"],
                by=request.user,
            ),
            "Unit cost set.",
        )
    return _back(line.scenario.case_id, "scenarios")


@require_POST
def benefit_measure(request, pk: int):
    line = permissions.benefit_line_get_for_measure(user=request.user, pk=pk)
    case = line.scenario.case
    form = MeasureForm(request.POST, metrics=Metric.objects.filter(programme_id=case.programme_id))
    if not form.is_valid():
        _form_errors(request, form)
    else:
        _run(
            request,
            lambda: services.benefit_line_measure(
                line=line, metric=form.cleaned_data["metric"], baseline=form.cleaned_data["baseline"], by=request.user
            ),
            "Measure set.",
        )
    return _back(case.pk, "realisation")


@require_POST
def make_full(request, pk: int):
    case = permissions.case_get_for_edit(user=request.user, pk=pk)
    _run(request, lambda: services.business_case_make_full(case=case, by=request.user), "Now a full business case.")
    return _back(case.pk)


@require_POST
def decide(request, pk: int):
    case = permissions.case_get_for_decision(user=request.user, pk=pk)
    approvals = Approval.objects.filter(scheme_id=case.scheme_id) if case.scheme_id else Approval.objects.none()
    form = DecideForm(request.POST, approvals=approvals)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        _run(
            request,
            lambda: services.business_case_decide(
                case=case,
                decision=form.cleaned_data["decision"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            ),
            "Decision recorded.",
        )
    return _back(case.pk)


@require_POST
def risk_link(request, pk: int):
    case = permissions.case_get_for_risk_link(user=request.user, pk=pk)
    form = RiskLinkForm(request.POST, risks=Risk.objects.filter(programme_id=case.programme_id))
    if not form.is_valid():
        _form_errors(request, form)
    else:
        _run(
            request,
            lambda: services.case_risk_link(case=case, risk=form.cleaned_data["risk"], by=request.user),
            "Risk linked.",
        )
    return _back(case.pk, "risks")
