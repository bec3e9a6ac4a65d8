"""Setting up a programme's money in the browser (issue 17): financial years, funds and their contributions.
Who may: finance.permissions (the programme office, by the same rule as the programme's other set-up pages)."""

from django.contrib import messages
from django.shortcuts import redirect, render

from core.forms import save_with
from finance import permissions, selectors, services
from finance.forms import ContributionAddForm, FinancialYearAddForm, FundSetupForm, NhsMinimumForm
from finance.models import FinancialYear, Fund
from schemes.permissions import programme_current

FUND_FIELDS = ["name", "kind", "section_75", "risk_share", "description", "years"]


def setup_years(request):
    """The financial years money can be recorded in, and a form to add one."""
    permissions.setup_check(request.user)
    form = FinancialYearAddForm(request.POST or None)
    if request.method == "POST":
        saved = save_with(form, lambda d: services.financial_year_add(start_year=d["start_year"], by=request.user))
        if saved.ok:
            messages.success(request, f"Financial year {saved.value.label} added.")
            return redirect(request.get_full_path())
    slug = request.GET.get("programme")
    programme = permissions.setup_programme_get(user=request.user, slug=slug) if slug else programme_current(request)
    return render(
        request,
        "finance/setup/years.html",
        {"form": form, "years": FinancialYear.objects.order_by("start_year"), "programme": programme},
    )


def setup_funds(request, slug: str):
    """A programme's funds with their computed totals, and a form to add one."""
    programme = permissions.setup_programme_get(user=request.user, slug=slug)
    form = FundSetupForm(request.POST or None)
    if request.method == "POST":
        saved = save_with(
            form,
            lambda d: services.fund_set_up(programme=programme, by=request.user, **{f: d[f] for f in FUND_FIELDS}),
        )
        if saved.ok:
            messages.success(request, f"Fund “{saved.value}” added: now add its contributions.")
            return redirect("finance:setup_fund", slug=saved.value.slug)
    funds = [
        {"fund": fund, "total": selectors.fund_total(fund=fund)}
        for fund in Fund.objects.filter(programme=programme).order_by("name")
    ]
    return render(request, "finance/setup/funds.html", {"programme": programme, "form": form, "funds": funds})


def setup_fund(request, slug: str):
    """One fund: its details and years, its contributions and the total they make (computed, never typed)."""
    fund = permissions.fund_get_for_setup(user=request.user, slug=slug)
    initial = {f: getattr(fund, f) for f in FUND_FIELDS if f != "years"}
    form = FundSetupForm(
        request.POST if "save_fund" in request.POST else None,
        initial=initial | {"years": list(fund.financial_years.all()), "version": fund.version},
    )
    policy_year = selectors.policy_year_of(services.plan_year_of(fund))
    contribution = ContributionAddForm(
        request.POST if "add_contribution" in request.POST else None, policy_year=policy_year
    )
    plan_years = FinancialYear.objects.filter(start_year__in=selectors.expenditure_plan_years(fund))
    requirements = {r.financial_year_id: r for r in fund.nhs_minimum_requirements.select_related("financial_year")}
    first = requirements.get(plan_years.first().pk) if plan_years.exists() else None
    minimum = NhsMinimumForm(
        request.POST if "save_nhs_minimum" in request.POST else None,
        years=plan_years,
        initial={"required": first.required, "note": first.note, "version": first.version} if first else {},
    )
    if request.method == "POST":
        if "save_nhs_minimum" in request.POST:
            saved = save_with(
                minimum,
                lambda d: services.nhs_minimum_required_set(
                    fund=fund,
                    financial_year=d["financial_year"],
                    required=d["required"],
                    note=d["note"],
                    expected_version=d["version"],
                    by=request.user,
                ),
            )
            done = "Required NHS minimum contribution to adult social care saved."
        elif "save_fund" in request.POST:
            saved = save_with(
                form,
                lambda d: services.fund_update(
                    fund=fund,
                    by=request.user,
                    expected_version=d["version"],
                    **{f: d[f] for f in FUND_FIELDS},
                ),
            )
            done = "Fund saved."
        else:
            saved = save_with(
                contribution,
                lambda d: services.contribution_add(fund=fund, by=request.user, **d),
            )
            done = "Contribution added."
        if saved.ok:
            messages.success(request, done)
            return redirect("finance:setup_fund", slug=fund.slug)
    return render(
        request,
        "finance/setup/fund.html",
        {
            "programme": fund.programme,
            "fund": fund,
            "form": form,
            "contribution_form": contribution,
            "nhs_minimum_form": minimum if plan_years else None,
            "requirements": sorted(requirements.values(), key=lambda r: r.financial_year.start_year),
            "contributions": fund.contributions.select_related("financial_year").order_by("id"),
            "total": selectors.fund_total(fund=fund),
        },
    )
