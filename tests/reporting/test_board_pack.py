"""The board pack (#19.3): the highlight report with Appendix 1 of each fund (and the changes since the last
board) as one tagged PDF with bookmarks; each appendix also on its own; both for anyone who may read reports."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import User
from finance.selectors import appendix_lines
from reporting import selectors
from tests.factories.returns import pooled_fund_create
from tests.reporting.conftest import outline, pdf_text, squash

pytestmark = pytest.mark.django_db


def test_the_board_pack_is_one_pdf_with_the_report_and_each_funds_appendix_1_bookmarked(demo_client, trafford):
    programme, p1, _ = trafford
    # The demo's BCF pooled budget has no figures in the papers; a second fund with allocation lines beside it.
    pooled_fund_create(programme=programme, by=User.objects.get(username="pmo"))
    response = demo_client("secretary").get(reverse("reporting:board_pack", args=[p1.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(pdf))
    titles = [title for _depth, title, _page in outline(reader)]
    funds = list(selectors.report_funds(programme=programme))
    assert funds, "the demo programme has funds"
    assert "1. Introduction" in titles and "6. Recommendations" in titles
    for fund in funds:
        assert f"Appendix 1: {fund.name}" in titles
    # The appendix bookmarks come after the report's and open on a later page.
    pages = {title: page for _depth, title, page in outline(reader)}
    assert pages[f"Appendix 1: {funds[0].name}"] > pages["6. Recommendations"]
    # Appendix 1's lines are read back from the PDF.
    flat = squash(pdf_text(pdf))
    rows = [line for fund in funds for line in appendix_lines(fund=fund) if line.kind == "row"]
    assert rows
    for line in rows:
        assert squash(line.label)[:40] in flat, line.label
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # one piece: still tagged


def test_each_appendix_is_also_its_own_pdf_and_the_reports_page_links_both(demo_client, trafford, client):
    programme, p1, _ = trafford
    fund = selectors.report_funds(programme=programme).first()
    page = demo_client("steering").get(reverse("reporting:index")).content.decode()
    assert reverse("reporting:board_pack", args=[p1.pk]) in page
    assert reverse("reporting:finance_appendix", args=[fund.slug]) in page
    response = demo_client("steering").get(reverse("reporting:finance_appendix", args=[fund.slug]))
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    assert f"Appendix 1: {fund.name}" in pdf_text(pdf)


def test_the_board_pack_needs_sign_in(client, trafford):
    _programme, p1, _ = trafford
    response = client.get(reverse("reporting:board_pack", args=[p1.pk]))
    assert response.status_code in (302, 403)
