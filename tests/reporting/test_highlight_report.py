"""The highlight report PDF: its content read back from the PDF, print quality, draft and issue, re-issue,
changes since the last board, reproducibility and escaping."""

import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from milestones import services as milestone_services
from milestones.models import Milestone
from reporting import appendix, selectors
from reporting import highlight as services
from reporting.models import IssuedReport
from risks import services as risk_services
from risks.models import Risk
from schemes.models import CommentKind
from schemes.services import progress_comment_add
from tests.reporting.conftest import outline, pdf_text, squash

pytestmark = pytest.mark.django_db

ISSUE = {"meeting": "Health & Wellbeing Board", "meeting_date": dt.date(2015, 6, 9)}


def test_demo_draft_holds_every_scheme_its_milestones_and_the_national_conditions(trafford):
    programme, p1, _ = trafford
    rendered = services.highlight_report_draft(programme=programme, period=p1)
    text = pdf_text(rendered.pdf)
    flat = squash(text)
    for scheme in programme.schemes.exclude(status="to_scope"):
        assert squash(f"{scheme.ref} {scheme.name}") in flat, scheme
        for milestone in scheme.milestones.all():
            assert squash(milestone.description)[:60] in flat, milestone.description
    for condition in programme.condition_answers.all():
        assert squash(condition.text)[:60] in flat
    assert "No - In Progress" in text
    # The seed's structure and cover block, as edited for this period.
    for heading in (
        "Report to:",
        "1. Introduction",
        "2. The Steering Group",
        "Points to highlight",
        "Risks and issues",
    ):
        assert heading in text
    assert "Progress Report of Better Care Fund for Trafford" in text
    assert "Julie Crossley" in text and "9 June 2015" in text
    assert "Primary Care Model for Nursing Homes" in text  # projects to scope
    assert "Overall Project Status RAG" in text
    assert "DRAFT" in text and "ISSUED" not in text
    assert f"Page 1 of {rendered.pages}" in text and f"Page {rendered.pages} of {rendered.pages}" in text


