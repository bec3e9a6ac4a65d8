"""PDF rendering with WeasyPrint: HTML in, bytes out, fetching nothing but the project's own static files."""

from __future__ import annotations

import io
import logging
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.staticfiles.finders import FileSystemFinder
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject, Fit, NameObject, NumberObject
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


# Tagged PDF: a structure tree (headings H1-H3, tables with TH/TD, lists, figures with their alt text) and the
# document's language from <html lang>, for screen readers and reflow. A report joined from parts keeps its tags:
# join_parts merges the parts' structure trees (StructureJoin below), since pypdf's append drops them.
TAGGED = {"pdf_tags": True}


@dataclass
class RenderedPdf:
    pdf: bytes
    pages: int
    refused: list[str] = field(default_factory=list)


def html_to_pdf(html: str, *, identifier: str | None = None) -> RenderedPdf:
    """Lay out the HTML and write the PDF. `identifier` (e.g. a snapshot hash) makes the same input give the same bytes."""
    document, fetcher = lay_out(html)
    options = {"pdf_identifier": identifier.encode()[:32]} if identifier else {}
    pdf = document.write_pdf(**options, **TAGGED)
    return RenderedPdf(pdf=pdf, pages=len(document.pages), refused=fetcher.refused)


# --- Long reports in parts ------------------------------------------------------------------------------
# WeasyPrint lays a document out on one core, about 0.15 s a page. A long report is cut where a scheme's
# section starts (a forced page break, so the cut moves no line); each part is laid out by its own Celery
# task, on whichever worker is free, and the parts are joined here with pypdf. Numbers that depend on the
# whole document come from the join: "Page N of M" from a page-numbers sheet laid over each page, and the
# bookmarks from every part's headings.


@dataclass
class RenderedPart:
    pdf: bytes
    pages: int
    bookmarks: list[tuple[int, int, str, float, float]]  # (page index in the part, level, label, x, y)
    refused: list[str] = field(default_factory=list)


def lay_out(html: str) -> tuple[Document, StaticOnlyFetcher]:
    fetcher = StaticOnlyFetcher()
    return ReportHTML(string=html, url_fetcher=fetcher, base_url=None).render(), fetcher


def render_part(html: str) -> RenderedPart:
    """Lay out one part of a document and write it, with its bookmarks as plain data (to store and join later)."""
    document, fetcher = lay_out(html)
    bookmarks = [
        (index, level, label, x, y)
        for index, page in enumerate(document.pages)
        for level, label, (x, y), _state in page.bookmarks
    ]
    return RenderedPart(
        pdf=document.write_pdf(**TAGGED), pages=len(document.pages), bookmarks=bookmarks, refused=fetcher.refused
    )


def join_parts(parts: list[RenderedPart], *, page_numbers_html: Callable[[int], str]) -> RenderedPdf:
    """Join the parts of one document, laid out separately, into one PDF as a one-piece build would print it.

    Each part is a whole HTML document without page numbers. The sheet of page numbers
    (`page_numbers_html(total)`, "Page N of M" on `total` pages) is laid over every page. Metadata and language
    come from the first part; named destinations and links from each part (links may only point inside their
    own part); the bookmarks are rebuilt across parts, so a scheme in the second part still sits under its
    section. The same parts give the same bytes (pypdf writes no random file identifier).
    """
    total = sum(part.pages for part in parts)
    numbers, fetcher = lay_out(page_numbers_html(total))
    if len(numbers.pages) != total:
        raise RuntimeError(f"page-numbers sheet has {len(numbers.pages)} pages for a {total}-page report")
    numbers_pages = PdfReader(io.BytesIO(numbers.write_pdf())).pages
    writer = PdfWriter()
    structure = StructureJoin(writer)
    first_reader = None
    for part in parts:
        offset = len(writer.pages)
        reader = PdfReader(io.BytesIO(bytes(part.pdf)))
        if len(reader.pages) != part.pages:
            raise RuntimeError(f"a part says it has {part.pages} pages but holds {len(reader.pages)}")
        first_reader = first_reader or reader
        writer.append(reader, import_outline=False)
        structure.add(reader, offset)
        for page, numbers_page in zip(writer.pages[offset:], numbers_pages[offset:], strict=False):
            page.merge_page(numbers_page)
            page.compress_content_streams()
    structure.finish()
    _add_bookmarks(writer, parts)
    writer.add_metadata(dict(first_reader.metadata.items()))
    first_root = first_reader.trailer["/Root"]
    for key in ("/Lang", "/ViewerPreferences"):
        if key in first_root:
            writer._root_object[NameObject(key)] = first_root[key].clone(writer)
    out = io.BytesIO()
    writer.write(out)
    return RenderedPdf(
        pdf=out.getvalue(), pages=total, refused=[url for part in parts for url in part.refused] + fetcher.refused
    )


