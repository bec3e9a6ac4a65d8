"""Writes for what the programme reports to others: NHS England return answers and the highlight report."""

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from pypdf.errors import PyPdfError

from core.services import audited_save, bump_version, check_version
from reporting.models import (
    ConditionAnswer,
    HighlightCover,
    IssuedReport,
    JobState,
    NationalConditionAnswer,
    ReportJob,
)
from reporting.renderers.pdf import RenderedPdf, html_parts_to_pdf, html_to_pdf
from reporting.selectors import (
    highlight_snapshot,
    latest_issued_version,
    previous_issued,
    snapshot_changes,
    snapshot_sha256,
)

logger = logging.getLogger(__name__)

DRAFT = "DRAFT"
ISSUED = "ISSUED"


@transaction.atomic
def national_condition_answer_record(
    *,
    programme,
    quarter: str,
    code: str,
    text: str,
    answer: str = "",
    parent_code: str = "",
    commentary: str = "",
    order: int = 0,
    by=None,
    reason: str = "",
) -> NationalConditionAnswer:
    """Record a programme's answer to one national condition for a quarter (Yes / No / No - In Progress).

    A quarter's answer already recorded is updated (a corrected return), audited with `reason`; unchanged
    answers are left alone."""
    if answer and answer not in ConditionAnswer.values:
        raise ValidationError({"answer": "Answer Yes, No or No - In Progress."})
    fields = {"text": text, "answer": answer, "parent_code": parent_code, "commentary": commentary, "order": order}
    row = (
        NationalConditionAnswer.objects.select_for_update()
        .filter(programme=programme, quarter=quarter, code=code)
        .first()
    )
    if row is None:
        return audited_save(NationalConditionAnswer(programme=programme, quarter=quarter, code=code, **fields), by=by)
    if all(getattr(row, name) == value for name, value in fields.items()):
        return row
    for name, value in fields.items():
        setattr(row, name, value)
    bump_version(row)
    return audited_save(row, by=by, reason=reason)


# --- Highlight report -------------------------------------------------------------------------

COVER_FIELDS = (
    "report_to",
    "report_date",
    "report_for",
    "report_of",
    "title",
    "purpose",
    "recommendations",
    "contact",
    "introduction",
    "steering_group",
    "conclusion",
)


@transaction.atomic
def highlight_cover_save(*, programme, period, data: dict, version: int | None, by=None) -> HighlightCover:
    """Save the cover block and opening sections for a period; a form opened before someone else's save is refused."""
    cover = HighlightCover.objects.select_for_update().filter(programme=programme, period=period).first()
    if cover is None:
        cover = HighlightCover(programme=programme, period=period)
    else:
        # version None: a loader or script, not a form; 0: the form was opened before any cover existed.
        check_version(cover, version)
        bump_version(cover)
    for name in COVER_FIELDS:
        if name in data:
            setattr(cover, name, data[name] if data[name] is not None else ("" if name != "report_date" else None))
    return audited_save(cover, by=by)


def highlight_report_html(
    *,
    snapshot: dict,
    status: str,
    meeting: str = "",
    meeting_date=None,
    version=None,
    changes=None,
    created="",
    front: bool = True,
    schemes: list | None = None,
    back: bool = True,
    page_numbers: bool = True,
) -> str:
    """The report's HTML from a snapshot (nothing is read from the database here).

    The whole report by default; a part of it (for a build in parts) with `front` (cover to the projects
    table and the sections before the scheme updates), `schemes` (those schemes' updates), `back` (money,
    metrics, recommendations, the changes appendix) and no page numbers.
    """
    cover = snapshot["cover"]
    return render_to_string(
        "reporting/pdf/highlight_report.html",
        {
            "s": snapshot,
            "status": status,
            "meeting": meeting or cover["report_to"],
            "meeting_date": meeting_date or cover["report_date"],
            "version": version,
            "changes": changes,
            "created": created or snapshot["taken_at"],
            "front": front,
            "scheme_list": snapshot["schemes"] if schemes is None else schemes,
            "back": back,
            "page_numbers": page_numbers,
        },
    )


def _scheme_weight(scheme: dict) -> int:
    """Roughly the table rows a scheme's update prints, to share the layout work out evenly."""
    return (
        12
        + len(scheme["milestones"])
        + len(scheme["completed_this_period"])
        + len(scheme["planned_next_period"])
        + 2 * len(scheme["comments"])
    )


