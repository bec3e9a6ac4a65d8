from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import selectors


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers: 200 while the database answers, 503 when it does not."""
    database = selectors.database_status()
    body = {"database": database, "broker": selectors.broker_status()}
    return JsonResponse(body, status=200 if database == "ok" else 503)


# When the service was last tested for accessibility (tests/e2e/test_accessibility.py runs in CI on every change)
# and when this statement was last reviewed: change both when the statement is reviewed.
ACCESSIBILITY_STATEMENT = {"prepared": "3 December 2026", "reviewed": "3 December 2026"}


@login_not_required
@require_GET
def accessibility(request):
    """The accessibility statement, in the UK public-sector format; public, as the regulations require."""
    return render(
        request, "core/accessibility.html", {**ACCESSIBILITY_STATEMENT, "contact": settings.ACCESSIBILITY_CONTACT_EMAIL}
    )
