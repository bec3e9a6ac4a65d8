"""The reports pages: who sees and does what, issuing from the browser, downloads exactly as issued."""

import datetime as dt
import hashlib
import html
import re

import pytest
from django.urls import reverse

from milestones import services as milestone_services
from milestones.models import Milestone
from reporting import selectors
from reporting.models import HighlightCover, IssuedReport
from tests.reporting.conftest import pdf_text

pytestmark = pytest.mark.django_db


def _hidden(page: str) -> dict:
    """The hidden inputs of a page's form, as the browser sends them back."""
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)
        if name != "csrfmiddlewaretoken"
    }


def _issue(client, period, **extra):
    data = {"meeting": "Health & Wellbeing Board", "meeting_date": "2015-06-09", "with_changes": "on", **extra}
    return client.post(reverse("reporting:issue", args=[period.pk]), data)


def test_everyone_with_a_role_sees_the_reports_page_but_only_the_office_gets_issue_buttons(demo_client, trafford):
    _, p1, _ = trafford
    for username in ("secretary", "steering", "lead", "finance"):
        page = demo_client(username).get(reverse("reporting:index")).content.decode()
        assert reverse("reporting:draft", args=[p1.pk]) in page
        assert reverse("reporting:issue", args=[p1.pk]) not in page
    page = demo_client("pmo").get(reverse("reporting:index")).content.decode()
    assert reverse("reporting:issue", args=[p1.pk]) in page and reverse("reporting:cover", args=[p1.pk]) in page


