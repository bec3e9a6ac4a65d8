"""The highlight report: its cover, its HTML, its PDF (in one piece, or in parts joined), the cached draft and
issuing it for a meeting. Background builds are in reporting.jobs; the finance appendix in reporting.appendix."""

import datetime as dt
import functools
import hashlib
import logging
import math
from pathlib import Path

import pikepdf
import weasyprint
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.services import audited_save, bump_version, check_version
from notifications import services as notify
from reporting.models import HighlightCover, IssuedReport
from reporting.renderers.pdf import RenderedPart, RenderedPdf, html_to_pdf, join_parts, render_part
from reporting.selectors import (
    highlight_snapshot,
    latest_issued_version,
    previous_issued,
    snapshot_changes,
    snapshot_sha256,
)
from schemes.models import Programme

logger = logging.getLogger(__name__)

DRAFT = "DRAFT"
ISSUED = "ISSUED"


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
    appendices: list | None = None,
    budget_monitoring: bool = False,
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
            "appendices": appendices or [],
            "budget_monitoring": budget_monitoring,
        },
    )


def _scheme_weight(scheme: dict) -> int:
    """Roughly the table rows a scheme's update prints, to share the layout work out evenly."""
    return (
        12
        + len(scheme["milestones"])
        + len(scheme["completed_this_period"])
        + len(scheme["planned_next_period"])
        + len(scheme.get("overdue_at_end", []))
        + 2 * len(scheme["comments"])
    )


def front_matter_weight(snapshot: dict) -> int:
    """The cover, summary, contents, risks, highlights and national conditions, in _scheme_weight's units. A risk
    counts 2.5 rows: measured on the 60-scheme synthetic report, its front matter (74 risks) took 1.3 s to lay out
    against 1.6 s for ten schemes weighing 361, so 4 a risk sent too few schemes to the first part."""
    return (
        30
        + len(snapshot["schemes"])
        + (5 * len(snapshot["risks"])) // 2
        + 2 * len(snapshot["highlights"])
        + 2 * len(snapshot["national_conditions"]["rows"])
    )


def back_matter_weight(snapshot: dict) -> int:
    """Money, metrics and recommendations, in _scheme_weight's units."""
    return 20 + 4 * len(snapshot["metrics"]) + 6 * len(snapshot["money"])


def highlight_report_parts(snapshot: dict, parts: int) -> list[dict]:
    """Split the report into `parts` runs of scheme updates of about equal work, the front matter with the
    first and the back matter with the last. Each is a set of highlight_report_html options."""
    schemes = snapshot["schemes"]
    weights = [_scheme_weight(scheme) for scheme in schemes]
    front, back = front_matter_weight(snapshot), back_matter_weight(snapshot)
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
    """The PDF for a snapshot, laid out in one piece. The same snapshot and options give the same bytes."""
    html = highlight_report_html(snapshot=snapshot, status=status, **options)
    return html_to_pdf(html, identifier=snapshot_sha256(snapshot)[:32])


# --- In parts (large programmes, built by workers: see reporting.jobs) -----------------------------


def highlight_report_part_count(snapshot: dict) -> int:
    """How many parts a report is laid out in: one per HIGHLIGHT_REPORT_PART_SCHEMES schemes, one piece at or
    below that. Taken from the snapshot and the setting only, so a rebuild is cut the same way anywhere."""
    per_part = max(1, settings.HIGHLIGHT_REPORT_PART_SCHEMES)
    return max(1, math.ceil(len(snapshot["schemes"]) / per_part))


def highlight_report_part_render(*, snapshot: dict, options: dict, index: int, count: int) -> RenderedPart:
    """Lay out part `index` of `count` of the report (no page numbers: the join adds them)."""
    part = highlight_report_parts(snapshot, count)[index]
    return render_part(highlight_report_html(snapshot=snapshot, **options, **part))


def highlight_report_render_in_parts(*, snapshot: dict, options: dict, count: int) -> RenderedPdf:
    """The report laid out part by part in this process and joined: the bytes a chord of workers makes (to
    rebuild an issued report that was built that way)."""
    parts = [
        highlight_report_part_render(snapshot=snapshot, options=options, index=index, count=count)
        for index in range(count)
    ]
    return highlight_report_join(parts)


