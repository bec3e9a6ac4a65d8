"""Money pages: fund summary and Appendix 1 tree, the movement ledger, decisions with a preview, budget monitoring.

Views only read forms and call services/selectors; every rule lives in finance.services.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.exceptions import StaleEdit
from core.forms import add_service_errors, not_saved_text, save_with
from core.history import audit_entries
from core.quarters import financial_year_label
from finance import permissions, selectors, services
from finance.forms import (
    AllocationCreateForm,
    AllocationLinkForm,
    AllocationPlanForm,
    DecisionEditForm,
    DecisionForm,
    DiscontinueForm,
    PlanFieldsForm,
    RejectForm,
    RepurposingForm,
    ReversalForm,
    SpendForm,
    VersionForm,
)
from finance.models import DecisionStatus, FinancialYear, Movement, MovementLine
from schemes.permissions import can_read_source_notes, history_hidden_fields, require_programme_reader

MOVEMENTS_PER_PAGE = 50


def fund_list(request):
    require_programme_reader(request.user)
    return render(
        request,
        "finance/fund_list.html",
        {
            "funds": selectors.fund_list(funds=permissions.fund_list_for(request.user)),
            "can_manage": permissions.can_manage_money(request.user),
        },
    )


def fund_detail(request, slug: str):
    fund = permissions.fund_get(user=request.user, slug=slug)
    overview = selectors.fund_overview(fund=fund)
    plans = []
    for start_year in selectors.expenditure_plan_years(fund):
        plan = selectors.pooled_fund_year(fund, start_year)
        plans.append(
            {
                "label": financial_year_label(start_year),
                "lines": plan.lines,
                "planned": plan.planned,
                "by_source": plan.by_source,
                "contributed": plan.contributed,
                "nhs_minimum": selectors.nhs_minimum_to_adult_social_care(fund, start_year, lines=plan.lines),
                "problems": selectors.expenditure_plan_problems(fund, start_year),
            }
        )
    return render(
        request,
        "finance/fund_detail.html",
        {
            "fund": fund,
            "summary": overview["summary"],
            "tree": overview["tree"],
            "plans": plans,
            "contributions": list(fund.contributions.select_related("financial_year")),
            "proposed": list(fund.decisions.filter(status=DecisionStatus.PROPOSED).order_by("decided_on")),
            "can_manage": permissions.can_manage_money(request.user, fund.programme_id),
            "show_notes": can_read_source_notes(request.user, fund.programme_id),
        },
    )


def ledger(request, slug: str):
    fund = permissions.fund_get(user=request.user, slug=slug)
    status = request.GET.get("status") or ""
    if status not in DecisionStatus.values:
        status = ""
    page = Paginator(selectors.movement_ledger(fund=fund, status=status or None), MOVEMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "finance/ledger.html",
        {
            "fund": fund,
            "page": page,
            "status": status,
            "statuses": DecisionStatus.choices,
            "page_links": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        },
    )


def monitoring(request, slug: str):
    """Budget monitoring as at a quarter: budget, forecast outturn, variance and variance %, with subtotals."""
    fund = permissions.fund_get(user=request.user, slug=slug)
    choices = selectors.quarters_with_spend(fund=fund)
    chosen = request.GET.get("quarter")
    picked = next(((y, q) for y, q in choices if f"{y.slug}-Q{q}" == chosen), None)
    if picked is None:
        picked = choices[0] if choices else None
    report = selectors.budget_monitoring(fund=fund, year=picked[0], quarter=picked[1]) if picked else None
    return render(
        request,
        "finance/monitoring.html",
        {
            "fund": fund,
            "report": report,
            "choices": [(f"{y.slug}-Q{q}", f"{y.label} Q{q}") for y, q in choices],
            "chosen": f"{picked[0].slug}-Q{picked[1]}" if picked else "",
        },
    )


def _decision_from(form: DecisionForm, fund, user):
    return services.decision_record(fund=fund, by=user, **form.decision_fields())


PROPOSED_NEXT = (
    "Proposed: check its effect below. It counts once a finance officer has given clearance and someone other "
    "than you has approved it."
)


def _finish_decision(request, done: str):
    """A decision is only ever proposed here: clearance and approval are other people's actions on its page."""
    messages.info(request, f"{done} {PROPOSED_NEXT}")


