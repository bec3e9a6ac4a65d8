"""Business case pages: the portfolio, a case with its scenarios side by side and planned vs realised by quarter,
and the small forms that draft, cost, measure and decide it. Access in cases/permissions.py; rules in services."""

from django.contrib import messages
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
from core.forms import VersionedForm, save_with
from core.history import audit_entries
from core.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from metrics.models import Metric
from risks.models import Risk
from schemes.models import Approval, ApprovalOutcome
from schemes.permissions import (
    can_read_source_notes,
    history_hidden_fields,
    programme_choices,
    programme_current,
)


def _programme(request):
    slug = request.GET.get("programme") or request.POST.get("programme")
    return programme_current(request, slug)


def portfolio(request):
    permissions.require_case_reader(request.user)
    programme = _programme(request)
    summaries = selectors.portfolio(programme=programme, by_quarter=False) if programme else []
    return render(
        request,
        "cases/portfolio.html",
        {
            "programme": programme,
            "programmes": programme_choices(request.user),
            "summaries": summaries,
            # Reversed once: a {% url %} tag on each of 200 rows cost more than all their figures.
            "detail_url": reverse("cases:detail", args=[0]).removesuffix("0/"),
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
        permissions.require_case_proposer(request.user, programme=programme, scheme=form.cleaned_data["scheme"])
        saved = save_with(form, lambda d: services.business_case_create(programme=programme, by=request.user, **d))
        if saved.ok:
            messages.success(request, f"Outline business case “{saved.value.title}” started.")
            return redirect("cases:detail", pk=saved.value.pk)
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
            line.measure_form = MeasureForm(
                metrics=metrics, initial={"version": line.version}, auto_id=f"measure{line.pk}_%s"
            )
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
            ],
            hidden={"Business case": history_hidden_fields(user, case.programme_id)},
        ),
        "show_source_note": can_read_source_notes(user, case.programme_id),
    }
    return render(request, "cases/case_detail.html", context)


def _back(case_pk: int, anchor: str = ""):
    return redirect(reverse("cases:detail", args=[case_pk]) + (f"#{anchor}" if anchor else ""))


def _not_saved(form) -> str:
    """'Not saved: <field>: <why> …' from a form holding its own and the service's refusals."""
    parts = []
    for name, errors in form.errors.items():
        reasons = " ".join(str(e).removeprefix("Not saved: ") for e in errors)
        parts.append(f"{form[name].label}: {reasons}" if name in form.fields else reasons)
    return "Not saved: " + " ".join(parts)


def _submit(request, form, action, success: str, *, case_pk: int, anchor: str = ""):
    """Every change to a case goes one way: the form checks the input's shape, then `action(cleaned_data)` calls
    the service, which holds the rules and refuses bad input or a stale edit with nothing saved
    (core.forms.save_with). Either way a message says what happened, back on the case's page."""
    if save_with(form, action).ok:
        messages.success(request, success)
    else:
        messages.error(request, _not_saved(form))
    return _back(case_pk, anchor)


@require_POST
def scenario_add(request, pk: int):
    case = permissions.case_get_for_edit(user=request.user, pk=pk)
    return _submit(
        request,
        ScenarioForm(request.POST, case=case),
        lambda d: services.scenario_add(case=case, by=request.user, **d),
        f"Scenario “{request.POST.get('name', '').strip()}” added.",
        case_pk=case.pk,
        anchor="scenarios",
    )


@require_POST
def investment_add(request, pk: int):
    scenario = permissions.scenario_get_for_edit(user=request.user, pk=pk)
    return _submit(
        request,
        InvestmentForm(request.POST),
        lambda d: services.investment_line_add(scenario=scenario, by=request.user, **d),
        "Investment added.",
        case_pk=scenario.case_id,
        anchor="scenarios",
    )


@require_POST
def benefit_add(request, pk: int):
    scenario = permissions.scenario_get_for_edit(user=request.user, pk=pk)
    return _submit(
        request,
        BenefitForm(request.POST),
        lambda d: services.benefit_line_add(scenario=scenario, by=request.user, **d),
        "Benefit added.",
        case_pk=scenario.case_id,
        anchor="scenarios",
    )


@require_POST
def benefit_edit(request, pk: int):
    line = permissions.benefit_line_get(user=request.user, pk=pk)
    return _submit(
        request,
        BenefitEditForm(request.POST),
        lambda d: services.benefit_line_update(
            line=line,
            activity=d["activity"],
            first_year_months=d["first_year_months"],
            reason=d["reason"],
            expected_version=d["version"],
            by=request.user,
        ),
        "Benefit changed.",
        case_pk=line.scenario.case_id,
        anchor="scenarios",
    )


@require_POST
def unit_cost_set(request, pk: int):
    line = permissions.benefit_line_get(user=request.user, pk=pk, unit_costs=True)
    return _submit(
        request,
        UnitCostForm(request.POST),
        lambda d: services.benefit_unit_cost_set(
            line=line,
            unit_cost=d["unit_cost"],
            source=d["unit_cost_source"],
            reason=d["reason"],
            expected_version=d["version"],
            by=request.user,
        ),
        "Unit cost set.",
        case_pk=line.scenario.case_id,
        anchor="scenarios",
    )


@require_POST
def benefit_measure(request, pk: int):
    line = permissions.benefit_line_get_for_measure(user=request.user, pk=pk)
    case = line.scenario.case
    return _submit(
        request,
        MeasureForm(request.POST, metrics=Metric.objects.filter(programme_id=case.programme_id)),
        lambda d: services.benefit_line_measure(
            line=line, metric=d["metric"], baseline=d["baseline"], expected_version=d["version"], by=request.user
        ),
        "Measure set.",
        case_pk=case.pk,
        anchor="realisation",
    )


@require_POST
def make_full(request, pk: int):
    case = permissions.case_get_for_edit(user=request.user, pk=pk)
    return _submit(
        request,
        VersionedForm(request.POST),
        lambda d: services.business_case_make_full(case=case, expected_version=d["version"], by=request.user),
        "Now a full business case.",
        case_pk=case.pk,
    )


@require_POST
def decide(request, pk: int):
    case = permissions.case_get_for_decision(user=request.user, pk=pk)
    approvals = Approval.objects.filter(scheme_id=case.scheme_id) if case.scheme_id else Approval.objects.none()
    return _submit(
        request,
        DecideForm(request.POST, approvals=approvals),
        lambda d: services.business_case_decide(
            case=case, decision=d["decision"], expected_version=d["version"], by=request.user
        ),
        "Decision recorded.",
        case_pk=case.pk,
    )


@require_POST
def risk_link(request, pk: int):
    case = permissions.case_get_for_risk_link(user=request.user, pk=pk)
    return _submit(
        request,
        RiskLinkForm(request.POST, risks=Risk.objects.filter(programme_id=case.programme_id)),
        lambda d: services.case_risk_link(case=case, risk=d["risk"], by=request.user),
        "Risk linked.",
        case_pk=case.pk,
        anchor="risks",
    )
