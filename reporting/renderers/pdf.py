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
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.staticfiles.finders import FileSystemFinder
from pypdf import PdfReader, PdfWriter
from pypdf.generic import Fit, NameObject
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.document import Document
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
    document, fetcher = lay_out(html)
    options = {"pdf_identifier": identifier.encode()[:32]} if identifier else {}
    pdf = document.write_pdf(**options)
    return RenderedPdf(pdf=pdf, pages=len(document.pages), refused=fetcher.refused)


# --- Long reports on more than one core ---------------------------------------------------------------
# WeasyPrint lays a document out on one core, about 0.15 s a page. A long report is cut where a scheme's
# section starts (a forced page break, so the cut moves no line) and the parts are laid out at once, one
# in this process and the rest in forked workers; the parts are then joined with pypdf. Numbers that
# depend on the whole document come from the join: "Page N of M" from a page-numbers sheet laid over each
# page, and the bookmarks from every part's headings.


@dataclass
class RenderedPart:
    pdf: bytes
    pages: int
    bookmarks: list[tuple[int, int, str, float, float]]  # (page index in the part, level, label, x, y)
    refused: list[str]


def lay_out(html: str) -> tuple[Document, StaticOnlyFetcher]:
    fetcher = StaticOnlyFetcher()
    return ReportHTML(string=html, url_fetcher=fetcher, base_url=None).render(), fetcher


def finish_part(document: Document, fetcher: StaticOnlyFetcher) -> RenderedPart:
    """Write a laid-out part; plain data, so a worker can hand it back."""
    bookmarks = [
        (index, level, label, x, y)
        for index, page in enumerate(document.pages)
        for level, label, (x, y), _state in page.bookmarks
    ]
    return RenderedPart(
        pdf=document.write_pdf(), pages=len(document.pages), bookmarks=bookmarks, refused=fetcher.refused
    )


def render_part(html: str, lay_out_part=lay_out) -> RenderedPart:
    return finish_part(*lay_out_part(html))


# How long to wait for a part worker once this process has laid out its own part: a few times as long as
# that took, and at least CHILD_MIN_WAIT_SECONDS; well inside a web request's time-out for a report small
# enough to be built in the request.
CHILD_MIN_WAIT_SECONDS = 10.0
CHILD_WAIT_FACTOR = 3
PAGE_COUNT = struct.Struct("!I")
PAYLOAD_SIZE = struct.Struct("!Q")


def html_parts_to_pdf(
    parts: list[str], *, page_numbers_html: Callable[[int], str], lay_out_part=lay_out
) -> RenderedPdf:
    """Lay out the parts of one document side by side and join them into one PDF.

    Each part is a whole HTML document without page numbers. The first is laid out here, the others each
    in a forked child at the same time. A child sends its page count as soon as its layout is done, so the
    sheet of page numbers (`page_numbers_html(total)`, "Page N of M" on `total` pages) is laid out here
    while the children still write their PDFs. Metadata, named destinations and links come from the parts
    (links may only point inside their own part); the bookmarks are rebuilt across parts, so a scheme in
    the second part still sits under its section. The same parts give the same bytes (pypdf writes no
    random file identifier).

    A plain fork rather than multiprocessing: a Celery worker's pool process is daemonic and multiprocessing
    refuses it children. The child starts with Django, WeasyPrint and the fonts already loaded, only lays
    out HTML, and leaves with os._exit (no atexit, no closing the parent's database connection). A child
    that dies, does not answer in time or cannot be started is killed and its part is laid out here
    instead, so the bytes are the same either way.
    """
    children: list[_Child | None] = []
    writer = PdfWriter()
    first_reader = None
    try:
        for html in parts[1:]:
            children.append(_fork(html, lay_out_part, close_in_child=[c.reader for c in children if c]))
        started = time.monotonic()
        first = render_part(parts[0], lay_out_part)
        deadline = time.monotonic() + max(CHILD_MIN_WAIT_SECONDS, CHILD_WAIT_FACTOR * (time.monotonic() - started))
        here: dict[int, RenderedPart] = {0: first}  # parts laid out in this process
        counts = [first.pages]
        for index, (child, html) in enumerate(zip(children, parts[1:], strict=True), start=1):
            if child is None:  # could not be started
                here[index] = render_part(html, lay_out_part)
                counts.append(here[index].pages)
                continue
            count = _read_page_count(child.reader, deadline)
            if count is None:
                logger.warning("PDF part worker %s gave no page count; laying its part out here", child.pid)
                child.reap()
                here[index] = render_part(html, lay_out_part)
                count = here[index].pages
            counts.append(count)

        total = sum(counts)
        numbers, fetcher = lay_out(page_numbers_html(total))
        if len(numbers.pages) != total:
            raise RuntimeError(f"page-numbers sheet has {len(numbers.pages)} pages for a {total}-page report")
        numbers_pages = PdfReader(io.BytesIO(numbers.write_pdf())).pages

        rendered = []
        for index, html in enumerate(parts):
            part = here.get(index) or _read_part(children[index - 1].reader, deadline)
            if part is None or part.pages != counts[index]:
                logger.warning("PDF part worker %s gave no part; laying its part out here", children[index - 1].pid)
                children[index - 1].reap()
                part = render_part(html, lay_out_part)
            if part.pages != counts[index]:
                raise RuntimeError(f"part {index} laid out to {part.pages} pages, then to {counts[index]}")
            # Join each part as it arrives, while the later ones are still being written.
            offset = len(writer.pages)
            reader = PdfReader(io.BytesIO(part.pdf))
            first_reader = first_reader or reader  # metadata and language come from the first part
            writer.append(reader, import_outline=False)
            for page, numbers_page in zip(writer.pages[offset:], numbers_pages[offset:], strict=False):
                page.merge_page(numbers_page)
                page.compress_content_streams()
            rendered.append(part)
    finally:
        for child in children:
            if child:
                child.reap()

    _add_bookmarks(writer, rendered)
    writer.add_metadata(dict(first_reader.metadata.items()))
    if "/Lang" in first_reader.trailer["/Root"]:
        writer._root_object[NameObject("/Lang")] = first_reader.trailer["/Root"]["/Lang"]
    out = io.BytesIO()
    writer.write(out)
    return RenderedPdf(
        pdf=out.getvalue(), pages=total, refused=[url for part in rendered for url in part.refused] + fetcher.refused
    )


