"""Who may see and make highlight reports: everyone with a role reads the programme, so previews a draft and
downloads issued reports; only the programme office edits the cover and issues. A background job is seen by
the person who asked for it and the programme office."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_ratelimit.core import is_ratelimited

from accounts.roles import Role, has_role, user_programme_ids
from core.models import BackgroundJob
from reporting.jobs import REPORT_JOB
from reporting.models import IssuedReport
from schemes.models import ReportingPeriod
from schemes.permissions import require_programme_reader

logger = logging.getLogger(__name__)

DRAFT_RATE_GROUP = "highlight-report-draft"


def draft_rate_limited(request) -> bool:
    """Whether this person has asked for more drafts this minute than HIGHLIGHT_REPORT_DRAFT_RATE allows (each
    costs seconds of CPU). Counted per person in the shared cache, every request whether or not its PDF comes
    from the cache; a refusal is logged. If the cache cannot be reached the draft is allowed (and logged):
    losing the count must not stop people previewing their report."""
    try:
        limited = is_ratelimited(
            request, group=DRAFT_RATE_GROUP, key="user", rate=settings.HIGHLIGHT_REPORT_DRAFT_RATE, increment=True
        )
    except Exception:  # redis ConnectionError/TimeoutError, OSError: the cache is down
        logger.warning("Draft rate limit not checked: the cache could not be reached", exc_info=True)
        return False
    if limited:
        logger.warning(
            "Draft PDF refused (429) for %s: more than %s",
            request.user.get_username(),
            settings.HIGHLIGHT_REPORT_DRAFT_RATE,
        )
    return limited


def can_issue(user, programme=None) -> bool:
    return has_role(user, Role.PROGRAMME_OFFICE, programme=programme)


def require_issuer(user, programme=None) -> None:
    require_programme_reader(user)
    if not can_issue(user, programme):
        raise PermissionDenied("Only the programme office can edit and issue highlight reports.")


def issued_report_get(*, user, pk: int, with_pdf: bool = False) -> IssuedReport:
    require_programme_reader(user)
    reports = IssuedReport.objects.select_related("programme", "period", "issued_by", "compared_with")
    if not with_pdf:
        reports = reports.defer("pdf")
    report = reports.filter(pk=pk, programme_id__in=user_programme_ids(user)).first()
    if report is None:
        raise Http404("No such issued report.")
    return report


def report_job_get(*, user, pk: int) -> BackgroundJob:
    """A report job its requester or the programme office may see; anyone else gets the same 404 as a missing job
    (as does a job of another kind)."""
    require_programme_reader(user)
    job = (
        BackgroundJob.objects.select_related("programme", "requested_by")
        .defer("file", "payload")
        .filter(pk=pk, kind=REPORT_JOB.name, programme_id__in=user_programme_ids(user))
        .first()
    )
    if job is None or not (job.requested_by_id == user.pk or can_issue(user, job.programme_id)):
        raise Http404("No such report job.")
    return job


def period_get(*, user, pk: int) -> ReportingPeriod:
    """A reporting period of a programme the user holds a role on; another programme's is as missing as a wrong
    number (404); an account with no role gets 403."""
    require_programme_reader(user)
    period = (
        ReportingPeriod.objects.select_related("programme")
        .filter(pk=pk, programme_id__in=user_programme_ids(user))
        .first()
    )
    if period is None:
        raise Http404("No such reporting period.")
    return period