def highlight_report_join(parts: list[RenderedPart]) -> RenderedPdf:
    """The parts joined into the report, "Page N of M" and bookmarks across them, as a one-piece build prints."""
    return join_parts(parts, page_numbers_html=_page_numbers_html)


def _page_numbers_html(pages: int) -> str:
    return render_to_string("reporting/pdf/page_numbers.html", {"pages": range(pages)})


# --- The draft, cached ------------------------------------------------------------------------------

# What, besides the data, decides a report's bytes: its templates, style sheets and template tags, and the
# versions of the libraries that lay it out and join it.
LAYOUT_SOURCES = (
    "templates/reporting/pdf",
    "static/reporting",
    "reporting/templatetags",
    "reporting/charts.py",
    "reporting/renderers",
)
# Raised by hand when the layout changes in a way the files above do not show (e.g. a WeasyPrint option such as
# tagging, or a library's behaviour): every cached draft then misses and is laid out afresh.
LAYOUT_VERSION = 2  # 2: print layout that cannot overflow, tagged PDF (issue 19)


@functools.cache
def layout_fingerprint() -> str:
    """SHA-256 of everything but the data that changes a report's bytes (read once per process)."""
    digest = hashlib.sha256(
        f"layout {LAYOUT_VERSION} weasyprint {weasyprint.__version__} pikepdf {pikepdf.__version__}".encode()
    )
    for source in LAYOUT_SOURCES:
        root = Path(settings.BASE_DIR) / source
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".html", ".css", ".py"):
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def draft_cache_key(snapshot: dict) -> str:
    """The cache key of a snapshot's draft: the data's SHA-256 (the snapshot with its time cut to the day the
    draft prints as "Data as at"), DRAFT, and the layout's fingerprint."""
    data = {**snapshot, "taken_at": snapshot["taken_at"][:10]}
    return f"highlight-report:{DRAFT}:v{LAYOUT_VERSION}:{snapshot_sha256(data)}:{layout_fingerprint()[:16]}"


def draft_cached(snapshot: dict) -> RenderedPdf | None:
    """The draft laid out before from the same data and layout, if the cache has it. A cache that cannot be
    reached (Redis down) counts as empty: the draft is laid out, not refused."""
    try:
        found = cache.get(draft_cache_key(snapshot))
    except Exception:  # redis ConnectionError/TimeoutError, OSError
        logger.warning("Draft cache not read: the cache could not be reached", exc_info=True)
        return None
    return RenderedPdf(pdf=found["pdf"], pages=found["pages"]) if found else None


def draft_cache(snapshot: dict, rendered: RenderedPdf) -> None:
    try:
        cache.set(
            draft_cache_key(snapshot),
            {"pdf": bytes(rendered.pdf), "pages": rendered.pages},
            timeout=settings.HIGHLIGHT_REPORT_DRAFT_CACHE_SECONDS,
        )
    except Exception:  # as above: the draft is still given, just not kept
        logger.warning("Draft not cached: the cache could not be reached", exc_info=True)


def highlight_report_draft(*, programme, period) -> RenderedPdf:
    """A draft from today's data, watermarked DRAFT; nothing is stored but the cached PDF.

    The snapshot is always taken (it is quick); when the programme's data is unchanged since a draft was last
    laid out, that PDF comes back from the cache instead of being laid out again. It carries the time it was
    first laid out."""
    snapshot = highlight_snapshot(programme=programme, period=period)
    cached = draft_cached(snapshot)
    if cached is not None:
        return cached
    rendered = highlight_report_render(snapshot=snapshot, status=DRAFT)
    draft_cache(snapshot, rendered)
    return rendered


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
    prepared = highlight_report_issue_prepare(
        programme=programme,
        period=period,
        meeting=meeting,
        meeting_date=meeting_date,
        reissue=reissue,
        reason=reason,
        with_changes=with_changes,
        expected_version=expected_version,
        progress=progress,
    )
    _step(progress, "Laying out the pages")
    rendered = highlight_report_render(snapshot=prepared["snapshot"], **prepared["options"])
    return highlight_report_issue_store(
        prepared=prepared, rendered=rendered, by=by, on_issued=on_issued, progress=progress
    )