def highlight_report_parts(snapshot: dict, parts: int) -> list[dict]:
    """Split the report into `parts` runs of scheme updates of about equal work, the front matter with the
    first and the back matter with the last. Each is a set of highlight_report_html options."""
    schemes = snapshot["schemes"]
    weights = [_scheme_weight(scheme) for scheme in schemes]
    front = (
        40
        + len(schemes)
        + 4 * len(snapshot["risks"])
        + 2 * len(snapshot["highlights"])
        + 2 * len(snapshot["national_conditions"]["rows"])
    )
    back = 20 + 4 * len(snapshot["metrics"]) + 6 * len(snapshot["money"])
    share = (front + sum(weights) + back) / parts
    runs: list[list[dict]] = [[]]
    done = front
    for scheme, weight in zip(schemes, weights, strict=True):
        # Start the next part when this scheme would take the current one further past its share than short.
        if len(runs) < parts and runs[-1] and done + weight / 2 > share * len(runs):
            runs.append([])
        runs[-1].append(scheme)
        done += weight
    last = len(runs) - 1
    return [
        {"front": index == 0, "schemes": run, "back": index == last, "page_numbers": False}
        for index, run in enumerate(runs)
    ]


def highlight_report_render(*, snapshot: dict, status: str = DRAFT, **options) -> RenderedPdf:
    """The PDF for a snapshot. The same snapshot and options give the same bytes.

    A report of HIGHLIGHT_REPORT_PARALLEL_SCHEMES schemes or more is laid out in parts on
    HIGHLIGHT_REPORT_PROCESSES cores (see reporting.renderers.pdf); if that fails it is built in one piece.
    """
    processes = settings.HIGHLIGHT_REPORT_PROCESSES
    if processes > 1 and len(snapshot["schemes"]) >= settings.HIGHLIGHT_REPORT_PARALLEL_SCHEMES:
        parts = [
            highlight_report_html(snapshot=snapshot, status=status, **options, **part)
            for part in highlight_report_parts(snapshot, processes)
        ]
        try:
            return html_parts_to_pdf(parts, page_numbers_html=_page_numbers_html)
        except (OSError, RuntimeError, PyPdfError):  # not a time limit: that must still stop the job
            logger.exception("Highlight report could not be laid out in parts; building it in one piece")
    html = highlight_report_html(snapshot=snapshot, status=status, **options)
    return html_to_pdf(html, identifier=snapshot_sha256(snapshot)[:32])


def _page_numbers_html(pages: int) -> str:
    return render_to_string("reporting/pdf/page_numbers.html", {"pages": range(pages)})


def highlight_report_draft(*, programme, period) -> RenderedPdf:
    """A draft from today's data, watermarked DRAFT; nothing is stored."""
    return highlight_report_render(snapshot=highlight_snapshot(programme=programme, period=period), status=DRAFT)


def _parse_date(value):
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def highlight_report_issue(
    *,
    programme,
    period,
    meeting: str,
    meeting_date,
    by=None,
    reissue: bool = False,
    reason: str = "",
    with_changes: bool = True,
    expected_version: int | None = None,
    progress=None,
    on_issued=None,
) -> IssuedReport:
    """Issue the report for a meeting: the PDF, its snapshot and both SHA-256s are stored once and never change.

    A second issue for the same meeting needs `reissue` and a reason, and becomes the next version.
    `expected_version` is the latest version the person saw (0 for none): if someone issued meanwhile, this
    issue is refused rather than becoming a version nobody meant. `on_issued(report)` runs in the same
    transaction as the insert (a background job records its result there, so a re-run cannot issue twice).
    """
    meeting = (meeting or "").strip()
    meeting_date = _parse_date(meeting_date)
    errors = {}
    if not meeting:
        errors["meeting"] = "Give the meeting the report goes to, e.g. Health & Wellbeing Board."
    if meeting_date is None:
        errors["meeting_date"] = "Give the meeting's date."
    if period.programme_id != programme.pk:
        errors["period"] = "That reporting period belongs to another programme."
    if errors:
        raise ValidationError(errors)
    latest = latest_issued_version(programme=programme, meeting=meeting, meeting_date=meeting_date)
    _check_issue_allowed(meeting, meeting_date, latest, reissue, reason, expected_version)
    # Laying out the pages takes seconds (minutes for a large programme), so it happens before the lock.
    _step(progress, "Collecting the programme's data")
    snapshot = highlight_snapshot(programme=programme, period=period)
    snapshot["cover"]["report_date"] = meeting_date.isoformat()  # the cover's date is the meeting's
    previous = (
        previous_issued(programme=programme, meeting=meeting, meeting_date=meeting_date) if with_changes else None
    )
    changes = snapshot_changes(previous.snapshot, snapshot) if previous else None
    if changes is not None:
        snapshot["changes"] = changes
    version = latest + 1
    now = timezone.now()
    _step(progress, "Laying out the pages")
    rendered = highlight_report_render(
        snapshot=snapshot,
        status=ISSUED,
        meeting=meeting,
        meeting_date=meeting_date.isoformat(),
        version=version,
        changes=changes,
        created=now.isoformat(timespec="seconds"),
    )
    _step(progress, "Storing the issued report")
    with transaction.atomic():
        # One issue at a time per programme; and the version printed in the PDF must still be the next one.
        type(programme).objects.select_for_update().get(pk=programme.pk)
        if latest_issued_version(programme=programme, meeting=meeting, meeting_date=meeting_date) != latest:
            raise ValidationError(
                f"Someone issued a report for the {meeting} on {meeting_date:%d/%m/%Y} while this one was being "
                "built. Look at the issued versions before issuing again."
            )
        report = IssuedReport(
            programme=programme,
            period=period,
            meeting=meeting,
            meeting_date=meeting_date,
            version=version,
            reason=reason.strip() if latest else "",
            pdf=rendered.pdf,
            pdf_sha256=hashlib.sha256(rendered.pdf).hexdigest(),
            snapshot=snapshot,
            snapshot_sha256=snapshot_sha256(snapshot),
            page_count=rendered.pages,
            compared_with=previous,
            issued_by=by,
            issued_by_name=(by.get_full_name() or by.username) if by else "command line",
            issued_at=now,
        )
        report.full_clean(exclude=["pdf"])
        report.save()
        if on_issued is not None:
            on_issued(report)
    logger.info(
        "Issued %s highlight report for %s %s v%s (%s bytes, sha256 %s)",
        programme.slug,
        meeting,
        meeting_date,
        version,
        len(rendered.pdf),
        report.pdf_sha256,
    )
    return report


