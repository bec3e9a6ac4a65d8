"""Highlight report journey in Debian's chromium: the programme office issues the report for the board, then
the board secretary downloads it and the test reads the downloaded PDF's text and checks its SHA-256."""

import hashlib
import re

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_out
from tests.reporting.conftest import pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_office_issues_and_secretary_downloads_the_issued_highlight_report(page, live_server, sign_in, e2e_demo):
    from milestones import services as milestone_services
    from milestones.models import Milestone
    from reporting.models import IssuedReport

    sign_in("pmo")
    page.get_by_role("link", name="Reports", exact=True).click()
    row = page.get_by_role("row").filter(has_text="18/03/2015 to 20/05/2015")
    row.get_by_role("link", name="Issue…").click()
    assert page.locator("#id_meeting_date").input_value() == "2015-06-09"  # the period's board date
    page.get_by_role("button", name="Issue the report").click()
    page.wait_for_url(re.compile(r".*/reports/issued/\d+/$"))
    report = IssuedReport.objects.get()
    assert report.pdf_sha256 in page.content()
    page.screenshot(path=str(ARTIFACTS / "report-issued.png"), full_page=True)
    sign_out(page)

    # The plan moves on after the meeting; the issued report must not.
    milestone = Milestone.objects.filter(scheme__ref="5.1", status="not_started").first()
    milestone_services.milestone_move(
        milestone=milestone, new_date=milestone.due_date.replace(year=2016), reason="Later"
    )

    sign_in("secretary")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.screenshot(path=str(ARTIFACTS / "report-secretary-list.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"PDF \(\d+ pages\)")).click()
    download = download_info.value
    path = ARTIFACTS / "highlight-report-downloaded.pdf"
    download.save_as(path)
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == report.pdf_sha256
    text = pdf_text(data)
    assert "Progress Report of Better Care Fund for Trafford" in text
    assert "5.1 Community (District) Nursing" in text and "ISSUED (version 1)" in text
