"""Issue 21 points 1 and 3: an in-place edit's outcome is shown at the form that was used (not at the top of the
page, which made the browser jump there), with an error summary that links to each field; the same without
JavaScript; and dates default to, and stay within, the period being edited."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from milestones.models import Milestone
from schemes.models import ProgressComment, ReportingPeriod, Scheme
from schemes.services import progress_comment_add

SLUG = "trafford-bcf-2015-16"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def nursing(demo):
    return Scheme.objects.get(programme__slug=SLUG, ref="5.1")


@pytest.fixture
def p2(demo):
    return ReportingPeriod.objects.get(programme__slug=SLUG, code="2015-16-P2")


def _last_open_milestone(scheme):
    return Milestone.objects.filter(scheme=scheme, completed_on__isnull=True).order_by("-due_date", "-pk").first()


def _row(html: str, pk: int) -> str:
    start = html.index(f'<tr id="milestone-{pk}">')
    return html[start : html.index("</tr>", start)]


def test_a_failed_completion_is_summarised_in_its_row_with_links_to_the_field(demo_client, nursing, p2):
    milestone = _last_open_milestone(nursing)
    response = demo_client("lead").post(
        reverse("milestones:complete", args=[milestone.pk]),
        {"completed_on": "2099-01-01", "version": milestone.version, "period": p2.code},
        **HTMX,
    )
    html = response.content.decode()
    row = _row(html, milestone.pk)
    # The summary is in the row, announced and focused, and links to the input that needs correcting.
    assert 'role="alert"' in row and "autofocus" in row
    assert f'href="#complete-{milestone.pk}"' in row
    assert "Completed on: A completion date cannot be in the future." in row
    # Nothing above the plan takes the focus (that is what scrolled the page to the top).
    assert "autofocus" not in html[: html.index('id="plan-heading"')]
    milestone.refresh_from_db()
    assert milestone.completed_on is None


def test_a_successful_completion_is_confirmed_in_its_row(demo_client, nursing, p2):
    milestone = _last_open_milestone(nursing)
    html = (
        demo_client("lead")
        .post(
            reverse("milestones:complete", args=[milestone.pk]),
            {"completed_on": "2015-06-01", "version": milestone.version, "period": p2.code},
            **HTMX,
        )
        .content.decode()
    )
    row = _row(html, milestone.pk)
    assert 'role="status"' in row and f"Marked complete: {milestone}" in row


def test_without_javascript_an_error_shows_the_page_at_the_form_with_what_was_typed(demo_client, nursing, p2):
    milestone = _last_open_milestone(nursing)
    response = demo_client("lead").post(
        reverse("milestones:move", args=[milestone.pk]),
        {"new_date": "2015-09-30", "reason": "", "version": milestone.version, "period": p2.code},
    )
    assert response.status_code == 200  # the page again, not a redirect that loses the error's place
    html = response.content.decode()
    row = _row(html, milestone.pk)
    assert 'role="alert"' in row and f'href="#move-reason-{milestone.pk}"' in row
    assert 'value="2015-09-30"' in row  # what was typed is kept
    # Every in-place form's address ends in its own anchor, so the browser opens the answer there.
    assert re.search(rf'action="[^"]*/milestones/{milestone.pk}/move/#milestone-{milestone.pk}"', html)


def test_without_javascript_a_success_redirects_back_to_the_period(demo_client, nursing, p2):
    milestone = _last_open_milestone(nursing)
    response = demo_client("lead").post(
        reverse("milestones:complete", args=[milestone.pk]),
        {"completed_on": "2015-06-01", "version": milestone.version, "period": p2.code},
    )
    assert response.status_code == 302 and response.url.endswith(f"?period={p2.code}")


def test_dates_default_inside_the_period_being_edited(demo_client, nursing, p2):
    # Replays issue 21.3: on a 2015 period's page, today (2026) was the default, and a comment dated today went
    # into the 2015 period and was printed in the board PDF.
    html = demo_client("lead").get(reverse("schemes:detail", args=[nursing.pk]) + f"?period={p2.code}").content
    html = html.decode()
    last_day = p2.end_date - dt.timedelta(days=1)
    assert f'id="comment-date" name="date" required value="{last_day:%Y-%m-%d}"' in html
    milestone = _last_open_milestone(nursing)
    assert re.search(rf'id="complete-{milestone.pk}" name="completed_on" value="{last_day:%Y-%m-%d}"', html)


def test_a_comment_dated_after_the_periods_updates_is_refused(demo_client, nursing, p2, django_user_model):
    lead = django_user_model.objects.get(username="lead")
    before = ProgressComment.objects.count()
    with pytest.raises(ValidationError) as refused:
        progress_comment_add(scheme=nursing, period=p2, date=dt.date(2026, 12, 3), text="Today's news", by=lead)
    assert "cannot be after 21/07/2015" in str(refused.value)
    assert ProgressComment.objects.count() == before


def test_a_completion_outside_the_period_being_edited_is_refused_in_words(demo_client, nursing, p2):
    milestone = _last_open_milestone(nursing)
    html = (
        demo_client("lead")
        .post(
            reverse("milestones:complete", args=[milestone.pk]),
            {"completed_on": "2015-08-03", "version": milestone.version, "period": p2.code},
            **HTMX,
        )
        .content.decode()
    )
    assert "The completion date must fall in the period being updated, 20/05/2015 to 21/07/2015." in html
    milestone.refresh_from_db()
    assert milestone.completed_on is None


def test_history_shows_what_a_new_comment_said(demo_client, nursing, p2):
    # Issue 21.12: history recorded "Comment … created" without the comment's words.
    client = demo_client("lead")
    client.post(
        reverse("schemes:comment_add", args=[nursing.pk, p2.code]),
        {"date": "2015-06-02", "kind": "general", "rag": "", "text": "Recruitment panel booked for 12 June"},
        **HTMX,
    )
    html = client.get(reverse("schemes:history", args=[nursing.pk])).content.decode()
    created = html[html.index("Comment of 02/06/2015") :]
    assert "Recruitment panel booked for 12 June" in created[: created.index("</tr>")]


def test_a_long_milestone_title_is_shortened_with_an_ellipsis_not_cut(nursing):
    milestone = Milestone(scheme=nursing, description="A" * 100, due_date=dt.date(2015, 6, 1))
    assert str(milestone) == "A" * 79 + "…"


def test_a_returned_update_names_who_returned_it_and_who_submitted_it(demo_client, nursing, p2):
    # Issue 21.10: a returned update showed the submitter and the submission time as if they had returned it.
    lead = demo_client("lead")
    detail = reverse("schemes:detail", args=[nursing.pk]) + f"?period={p2.code}"
    lead.post(
        reverse("schemes:comment_add", args=[nursing.pk, p2.code]),
        {"date": "2015-06-02", "kind": "general", "rag": "", "text": "Panel booked"},
        **HTMX,
    )
    update = nursing.period_updates.get(period=p2)
    lead.post(reverse("schemes:update_rag", args=[nursing.pk, p2.code]), {"rag": "red", "version": update.version})
    update.refresh_from_db()
    lead.post(reverse("schemes:update_submit", args=[nursing.pk, p2.code]), {"version": update.version})
    update.refresh_from_db()
    assert update.status == "submitted", update.status
    demo_client("pmo").post(
        reverse("schemes:update_return", args=[nursing.pk, p2.code]),
        {"comment": "Add the July figures", "version": update.version},
    )
    update.refresh_from_db()
    assert update.returned_by.username == "pmo" and update.submitted_by.username == "lead"
    html = demo_client("lead").get(detail).content.decode()
    status = html[html.index('<dt class="col-sm-4">Status</dt>') :]
    status = status[: status.index("</dd>")]
    assert f"Returned for changes by {update.returned_by}" in status
    assert f"(submitted by {update.submitted_by}" in status
