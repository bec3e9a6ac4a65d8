"""Highlight report pages: the reports page, the draft PDF, the cover, issuing, issued reports and their
downloads, background jobs with their progress, and the finance appendix. Rules live in highlight, jobs and appendix."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.downloads import stored_file_response
from core.exceptions import StaleEdit
from core.forms import add_service_errors
from core.models import BackgroundJob, JobState
from finance.permissions import fund_get
from reporting import appendix, highlight, jobs, pack, permissions, selectors
from reporting.forms import CoverForm, IssueForm
from reporting.models import HighlightCover
from schemes.models import ReportingPeriod
from schemes.permissions import programme_current, programmes_for


def _pdf_response(pdf: bytes, filename: str, *, inline: bool = False, recorded_sha256: str = "") -> HttpResponse:
    return stored_file_response(
        pdf, filename=filename, content_type="application/pdf", recorded_sha256=recorded_sha256, inline=inline
    )


def _period(user, period_id: int) -> ReportingPeriod:
    return permissions.period_get(user=user, pk=period_id)


@require_safe
def report_index(request):
    programme = programme_current(request, request.GET.get("programme"))
    context = {"programme": programme, "programmes": programmes_for(request.user)}
    if programme is not None:
        periods = list(ReportingPeriod.objects.filter(programme=programme).order_by("-start_date"))
        covers = {c.period_id: c for c in HighlightCover.objects.filter(programme=programme)}
        for period in periods:
            period.cover = covers.get(period.pk)
        context.update(
            {
                "periods": periods,
                "meetings": selectors.issued_reports(programme=programme),
                "background": jobs.report_needs_background(programme=programme),
                "can_issue": permissions.can_issue(request.user, programme),
                "funds": selectors.report_funds(programme=programme),
                "jobs": _recent_jobs(request.user, programme, periods),
            }
        )
    return render(request, "reporting/index.html", context)


def _recent_jobs(user, programme, periods):
    recent = BackgroundJob.objects.filter(programme=programme, kind=jobs.REPORT_JOB.name).defer("file", "payload")
    if not permissions.can_issue(user, programme):
        recent = recent.filter(requested_by=user)
    recent = list(recent.order_by("-created_at")[:5])
    names = {period.code: period.name for period in periods}
    for job in recent:
        job.period_name = names.get(job.subject, job.subject)
    return recent


@require_safe
def draft_pdf(request, period_id: int):
    """A draft from today's data, built in the request; large programmes are sent to build it in the background."""
    period = _period(request.user, period_id)
    if permissions.draft_rate_limited(request):
        return _too_many_drafts(request, period.programme)
    if jobs.report_needs_background(programme=period.programme):
        messages.info(request, "This programme is large, so its report is built in the background: use “Build draft”.")
        return redirect(f"{reverse('reporting:index')}?programme={period.programme.slug}")
    rendered = highlight.highlight_report_draft(programme=period.programme, period=period)
    # ?download=1 saves the file (the browser's viewer may offer no download button); otherwise it opens in place.
    return _pdf_response(
        rendered.pdf,
        f"{period.programme.slug}-highlight-report-{period.code}-DRAFT.pdf",
        inline=request.GET.get("download") != "1",
    )


@require_safe
def board_pack(request, period_id: int):
    """The board pack (the report with Appendix 1 of each fund and the changes since the last board) as one PDF,
    built in the request, for whoever may preview the report's draft."""
    period = _period(request.user, period_id)
    if permissions.draft_rate_limited(request):
        return _too_many_drafts(request, period.programme)
    if jobs.report_needs_background(programme=period.programme):
        messages.info(request, "This programme is large: download the report and its appendices one by one.")
        return redirect(f"{reverse('reporting:index')}?programme={period.programme.slug}")
    rendered = pack.board_pack_render(programme=period.programme, period=period)
    return _pdf_response(rendered.pdf, f"{period.programme.slug}-board-pack-{period.code}-DRAFT.pdf", inline=True)


