"""The report renderer: the trimmed WeasyPrint stylesheet (same pages to the byte), and long reports laid out in
parts (each by its own Celery task) and joined."""

import io

import pikepdf
import pytest
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.html import UA

from reporting import highlight as services
from reporting.renderers.pdf import STAMP, ReportHTML, StaticOnlyFetcher, join_parts, render_part, report_ua_css
from tests.reporting.conftest import outline

# Lists with markers (the one place ::marker still applies), a repeated-header table, bookmarked headings,
# the running strings and page counters the highlight report uses.
ROWS = "".join(
    f"<tr><td>{n}</td><td>Milestone {n} with some words to wrap across the cell</td><td>Green</td></tr>"
    for n in range(1, 90)
)
SAMPLE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Sample</title>
<style>
@page { size: A4; margin: 20mm; @bottom-right { content: "Page " counter(page) " of " counter(pages) } }
thead { display: table-header-group } tr { break-inside: avoid } td, th { border: 0.5pt solid #999 }
.s { string-set: s content() } @page { @top-left { content: string(s) } }
</style></head><body>
<p class="s">Trafford BCF</p>
<h1>1. Introduction</h1><ol><li>First</li><li>Second</li></ol><ul><li>Bullet</li></ul>
<h2>Milestones</h2>
<table><thead><tr><th>Phase</th><th>Milestone</th><th>RAG</th></tr></thead><tbody>
%s
</tbody></table>
<h3>Notes</h3><p>Text with <strong>bold</strong> and <em>emphasis</em>.</p>
</body></html>""".replace("%s", ROWS)


def _pdf(document_class) -> bytes:
    document = document_class(string=SAMPLE, url_fetcher=StaticOnlyFetcher(), base_url=None).render()
    assert len(document.pages) > 1  # the table runs over pages, so headers repeat and counters move
    return document.write_pdf(pdf_identifier=b"sample")


def test_trimmed_stylesheet_lays_out_the_same_bytes_as_the_stock_one():
    assert _pdf(ReportHTML) == _pdf(HTML)


def test_trimmed_stylesheet_keeps_list_markers_and_drops_footnote_rules():
    css = report_ua_css()
    assert "li::marker {" in css
    assert "\n::marker {" not in css
    assert "::footnote-call" not in css and "::note-callback" not in css
    # Everything else is WeasyPrint's sheet unchanged.
    assert css.count("{") == UA.count("{") - 5


def test_a_changed_weasyprint_stylesheet_is_refused_rather_than_trimmed_blindly():
    with pytest.raises(RuntimeError, match="review report_ua_css"):
        report_ua_css(UA.replace("::note-callback", "::note-back"))
    with pytest.raises(RuntimeError):
        report_ua_css(UA.replace("\n::marker {", "\n*::marker {"))


# --- A long report laid out in parts ----------------------------------------------------------------------


def _page(title: str, level: int, paragraphs: int) -> str:
    body = "".join(f"<p>{title} paragraph {n} with enough words to fill a line or so.</p>" for n in range(paragraphs))
    return f"<h{level}>{title}</h{level}>{body}"


def _part(*sections: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Joined</title>'
        '<link rel="stylesheet" href="static:reporting/page.css">'
        '<link rel="stylesheet" href="static:reporting/print.css"></head><body>' + "".join(sections) + "</body></html>"
    )


PARTS = [
    _part(_page("3. Highlight reports", 1, 60)),  # runs over two pages
    _part(_page("5.1 Community Nursing", 2, 10), '<div class="new-page"></div>' + _page("4. Money", 1, 5)),
]


def _joined(parts: list[str]):
    return join_parts([render_part(html) for html in parts], page_numbers_html=services._page_numbers_html)


def test_parts_join_into_one_document_numbered_throughout_with_one_outline():
    rendered = _joined(PARTS)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert rendered.pages == len(reader.pages) == 4
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of 4" in page.extract_text()
    # The second part's scheme sits under the first part's section, as in a one-piece build.
    assert outline(reader) == [
        (0, "3. Highlight reports", 1),
        (1, "5.1 Community Nursing", 3),
        (0, "4. Money", 4),
    ]
    assert reader.metadata.title == "Joined"
    assert "Community Nursing paragraph 9" in reader.pages[2].extract_text()
    assert _joined(PARTS).pdf == rendered.pdf  # the same parts give the same bytes


def test_joined_page_numbers_are_artifacts_as_in_a_one_piece_build():
    """A one-piece build draws "Page N of M" in a page margin, which WeasyPrint marks as an artifact (not read out
    by a screen reader); the join's stamp of page numbers is drawn inside an /Artifact sequence too, once a page."""
    with pikepdf.open(io.BytesIO(_joined(PARTS).pdf)) as pdf:
        for page in pdf.pages:
            ops = [(str(op), [str(arg) for arg in args]) for args, op in pikepdf.parse_content_stream(page)]
            stamps = [index for index, (op, args) in enumerate(ops) if op == "Do" and args == [STAMP]]
            assert len(stamps) == 1
            assert _marked_content_around(ops, stamps[0]) == "/Artifact"


def _marked_content_around(ops: list[tuple[str, list[str]]], index: int) -> str | None:
    """The tag of the innermost marked-content sequence (BMC/BDC ... EMC) open at `index`."""
    open_tags: list[str] = []
    for op, args in ops[:index]:
        if op in ("BMC", "BDC"):
            open_tags.append(args[0])
        elif op == "EMC":
            open_tags.pop()
    return open_tags[-1] if open_tags else None


def test_three_parts_join_in_their_order():
    three = [*PARTS, _part(_page("5. Metrics", 1, 3))]
    rendered = _joined(three)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert [title for _depth, title, _page in outline(reader)] == [
        "3. Highlight reports",
        "5.1 Community Nursing",
        "4. Money",
        "5. Metrics",
    ]
    assert "Page 5 of 5" in reader.pages[4].extract_text() and "Metrics paragraph 2" in reader.pages[4].extract_text()


def _snapshot(milestones: list[int]) -> dict:
    schemes = [
        {
            "ref": f"5.{n}",
            "milestones": [{}] * count,
            "completed_this_period": [],
            "planned_next_period": [],
            "comments": [],
        }
        for n, count in enumerate(milestones, start=1)
    ]
    return {
        "schemes": schemes,
        "risks": [{}] * 10,
        "highlights": [],
        "national_conditions": {"rows": [{}] * 9},
        "metrics": [{}] * 4,
        "money": [{}],
    }


@pytest.mark.parametrize("parts", [2, 3])
def test_a_report_is_cut_between_schemes_into_parts_of_about_equal_work(parts):
    snapshot = _snapshot([20, 5, 40, 12, 12, 30, 3, 25, 18, 8, 22, 16])
    cut = services.highlight_report_parts(snapshot, parts)
    assert len(cut) == parts
    assert [s["ref"] for part in cut for s in part["schemes"]] == [s["ref"] for s in snapshot["schemes"]]
    assert [part["front"] for part in cut] == [True] + [False] * (parts - 1)
    assert [part["back"] for part in cut] == [False] * (parts - 1) + [True]
    assert not any(part["page_numbers"] for part in cut)
    work = [sum(services._scheme_weight(s) for s in part["schemes"]) for part in cut]
    work[0] += services.front_matter_weight(snapshot)
    work[-1] += services.back_matter_weight(snapshot)
    # Each cut falls within half a scheme of its ideal place, so no part is a whole scheme off its share.
    share = sum(work) / parts
    heaviest = max(services._scheme_weight(s) for s in snapshot["schemes"])
    assert all(abs(w - share) <= heaviest for w in work), (work, share)


@pytest.mark.parametrize(
    ("schemes", "per_part", "count"), [(3, 30, 1), (30, 30, 1), (31, 30, 2), (60, 30, 2), (61, 30, 3)]
)
def test_a_report_is_laid_out_in_one_part_per_so_many_schemes(settings, schemes, per_part, count):
    settings.HIGHLIGHT_REPORT_PART_SCHEMES = per_part
    assert services.highlight_report_part_count(_snapshot([5] * schemes)) == count