def allocation_create(request, slug: str):
    fund = permissions.fund_get(user=request.user, slug=slug, manage=True)
    form = AllocationCreateForm(request.POST or None, fund=fund, initial={"financial_year": _current_year()})
    decision_form = DecisionForm(request.POST or None, prefix="decision")
    # A fund planned by source (2025/26 on) takes the line's expenditure plan columns with it.
    plan_form = (
        PlanFieldsForm(request.POST or None, prefix="plan", policy_year=selectors.policy_year_of(years[0]))
        if (years := selectors.expenditure_plan_years(fund))
        else None
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and decision_form.is_valid()
        and (plan_form is None or plan_form.is_valid())
    ):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                decision = _decision_from(decision_form, fund, request.user)
                allocation = services.allocation_create_funded(
                    fund=fund,
                    initiative=data["initiative"],
                    workstream=data["workstream"],
                    scheme_name=data["scheme_name"],
                    scheme=data["scheme"],
                    amount=data["amount"],
                    decision=decision,
                    financial_year=data["financial_year"],
                    reason=data["reason"],
                    note=data["note"],
                    plan=plan_form.plan_fields() if plan_form is not None else None,
                    by=request.user,
                )
                if decision.movements.exists():
                    _finish_decision(request, f"Allocation “{allocation}” added.")
                    return redirect("finance:decision", pk=decision.pk)
                decision.delete()  # no money moved: the allocation line alone is enough
                messages.success(request, f"Allocation “{allocation}” added with no money yet.")
                return redirect("finance:allocation", pk=allocation.pk)
        except ValidationError as exc:
            add_service_errors(plan_form if plan_form is not None and _names_plan_field(exc) else form, exc)
    return render(
        request,
        "finance/allocation_form.html",
        {
            "fund": fund,
            "form": form,
            "plan_form": plan_form,
            "decision_form": decision_form,
            "title": "New allocation",
        },
    )


def _names_plan_field(exc: ValidationError) -> bool:
    return hasattr(exc, "error_dict") and bool(set(exc.error_dict) & set(services.PLAN_FIELDS))


def repurpose(request, slug: str):
    fund = permissions.fund_get(user=request.user, slug=slug, manage=True)
    form = RepurposingForm(request.POST or None, fund=fund)
    decision_form = DecisionForm(request.POST or None, prefix="decision")
    if request.method == "POST" and form.is_valid() and decision_form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                decision = _decision_from(decision_form, fund, request.user)
                services.repurposing_propose(
                    decision=decision,
                    sources=data["from"],
                    destinations=data["to"],
                    reason=data["reason"],
                    financial_year=data["financial_year"]
                    or selectors.fund_year_on(fund=fund, day=decision_form.cleaned_data["decided_on"]),
                    by=request.user,
                )
                _finish_decision(request, "Repurposing recorded.")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("finance:decision", pk=decision.pk)
    return render(
        request,
        "finance/repurpose.html",
        {
            "fund": fund,
            "form": form,
            "from_rows": form.rows("from"),
            "to_rows": form.rows("to"),
            "decision_form": decision_form,
            "balances": selectors.fund_balances(fund=fund),
            "tree": selectors.allocation_tree(fund=fund),
        },
    )


def decision_detail(request, pk: int):
    decision = permissions.decision_get(user=request.user, pk=pk)
    movements = list(
        decision.movements.select_related("financial_year", "reverses", "discontinues").prefetch_related(
            "lines__allocation"
        )
    )
    can_manage = permissions.can_manage_money(request.user, decision.fund.programme_id)
    proposed = decision.status == DecisionStatus.PROPOSED
    is_proposer = decision.recorded_by_id is not None and decision.recorded_by_id == request.user.pk
    return render(
        request,
        "finance/decision_detail.html",
        {
            "decision": decision,
            "fund": decision.fund,
            "movements": movements,
            "preview": selectors.decision_preview(decision=decision),
            "can_manage": can_manage,
            "proposed": proposed,
            "is_proposer": is_proposer,
            "can_clear": proposed
            and not is_proposer
            and decision.finance_cleared_by_id is None
            and permissions.can_give_finance_clearance(request.user, decision.fund.programme_id),
            "version_form": VersionForm(initial={"version": decision.version}),
            "reject_form": RejectForm(initial={"version": decision.version}),
            "history": audit_entries(
                [
                    ("Decision", decision.history.all(), lambda r: "Decision"),
                    ("Movement", Movement.history.filter(decision_id=decision.pk), lambda r: f"Movement #{r.id}"),
                ]
            ),
        },
    )