def _too_many_drafts(request, programme) -> HttpResponse:
    return render(
        request,
        "reporting/too_many_drafts.html",
        {"programme": programme, "rate": settings.HIGHLIGHT_REPORT_DRAFT_RATE},
        status=429,
    )


@require_POST
def draft_build(request, period_id: int):
    period = _period(request.user, period_id)
    if permissions.draft_rate_limited(request):
        return _too_many_drafts(request, period.programme)
    job = jobs.report_job_start(programme=period.programme, period=period, by=request.user)
    return redirect("reporting:job", pk=job.pk)


@require_http_methods(["GET", "POST"])
def cover_edit(request, period_id: int):
    period = _period(request.user, period_id)
    permissions.require_issuer(request.user, period.programme_id)
    cover = HighlightCover.objects.filter(programme=period.programme, period=period).first()
    if request.method == "POST":
        form = CoverForm(request.POST, instance=cover)
        if form.is_valid():
            try:
                highlight.highlight_cover_save(
                    programme=period.programme,
                    period=period,
                    data={name: form.cleaned_data[name] for name in highlight.COVER_FIELDS},
                    version=form.cleaned_data.get("version"),
                    by=request.user,
                )
            except StaleEdit as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Cover and opening sections saved. The next draft and issue will use them.")
                return redirect(f"{reverse('reporting:index')}?programme={period.programme.slug}")
    else:
        form = CoverForm(instance=cover, initial={"version": cover.version if cover else 0})
    defaults = selectors.cover_for(programme=period.programme, period=period) if cover is None else None
    return render(request, "reporting/cover_form.html", {"form": form, "period": period, "defaults": defaults})


def _expected_version(data: dict) -> int | None:
    """The version the person saw, when they issue for the sitting they saw it for; for another meeting or date
    they saw nothing, so nothing is expected (a version already there still needs 'Re-issue' and a reason)."""
    if data["seen_meeting"] == data["meeting"] and data["seen_meeting_date"] == data["meeting_date"]:
        return data["expected_version"]
    return None


