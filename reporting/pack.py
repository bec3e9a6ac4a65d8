"""The board pack: the highlight report with its appendices (Appendix 1 and budget monitoring of each of the
programme's funds, and what changed since the report issued to the previous board) as one PDF, laid out in one piece so it keeps its
bookmarks and its tags. Each appendix is also downloadable on its own (reporting.appendix, the changes appendix
in an issued report)."""

from reporting.appendix import finance_appendix
from reporting.highlight import DRAFT, highlight_report_html
from reporting.renderers.pdf import RenderedPdf, html_to_pdf
from reporting.selectors import highlight_snapshot, previous_issued, report_funds, snapshot_changes, snapshot_sha256


def board_pack_render(*, programme, period) -> RenderedPdf:
    """The period's board pack from today's data, marked DRAFT: the report, then Appendix 1 of each fund, then the
    budget monitoring of each fund (the snapshot's, as at the period), then the changes since the report last issued to
    the same meeting before this period's board (when there is one)."""
    snapshot = highlight_snapshot(programme=programme, period=period)
    cover = snapshot["cover"]
    changes = None
    if cover["report_to"] and period.board_date:
        previous = previous_issued(programme=programme, meeting=cover["report_to"], meeting_date=period.board_date)
        changes = snapshot_changes(previous.snapshot, snapshot) if previous else None
    appendices = [finance_appendix(fund=fund) for fund in report_funds(programme=programme)]
    html = highlight_report_html(
        snapshot=snapshot, status=DRAFT, changes=changes, appendices=appendices, budget_monitoring=True
    )
    return html_to_pdf(html, identifier=snapshot_sha256(snapshot)[:32])
