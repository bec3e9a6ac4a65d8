"""PDF rendering with WeasyPrint: HTML in, bytes out, fetching nothing but the project's own static files."""

from __future__ import annotations

import contextlib
import io
import logging
import mimetypes
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from django.contrib.staticfiles.finders import FileSystemFinder
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
# join_parts merges the parts' structure trees (StructureJoin below): copying pages brings none of the tree.
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
# task, on whichever worker is free, and the parts are joined here with pikepdf (qpdf). Numbers that depend on the
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
    (`page_numbers_html(total)`, "Page N of M" on `total` pages) is laid over every page, marked as an artifact
    (as WeasyPrint marks a one-piece build's page margins). Metadata, language and viewer preferences come from
    the first part; named destinations and links from each part (links may only point inside their own part);
    the structure trees are joined (StructureJoin) and the bookmarks rebuilt across parts, so a scheme in the
    second part still sits under its section. The same parts give the same bytes (a deterministic file id).

    qpdf (pikepdf) does the joining: pypdf parsed a 130-page report's structure tree (some 34,000 objects) in
    about 3 s of pure Python, most of the join's time; qpdf reads and copies it in a fraction of a second.
    """
    total = sum(part.pages for part in parts)
    numbers, fetcher = lay_out(page_numbers_html(total))
    if len(numbers.pages) != total:
        raise RuntimeError(f"page-numbers sheet has {len(numbers.pages)} pages for a {total}-page report")
    # Every file stays open until the joined one is written (qpdf copies foreign objects lazily), and is closed
    # however the join ends.
    with contextlib.ExitStack() as files:
        numbers_pdf = files.enter_context(pikepdf.open(io.BytesIO(numbers.write_pdf())))
        joined = files.enter_context(pikepdf.new())
        structure = StructureJoin(joined)
        destinations = pikepdf.NameTree.new(joined)
        sources = []
        for part in parts:
            source = files.enter_context(pikepdf.open(io.BytesIO(bytes(part.pdf))))
            sources.append(source)
            if len(source.pages) != part.pages:
                raise RuntimeError(f"a part says it has {part.pages} pages but holds {len(source.pages)}")
            offset = len(joined.pages)
            with warnings.catch_warnings():
                # pikepdf warns that extend() leaves named destinations behind: they are copied just below.
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                joined.pages.extend(source.pages)
            structure.add(source, offset)
            names = source.Root.get("/Names")
            if names is not None and "/Dests" in names:
                for name, destination in pikepdf.NameTree(names.Dests).items():
                    destinations[name] = _copy(joined, destination)
        for page, numbers_page in zip(joined.pages, numbers_pdf.pages, strict=True):
            _stamp(joined, page, numbers_page)
        structure.finish()
        if len(destinations):
            joined.Root.Names = pikepdf.Dictionary(Dests=destinations.obj)
        _add_bookmarks(joined, parts)
        first = sources[0]
        joined.docinfo = _copy(joined, first.docinfo)
        for key in ("/Lang", "/ViewerPreferences"):
            if key in first.Root:
                joined.Root[key] = _copy(joined, first.Root[key])
        out = io.BytesIO()
        joined.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return RenderedPdf(
        pdf=out.getvalue(), pages=total, refused=[url for part in parts for url in part.refused] + fetcher.refused
    )


STAMP = "/PageNumbersStamp"


def _stamp(joined: pikepdf.Pdf, page: pikepdf.Page, numbers_page: pikepdf.Page) -> None:
    """Draw the page-numbers sheet's page over `page`, as an artifact (not content a screen reader reads)."""
    form = joined.copy_foreign(numbers_page.as_form_xobject())
    # WeasyPrint's pages share one /Resources: each page gets its own (shallow) copy holding its own stamp, under a
    # fixed name rather than add_resource's random one, so the same parts give the same bytes.
    resources = pikepdf.Dictionary(page.obj.get("/Resources", pikepdf.Dictionary()))
    xobjects = pikepdf.Dictionary(resources.get("/XObject", pikepdf.Dictionary()))
    if STAMP in xobjects:
        raise RuntimeError(f"a part's page already names an XObject {STAMP}")
    xobjects[STAMP] = form
    resources.XObject = xobjects
    page.obj.Resources = resources
    # The page's own drawing is wrapped in q/Q so nothing it leaves set moves or colours the stamp.
    page.contents_add(pikepdf.Stream(joined, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(joined, b"\nQ /Artifact BMC q " + STAMP.encode() + b" Do Q EMC\n"))


class StructureJoin:
    """The parts' structure trees as one, so a joined report is tagged as a one-piece build is.

    Each part's parent tree is copied with its keys moved past the earlier parts' (pages' /StructParents and
    annotations' /StructParent moved with them); the elements it reaches are copied through the same object map
    as the pages, so their /Pg point at the joined pages. The parts' Document elements become one Document holding
    every part's children, in order. If any part is untagged, the result is left untagged rather than tagged in part.
    """

    def __init__(self, joined: pikepdf.Pdf):
        self.joined = joined
        self.nums: list = []
        self.next_key = 0
        self.kids: list = []  # each part's top-level structure elements, copied
        self.namespaces: list = []
        self.role_map = None
        self.untagged = False

    def add(self, source: pikepdf.Pdf, page_offset: int) -> None:
        root = source.Root.get("/StructTreeRoot")
        if root is None:
            self.untagged = True
            return
        shift = self.next_key
        last = -1
        # The parent tree copied whole, in one call into qpdf (value by value from Python cost a third of the join).
        tree = root.ParentTree if root.ParentTree.is_indirect else source.make_indirect(root.ParentTree)
        for key, value in _number_tree(self.joined.copy_foreign(tree)):
            self.nums += [key + shift, value]
            last = max(last, key)
        for index, page in enumerate(source.pages):
            copied = self.joined.pages[page_offset + index].obj
            if "/StructParents" in page.obj:
                copied.StructParents = int(page.obj.StructParents) + shift
                last = max(last, int(page.obj.StructParents))
            for annotation in copied.get("/Annots") or []:
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + shift
        self.next_key = shift + max(last + 1, int(root.get("/ParentTreeNextKey", 0)))
        self.kids += [_copy(self.joined, kid) for kid in _items(root.get("/K"))]
        self.namespaces += [_copy(self.joined, ns) for ns in root.get("/Namespaces", [])]
        if self.role_map is None and "/RoleMap" in root:
            self.role_map = _copy(self.joined, root.RoleMap)

    def finish(self) -> None:
        if self.untagged or not self.kids:
            return
        joined = self.joined
        top, document = [], None
        for kid in self.kids:
            if kid.get("/S") != pikepdf.Name.Document:
                top.append(kid)
            elif document is None:
                document = kid
                top.append(kid)
            else:  # a later part's Document: its children join the first one's, in order
                children = _items(kid.get("/K"))
                document.K = pikepdf.Array(_items(document.get("/K")) + children)
                _adopt(children, document)
        root = joined.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.StructTreeRoot,
                K=pikepdf.Array(top),
                ParentTree=joined.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(self.nums))),
                ParentTreeNextKey=self.next_key,
            )
        )
        if self.namespaces:
            root.Namespaces = pikepdf.Array(self.namespaces)
        if self.role_map is not None:
            root.RoleMap = self.role_map
        _adopt(top, root)
        joined.Root.StructTreeRoot = root
        joined.Root.MarkInfo = pikepdf.Dictionary(Marked=True)