def decision_edit(request, pk: int):
    decision = permissions.decision_get(user=request.user, pk=pk, manage=True)
    initial = {f: getattr(decision, f) for f in services.DECISION_FIELDS}
    form = DecisionEditForm(request.POST or None, initial=initial | {"version": decision.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_update(
                decision=decision,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.decision_fields(),
            )
        except StaleEdit as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Decision record saved.")
            return redirect("finance:decision", pk=pk)
    return render(request, "finance/decision_edit.html", {"decision": decision, "fund": decision.fund, "form": form})


@require_POST
def decision_approve(request, pk: int):
    decision = permissions.decision_get(user=request.user, pk=pk, manage=True)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            services.decision_approve(decision=decision, by=request.user, expected_version=form.cleaned_data["version"])
        except StaleEdit as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, not_saved_text(exc))
        else:
            messages.success(request, "Decision approved: its movements now count in the balances.")
    else:
        messages.error(request, "Not saved: reload the page and try again.")
    return redirect("finance:decision", pk=pk)


@require_POST
def decision_clear(request, pk: int):
    """A finance officer gives the decision finance clearance (never on their own proposal)."""
    decision = permissions.decision_get_for_clearance(user=request.user, pk=pk)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            services.decision_clear_finance(
                decision=decision, by=request.user, expected_version=form.cleaned_data["version"]
            )
        except StaleEdit as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, not_saved_text(exc))
        else:
            messages.success(request, "Finance clearance given: someone other than the proposer can now approve it.")
    else:
        messages.error(request, "Not saved: reload the page and try again.")
    return redirect("finance:decision", pk=pk)


@require_POST
def decision_reject(request, pk: int):
    decision = permissions.decision_get(user=request.user, pk=pk, manage=True)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.decision_reject(
                decision=decision,
                reason=form.cleaned_data["reason"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, not_saved_text(exc))
        else:
            messages.success(request, "Decision rejected: its movements will never count.")
    else:
        messages.error(request, "Not saved: say why the decision was rejected.")
    return redirect("finance:decision", pk=pk)


def allocation_detail(request, pk: int):
    allocation = permissions.allocation_get(user=request.user, pk=pk)
    row = selectors.allocation_row(allocation=allocation)
    return render(
        request,
        "finance/allocation_detail.html",
        {
            "allocation": allocation,
            "fund": allocation.fund,
            "row": row,
            "lines": list(
                MovementLine.objects.filter(allocation=allocation)
                .select_related("movement__decision", "movement__financial_year")
                .order_by("-movement__decision__decided_on", "-movement_id")
            ),
            "spend": list(allocation.spend.select_related("financial_year")),
            "spend_form": _spend_form(allocation, request.GET.get("edit")),
            "can_manage": permissions.can_manage_money(request.user, allocation.fund.programme_id),
            "show_notes": can_read_source_notes(request.user, allocation.fund.programme_id),
            "history": audit_entries(
                [
                    ("Allocation", allocation.history.all(), lambda r: "Allocation"),
                    (
                        "Spend",
                        allocation.spend.model.history.filter(allocation_id=allocation.pk),
                        lambda r: f"Spend {r.quarter and 'Q' + str(r.quarter)}",
                    ),
                ],
                hidden={"Allocation": history_hidden_fields(request.user, allocation.fund.programme_id)},
            ),
        },
    )


@require_POST
def spend_record(request, pk: int):
    allocation = permissions.allocation_get(user=request.user, pk=pk, manage=True)
    form = SpendForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"Not saved – {label}: {' '.join(errors)}")
        return redirect("finance:allocation", pk=pk)
    data = dict(form.cleaned_data)
    try:
        services.spend_record(allocation=allocation, by=request.user, expected_version=data.pop("version"), **data)
    except StaleEdit as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, not_saved_text(exc))
    else:
        messages.success(request, f"Spend for {data['financial_year'].label} Q{data['quarter']} saved.")
    return redirect("finance:allocation", pk=pk)


