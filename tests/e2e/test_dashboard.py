"""Dashboard journey in Debian's chromium: the steering group member lands on the dashboard, filters it,
opens a red scheme from the RAG tile, comes back and opens the risk heat map."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_steering_member_reads_the_dashboard_filters_it_and_follows_its_tiles(page, live_server, sign_in, e2e_demo):
    from milestones.models import Milestone
    from schemes.models import ReportingPeriod

    sign_in("steering")
    assert page.url == f"{live_server.url}/dashboard/"
    # It opens on the period the 9 June 2015 board paper reports on; the journey reads the period after it.
    expect(page.get_by_role("img", name="Schemes by RAG, 18/03/2015 to 20/05/2015")).to_be_visible()
    page.goto(f"{live_server.url}/dashboard/?programme=trafford-bcf-2015-16&period=2015-16-P2")
    assert page.get_by_role("heading", level=1).inner_text() == "Trafford Better Care Fund 2015/16: dashboard"
    rag_tile = page.locator("#tile-rag")
    assert "Red" in page.locator("#rag-counts").inner_text()
    expect(
        rag_tile.get_by_role("link", name="5.7 Integration of Community-based Adult Health & Social Care")
    ).to_be_visible()
    # The chart is an SVG image with a name, and every count is also in the table beside it.
    chart = page.get_by_role("img", name=re.compile(r"^Schemes by RAG"))
    assert chart.count() == 1
    # The count is the one rule's (Milestone.objects.overdue, as at the period's end), not a figure typed here.
    p2_end = ReportingPeriod.objects.get(programme__slug="trafford-bcf-2015-16", code="2015-16-P2").end_date
    overdue = Milestone.objects.filter(scheme__programme__slug="trafford-bcf-2015-16").overdue(as_of=p2_end).count()
    assert overdue > 0
    assert page.locator("#overdue-count").inner_text().startswith(f"{overdue} overdue")
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.get_by_label("Workstream").select_option(label="Frail & Older People")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*/dashboard/\?.*workstream=\d+"))
    assert "Only schemes in Frail & Older People" in page.locator("#dashboard-scope").inner_text()
    assert (
        rag_tile.get_by_role("link", name=re.compile(r"^5\.7 ")).count() == 0
    )  # 5.7 is Integrated Health & Social Care
    red_row = page.locator("#rag-counts tr", has_text="Red")
    assert "6" in red_row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "dashboard-filtered.png"), full_page=True)
    filtered_url = page.url

    rag_tile.get_by_role("link", name="5.1 Community (District) Nursing").click()
    page.wait_for_url(re.compile(r".*/schemes/\d+/\?period=2015-16-P2"))
    assert "Community (District) Nursing" in page.get_by_role("heading", level=1).inner_text()
    page.screenshot(path=str(ARTIFACTS / "dashboard-red-scheme.png"), full_page=True)

    page.go_back()
    page.wait_for_url(filtered_url)
    page.locator("#tile-risks").get_by_role("link", name="Risk register and heat map").click()
    page.wait_for_url(re.compile(r".*/risks/\?programme=trafford-bcf-2015-16&status=open"))
    heat_map = page.locator("table.heatmap")
    assert "2 in all" in heat_map.locator("caption").inner_text()
    expect(
        page.get_by_role("link", name=re.compile(r"Likelihood 4, consequence 3, score 12 \(High\): 1 risk"))
    ).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboard-risk-heat-map.png"), full_page=True)


def test_dashboard_fits_a_phone_screen(page, live_server, sign_in, e2e_demo):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("steering")
    assert page.url == f"{live_server.url}/dashboard/"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
