"""The highlight report is a tagged PDF (#19.2): a structure tree with the document's language and title,
headings H1..Hn going down one level at a time, tables tagged Table/TR/TH/TD, charts as figures; read with pypdf.
Built in parts and joined (a large programme's background build), it is tagged the same way.
And a layout change gives the draft a new cache key, so an old draft is not served after it."""

import io

import pytest
from pypdf import PdfReader

from reporting import highlight as services
from reporting import selectors

pytestmark = pytest.mark.django_db


def structure_tags(reader: PdfReader) -> list[str]:
    """The structure tree's element types, depth first in document order."""
    tags: list[str] = []

    def walk(node):
        node = node.get_object()
        if not hasattr(node, "get"):
            return  # a marked-content id: the leaf
        if node.get("/S"):
            tags.append(str(node["/S"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return tags


def test_the_report_is_tagged_with_language_title_headings_in_order_and_tables(small):
    programme, p1, _ = small
    pdf = services.highlight_report_render(snapshot=selectors.highlight_snapshot(programme=programme, period=p1)).pdf
    assert_tagged(pdf)


def test_a_report_built_in_parts_and_joined_keeps_its_tags(small):
    """The parts path (Celery parts joined with pikepdf): one structure tree over every part, in the one-piece
    build's order, each element's page one of the joined document's, and the parent tree's keys all distinct."""
    programme, p1, _ = small
    snapshot = selectors.highlight_snapshot(programme=programme, period=p1)
    joined = services.highlight_report_render_in_parts(snapshot=snapshot, options={"status": services.DRAFT}, count=3)
    whole = services.highlight_report_render(snapshot=snapshot, status=services.DRAFT)
    reader = assert_tagged(joined.pdf)
    # Every part's headings, in the one-piece build's order (each part's HTML adds only its running header).
    assert headings_of(reader) == headings_of(PdfReader(io.BytesIO(whole.pdf)))
    root = reader.trailer["/Root"]["/StructTreeRoot"]
    assert len(root["/K"]) == 1 and root["/K"][0]["/S"] == "/Document"
    pages = {page.indirect_reference.idnum for page in reader.pages}
    nums = root["/ParentTree"]["/Nums"]
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    assert len(keys) == len(set(keys)) and root["/ParentTreeNextKey"] > max(keys)
    assert sorted({page["/StructParents"] for page in reader.pages}) == sorted(
        page["/StructParents"] for page in reader.pages
    )  # every page its own entry
    for page in reader.pages:  # each page's entry lists elements drawn on that page
        for element in nums[keys.index(page["/StructParents"]) * 2 + 1]:
            assert element.get_object().raw_get("/Pg").idnum in pages
            assert element.get_object()["/P"] is not None


def headings_of(reader: PdfReader) -> list[str]:
    return [tag for tag in structure_tags(reader) if tag[:2] == "/H" and tag[2:].isdigit()]


def assert_tagged(pdf: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title
    tags = structure_tags(reader)
    headings = [int(tag[2:]) for tag in tags if tag[:2] == "/H" and tag[2:].isdigit()]
    assert headings[0] == 1 and headings.count(1) >= 6  # the title, sections 1-6
    for before, after in zip(headings, headings[1:], strict=False):
        assert after <= before + 1, f"heading H{after} follows H{before}: a level skipped"
    assert tags.count("/Table") >= 5 and "/TH" in tags and "/TD" in tags and "/TR" in tags
    assert "/Figure" in tags  # the charts, with their captions
    # Page text is in the tree, not only drawn: paragraphs and table cells carry it.
    assert tags.count("/P") > 5
    return reader


def test_a_layout_change_gives_the_draft_a_new_cache_key(small, monkeypatch):
    programme, p1, _ = small
    snapshot = selectors.highlight_snapshot(programme=programme, period=p1)
    before = services.draft_cache_key(snapshot)
    services.layout_fingerprint.cache_clear()
    monkeypatch.setattr(services, "LAYOUT_VERSION", services.LAYOUT_VERSION + 1)
    try:
        assert services.draft_cache_key(snapshot) != before
        # The print charts and the renderer are part of the layout's fingerprint.
        assert "reporting/charts.py" in services.LAYOUT_SOURCES and "reporting/renderers" in services.LAYOUT_SOURCES
    finally:
        services.layout_fingerprint.cache_clear()
