from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from accounts.roles import Role, has_role
from schemes import permissions, selectors
from schemes.filters import SchemeFilter
from schemes.models import Programme

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
        },
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def my_schemes(request):
    """A project lead's own schemes."""
    permissions.require_programme_reader(request.user)
    schemes = list(selectors.scheme_list_led_by(user=request.user))
    for scheme in schemes:
        scheme.current_lead_users = selectors.current_leads(scheme)
    return render(
        request,
        "schemes/my_schemes.html",
        {"schemes": schemes, "is_lead": has_role(request.user, Role.PROJECT_LEAD)},
    )


def scheme_detail(request, pk: int):
    scheme = permissions.scheme_get_for_view(user=request.user, pk=pk)
    context = selectors.scheme_detail(scheme=scheme)
    context["can_edit"] = permissions.can_edit_scheme(request.user, context["scheme"])
    return render(request, "schemes/scheme_detail.html", context)