class StructureJoin:
    """The parts' structure trees as one, so a joined report is tagged as a one-piece build is.

    pypdf's append copies pages and their marked content (whose MCIDs are per page, so unchanged) but not the
    catalogue's StructTreeRoot, and drops each page's /StructParents. Here each part's parent tree is copied with its
    keys moved past the earlier parts' (pages' /StructParents and annotations' /StructParent moved with them); the
    elements it reaches are copied through the same object map as the pages, so their /Pg point at the joined pages.
    The parts' Document elements become one Document holding every part's children, in order. If any part is
    untagged, the result is left untagged rather than tagged in part.
    """

    def __init__(self, writer: PdfWriter):
        self.writer = writer
        self.nums: list = []
        self.next_key = 0
        self.kids: list = []  # each part's top-level structure elements, copied
        self.namespaces: list = []
        self.role_map = None
        self.untagged = False

    def add(self, reader: PdfReader, page_offset: int) -> None:
        root = reader.trailer["/Root"].get("/StructTreeRoot")
        if root is None:
            self.untagged = True
            return
        root = root.get_object()
        shift = self.next_key
        last = -1
        for key, value in _number_tree(root["/ParentTree"].get_object()):
            self.nums += [NumberObject(key + shift), _copy(value, self.writer)]
            last = max(last, key)
        for index, page in enumerate(reader.pages):
            copied = self.writer.pages[page_offset + index]
            if "/StructParents" in page:
                copied[NameObject("/StructParents")] = NumberObject(page["/StructParents"] + shift)
                last = max(last, page["/StructParents"])
            for annotation in copied.get("/Annots") or []:
                annotation = annotation.get_object()
                if "/StructParent" in annotation:
                    annotation[NameObject("/StructParent")] = NumberObject(annotation["/StructParent"] + shift)
        self.next_key = shift + max(last + 1, int(root.get("/ParentTreeNextKey", 0)))
        self.kids += [_copy(kid, self.writer) for kid in _items(root.raw_get("/K"))]
        self.namespaces += [_copy(ns, self.writer) for ns in root.get("/Namespaces", [])]
        if self.role_map is None and "/RoleMap" in root:
            self.role_map = root["/RoleMap"].clone(self.writer)

    def finish(self) -> None:
        if self.untagged or not self.kids:
            return
        writer = self.writer
        top, document = ArrayObject(), None
        for kid in self.kids:
            element = kid.get_object()
            if element.get("/S") != "/Document":
                top.append(kid)
            elif document is None:
                document = kid
                top.append(kid)
            else:  # a later part's Document: its children join the first one's, in order
                children = _items(element.raw_get("/K"))
                first = document.get_object()
                first[NameObject("/K")] = ArrayObject(_items(first.raw_get("/K")) + children)
                _adopt(children, document)
        root = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/StructTreeRoot"),
                NameObject("/K"): top,
                NameObject("/ParentTree"): writer._add_object(
                    DictionaryObject({NameObject("/Nums"): ArrayObject(self.nums)})
                ),
                NameObject("/ParentTreeNextKey"): NumberObject(self.next_key),
            }
        )
        if self.namespaces:
            root[NameObject("/Namespaces")] = ArrayObject(self.namespaces)
        if self.role_map is not None:
            root[NameObject("/RoleMap")] = self.role_map
        reference = writer._add_object(root)
        _adopt(top, reference)
        writer._root_object[NameObject("/StructTreeRoot")] = reference
        writer._root_object[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})


def _items(value) -> list:
    """A /K or /Nums value as a list of its raw items (references stay references; arrays hold them raw)."""
    if value is None:
        return []
    resolved = value.get_object() if hasattr(value, "get_object") else value
    return list(resolved) if isinstance(resolved, list) else [value]


def _number_tree(node) -> list[tuple[int, object]]:
    """A number tree's (key, value) pairs, values unresolved (indirect references stay references)."""
    nums = _items(node.raw_get("/Nums")) if "/Nums" in node else []
    pairs = [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]
    for kid in _items(node.raw_get("/Kids")) if "/Kids" in node else []:
        pairs += _number_tree(kid.get_object())
    return pairs


def _copy(value, writer: PdfWriter):
    """A part's object in the joined file, through the object map its pages were copied with (so /Pg and /P point
    at the joined pages and elements). A part's old StructTreeRoot comes along as its top elements' /P until
    _adopt points them at the joined root; it is then referenced by nothing."""
    return value.clone(writer)


def _adopt(children, parent) -> None:
    """Make `parent` the /P of each structure element in `children` (marked-content ids and references skipped)."""
    for child in children:
        element = child.get_object()
        if isinstance(element, DictionaryObject) and "/S" in element:
            element[NameObject("/P")] = parent


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