def highlight_report_issue_prepare(
    *,
    programme,
    period,
    meeting: str,
    meeting_date,
    reissue: bool = False,
    reason: str = "",
    with_changes: bool = True,
    expected_version: int | None = None,
    progress=None,
) -> dict:
    """Check an issue is allowed and take its snapshot: everything the PDF is laid out from and the issue is
    stored with, as JSON (a worker laying it out in parts reads it back)."""
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
    return {
        "programme": programme.pk,
        "period": period.pk,
        "meeting": meeting,
        "meeting_date": meeting_date.isoformat(),
        "latest": latest,
        "reason": reason.strip() if latest else "",
        "previous": previous.pk if previous else None,
        "issued_at": now.isoformat(),
        "snapshot": snapshot,
        "options": {
            "status": ISSUED,
            "meeting": meeting,
            "meeting_date": meeting_date.isoformat(),
            "version": version,
            "changes": changes,
            "created": now.isoformat(timespec="seconds"),
        },
    }


def highlight_report_issue_store(
    *, prepared: dict, rendered: RenderedPdf, parts: int = 1, by=None, on_issued=None, progress=None
) -> IssuedReport:
    """Store an issue laid out from `prepared` (highlight_report_issue_prepare), in `parts` parts, once: refused
    if someone issued for the same meeting meanwhile, since the version printed in the PDF must be the next."""
    _step(progress, "Storing the issued report")
    meeting, meeting_date, latest = prepared["meeting"], _parse_date(prepared["meeting_date"]), prepared["latest"]
    snapshot = prepared["snapshot"]
    with transaction.atomic():
        # One issue at a time per programme; and the version printed in the PDF must still be the next one.
        programme = Programme.objects.select_for_update().get(pk=prepared["programme"])
        if latest_issued_version(programme=programme, meeting=meeting, meeting_date=meeting_date) != latest:
            raise ValidationError(
                f"Someone issued a report for the {meeting} on {meeting_date:%d/%m/%Y} while this one was being "
                "built. Look at the issued versions before issuing again."
            )
        report = IssuedReport(
            programme=programme,
            period_id=prepared["period"],
            meeting=meeting,
            meeting_date=meeting_date,
            version=prepared["options"]["version"],
            reason=prepared["reason"],
            pdf=rendered.pdf,
            pdf_sha256=hashlib.sha256(rendered.pdf).hexdigest(),
            snapshot=snapshot,
            snapshot_sha256=snapshot_sha256(snapshot),
            page_count=rendered.pages,
            parts=parts,
            compared_with_id=prepared["previous"],
            issued_by=by,
            issued_by_name=(by.get_full_name() or by.username) if by else "command line",
            issued_at=dt.datetime.fromisoformat(prepared["issued_at"]),
        )
        report.full_clean(exclude=["pdf"])
        report.save()
        if report.version > 1:
            notify.report_reissued(report=report, by=by)
        if on_issued is not None:
            on_issued(report)
    logger.info(
        "Issued %s highlight report for %s %s v%s (%s bytes, sha256 %s)",
        programme.slug,
        meeting,
        meeting_date,
        report.version,
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
    """Render an issued report again from its stored snapshot, in as many parts as it was (to prove it
    reproduces; the stored bytes are what is downloaded)."""
    snapshot = report.snapshot
    options = {
        "status": ISSUED,
        "meeting": report.meeting,
        "meeting_date": report.meeting_date.isoformat(),
        "version": report.version,
        "changes": snapshot.get("changes"),
        "created": report.issued_at.isoformat(timespec="seconds"),
    }
    if report.parts > 1:
        return highlight_report_render_in_parts(snapshot=snapshot, options=options, count=report.parts)
    return highlight_report_render(snapshot=snapshot, **options)


def _step(progress, text: str) -> None:
    if progress is not None:
        progress(text)