def _check_issue_allowed(meeting, meeting_date, latest: int, reissue: bool, reason: str, expected) -> None:
    if expected is not None and int(expected) != latest:
        raise ValidationError(
            f"The {meeting} on {meeting_date:%d/%m/%Y} now has "
            + (f"version {latest} issued" if latest else "no issued report")
            + ", which changed after you opened this page. Check the issued versions, then issue again."
        )
    if latest and not reissue:
        raise ValidationError(
            f"A report was already issued for the {meeting} on {meeting_date:%d/%m/%Y} (version {latest}). "
            "To issue a new version, re-issue it with a reason; the earlier one is kept."
        )
    if latest and not reason.strip():
        raise ValidationError({"reason": "Say why the report is being re-issued."})


def issued_report_rebuild(*, report: IssuedReport) -> RenderedPdf:
    """Render an issued report again from its stored snapshot (to prove it reproduces; the stored bytes are what
    is downloaded)."""
    snapshot = report.snapshot
    return highlight_report_render(
        snapshot=snapshot,
        status=ISSUED,
        meeting=report.meeting,
        meeting_date=report.meeting_date.isoformat(),
        version=report.version,
        changes=snapshot.get("changes"),
        created=report.issued_at.isoformat(timespec="seconds"),
    )


def _step(progress, text: str) -> None:
    if progress is not None:
        progress(text)


# --- Background builds ------------------------------------------------------------------------


def report_needs_background(*, programme) -> bool:
    """Large programmes are built by a worker; small ones in the request (settings.HIGHLIGHT_REPORT_BACKGROUND_SCHEMES)."""
    return programme.schemes.count() > settings.HIGHLIGHT_REPORT_BACKGROUND_SCHEMES


def report_job_start(*, programme, period, by, issue: dict | None = None) -> ReportJob:
    """Record a job and queue it once the transaction commits. If the queue cannot be reached the job is marked
    failed with a message, and the page offers a retry."""
    job = ReportJob.objects.create(programme=programme, period=period, requested_by=by, issue=issue)
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from reporting.tasks import build_highlight_report_job

    try:
        build_highlight_report_job.apply_async(args=[job_id], retry=False)
    except Exception as exc:  # broker down: kombu/redis raise their own connection errors
        logger.warning("Could not queue report job %s: %s", job_id, exc)
        ReportJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.FAILED,
            error="The job queue is unavailable, so the report was not built. Try again in a minute.",
            finished_at=timezone.now(),
        )


def report_job_retry(*, job: ReportJob) -> ReportJob:
    """Start a failed job again as a new job with the same request."""
    if job.state != JobState.FAILED:
        raise ValidationError("Only a failed job can be retried.")
    return report_job_start(programme=job.programme, period=job.period, by=job.requested_by, issue=job.issue)


