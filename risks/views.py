from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import user_programme_ids
from core.exceptions import StaleEdit
from core.forms import add_service_errors, not_saved_text
from core.history import audit_entries
from risks import permissions, selectors, services
from risks.filters import RiskFilter
from risks.forms import (
    ActionForm,
    ActionStatusForm,
    ReasonForm,
    RiskCreateForm,
    RiskDetailsForm,
    RiskRescoreForm,
    ToIssueForm,
)
from risks.models import MitigatingAction, Risk
from schemes.models import Programme
from schemes.permissions import programme_current, programmes_for, require_programme_reader

RISKS_PER_PAGE = 25  # a page of risks with their actions and trend fits a laptop screen twice over


def _programme(request) -> Programme:
    return programme_current(request, request.GET.get("programme"))


def register(request):
    """The risk register with filters, and the 5×5 heat map of the open risks the filters select."""
    programme = _programme(request)
    base = selectors.risk_queryset().filter(programme=programme)
    risk_filter = RiskFilter(request.GET, queryset=base, programme=programme)
    filtered = risk_filter.qs.order_by("-score_value", "title")
    # The heat map shows open risks under every filter but the cell itself, so a click narrows the register.
    heat_queryset = risk_filter.filter_ignoring_cell(Risk.objects.filter(programme=programme).with_score())
    cell_free = request.GET.copy()
    for key in ("likelihood", "consequence", "page"):
        cell_free.pop(key, None)
    page = Paginator(filtered, RISKS_PER_PAGE).get_page(request.GET.get("page"))
    risks = selectors.annotate_register(list(page.object_list), programme=programme)
    return render(
        request,
        "risks/register.html",
        {
            "programme": programme,
            "filter": risk_filter,
            "risks": risks,
            "page": page,
            "page_links": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "heat_map": selectors.heat_map(queryset=heat_queryset.filter(status="open")),
            "cell_query": cell_free.urlencode(),
            "selected_cell": (request.GET.get("likelihood"), request.GET.get("consequence")),
            "issues": list(selectors.issue_list(programme=programme)),
            "can_raise": permissions.may_raise_risks(request.user, programme),
            "programmes": programmes_for(request.user),
        },
    )


def risk_detail(request, pk: int):
    risk = permissions.risk_get_for_view(user=request.user, pk=pk)
    context = selectors.risk_detail(risk=risk)
    risk = context["risk"]
    can_edit = permissions.can_edit_risk(request.user, risk)
    context.update(
        {
            "can_edit": can_edit,
            "rescore_form": RiskRescoreForm(
                initial={
                    "assessed_on": timezone.localdate(),
                    "likelihood": risk.likelihood,
                    "consequence": risk.consequence,
                    "target_likelihood": risk.target_likelihood,
                    "target_consequence": risk.target_consequence,
                    "target_reason": risk.target_reason,
                    "version": risk.version,
                }
            ),
            "close_form": ReasonForm(initial={"version": risk.version}),
            "issue_form": ToIssueForm(initial={"version": risk.version}),
            "action_form": ActionForm(),
            "action_statuses": ActionStatusForm.base_fields["status"].choices,
            "history": _risk_history(risk),
        }
    )
    return render(request, "risks/risk_detail.html", context)


def _risk_history(risk):
    return audit_entries(
        [
            ("Risk", risk.history.all(), lambda r: "Risk"),
            ("Action", MitigatingAction.history.filter(risk_id=risk.pk), lambda r: f"Action “{r.action[:60]}”"),
        ]
    )


