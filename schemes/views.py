from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import Role, has_role
from core.charts import rag_strip
from core.exceptions import StaleEdit
from core.forms import ActionResult, VersionedForm, add_service_errors, run_action
from schemes import permissions, selectors, services
from schemes.filters import SchemeFilter
from schemes.forms import (
    ApprovalForm,
    ApprovalOutcomeForm,
    ProgressCommentForm,
    ReturnForm,
    SchemeDetailsForm,
    SchemeRagForm,
)
from schemes.models import Programme, ReportingPeriod, Scheme, SchemePeriodUpdate

SCHEMES_PER_PAGE = 50


def scheme_list(request):
    """The programme's schemes with RAG badges and leads, filterable."""
    if request.user.is_superuser and not Programme.objects.exists():
        messages.info(request, "There is no programme yet. The programme office can create one.")
        return render(request, "schemes/scheme_list.html", {"programme": None, "schemes": []})
    programme = permissions.programme_current(request, request.GET.get("programme"))
    scheme_filter = SchemeFilter(request.GET, queryset=selectors.scheme_list(programme=programme), programme=programme)
    page = Paginator(scheme_filter.qs, SCHEMES_PER_PAGE).get_page(request.GET.get("page"))
    schemes = list(page.object_list)
    for scheme in schemes:
        scheme.current_lead_users = selectors.current_leads(scheme)
    return render(
        request,
        "schemes/scheme_list.html",
        {
            "programme": programme,
            "programmes": permissions.programmes_for(request.user),
            "filter": scheme_filter,
            "schemes": schemes,
            "page": page,
            "page_links": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "query_without_page": _query_without_page(request),
            "can_import": permissions.can_import_spreadsheet(request.user, programme),
            # Only shows the link: programme_load.permissions decides who may load.
            "can_load_workbook": permissions.can_manage_programme(request.user, programme),
        },
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def my_schemes(request):
    """A project lead's own schemes, with what needs doing this period."""
    return _my_schemes_page(request)


def _my_schemes_page(request, *, result: ActionResult | None = None):
    permissions.require_programme_reader(request.user)
    schemes = list(selectors.scheme_list_led_by(user=request.user))
    todo = selectors.my_schemes_todo(schemes=schemes)
    for scheme in schemes:
        scheme.current_lead_users = selectors.current_leads(scheme)
    return render(
        request,
        "schemes/my_schemes.html",
        {
            "schemes": schemes,
            "todo": todo,
            "is_lead": has_role(request.user, Role.PROJECT_LEAD),  # on any of their programmes
            "today": timezone.localdate(),
            "result": result,
        },
    )


def _my_scheme_card(request, scheme, result: ActionResult):
    """After an edit made on My schemes: that scheme's card again, with the outcome."""
    (row,) = selectors.schemes_with_status(Scheme.objects.filter(pk=scheme.pk))
    todo = selectors.my_schemes_todo(schemes=[row])
    return render(
        request,
        "schemes/_my_scheme_card.html",
        {"scheme": row, "t": todo[row.pk], "result": result, "today": timezone.localdate()},
    )


def period_from_request(request, scheme) -> ReportingPeriod | None:
    code = request.GET.get("period") or request.POST.get("period")
    if not code:
        return None
    return get_object_or_404(ReportingPeriod, programme_id=scheme.programme_id, code=code)


def scheme_detail(request, pk: int):
    scheme = permissions.scheme_get_for_view(user=request.user, pk=pk)
    return _scheme_page(request, scheme, period_from_request(request, scheme))


def _scheme_page(request, scheme, period, *, result: ActionResult | None = None):
    context = selectors.scheme_workspace(scheme=scheme, period=period, user=request.user)
    context["result"] = result
    context["rag_strip"] = rag_strip(
        [
            (f"{h['period'].name}{' (suggested by the rules)' if h['suggested'] else ''}", h["rag"])
            for h in context["rag_history"]
        ],
        title=f"{scheme.ref} RAG by reporting period",
    )
    return render(request, "schemes/scheme_detail.html", context)


def render_workspace(request, scheme, period, result: ActionResult):
    """After an edit: htmx gets the refreshed workspace with the outcome; a plain form post gets a redirect."""
    if request.htmx and request.POST.get("from") == "mine":
        return _my_scheme_card(request, scheme, result)
    if request.htmx:
        context = selectors.scheme_workspace(scheme=scheme, period=period, user=request.user)
        context["result"] = result
        return render(request, "schemes/_workspace.html", context)
    if not result.ok:
        # Without JavaScript: the page again with the problem summarised at the form that failed (the form's
        # address ends in that form's anchor, so the browser opens the page there) and what was typed kept.
        if request.POST.get("from") == "mine":
            return _my_schemes_page(request, result=result)
        return _scheme_page(request, scheme, period, result=result)
    messages.success(request, result.message)
    if request.POST.get("from") == "mine":
        return redirect("schemes:mine")
    url = reverse("schemes:detail", args=[scheme.pk])
    return redirect(f"{url}?period={period.code}" if period else url)


def _update_for(request, pk: int, period_code: str, *, manage: bool = False) -> SchemePeriodUpdate:
    """The scheme's update for the period (created on the first edit), if the user may act on it."""
    if manage:
        scheme = permissions.scheme_get_for_view(user=request.user, pk=pk)
        if not permissions.can_manage_programme(request.user, scheme.programme_id):
            raise PermissionDenied("Only the programme office can return or approve an update.")
    else:
        scheme = permissions.scheme_get_for_edit(user=request.user, pk=pk)
    period = get_object_or_404(ReportingPeriod, programme_id=scheme.programme_id, code=period_code)
    return services.scheme_period_update_get_or_create(scheme=scheme, period=period, by=request.user)


@require_POST
def update_rag_set(request, pk: int, period_code: str):
    update = _update_for(request, pk, period_code)
    result = run_action(
        "update-rag",
        SchemeRagForm(request.POST),
        lambda d: services.scheme_rag_set(
            update=update, rag=d["rag"], reason=d["reason"], by=request.user, expected_version=d["version"]
        ),
        "Overall project status RAG saved.",
    )
    return render_workspace(request, update.scheme, update.period, result)


@require_POST
def update_submit(request, pk: int, period_code: str):
    update = _update_for(request, pk, period_code)
    result = run_action(
        "update-submit",
        VersionedForm(request.POST),
        lambda d: services.scheme_period_update_submit(update=update, by=request.user, expected_version=d["version"]),
        "Update submitted to the programme office.",
    )
    return render_workspace(request, update.scheme, update.period, result)


@require_POST
def update_return(request, pk: int, period_code: str):
    update = _update_for(request, pk, period_code, manage=True)
    result = run_action(
        "update-return",
        ReturnForm(request.POST),
        lambda d: services.scheme_period_update_return(
            update=update, comment=d["comment"], by=request.user, expected_version=d["version"]
        ),
        "Update returned to the project lead.",
    )
    return render_workspace(request, update.scheme, update.period, result)


@require_POST
def update_approve(request, pk: int, period_code: str):
    update = _update_for(request, pk, period_code, manage=True)
    result = run_action(
        "update-approve",
        VersionedForm(request.POST),
        lambda d: services.scheme_period_update_approve(update=update, by=request.user, expected_version=d["version"]),
        "Update approved; the project lead has been told.",
    )
    return render_workspace(request, update.scheme, update.period, result)


@require_POST
def comment_add(request, pk: int, period_code: str):
    scheme = permissions.scheme_get_for_edit(user=request.user, pk=pk)
    period = get_object_or_404(ReportingPeriod, programme_id=scheme.programme_id, code=period_code)
    form = ProgressCommentForm(request.POST)
    result = run_action(
        "comment",
        form,
        lambda d: services.progress_comment_add(
            scheme=scheme, period=period, date=d["date"], text=d["text"], kind=d["kind"], rag=d["rag"], by=request.user
        ),
        "Progress comment added.",
    )
    return render_workspace(request, scheme, period, result)


def scheme_history(request, pk: int):
    scheme = permissions.scheme_get_for_view(user=request.user, pk=pk)
    return render(
        request,
        "schemes/scheme_history.html",
        {
            "scheme": scheme,
            "entries": selectors.scheme_history(
                scheme=scheme, hidden_fields=permissions.history_hidden_fields(request.user, scheme.programme_id)
            ),
        },
    )


def scheme_edit(request, pk: int):
    """The scheme's details, for its lead and the programme office; a stale save is refused."""
    scheme = permissions.scheme_get_for_edit(user=request.user, pk=pk)
    initial = {f: getattr(scheme, f) for f in services.SCHEME_EDITABLE_FIELDS} | {"version": scheme.version}
    form = SchemeDetailsForm(request.POST or None, initial=initial, programme=scheme.programme)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.scheme_update(
                scheme=scheme,
                by=request.user,
                expected_version=data.pop("version"),
                **{f: data[f] for f in services.SCHEME_EDITABLE_FIELDS},
            )
        except StaleEdit as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Scheme details saved.")
            return redirect("schemes:detail", pk=scheme.pk)
    return render(request, "schemes/scheme_edit.html", {"scheme": scheme, "form": form})


@require_POST
def approval_add(request, pk: int):
    """A paper going to a body; its outcome only from those who record gates (the service says why not)."""
    scheme = permissions.scheme_get_for_approval_add(user=request.user, pk=pk)
    result = run_action(
        "approval",
        ApprovalForm(request.POST),
        lambda d: services.approval_record(scheme=scheme, by=request.user, **d),
        "Approval recorded.",
    )
    return render_workspace(request, scheme, period_from_request(request, scheme), result)


@require_POST
def approval_outcome(request, pk: int):
    """What the body decided: the programme office or the governance secretary, never the scheme's lead (403)."""
    approval = permissions.approval_get_for_outcome(user=request.user, pk=pk)
    scheme = approval.scheme
    result = run_action(
        f"outcome-{approval.pk}",
        ApprovalOutcomeForm(request.POST),
        lambda d: services.approval_set_outcome(
            approval=approval, outcome=d["outcome"], reason=d["reason"], by=request.user
        ),
        f"Outcome recorded: {approval}.",
    )
    return render_workspace(request, scheme, period_from_request(request, scheme), result)