def report_job_run(*, job_id: int) -> ReportJob:
    """Build a job's report. Safe to run twice: a finished job is left as it is, and an issue job records its
    report in the same transaction that stores it, so a redelivered job finds it done instead of issuing again.

    A lost database connection is raised for the task to retry; any other failure is recorded on the job."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().select_related("programme", "period", "requested_by").get(pk=job_id)
        if job.is_finished:
            return job
        job.state, job.step = JobState.RUNNING, "Starting"
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["state", "step", "started_at", "updated_at"])
        ReportJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)

    def progress(text: str) -> None:
        ReportJob.objects.filter(pk=job.pk).update(step=text, updated_at=timezone.now())

    def finish(**fields) -> None:
        ReportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now(), updated_at=timezone.now(), **fields)

    try:
        if job.issue:
            highlight_report_issue(
                programme=job.programme,
                period=job.period,
                meeting=job.issue.get("meeting", ""),
                meeting_date=job.issue.get("meeting_date"),
                reissue=bool(job.issue.get("reissue")),
                reason=job.issue.get("reason", ""),
                with_changes=bool(job.issue.get("with_changes", True)),
                expected_version=job.issue.get("expected_version"),
                by=job.requested_by,
                progress=progress,
                on_issued=lambda report: finish(state=JobState.DONE, step="Done", error="", issued_report=report),
            )
        else:
            progress("Collecting the programme's data")
            snapshot = highlight_snapshot(programme=job.programme, period=job.period)
            progress("Laying out the pages")
            finish(state=JobState.DONE, step="Done", error="", pdf=highlight_report_render(snapshot=snapshot).pdf)
    except ValidationError as exc:
        finish(state=JobState.FAILED, error=" ".join(exc.messages))
    except OperationalError:
        raise  # the database went away: the task retries with back-off
    except Exception as exc:
        logger.exception("Report job %s failed", job.pk)
        finish(state=JobState.FAILED, error=f"The report could not be built ({type(exc).__name__}). Try again.")
    job.refresh_from_db()
    return job


# A job still queued or running this long after its last sign of life lost its worker (the task's hard
# time limit is 300 s): it is shown as failed and can be tried again.
JOB_STALE_AFTER = dt.timedelta(seconds=330)


def report_job_expire_if_stale(*, job: ReportJob) -> ReportJob:
    """Mark a job failed when its worker stopped without finishing it (killed, or past its time limit)."""
    if not job.is_finished and job.updated_at < timezone.now() - JOB_STALE_AFTER:
        ReportJob.objects.filter(pk=job.pk, state=job.state).update(
            state=JobState.FAILED,
            error="The worker stopped before finishing this report. Try again.",
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
    return job


# --- Finance appendix -------------------------------------------------------------------------


def finance_appendix_render(*, fund) -> RenderedPdf:
    """Appendix 1 of the Executive report (004) as its own PDF: the allocation table in £'000s."""
    from finance.selectors import fund_overview

    overview = fund_overview(fund=fund)
    html = render_to_string(
        "reporting/pdf/finance_appendix.html",
        {
            "fund": fund,
            "rows": appendix_rows(overview["tree"]),
            "summary": overview["summary"],
            "now": timezone.localtime(),
        },
    )
    return html_to_pdf(html)


def appendix_rows(tree: dict) -> list[dict]:
    """The allocation tree flattened into Appendix 1's lines: section heads, then initiative / workstream /
    scheme / £'000s with the initiative and workstream printed only where they change, subtotals, totals."""
    lines = []
    for section in tree["sections"]:
        lines.append({"kind": "section", "label": section.label})
        for initiative in section.rows:
            first_in_initiative = True
            for workstream in initiative.rows:
                first_in_workstream = True
                for row in workstream.rows:
                    lines.append(
                        {
                            "kind": "row",
                            "initiative": initiative.label if first_in_initiative else "",
                            "workstream": workstream.label if first_in_workstream else "",
                            "scheme": row.label,
                            "budget": row.budget,
                            "spent": row.spent,
                            "forecast": row.forecast,
                            "forecast_given": row.forecast_given,
                        }
                    )
                    first_in_initiative = first_in_workstream = False
            if len(initiative.rows) > 1 or sum(len(w.rows) for w in initiative.rows) > 1:
                lines.append(
                    {"kind": "subtotal", "label": f"Subtotal {initiative.label}", "budget": initiative.subtotal.budget}
                )
        lines.append({"kind": "total", "label": f"Total {section.label.lower()}", "budget": section.subtotal.budget})
    lines.append({"kind": "grand", "label": "Grand total", "budget": tree["grand_total"].budget})
    return lines