def test_report_is_a4_with_metadata_embedded_fonts_and_bookmarks_per_section_and_scheme(trafford):
    programme, p1, _ = trafford
    reader = PdfReader(io.BytesIO(services.highlight_report_draft(programme=programme, period=p1).pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait in points
    meta = reader.metadata
    assert meta.title == "Progress Report of Better Care Fund for Trafford"
    assert meta.author == "Better Care Fund Programme"
    assert "Health & Wellbeing Board" in meta.subject and "DRAFT" in meta.subject
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor, "font not embedded"
            fonts.add(str(descriptor["/FontName"]).split("+")[-1])
    assert "DejaVu-Sans" in fonts
    titles = [title for _depth, title, _page in outline(reader)]
    assert "1. Introduction" in titles and "5. Metrics" in titles
    for scheme in programme.schemes.exclude(status="to_scope"):
        assert f"{scheme.ref} {scheme.name}" in titles


def test_a_report_laid_out_in_parts_matches_the_one_piece_build(small, settings, make_user):
    """What a chord of workers makes (each part's task, then the join) reads exactly like the one-piece build."""
    from core.models import BackgroundJob, JobState
    from reporting import tasks
    from reporting.renderers.pdf import STAMP
    from tests.factories.jobs import report_job

    programme, p1, _ = small
    settings.HIGHLIGHT_REPORT_PART_SCHEMES = 2
    snapshot = selectors.highlight_snapshot(programme=programme, period=p1)
    whole = PdfReader(io.BytesIO(services.highlight_report_render(snapshot=snapshot).pdf))
    assert services.highlight_report_part_count(snapshot) == 2
    assert [len(part["schemes"]) for part in services.highlight_report_parts(snapshot, 2)] == [1, 2]
    job = report_job(
        period=p1,
        by=make_user(),
        state=JobState.RUNNING,
        payload={"snapshot": snapshot, "options": {"status": "DRAFT"}, "prepared": None},
    )
    for index in (1, 0):  # workers finish in any order
        tasks.build_highlight_report_part.apply(args=[job.pk, index, 2])
    tasks.join_highlight_report_parts.apply(args=[job.pk, 2])
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert not job.parts.exists()  # kept only until the join
    parts = PdfReader(io.BytesIO(bytes(BackgroundJob.objects.values_list("file", flat=True).get(pk=job.pk))))
    # The joined file is the join's (its pages carry the page-numbers stamp), the one-piece file WeasyPrint's.
    assert all(STAMP in page["/Resources"]["/XObject"] for page in parts.pages)
    assert not any(STAMP in (page["/Resources"].get("/XObject") or {}) for page in whole.pages)
    assert len(parts.pages) == len(whole.pages)
    for joined, single in zip(parts.pages, whole.pages, strict=True):
        # The same words on the same page; pdftotext may read a merged page's text in another order.
        assert sorted(joined.extract_text().split()) == sorted(single.extract_text().split())
    assert outline(parts) == outline(whole)
    assert _destinations(parts) == _destinations(whole)  # each bookmark opens at its heading, as WeasyPrint's
    assert parts.metadata == whole.metadata
    # The laid-over page number sits where the one-piece build prints it.
    last = f"Page {len(whole.pages)} of {len(whole.pages)}"
    assert _where(parts.pages[-1], last) == _where(whole.pages[-1], last)


def _destinations(reader) -> list[tuple[float, float]]:
    found = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.append((round(float(item.left), 1), round(float(item.top), 1)))

    walk(reader.outline)
    return found


def _where(page, text: str) -> tuple[float, float]:
    """Where on the page a run of text starts, in points (rounded)."""
    found = []

    def visit(run, _cm, tm, _font, _size):
        if text in run:
            found.append((round(tm[4]), round(tm[5])))

    page.extract_text(visitor_text=visit)
    assert found, text
    return found[0]


def test_a_period_without_updates_says_so_per_scheme_instead_of_failing(trafford):
    programme, _, p2 = trafford
    text = pdf_text(services.highlight_report_draft(programme=programme, period=p2).pdf)
    schemes = programme.schemes.exclude(status="to_scope").count()
    assert text.count("No update was given for this scheme this period.") == schemes
    assert "No points to highlight were written this period." in text


def test_issue_stores_bytes_snapshot_and_hashes_that_do_not_change_when_the_plan_does(small, pmo_user):
    programme, p1, _ = small
    report = services.highlight_report_issue(programme=programme, period=p1, by=pmo_user, **ISSUE)
    stored = bytes(report.pdf)
    assert report.pdf_sha256 == hashlib.sha256(stored).hexdigest()
    assert report.snapshot_sha256 == selectors.snapshot_sha256(report.snapshot)
    assert report.version == 1 and report.page_count > 1
    text = pdf_text(stored)
    assert "ISSUED (version 1)" in text and "DRAFT" not in text

    milestone = Milestone.objects.filter(scheme__programme=programme, status="not_started").first()
    assert milestone is not None
    milestone_services.milestone_move(
        milestone=milestone, new_date=milestone.due_date + dt.timedelta(days=30), reason="Slipped", by=pmo_user
    )
    fresh = IssuedReport.objects.get(pk=report.pk)
    assert bytes(fresh.pdf) == stored and fresh.pdf_sha256 == report.pdf_sha256
    assert fresh.snapshot == report.snapshot
    with pytest.raises(ValueError, match="cannot be changed"):
        fresh.save()


def test_issuing_twice_for_a_meeting_needs_reissue_and_a_reason_and_keeps_the_first(small, pmo_user):
    programme, p1, _ = small
    first = services.highlight_report_issue(programme=programme, period=p1, by=pmo_user, **ISSUE)
    with pytest.raises(ValidationError, match="already issued"):
        services.highlight_report_issue(programme=programme, period=p1, by=pmo_user, **ISSUE)
    with pytest.raises(ValidationError, match="Say why"):
        services.highlight_report_issue(programme=programme, period=p1, by=pmo_user, reissue=True, **ISSUE)
    assert IssuedReport.objects.count() == 1
    second = services.highlight_report_issue(
        programme=programme, period=p1, by=pmo_user, reissue=True, reason="Corrected 5.3 comment", **ISSUE
    )
    assert (second.version, second.reason) == (2, "Corrected 5.3 comment")
    assert IssuedReport.objects.get(pk=first.pk).pdf_sha256 == first.pdf_sha256
    assert "ISSUED (version 2)" in pdf_text(second.pdf)


def test_changes_appendix_lists_rag_moves_milestones_risks_since_the_previous_board(small, pmo_user):
    programme, p1, p2 = small
    first = services.highlight_report_issue(programme=programme, period=p1, by=pmo_user, **ISSUE)
    from django.db.models import Count, Q

    scheme = (
        programme.schemes.annotate(open=Count("milestones", filter=Q(milestones__status="not_started")))
        .order_by("-open")
        .first()
    )
    to_complete = scheme.milestones.filter(status="not_started").order_by("due_date").first()
    milestone_services.milestone_complete(milestone=to_complete, completed_on=p2.start_date, by=pmo_user)
    to_move = scheme.milestones.filter(status="not_started").order_by("due_date").last()
    milestone_services.milestone_move(
        milestone=to_move, new_date=to_move.due_date + dt.timedelta(days=45), reason="Awaiting CC&FC", by=pmo_user
    )
    risk = next(r for r in Risk.objects.filter(programme=programme, status="open") if r.score >= 4)
    after = 20 if risk.score == 25 else 25
    risk_services.risk_rescore(
        risk=risk,
        likelihood=5,
        consequence=after // 5,
        note="Venues fell through",
        by=pmo_user,
        assessed_on=p2.start_date,
    )
    second = services.highlight_report_issue(
        programme=programme,
        period=p2,
        by=pmo_user,
        meeting="Health & Wellbeing Board",
        meeting_date=dt.date(2015, 9, 8),
    )
    assert second.compared_with == first
    changes = second.snapshot["changes"]
    assert [c["description"] for c in changes["milestones_completed"]] == [to_complete.description]
    assert [c["description"] for c in changes["milestones_slipped"]] == [to_move.description]
    assert changes["milestones_slipped"][0]["reason"] == "Awaiting CC&FC"
    assert [(c["title"], c["after"]) for c in changes["risks_rescored"]] == [(risk.title, after)]
    text = pdf_text(second.pdf)
    assert "what changed since the last board" in text
    assert "Awaiting CC&FC" in text and "Venues fell through" not in text


def test_snapshot_changes_reports_new_money_movements_and_new_risks():
    before = {"schemes": [], "risks": [], "money": [{"name": "F", "movements": [{"id": 1}]}]}
    after = {
        "schemes": [],
        "risks": [{"id": 9, "title": "New", "score": 12, "grade": "High"}],
        "money": [{"name": "F", "movements": [{"id": 1}, {"id": 2, "kind": "Repurposing", "amount": "5.00"}]}],
    }
    changes = selectors.snapshot_changes(before, after)
    assert [m["id"] for m in changes["money_movements"]] == [2]
    assert changes["risks_new"] == [{"title": "New", "score": 12, "grade": "High"}]


def test_an_issued_report_rebuilds_from_its_snapshot_to_the_same_text(small, pmo_user):
    programme, p1, _ = small
    report = services.highlight_report_issue(programme=programme, period=p1, by=pmo_user, **ISSUE)
    progress_comment_add(
        scheme=programme.schemes.order_by("ref").first(),
        period=p1,
        date=p1.start_date,
        text="Added after the report was issued",
        kind=CommentKind.GENERAL,
        by=pmo_user,
    )
    rebuilt = services.issued_report_rebuild(report=IssuedReport.objects.get(pk=report.pk))
    assert pdf_text(rebuilt.pdf) == pdf_text(report.pdf)
    assert rebuilt.pdf == bytes(report.pdf)
    assert "Added after the report was issued" not in pdf_text(rebuilt.pdf)


def test_user_text_is_printed_as_text_not_markup(small, pmo_user):
    programme, p1, _ = small
    progress_comment_add(
        scheme=programme.schemes.order_by("ref").first(),
        period=p1,
        date=p1.start_date,
        text='<b>Bold</b> & <script>alert(1)</script> "quoted"',
        kind=CommentKind.HIGHLIGHT,
        by=pmo_user,
    )
    text = pdf_text(services.highlight_report_draft(programme=programme, period=p1).pdf)
    assert '<b>Bold</b> & <script>alert(1)</script> "quoted"' in text


def test_finance_appendix_is_its_own_pdf_laid_out_like_appendix_1(demo):
    from finance.models import Fund

    rendered = appendix.finance_appendix_render(fund=Fund.objects.get(slug="trafford-tf"))
    text = pdf_text(rendered.pdf)
    for expected in (
        "Appendix 1",
        "Initiative Workstream Scheme £'000s",
        "Schemes going forward",
        "Primary Care Neighbourhood Model 2,074",
        "Total schemes going forward 21,524",
        "Grand total 22,000",
    ):
        assert expected in text, expected
    assert "Page 1 of" in text


def test_snapshot_reads_a_fixed_number_of_queries_whatever_the_programme_size():
    """No N+1 over schemes, milestones, comments, risks, allocations, movements or metrics: one query per kind of
    record, and a fixed handful per fund (a programme has one or two)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from demo.synthetic import synthetic_programme_generate

    counts = []
    for n, slug in ((4, "small"), (12, "three-times")):
        programme = synthetic_programme_generate(
            schemes=n,
            milestones_per_scheme=5,
            periods=3,
            seed=n,
            slug=slug,
            risks=3 * n,
            metrics=2,
            kpis=n,
            funds=1,
            movements=4 * n,
        )
        period = programme.periods.order_by("start_date").last()
        with CaptureQueriesContext(connection) as ctx:
            snapshot = selectors.highlight_snapshot(programme=programme, period=period)
        assert len(snapshot["schemes"]) == n and len(snapshot["metrics"]) == 2 + n
        assert len(snapshot["money"]) == 1 and len(snapshot["money"][0]["allocations"]) == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    # 26 before each fund's budget monitoring (#19.3): the quarters with figures, the years, the lines: per fund.
    # (The 26 include the scheme dependencies and the business cases by status.) The pooled fund by source: one
    # query for the fund's plan years, then four per plan year (2025/26 on: three for its plan, one for its contributions),
    # whatever the number of lines.
    from finance.selectors import expenditure_plan_years

    plan_years = len(expenditure_plan_years(programme.funds.get()))
    assert counts[0] <= 29 + 1 + 4 * plan_years, counts


def test_national_conditions_are_those_submitted_by_the_periods_end(trafford):
    from returns.services import national_condition_answer_record

    programme, p1, p2 = trafford
    national_condition_answer_record(
        programme=programme, quarter="2015-16-Q1", code="1", text="Are the plans still jointly agreed?", answer="No"
    )
    assert selectors.highlight_snapshot(programme=programme, period=p1)["national_conditions"]["quarter"] == (
        "2014-15-Q4"  # Q1 2015/16 ended on 30/06/2015, after period 1 closed
    )
    later = selectors.highlight_snapshot(programme=programme, period=p2)["national_conditions"]
    assert later["quarter"] == "2015-16-Q1" and later["rows"][0]["answer"] == "No"


def test_the_changes_appendix_compares_with_the_same_meeting_only(small, pmo_user):
    programme, p1, p2 = small
    board = services.highlight_report_issue(programme=programme, period=p1, by=pmo_user, **ISSUE)
    services.highlight_report_issue(
        programme=programme, period=p1, by=pmo_user, meeting="Steering Group", meeting_date=dt.date(2015, 7, 1)
    )
    second = services.highlight_report_issue(
        programme=programme,
        period=p2,
        by=pmo_user,
        meeting="Health & Wellbeing Board",
        meeting_date=dt.date(2015, 9, 8),
    )
    assert second.compared_with == board
    assert second.snapshot["cover"]["report_date"] == "2015-09-08"  # the cover carries the meeting's date


def test_the_pdf_charts_name_the_embedded_font_not_whatever_the_server_has(small):
    programme, first, _ = small
    html = services.highlight_report_html(
        snapshot=selectors.highlight_snapshot(programme=programme, period=first), status="DRAFT"
    )
    assert html.count("<svg") >= 1
    assert html.count('font-family="DejaVu Sans"') == html.count("<svg")
    assert "Helvetica" not in html
