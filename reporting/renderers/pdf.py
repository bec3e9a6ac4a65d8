"""PDF rendering with WeasyPrint: HTML in, bytes out, fetching nothing but the project's own static files."""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.staticfiles.finders import FileSystemFinder
from weasyprint import HTML
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


@dataclass
class RenderedPdf:
    pdf: bytes
    pages: int
    refused: list[str] = field(default_factory=list)


def html_to_pdf(html: str, *, identifier: str | None = None) -> RenderedPdf:
    """Lay out the HTML and write the PDF. `identifier` (e.g. a snapshot hash) makes the same input give the same bytes."""
    fetcher = StaticOnlyFetcher()
    document = HTML(string=html, url_fetcher=fetcher, base_url=None).render()
    options = {"pdf_identifier": identifier.encode()[:32]} if identifier else {}
    pdf = document.write_pdf(**options)
    return RenderedPdf(pdf=pdf, pages=len(document.pages), refused=fetcher.refused)
