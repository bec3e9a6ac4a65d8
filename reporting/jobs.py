"""Highlight reports built in the background (large programmes), on core.jobs.

A job reads its request (the period, and the meeting when it issues), takes the snapshot and lays the report
out. A report of more than HIGHLIGHT_REPORT_PART_SCHEMES schemes, with a broker, is cut into parts where a
scheme's section starts: a Celery chord lays each part out in its own task, on whichever worker is free, and
its callback joins them (page numbers and bookmarks across the parts) and finishes the job. Without a broker
(in-process Celery) it is laid out in one piece here.
"""

from __future__ import annotations

import logging

from celery import chord, current_app
from django.conf import settings

from core import jobs
from core.models import BackgroundJob, JobState
from reporting import highlight
from reporting.renderers.pdf import RenderedPart, RenderedPdf
from reporting.selectors import highlight_snapshot
from schemes.models import ReportingPeriod

logger = logging.getLogger(__name__)

REPORT_JOB = jobs.JobKind(
    name="highlight_report",
    task_name="reporting.tasks.build_highlight_report_job",
    time_limit=300,
    queue_unavailable="The job queue is unavailable, so the report was not built. Try again in a minute.",
)
PART_TASK = "reporting.tasks.build_highlight_report_part"
JOIN_TASK = "reporting.tasks.join_highlight_report_parts"
PART_TIME_LIMIT = 300


def report_needs_background(*, programme) -> bool:
    """Large programmes are built by a worker; small ones in the request (settings.HIGHLIGHT_REPORT_BACKGROUND_SCHEMES)."""
    return programme.schemes.count() > settings.HIGHLIGHT_REPORT_BACKGROUND_SCHEMES


def report_job_start(*, programme, period, by, issue: dict | None = None) -> BackgroundJob:
    """Record a report job and queue it once the transaction commits. If the queue cannot be reached the job is
    marked failed with a message, and the page offers a retry."""
    params = {"period": period.pk, "issue": issue}
    return jobs.job_start(kind=REPORT_JOB, programme=programme, subject=period.code, params=params, by=by)


def report_job_retry(*, job: BackgroundJob) -> BackgroundJob:
    return jobs.job_retry(job=job, kind=REPORT_JOB)


def report_job_refresh(*, job: BackgroundJob) -> BackgroundJob:
    jobs.job_refresh(job=job, kind=REPORT_JOB)
    return job


def report_job_period(job: BackgroundJob) -> ReportingPeriod:
    return ReportingPeriod.objects.select_related("programme").get(pk=job.params["period"])


def report_job_run(*, job_id: int, queue: str | None = None) -> BackgroundJob | None:
    """Build a job's report. Safe to run twice: a finished job is left as it is, and an issue job records its
    report in the same transaction that stores it, so a redelivered job finds it done instead of issuing again.
    `queue`: where the parts of a large report are sent (the queue this job came from)."""
    return jobs.job_run(job_id=job_id, work=lambda job, progress: _build(job, progress, queue))


def _build(job: BackgroundJob, progress, queue: str | None) -> None:
    period = report_job_period(job)
    issue = job.params.get("issue")
    prepared = None
    if issue:
        prepared = highlight.highlight_report_issue_prepare(
            programme=job.programme,
            period=period,
            meeting=issue.get("meeting", ""),
            meeting_date=issue.get("meeting_date"),
            reissue=bool(issue.get("reissue")),
            reason=issue.get("reason", ""),
            with_changes=bool(issue.get("with_changes", True)),
            expected_version=issue.get("expected_version"),
            progress=progress,
        )
        snapshot, options = prepared["snapshot"], prepared["options"]
    else:
        progress("Collecting the programme's data")
        snapshot, options = highlight_snapshot(programme=job.programme, period=period), {"status": highlight.DRAFT}
        cached = highlight.draft_cached(snapshot)
        if cached is not None:
            jobs.job_done(job_id=job.pk, step="Done (unchanged since the last draft)", file=cached.pdf)
            return
    count = highlight.highlight_report_part_count(snapshot)
    if count > 1 and not current_app.conf.task_always_eager:
        _hand_out_parts(job, snapshot, options, prepared, count, queue, progress)
        return
    progress("Laying out the pages")
    _finish(job, prepared, snapshot, highlight.highlight_report_render(snapshot=snapshot, **options), 1, progress)


