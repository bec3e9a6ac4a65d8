from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import Role, has_role
from core.forms import ActionResult, run_action
from schemes import permissions, selectors, services
from schemes.filters import SchemeFilter
from schemes.forms import ProgressCommentForm, ReturnForm, SchemeRagForm, VersionedForm
from schemes.models import Programme, ReportingPeriod, SchemePeriodUpdate

SCHEMES_PER_PAGE = 50


def scheme_list(request):
    """The programme's schemes with RAG badges and leads, filterable."""
    permissions.require_programme_reader(request.user)
    slug = request.GET.get("programme")
    programme = get_object_or_404(Programme, slug=slug) if slug else selectors.programme_default()
    if programme is None:
        messages.info(request, "There is no programme yet. The programme office can create one.")
        return render(request, "schemes/scheme_list.html", {"programme": None, "schemes": []})
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
            "programmes": selectors.programme_list(),
            "filter": scheme_filter,
            "schemes": schemes,
            "page": page,
            "query_without_page": _query_without_page(request),
            "can_import": has_role(request.user, Role.PROGRAMME_OFFICE, Role.PROJECT_LEAD),
        },
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def my_schemes(request):
    """A project lead's own schemes, with what needs doing this period."""
    permissions.require_programme_reader(request.user)
    schemes = list(selectors.scheme_list_led_by(user=request.user))
    todo = selectors.my_schemes_todo(schemes=schemes)
    for scheme in schemes:
        scheme.current_lead_users = selectors.current_leads(scheme)
    return render(
        request,
        "schemes/my_schemes.html",
        {"schemes": schemes, "todo": todo, "is_lead": has_role(request.user, Role.PROJECT_LEAD)},
    )


def _period_from(request, scheme) -> ReportingPeriod | None:
    code = request.GET.get("period") or request.POST.get("period")
    if not code:
        return None
    return get_object_or_404(ReportingPeriod, programme_id=scheme.programme_id, code=code)


def scheme_detail(request, pk: int):
    scheme = permissions.scheme_get_for_view(user=request.user, pk=pk)
    context = selectors.scheme_workspace(scheme=scheme, period=_period_from(request, scheme), user=request.user)
    return render(request, "schemes/scheme_detail.html", context)


def render_workspace(request, scheme, period, result: ActionResult):
    """After an edit: htmx gets the refreshed workspace with the outcome; a plain form post gets a redirect."""
    if request.htmx:
        context = selectors.scheme_workspace(scheme=scheme, period=period, user=request.user)
        context["result"] = result
        return render(request, "schemes/_workspace.html", context)
    (messages.success if result.ok else messages.error)(request, result.message)
    if not result.ok and result.errors:
        for field, errors in result.errors.items():
            if field != "__all__":
                messages.error(request, f"{field.replace('_', ' ').capitalize()}: {' '.join(errors)}")
    url = reverse("schemes:detail", args=[scheme.pk])
    return redirect(f"{url}?period={period.code}" if period else url)


def _update_for(request, pk: int, period_code: str, *, manage: bool = False) -> SchemePeriodUpdate:
    """The scheme's update for the period (created on the first edit), if the user may act on it."""
    if manage:
        scheme = permissions.scheme_get_for_view(user=request.user, pk=pk)
        if not permissions.can_manage_programme(request.user):
            raise PermissionDenied("Only the programme office can return an update.")
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
    return render(request, "schemes/scheme_history.html", {"scheme": scheme, "entries": selectors.scheme_history(scheme=scheme)})
