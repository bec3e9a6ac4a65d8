"""The report renderer's trimmed WeasyPrint stylesheet: faster, and the same pages to the byte."""

import pytest
from weasyprint import HTML
from weasyprint.html import UA

from reporting.renderers.pdf import ReportHTML, StaticOnlyFetcher, report_ua_css

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