@require_http_methods(["GET", "POST"])
def issue(request, period_id: int):
    period = _period(request.user, period_id)
    permissions.require_issuer(request.user, period.programme_id)
    programme = period.programme
    if request.method == "POST":
        form = IssueForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if jobs.report_needs_background(programme=programme):
                job = jobs.report_job_start(
                    programme=programme,
                    period=period,
                    by=request.user,
                    issue={**data, "meeting_date": data["meeting_date"].isoformat()},
                )
                return redirect("reporting:job", pk=job.pk)
            try:
                report = highlight.highlight_report_issue(
                    programme=programme,
                    period=period,
                    by=request.user,
                    meeting=data["meeting"],
                    meeting_date=data["meeting_date"],
                    reissue=data["reissue"],
                    reason=data["reason"],
                    with_changes=data["with_changes"],
                    expected_version=_expected_version(data),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                # Show what is issued now, so a second, informed submit goes through.
                form.data = form.data.copy()
                form.data["expected_version"] = selectors.latest_issued_version(
                    programme=programme, meeting=data["meeting"], meeting_date=data["meeting_date"]
                )
                form.data["seen_meeting"] = data["meeting"]
                form.data["seen_meeting_date"] = data["meeting_date"].isoformat()
            else:
                messages.success(request, f"Issued: {report}. It is stored as issued and will not change.")
                return redirect("reporting:issued", pk=report.pk)
    else:
        # The board date, else the date this period's report was last issued for, so a re-issue starts there.
        meeting_date = period.board_date or selectors.last_issued_meeting_date(
            period=period, meeting=selectors.DEFAULT_MEETING
        )
        initial = {
            "meeting_date": meeting_date,
            "expected_version": 0,
            "seen_meeting": selectors.DEFAULT_MEETING,
            "seen_meeting_date": meeting_date,
        }
        if meeting_date:
            initial["expected_version"] = selectors.latest_issued_version(
                programme=programme, meeting=selectors.DEFAULT_MEETING, meeting_date=meeting_date
            )
        form = IssueForm(initial=initial)
    previous = (
        selectors.previous_issued(
            programme=programme, meeting=selectors.DEFAULT_MEETING, meeting_date=period.board_date
        )
        if period.board_date
        else None
    )
    return render(
        request,
        "reporting/issue_form.html",
        {
            "form": form,
            "period": period,
            "previous": previous,
            "background": jobs.report_needs_background(programme=programme),
        },
    )


@require_safe
def issued_detail(request, pk: int):
    report = permissions.issued_report_get(user=request.user, pk=pk)
    versions = (
        type(report)
        .objects.filter(programme=report.programme, meeting=report.meeting, meeting_date=report.meeting_date)
        .defer("pdf", "snapshot")
        .select_related("issued_by")
        .order_by("-version")
    )
    return render(request, "reporting/issued_detail.html", {"report": report, "versions": versions})


@require_safe
def issued_download(request, pk: int):
    """The PDF exactly as it was issued: the stored bytes, whatever has changed since."""
    report = permissions.issued_report_get(user=request.user, pk=pk, with_pdf=True)
    return _pdf_response(report.pdf, report.filename, recorded_sha256=report.pdf_sha256)


@require_safe
def issued_snapshot(request, pk: int):
    report = permissions.issued_report_get(user=request.user, pk=pk)
    response = HttpResponse(selectors.canonical_json(report.snapshot), content_type="application/json")
    response["Content-Disposition"] = content_disposition_header(True, report.filename.replace(".pdf", "-data.json"))
    return response


def _job_context(job: BackgroundJob) -> dict:
    return {
        "job": job,
        "period": jobs.report_job_period(job),
        "panel": {
            "poll_url": reverse("reporting:job_status", args=[job.pk]),
            "retry_url": reverse("reporting:job_retry", args=[job.pk]),
            "result_template": "reporting/_job_result.html",
        },
    }


@require_safe
def job_detail(request, pk: int):
    job = jobs.report_job_refresh(job=permissions.report_job_get(user=request.user, pk=pk))
    return render(request, "reporting/job_detail.html", _job_context(job))


@require_safe
def job_status(request, pk: int):
    """The progress panel alone: the job page polls it with htmx until the job has finished."""
    job = jobs.report_job_refresh(job=permissions.report_job_get(user=request.user, pk=pk))
    return render(request, "core/_job_status.html", _job_context(job))


@require_safe
def job_download(request, pk: int):
    job = jobs.report_job_refresh(job=permissions.report_job_get(user=request.user, pk=pk))
    if job.state != JobState.DONE:
        raise Http404("The report is not ready.")
    if job.result.get("issued_report"):
        return redirect("reporting:issued_download", pk=job.result["issued_report"])
    pdf = BackgroundJob.objects.values_list("file", flat=True).get(pk=job.pk)
    return _pdf_response(pdf, f"{job.programme.slug}-highlight-report-{job.subject}-DRAFT.pdf", inline=True)


@require_POST
def job_retry(request, pk: int):
    job = jobs.report_job_refresh(job=permissions.report_job_get(user=request.user, pk=pk))
    if job.params.get("issue"):
        permissions.require_issuer(request.user, job.programme_id)
    try:
        new_job = jobs.report_job_retry(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reporting:job", pk=job.pk)
    return redirect("reporting:job", pk=new_job.pk)


@require_safe
def finance_appendix(request, slug: str):
    fund = fund_get(user=request.user, slug=slug)
    if permissions.draft_rate_limited(request):  # a PDF laid out on request, like a draft: the same limit
        return _too_many_drafts(request, fund.programme)
    rendered = appendix.finance_appendix_render(fund=fund)
    return _pdf_response(rendered.pdf, f"{fund.slug}-appendix-1.pdf", inline=True)


@require_safe
def budget_monitoring(request, slug: str):
    """A fund's budget monitoring appendix as its own PDF, as at today (the board pack's is as at its period)."""
    fund = fund_get(user=request.user, slug=slug)
    if permissions.draft_rate_limited(request):
        return _too_many_drafts(request, fund.programme)
    rendered = appendix.budget_monitoring_render(fund=fund)
    return _pdf_response(rendered.pdf, f"{fund.slug}-budget-monitoring.pdf", inline=True)
