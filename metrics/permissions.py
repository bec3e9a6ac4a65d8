"""Who may see and change metrics: everyone with a role reads; the programme office defines metrics and plans
and records any actual; a project lead records the actuals of the KPIs of schemes they lead now."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import Role, has_role, user_programme_ids
from metrics.models import Metric
from schemes.permissions import can_edit_scheme, require_programme_reader


def can_define(user, programme=None) -> bool:
    return has_role(user, Role.PROGRAMME_OFFICE, programme=programme)


def can_record(user, metric: Metric) -> bool:
    if has_role(user, Role.PROGRAMME_OFFICE, programme=metric.programme_id):
        return True
    return metric.scheme_id is not None and can_edit_scheme(user, metric.scheme)


def may_upload(user, programme=None) -> bool:
    return has_role(user, Role.PROGRAMME_OFFICE, Role.PROJECT_LEAD, programme=programme)


def metric_get(*, user, pk: int, record: bool = False) -> Metric:
    require_programme_reader(user)
    metric = (
        Metric.objects.select_related("programme", "scheme")
        .prefetch_related("scheme__leads")
        .filter(pk=pk, programme_id__in=user_programme_ids(user))
        .first()
    )
    if metric is None:
        raise Http404("No such metric.")
    if record and not can_record(user, metric):
        raise PermissionDenied("Only the programme office, or the lead of this KPI's scheme, can record its actuals.")
    return metric


def require_definer(user, programme=None) -> None:
    require_programme_reader(user)
    if not can_define(user, programme):
        raise PermissionDenied("Only the programme office defines metrics and their plans.")


def require_uploader(user, programme=None) -> None:
    require_programme_reader(user)
    if not may_upload(user, programme):
        raise PermissionDenied("Only the programme office and project leads upload actuals.")