def allocation_discontinue(request, pk: int):
    allocation = permissions.allocation_get(user=request.user, pk=pk, manage=True)
    form = DiscontinueForm(request.POST or None, initial={"financial_year": _current_year()})
    decision_form = DecisionForm(request.POST or None, prefix="decision")
    if request.method == "POST" and form.is_valid() and decision_form.is_valid():
        try:
            with transaction.atomic():
                decision = _decision_from(decision_form, allocation.fund, request.user)
                services.discontinuation_propose(
                    allocation=allocation, decision=decision, by=request.user, **form.cleaned_data
                )
                _finish_decision(request, f"Discontinuation of “{allocation}” recorded.")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("finance:decision", pk=decision.pk)
    return render(
        request,
        "finance/allocation_form.html",
        {
            "fund": allocation.fund,
            "form": form,
            "decision_form": decision_form,
            "title": f"Discontinue “{allocation}”",
            "row": selectors.allocation_row(allocation=allocation),
        },
    )


def movement_reverse(request, pk: int):
    movement = permissions.movement_get(user=request.user, pk=pk, manage=True)
    form = ReversalForm(request.POST or None)
    decision_form = DecisionForm(request.POST or None, prefix="decision")
    if request.method == "POST" and form.is_valid() and decision_form.is_valid():
        try:
            with transaction.atomic():
                decision = _decision_from(decision_form, movement.fund, request.user)
                services.reversal_propose(
                    movement=movement, decision=decision, reason=form.cleaned_data["reason"], by=request.user
                )
                _finish_decision(request, f"Reversal of {movement} recorded.")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("finance:decision", pk=decision.pk)
    return render(
        request,
        "finance/allocation_form.html",
        {
            "fund": movement.fund,
            "form": form,
            "decision_form": decision_form,
            "title": f"Reverse {movement}",
            "movement": movement,
        },
    )


def _spend_form(allocation, edit: str | None) -> SpendForm:
    """A blank form, or one holding a quarter's figures and version so a stale save is refused."""
    row = allocation.spend.filter(pk=edit).first() if edit and edit.isdigit() else None
    if row is None:
        return SpendForm(initial={"financial_year": _current_year()})
    fields = ("financial_year", "quarter", "planned", "actual", "forecast_outturn", "note", "version")
    return SpendForm(initial={f: getattr(row, f) for f in fields})


def _current_year():
    return FinancialYear.objects.filter(is_closed=False).order_by("-start_year").first()


def allocation_link(request, pk: int):
    """Link (or re-link, or unlink) an allocation to the programme scheme it pays for; audited, stale edits refused."""
    allocation = permissions.allocation_get(user=request.user, pk=pk, manage=True)
    form = AllocationLinkForm(
        request.POST or None,
        allocation=allocation,
        initial={"scheme": allocation.scheme_id, "version": allocation.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_update_details(
                allocation=allocation,
                scheme=form.cleaned_data["scheme"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            scheme = form.cleaned_data["scheme"]
            messages.success(
                request,
                f"“{allocation}” is now linked to {scheme}." if scheme else f"“{allocation}” is linked to no scheme.",
            )
            return redirect("finance:allocation", pk=allocation.pk)
    return render(
        request, "finance/allocation_link.html", {"allocation": allocation, "fund": allocation.fund, "form": form}
    )


def allocation_plan(request, pk: int):
    """An allocation's expenditure plan columns (scheme type, commissioner, provider, source, outputs, NHS minimum
    to adult social care): the finance officer and the programme office; audited, stale edits refused."""
    allocation = permissions.allocation_get(user=request.user, pk=pk, manage=True)
    fields = services.PLAN_FIELDS
    form = AllocationPlanForm(
        request.POST or None,
        policy_year=selectors.policy_year_of(services.plan_year_of(allocation.fund)),
        initial={f: getattr(allocation, f) for f in fields} | {"version": allocation.version},
    )
    if request.method == "POST":
        saved = save_with(
            form,
            lambda d: services.allocation_set_plan(
                allocation=allocation, by=request.user, expected_version=d["version"], **form.plan_fields()
            ),
        )
        if saved.ok:
            messages.success(request, f"Expenditure plan line “{allocation}” saved.")
            return redirect("finance:fund", slug=allocation.fund.slug)
    return render(
        request, "finance/allocation_plan.html", {"allocation": allocation, "fund": allocation.fund, "form": form}
    )
