from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
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
