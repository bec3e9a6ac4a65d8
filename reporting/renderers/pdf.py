"""PDF rendering with WeasyPrint: HTML in, bytes out, fetching nothing but the project's own static files."""

from __future__ import annotations

import contextlib
import io
import logging
import mimetypes
import os
import pickle  # noqa: S403 - only between this process and its own forked children
import re
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.staticfiles.finders import FileSystemFinder
from pypdf import PdfReader, PdfWriter
from pypdf.generic import Fit, NameObject
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


# --- Long reports on more than one core ---------------------------------------------------------------
# WeasyPrint lays a document out on one core, about 0.15 s a page. A long report is cut where a scheme's
# section starts (a forced page break, so the cut moves no line) and the parts are laid out at once, one
# in this process and the rest in forked workers; the parts are then joined with pypdf. Numbers that
# depend on the whole document are added after the join: "Page N of M" from a page-numbers sheet laid over
# each page, and the bookmarks from every part's headings.


@dataclass
class RenderedPart:
    pdf: bytes
    pages: int
    bookmarks: list[tuple[int, int, str, float]]  # (page index in the part, level, label, y)
    refused: list[str]


def render_part(html: str) -> RenderedPart:
    """Lay out and write one part; run in a worker process, so it returns plain data."""
    fetcher = StaticOnlyFetcher()
    document = ReportHTML(string=html, url_fetcher=fetcher, base_url=None).render()
    bookmarks = [
        (index, level, label, y)
        for index, page in enumerate(document.pages)
        for level, label, (_x, y), _state in page.bookmarks
    ]
    return RenderedPart(
        pdf=document.write_pdf(), pages=len(document.pages), bookmarks=bookmarks, refused=fetcher.refused
    )


def _render_parts(parts: list[str], render: Callable[[str], RenderedPart] = render_part) -> list[RenderedPart]:
    """The first part here, the others each in a forked child at the same time.

    A plain fork rather than multiprocessing: a Celery worker's pool process is daemonic and multiprocessing
    refuses it children. The child starts with Django, WeasyPrint and the fonts already loaded, only lays
    out HTML, and leaves with os._exit (no atexit, no closing the parent's database connection). A child
    that dies or does not answer in time is killed and its part is laid out here instead.
    """
    children = [_fork(render, html) for html in parts[1:]]
    try:
        started = time.monotonic()
        rendered = [render(parts[0])]
        patience = max(CHILD_MIN_WAIT_SECONDS, 4 * (time.monotonic() - started))
        for (pid, reader), html in zip(children, parts[1:], strict=True):
            part = _collect(reader, deadline=time.monotonic() + patience)
            if part is None:
                logger.warning("PDF part worker %s gave no result; laying its part out in this process", pid)
                part = render(html)
            rendered.append(part)
        return rendered
    finally:
        for pid, reader in children:
            _reap(pid, reader)


CHILD_MIN_WAIT_SECONDS = 60.0


def _fork(render: Callable[[str], RenderedPart], html: str) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read_end)
            payload = pickle.dumps(render(html), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        except BaseException:  # noqa: BLE001 - the parent sees no result and lays the part out itself
            logger.exception("PDF part worker failed")
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(reader: int, *, deadline: float) -> RenderedPart | None:
    """The child's part, or None if it died, failed or is still busy at the deadline."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([reader], [], [], remaining)[0]:
            return None
        chunk = os.read(reader, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        # Bytes from our own forked child, never from outside.
        part = pickle.loads(b"".join(chunks))  # noqa: S301
    except Exception:  # noqa: BLE001 - a child killed mid-write leaves a truncated payload
        return None
    return part if isinstance(part, RenderedPart) else None


def _reap(pid: int, reader: int) -> None:
    """Close our end of the pipe and make sure the child is gone (killed if it is still working)."""
    with contextlib.suppress(OSError):
        os.close(reader)
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG) == (0, 0):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def html_parts_to_pdf(parts: list[str], *, page_numbers_html: Callable[[int], str]) -> RenderedPdf:
    """Lay out the parts of one document side by side and join them into one PDF.

    Each part is a whole HTML document without page numbers; `page_numbers_html(total)` gives a document of
    `total` pages that carries only "Page N of M", which is laid over the joined pages. Metadata, named
    destinations and links come from the parts (links may only point inside their own part); the bookmarks
    are rebuilt across parts, so a scheme in the second part still sits under its section. The same parts
    give the same bytes (pypdf writes no random file identifier).
    """
    rendered = _render_parts(parts) if len(parts) > 1 else [render_part(parts[0])]
    total = sum(part.pages for part in rendered)
    fetcher = StaticOnlyFetcher()
    numbers = ReportHTML(string=page_numbers_html(total), url_fetcher=fetcher, base_url=None).render()
    if len(numbers.pages) != total:
        raise RuntimeError(f"page-numbers sheet has {len(numbers.pages)} pages for a {total}-page report")
    numbers_reader = PdfReader(io.BytesIO(numbers.write_pdf()))

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(part.pdf)) for part in rendered]
    for reader in readers:
        writer.append(reader, import_outline=False)
    for page, numbers_page in zip(writer.pages, numbers_reader.pages, strict=True):
        page.merge_page(numbers_page)
        page.compress_content_streams()
    _add_bookmarks(writer, rendered)
    writer.add_metadata({key: value for key, value in readers[0].metadata.items()})
    root = readers[0].trailer["/Root"]
    if "/Lang" in root:
        writer._root_object[NameObject("/Lang")] = root["/Lang"]
    out = io.BytesIO()
    writer.write(out)
    return RenderedPdf(
        pdf=out.getvalue(), pages=total, refused=[url for part in rendered for url in part.refused] + fetcher.refused
    )


def _add_bookmarks(writer: PdfWriter, parts: list[RenderedPart]) -> None:
    """One outline for the joined document: each heading under the nearest earlier heading of a higher level."""
    open_items: list[tuple[int, object]] = []  # (level, outline item) from the outermost in
    offset = 0
    for part in parts:
        for index, level, label, y in part.bookmarks:
            while open_items and open_items[-1][0] >= level:
                open_items.pop()
            parent = open_items[-1][1] if open_items else None
            # WeasyPrint measures y in CSS px down from the top; PDF points up from the bottom.
            top = float(writer.pages[offset + index].mediabox.height) - y * 0.75
            item = writer.add_outline_item(
                title=label, page_number=offset + index, parent=parent, fit=Fit.xyz(left=0, top=top)
            )
            open_items.append((level, item))
        offset += part.pages