def _finish(job, prepared: dict | None, snapshot: dict, rendered: RenderedPdf, parts: int, progress) -> None:
    if prepared is not None:
        highlight.highlight_report_issue_store(
            prepared=prepared,
            rendered=rendered,
            parts=parts,
            by=job.requested_by,
            progress=progress,
            on_issued=lambda report: jobs.job_done(job_id=job.pk, result={"issued_report": report.pk}),
        )
    else:
        highlight.draft_cache(snapshot, rendered)
        jobs.job_done(job_id=job.pk, file=rendered.pdf)


def _hand_out_parts(job, snapshot, options, prepared, count: int, queue: str | None, progress) -> None:
    BackgroundJob.objects.filter(pk=job.pk).update(
        payload={"snapshot": snapshot, "options": options, "prepared": prepared and {**prepared, "snapshot": None}}
    )
    jobs.job_parts_delete(job_id=job.pk)  # a redelivered job starts its parts afresh
    progress(f"Laying out the pages in {count} parts")
    # Named, not imported: reporting.tasks imports this module. The parts go to the queue this job came from.
    route = {"queue": queue} if queue else {}
    header = [
        current_app.signature(PART_TASK, args=(job.pk, index, count), immutable=True, **route) for index in range(count)
    ]
    chord(header)(current_app.signature(JOIN_TASK, args=(job.pk, count), immutable=True, **route))


def report_part_run(*, job_id: int, index: int, count: int) -> None:
    """Lay out one part of a job's report and keep it for the join. Safe to run twice: a part already kept, or a
    finished job, is left as it is. A failure fails the job, with the reason."""
    job = BackgroundJob.objects.defer("file").filter(pk=job_id).first()
    if job is None or job.payload is None or job.is_finished or jobs.job_parts(job_id=job_id).get(index) is not None:
        return
    try:
        part = highlight.highlight_report_part_render(
            snapshot=job.payload["snapshot"], options=job.payload["options"], index=index, count=count
        )
    except jobs.RETRYABLE:
        raise
    except Exception as exc:
        logger.exception("Part %s of report job %s failed", index, job_id)
        jobs.job_fail(job_id=job_id, error=f"The report could not be laid out ({type(exc).__name__}). Try again.")
        raise
    jobs.job_part_save(job_id=job_id, index=index, file=part.pdf, meta=_part_meta(part))
    jobs.job_progress(job_id=job_id, step=f"Laid out part {index + 1} of {count}")


def _part_meta(part: RenderedPart) -> dict:
    return {"pages": part.pages, "bookmarks": [list(b) for b in part.bookmarks], "refused": part.refused}


def report_parts_join(*, job_id: int, count: int) -> BackgroundJob | None:
    """The chord's callback: join the job's parts into the report and finish the job (store the draft, or issue
    it). A part that is missing (its task's result was counted twice) is laid out here."""

    def work(job: BackgroundJob, progress) -> None:
        if job.payload is None:
            raise ValueError("the job has no parts to join")
        snapshot, options = job.payload["snapshot"], job.payload["options"]
        kept = jobs.job_parts(job_id=job.pk)
        parts = []
        for index in range(count):
            if index in kept:
                meta = kept[index].meta
                bookmarks = [tuple(b) for b in meta["bookmarks"]]
                parts.append(RenderedPart(bytes(kept[index].file), meta["pages"], bookmarks, meta["refused"]))
            else:
                logger.warning("Part %s of report job %s is missing: laying it out here", index, job.pk)
                parts.append(
                    highlight.highlight_report_part_render(snapshot=snapshot, options=options, index=index, count=count)
                )
        progress(f"Joining the {count} parts")
        prepared = job.payload.get("prepared")
        if prepared is not None:
            prepared = {**prepared, "snapshot": snapshot}
        _finish(job, prepared, snapshot, highlight.highlight_report_join(parts), count, progress)
        jobs.job_parts_delete(job_id=job.pk)

    job = BackgroundJob.objects.defer("file").filter(pk=job_id).first()
    if job is None or job.state != JobState.RUNNING:
        return job  # finished meanwhile (a part failed, or it went stale): nothing to join
    return jobs.job_run(job_id=job_id, work=work, count_attempt=False)
