from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.roles import Role, user_roles
from core import selectors


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers: 200 while the database answers, 503 when it does not."""
    database = selectors.database_status()
    body = {"database": database, "broker": selectors.broker_status()}
    return JsonResponse(body, status=200 if database == "ok" else 503)


# Who starts on the dashboard; a project lead (and no other role) starts on My schemes instead.
DASHBOARD_ROLES = {Role.PROGRAMME_OFFICE, Role.STEERING_GROUP, Role.FINANCE_OFFICER, Role.BOARD_SECRETARY}


def home(request):
    """Each role's first page: the dashboard for the programme's readers, My schemes for a project lead."""
    roles = user_roles(request.user)
    if roles & DASHBOARD_ROLES:
        return redirect("dashboard:index")
    if Role.PROJECT_LEAD in roles:
        return redirect("schemes:mine")
    return redirect("schemes:list")  # no role: the scheme list explains that access is needed