def risk_create(request):
    require_programme_reader(request.user)
    if not permissions.may_raise_risks(request.user):
        raise PermissionDenied("Only the programme office and project leads can raise risks.")
    programme = _programme(request)
    if not permissions.may_raise_risks(request.user, programme):
        raise PermissionDenied("Only the programme office and project leads can raise risks.")
    form = RiskCreateForm(request.POST or None, programme=programme, initial={"raised_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        schemes = list(data.pop("schemes"))
        if not permissions.can_raise_risk(request.user, schemes, programme):
            form.add_error(
                "schemes",
                "Link the risk to a scheme you lead (programme-level risks are raised by the programme office).",
            )
        else:
            try:
                risk = services.risk_create(programme=programme, schemes=schemes, by=request.user, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Risk raised: {risk} (score {risk.score}, {risk.grade.label}).")
                return redirect("risks:detail", pk=risk.pk)
    return render(request, "risks/risk_form.html", {"form": form, "programme": programme, "title": "Raise a risk"})


def risk_edit(request, pk: int):
    risk = permissions.risk_get_for_edit(user=request.user, pk=pk)
    initial = {f: getattr(risk, f) for f in services.RISK_EDITABLE_FIELDS} | {
        "version": risk.version,
        "schemes": list(risk.schemes.all()),
    }
    form = RiskDetailsForm(request.POST or None, initial=initial, programme=risk.programme)
    kept = permissions.schemes_kept_for(request.user, risk)
    if kept:
        form.fields["schemes"].help_text = (
            "You can link or unlink only the schemes you lead. Also linked, and kept whatever you tick here: "
            + ", ".join(str(s) for s in kept)
            + "."
        )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            # A lead changes only the links to schemes they lead; the others stay (issue 15).
            schemes = permissions.risk_schemes_for_edit(request.user, risk, data.pop("schemes"))
            services.risk_update(risk=risk, schemes=schemes, by=request.user, expected_version=version, **data)
        except StaleEdit as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Risk saved.")
            return redirect("risks:detail", pk=risk.pk)
    return render(
        request,
        "risks/risk_form.html",
        {"form": form, "programme": risk.programme, "title": f"Edit risk: {risk}", "risk": risk},
    )


def _post_action(request, pk: int, form_class, action, success: str):
    """Run a risk service from a small form on the risk page; errors come back as messages there."""
    risk = permissions.risk_get_for_edit(user=request.user, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"Not saved – {form.fields[field].label or field if field in form.fields else ''}: {' '.join(errors)}",
            )
        return redirect("risks:detail", pk=pk)
    try:
        result = action(risk, form.cleaned_data)
    except StaleEdit as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, not_saved_text(exc))
    else:
        messages.success(request, success)
        if result.__class__.__name__ == "Issue":
            return redirect("risks:issue_detail", pk=result.pk)
    return redirect("risks:detail", pk=pk)


@require_POST
def risk_rescore(request, pk: int):
    return _post_action(
        request,
        pk,
        RiskRescoreForm,
        lambda risk, d: services.risk_rescore(risk=risk, by=request.user, expected_version=d.pop("version"), **d),
        "Risk re-scored.",
    )


@require_POST
def risk_close(request, pk: int):
    return _post_action(
        request,
        pk,
        ReasonForm,
        lambda risk, d: services.risk_close(
            risk=risk, reason=d["reason"], by=request.user, expected_version=d["version"]
        ),
        "Risk closed.",
    )


@require_POST
def risk_to_issue(request, pk: int):
    return _post_action(
        request,
        pk,
        ToIssueForm,
        lambda risk, d: services.risk_convert_to_issue(
            risk=risk, impact=d["impact"], by=request.user, expected_version=d["version"]
        ),
        "The risk is now an issue; its history and actions are kept.",
    )


@require_POST
def action_add(request, pk: int):
    return _post_action(
        request,
        pk,
        ActionForm,
        lambda risk, d: services.mitigating_action_add(risk=risk, by=request.user, **d),
        "Mitigating action added.",
    )


@require_POST
def action_status(request, pk: int):
    require_programme_reader(request.user)  # an account with no role: 403 as everywhere, before any lookup
    action = get_object_or_404(
        MitigatingAction, pk=pk, risk__isnull=False, risk__programme_id__in=user_programme_ids(request.user)
    )
    return _post_action(
        request,
        action.risk_id,
        ActionStatusForm,
        lambda risk, d: services.mitigating_action_set_status(action=action, status=d["status"], by=request.user),
        "Action updated.",
    )


def issue_detail(request, pk: int):
    issue = permissions.issue_get_for_view(user=request.user, pk=pk)
    return render(
        request,
        "risks/issue_detail.html",
        {
            "issue": issue,
            "actions": list(issue.actions.all()),
            "can_edit": permissions.can_edit_risk(request.user, issue),
        },
    )


@require_POST
def issue_resolve(request, pk: int):
    issue = permissions.issue_get_for_edit(user=request.user, pk=pk)
    try:
        services.issue_resolve(issue=issue, by=request.user, expected_version=request.POST.get("version") or None)
    except (ValidationError, StaleEdit) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "Issue resolved.")
    return redirect("risks:issue_detail", pk=pk)
