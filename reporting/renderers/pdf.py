"""PDF rendering with WeasyPrint: HTML in, bytes out, fetching nothing but the project's own static files."""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.staticfiles.finders import FileSystemFinder
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.html import UA
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Templates name our own files as "static:reporting/print.css"; no other URL is ever fetched.
STATIC_SCHEME = "static:"


class StaticOnlyFetcher(URLFetcher):
    """Serves files from the project's static folder and refuses everything else.

    Report text comes from users, and WeasyPrint's default fetcher would read file:// paths and make
    network requests; this one never opens a file outside the static folders or a socket.
    """

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols=["static"], allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith(STATIC_SCHEME):
            name = url[len(STATIC_SCHEME) :].lstrip("/")
            try:
                # Only the project's own static folder (STATICFILES_DIRS), not every installed app's files.
                path = FileSystemFinder().find(name) if name and ".." not in Path(name).parts else None
            except Exception:  # SuspiciousFileOperation and the like: refuse below
                path = None
            if path:
                content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=Path(path).read_bytes(), headers={"Content-Type": content_type})
        self.refused.append(url)
        logger.warning("PDF renderer refused to fetch %r: reports use only the project's own static files", url[:200])
        raise ValueError(f"Not fetched: {url[:200]}")


# WeasyPrint's user-agent stylesheet styles ::marker and five footnote/note pseudo-elements on *every*
# element, so each table cell carried six extra computed styles: about a sixth of a report's build time.
# Reports have no footnotes and only list items show markers, so the same sheet without those rules lays
# out the same pages (tests/reporting/test_pdf_renderer.py checks the bytes are identical).
UNUSED_UA_RULES = re.compile(r"^::(?:footnote|note)-(?:call|marker|callback) \{[^}\n]*\}$", re.MULTILINE)
UA_MARKER_RULE = "\n::marker {"


def report_ua_css(ua: str = UA) -> str:
    """WeasyPrint's HTML5 stylesheet with ::marker limited to list items and the footnote rules dropped."""
    if UA_MARKER_RULE not in ua or len(UNUSED_UA_RULES.findall(ua)) != 5:
        raise RuntimeError("WeasyPrint's user-agent stylesheet changed: review report_ua_css for this version")
    return UNUSED_UA_RULES.sub("", ua.replace(UA_MARKER_RULE, "\nli::marker {"))


# A fresh CounterStyle: the stock sheet already registered its @counter-style rules in WeasyPrint's own.
REPORT_UA_STYLESHEET = CSS(string=report_ua_css(), counter_style=CounterStyle())


class ReportHTML(HTML):
    """An HTML document laid out with the trimmed user-agent stylesheet."""

    def _ua_stylesheets(self, forms=False):
        return [REPORT_UA_STYLESHEET]


@dataclass
class RenderedPdf:
    pdf: bytes
    pages: int
    refused: list[str] = field(default_factory=list)


def html_to_pdf(html: str, *, identifier: str | None = None) -> RenderedPdf:
    """Lay out the HTML and write the PDF. `identifier` (e.g. a snapshot hash) makes the same input give the same bytes."""
    fetcher = StaticOnlyFetcher()
    document = ReportHTML(string=html, url_fetcher=fetcher, base_url=None).render()
    options = {"pdf_identifier": identifier.encode()[:32]} if identifier else {}
    pdf = document.write_pdf(**options)
    return RenderedPdf(pdf=pdf, pages=len(document.pages), refused=fetcher.refused)