def _items(value) -> list:
    """A /K or /Nums value as a list of its items (an array's items, or the one value)."""
    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _number_tree(node) -> list[tuple[int, object]]:
    """A number tree's (key, value) pairs."""
    nums = _items(node.get("/Nums"))
    pairs = [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]
    for kid in _items(node.get("/Kids")):
        pairs += _number_tree(kid)
    return pairs


def _copy(joined: pikepdf.Pdf, value):
    """A part's object in the joined file, through the object map its pages were copied with (so /Pg and /P point
    at the joined pages and elements). qpdf copies indirect objects only, so a direct array or dictionary is
    rebuilt around its copied members. A part's old StructTreeRoot comes along as its top elements' /P until
    _adopt points them at the joined root; it is then reached by nothing and not written."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return joined.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(joined, item) for item in value])
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy(joined, item) for key, item in value.items()})
    return value


def _adopt(children, parent) -> None:
    """Make `parent` the /P of each structure element in `children` (marked-content ids and references skipped)."""
    for child in children:
        if isinstance(child, pikepdf.Dictionary) and "/S" in child:
            child.P = parent


def _add_bookmarks(joined: pikepdf.Pdf, parts: list[RenderedPart]) -> None:
    """One outline for the joined document: each heading under the nearest earlier heading of a higher level."""
    with joined.open_outline() as outline:
        open_items: list[tuple[int, pikepdf.OutlineItem]] = []  # (level, outline item) from the outermost in
        offset = 0
        for part in parts:
            for index, level, label, x, y in part.bookmarks:
                while open_items and open_items[-1][0] >= level:
                    open_items.pop()
                # WeasyPrint measures in CSS px (0.75 pt) down from the top; PDF in points up from the bottom.
                height = float(joined.pages[offset + index].mediabox[3])
                item = pikepdf.OutlineItem(
                    label,
                    offset + index,
                    pikepdf.PageLocation.XYZ,
                    left=x * 0.75,
                    top=height - y * 0.75,
                    zoom=0,
                )
                (open_items[-1][1].children if open_items else outline.root).append(item)
                open_items.append((level, item))
            offset += part.pages