@dataclass
class _Child:
    pid: int
    reader: int  # our end of the pipe
    reaped: bool = False

    def reap(self) -> None:
        """Close our end of the pipe and make sure the child is gone (killed if it is still working)."""
        if self.reaped:
            return
        self.reaped = True
        with contextlib.suppress(OSError):
            os.close(self.reader)
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)


def _fork(html: str, lay_out_part, *, close_in_child: list[int]) -> _Child | None:
    """A child laying out `html`; None (logged) if the system will not start one."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        logger.warning("Could not start a PDF part worker; laying its part out here", exc_info=True)
        return None
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read_end)
            for fd in close_in_child:  # earlier workers' pipes: theirs to close, not ours to hold open
                os.close(fd)
            with os.fdopen(write_end, "wb") as out:
                document, fetcher = lay_out_part(html)
                out.write(PAGE_COUNT.pack(len(document.pages)))
                out.flush()
                # Length first: the parent must not wait for end-of-file, which another process forked
                # meanwhile (holding a copy of this pipe) could put off.
                payload = pickle.dumps(finish_part(document, fetcher), protocol=pickle.HIGHEST_PROTOCOL)
                out.write(PAYLOAD_SIZE.pack(len(payload)) + payload)
            status = 0
        except BaseException:  # noqa: BLE001 - the parent sees no result and lays the part out itself
            logger.exception("PDF part worker failed")
        finally:
            os._exit(status)
    os.close(write_end)
    return _Child(pid=pid, reader=read_end)


def _read(reader: int, deadline: float, size: int) -> bytes | None:
    """`size` bytes from the child; None if it dies first or misses the deadline."""
    chunks, received = [], 0
    poller = select.poll()
    poller.register(reader, select.POLLIN)
    while received < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            return None
        chunk = os.read(reader, min(size - received, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


def _read_page_count(reader: int, deadline: float) -> int | None:
    data = _read(reader, deadline, PAGE_COUNT.size)
    return None if data is None else PAGE_COUNT.unpack(data)[0]


def _read_part(reader: int, deadline: float) -> RenderedPart | None:
    size = _read(reader, deadline, PAYLOAD_SIZE.size)
    data = None if size is None else _read(reader, deadline, PAYLOAD_SIZE.unpack(size)[0])
    try:
        # Bytes from our own forked child, never from outside.
        part = pickle.loads(data) if data else None  # noqa: S301
    except Exception:  # noqa: BLE001 - a child killed mid-write leaves a truncated payload
        return None
    return part if isinstance(part, RenderedPart) else None


def _add_bookmarks(writer: PdfWriter, parts: list[RenderedPart]) -> None:
    """One outline for the joined document: each heading under the nearest earlier heading of a higher level."""
    open_items: list[tuple[int, object]] = []  # (level, outline item) from the outermost in
    offset = 0
    for part in parts:
        for index, level, label, x, y in part.bookmarks:
            while open_items and open_items[-1][0] >= level:
                open_items.pop()
            parent = open_items[-1][1] if open_items else None
            # WeasyPrint measures in CSS px (0.75 pt) down from the top; PDF in points up from the bottom.
            top = float(writer.pages[offset + index].mediabox.height) - y * 0.75
            item = writer.add_outline_item(
                title=label, page_number=offset + index, parent=parent, fit=Fit.xyz(left=x * 0.75, top=top, zoom=0)
            )
            open_items.append((level, item))
        offset += part.pages
