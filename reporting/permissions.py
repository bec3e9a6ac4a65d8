"""Who may see and make highlight reports: everyone with a role reads the programme, so previews a draft and
downloads issued reports; only the programme office edits the cover and issues. A background job is seen by
the person who asked for it and the programme office."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import Role, has_role
from reporting.models import IssuedReport, ReportJob
from schemes.permissions import require_programme_reader


def can_issue(user) -> bool:
    return has_role(user, Role.PROGRAMME_OFFICE)


def require_issuer(user) -> None:
    require_programme_reader(user)
    if not can_issue(user):
        raise PermissionDenied("Only the programme office can edit and issue highlight reports.")


def issued_report_get(*, user, pk: int, with_pdf: bool = False) -> IssuedReport:
    require_programme_reader(user)
    reports = IssuedReport.objects.select_related("programme", "period", "issued_by", "compared_with")
    if not with_pdf:
        reports = reports.defer("pdf")
    report = reports.filter(pk=pk).first()
    if report is None:
        raise Http404("No such issued report.")
    return report


def report_job_get(*, user, pk: int) -> ReportJob:
    """A job its requester or the programme office may see; anyone else gets the same 404 as a missing job."""
    require_programme_reader(user)
    job = ReportJob.objects.select_related("programme", "period", "issued_report").defer("pdf").filter(pk=pk).first()
    if job is None or not (job.requested_by_id == user.pk or can_issue(user)):
        raise Http404("No such report job.")
    return job