def test_a_reader_previews_the_draft_in_the_browser(demo_client, trafford):
    _, p1, _ = trafford
    response = demo_client("steering").get(reverse("reporting:draft", args=[p1.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "DRAFT" in pdf_text(response.content)


def test_only_the_programme_office_issues_and_edits_the_cover(demo_client, trafford):
    _, p1, _ = trafford
    for username in ("secretary", "lead", "steering", "finance"):
        client = demo_client(username)
        assert _issue(client, p1).status_code == 403
        assert client.post(reverse("reporting:cover", args=[p1.pk]), {"title": "Mine"}).status_code == 403
    assert IssuedReport.objects.count() == 0
    assert HighlightCover.objects.get(period=p1).title == "Progress Report of Better Care Fund for Trafford"


def test_secretary_downloads_the_issued_report_and_its_hash_matches_after_the_plan_changes(demo_client, trafford):
    _, p1, _ = trafford
    response = _issue(demo_client("pmo"), p1)
    report = IssuedReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reporting:issued", args=[report.pk])
    milestone = Milestone.objects.filter(scheme__ref="5.1", status="not_started").first()
    milestone_services.milestone_move(
        milestone=milestone, new_date=milestone.due_date + dt.timedelta(days=60), reason="Later", by=None
    )

    client = demo_client("secretary")
    index = client.get(reverse("reporting:index")).content.decode()
    assert "Health &amp; Wellbeing Board" in index and "Version 1" in index
    detail = client.get(reverse("reporting:issued", args=[report.pk])).content.decode()
    assert report.pdf_sha256 in detail
    download = client.get(reverse("reporting:issued_download", args=[report.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"] and report.filename in download["Content-Disposition"]
    assert hashlib.sha256(download.content).hexdigest() == report.pdf_sha256
    assert "5.1 Community (District) Nursing" in pdf_text(download.content)
    snapshot = client.get(reverse("reporting:issued_snapshot", args=[report.pk]))
    assert snapshot.json()["period"]["code"] == "2015-16-P1"


def test_issuing_again_for_the_same_meeting_without_reissue_is_refused_with_a_message(demo_client, trafford):
    _, p1, _ = trafford
    client = demo_client("pmo")
    _issue(client, p1)
    response = _issue(client, p1)
    assert response.status_code == 200
    assert "already issued" in response.content.decode()
    assert IssuedReport.objects.count() == 1
    response = _issue(client, p1, reissue="on", reason="Corrected RAG for 5.4")
    assert response.status_code == 302
    assert list(IssuedReport.objects.values_list("version", flat=True).order_by("version")) == [1, 2]


def test_bad_issue_input_gets_a_message_and_saves_nothing(demo_client, trafford):
    _, p1, _ = trafford
    response = _issue(demo_client("pmo"), p1, meeting="", meeting_date="09/06/2015x")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required" in page and "Enter a valid date" in page
    assert IssuedReport.objects.count() == 0


def test_cover_edit_saves_and_refuses_a_stale_form(demo_client, trafford):
    _, p1, _ = trafford
    client = demo_client("pmo")
    cover = HighlightCover.objects.get(period=p1)
    form = {"title": "Better Care Fund: progress", "report_to": "Health & Wellbeing Board", "version": cover.version}
    assert client.post(reverse("reporting:cover", args=[p1.pk]), form).status_code == 302
    assert HighlightCover.objects.get(period=p1).title == "Better Care Fund: progress"
    response = client.post(reverse("reporting:cover", args=[p1.pk]), {**form, "title": "Stale"})
    assert "Not saved" in response.content.decode()
    assert HighlightCover.objects.get(period=p1).title == "Better Care Fund: progress"
    assert selectors.highlight_snapshot(programme=p1.programme, period=p1)["cover"]["title"] == (
        "Better Care Fund: progress"
    )


def test_finance_appendix_downloads_as_pdf(demo_client, demo):
    response = demo_client("secretary").get(reverse("reporting:finance_appendix", args=["trafford-tf"]))
    assert response.status_code == 200 and "Grand total 22,000" in pdf_text(response.content)


def test_a_second_submit_of_the_same_issue_form_is_refused_not_a_new_version(demo_client, trafford):
    _, p1, _ = trafford
    client = demo_client("pmo")
    page = client.get(reverse("reporting:issue", args=[p1.pk])).content.decode()
    assert 'name="expected_version" value="0"' in page
    form = {"meeting": "Health & Wellbeing Board", "meeting_date": "2015-06-09", **_hidden(page)}
    assert form["expected_version"] == "0" and form["seen_meeting_date"] == "2015-06-09"
    assert client.post(reverse("reporting:issue", args=[p1.pk]), form).status_code == 302
    again = client.post(reverse("reporting:issue", args=[p1.pk]), {**form, "reissue": "on", "reason": "Typo"})
    assert "changed after you opened this page" in again.content.decode()
    assert 'name="expected_version" value="1"' in again.content.decode()  # a second, informed submit works
    assert IssuedReport.objects.count() == 1


def test_a_tampered_issued_report_is_not_served(demo_client, trafford):
    _, p1, _ = trafford
    _issue(demo_client("pmo"), p1)
    report = IssuedReport.objects.get()
    IssuedReport.objects.filter(pk=report.pk).update(pdf=b"%PDF-1.7 something else")  # outside the app
    response = demo_client("secretary").get(reverse("reporting:issued_download", args=[report.pk]))
    assert response.status_code == 409 and "no longer matches" in response.content.decode()


def test_two_people_writing_the_first_cover_cannot_overwrite_each_other(demo_client, trafford):
    _, _, p2 = trafford
    client = demo_client("pmo")
    page = client.get(reverse("reporting:cover", args=[p2.pk])).content.decode()
    assert 'name="version" value="0"' in page
    first = {"title": "First", "version": "0"}
    assert client.post(reverse("reporting:cover", args=[p2.pk]), first).status_code == 302
    second = client.post(reverse("reporting:cover", args=[p2.pk]), {"title": "Second", "version": "0"})
    assert "Not saved" in second.content.decode()
    assert HighlightCover.objects.get(period=p2).title == "First"


def test_a_reissue_for_a_period_without_a_board_date_goes_through_at_the_first_try(demo_client, trafford):
    # Issue 21.4, replayed: the period has no board date; version 1 was issued for 29/07/2015. Re-issuing was
    # refused the first time ("now has version 1 issued, which changed after you opened this page") because the
    # page expected version 0 for a date it had not shown; a second click made version 2.
    _, _, p2 = trafford
    assert p2.board_date is None
    client = demo_client("pmo")
    url = reverse("reporting:issue", args=[p2.pk])
    first = {
        "meeting": "Health & Wellbeing Board",
        "meeting_date": "2015-07-29",
        **_hidden(client.get(url).content.decode()),
    }
    assert client.post(url, first).status_code == 302
    page = client.get(url).content.decode()
    assert 'value="2015-07-29"' in page  # the form starts at the date the period was last issued for
    again = {
        "meeting": "Health & Wellbeing Board",
        "meeting_date": "2015-07-29",
        "reissue": "on",
        "reason": "Corrected RAG for 5.4",
        **_hidden(page),
    }
    response = client.post(url, again)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(IssuedReport.objects.filter(period=p2).values_list("version", flat=True).order_by("version")) == [1, 2]


def test_a_refused_issue_is_announced_at_the_top_of_the_form(demo_client, trafford):
    _, p1, _ = trafford
    client = demo_client("pmo")
    _issue(client, p1)
    page = _issue(client, p1).content.decode()
    summary = page[page.index('class="alert alert-danger error-summary"') - 200 :]
    assert 'role="alert"' in summary[:400] and "already issued" in summary[:1500]


def test_the_draft_can_be_downloaded_as_well_as_previewed(demo_client, trafford):
    # Issue 21.9: "Preview draft (PDF)" opened in the browser's viewer with no download button.
    _, p1, _ = trafford
    client = demo_client("steering")
    index = client.get(reverse("reporting:index")).content.decode()
    download_link = reverse("reporting:draft", args=[p1.pk]) + "?download=1"
    assert f'href="{download_link}" download>Download draft (PDF)' in index
    response = client.get(download_link)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert "DRAFT" in pdf_text(response.content)
