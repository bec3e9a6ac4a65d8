"""The project lead's period update, through the browser-facing endpoints (htmx and plain posts)."""

import datetime as dt

import pytest
from django.urls import reverse

from core.rag import RAG
from milestones.models import Milestone
from schemes.models import ProgressComment, ReportingPeriod, Scheme, SchemePeriodUpdate, UpdateStatus
from schemes.services import reporting_period_close

SLUG = "trafford-bcf-2015-16"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def nursing(demo):
    return Scheme.objects.get(programme__slug=SLUG, ref="5.1")


@pytest.fixture
def p2(demo):
    return ReportingPeriod.objects.get(programme__slug=SLUG, code="2015-16-P2")


def _update(scheme, period):
    return SchemePeriodUpdate.objects.get(scheme=scheme, period=period)


def test_lead_overrides_the_suggested_rag_only_with_a_reason(demo_client, nursing, p2):
    client = demo_client("lead")
    url = reverse("schemes:update_rag", args=[nursing.pk, p2.code])
    response = client.post(url, {"rag": RAG.AMBER, "reason": "", "version": _update(nursing, p2).version}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The rules suggest Red: write why the scheme is Amber instead." in html
    assert 'id="update-rag-reason-error"' in html  # shown on the field it concerns
    assert _update(nursing, p2).rag == ""
    client.post(
        url, {"rag": RAG.AMBER, "reason": "Audit data now due 26/05", "version": _update(nursing, p2).version}, **HTMX
    )
    update = _update(nursing, p2)
    assert (update.rag_suggested, update.rag, update.rag_reason) == (RAG.RED, RAG.AMBER, "Audit data now due 26/05")


def test_whole_period_update_draft_submitted_returned(demo_client, nursing, p2):
    lead = demo_client("lead")
    submit = reverse("schemes:update_submit", args=[nursing.pk, p2.code])
    # Submitting with no RAG and no comment is refused, saying what is missing.
    html = lead.post(submit, {"version": _update(nursing, p2).version}, **HTMX).content.decode()
    assert "Confirm or choose the overall project status RAG" in html
    assert "Write at least one progress comment" in html
    lead.post(
        reverse("schemes:update_rag", args=[nursing.pk, p2.code]),
        {"rag": RAG.RED, "version": _update(nursing, p2).version},
        **HTMX,
    )
    lead.post(
        reverse("schemes:comment_add", args=[nursing.pk, p2.code]),
        {
            "date": "2015-07-20",
            "kind": "general",
            "text": "Liaison team moved in with the discharge team.",
            "rag": "amber",
        },
        **HTMX,
    )
    lead.post(submit, {"version": _update(nursing, p2).version}, **HTMX)
    update = _update(nursing, p2)
    assert update.status == UpdateStatus.SUBMITTED and update.submitted_by.username == "lead"
    # Once submitted the lead cannot change it; the steering group cannot return it; the PMO can.
    lead.post(
        reverse("schemes:update_rag", args=[nursing.pk, p2.code]),
        {"rag": RAG.GREEN, "reason": "x", "version": update.version},
        **HTMX,
    )
    assert _update(nursing, p2).rag == RAG.RED
    ret = reverse("schemes:update_return", args=[nursing.pk, p2.code])
    assert demo_client("steering").post(ret, {"comment": "no", "version": update.version}).status_code == 403
    pmo = demo_client("pmo")
    pmo.post(ret, {"comment": "Please add the TSG outcome", "version": update.version}, **HTMX)
    update = _update(nursing, p2)
    assert (update.status, update.return_comment) == (UpdateStatus.RETURNED, "Please add the TSG outcome")


def test_other_roles_and_other_leads_cannot_write(demo_client, demo, p2):
    scheme_53 = Scheme.objects.get(programme__slug=SLUG, ref="5.3")
    milestone = scheme_53.milestones.exclude(status="complete").first()
    posts = [
        (reverse("schemes:update_rag", args=[scheme_53.pk, p2.code]), {"rag": "green"}),
        (
            reverse("schemes:comment_add", args=[scheme_53.pk, p2.code]),
            {"date": "2015-07-01", "kind": "general", "text": "x"},
        ),
        (reverse("schemes:update_submit", args=[scheme_53.pk, p2.code]), {}),
        (reverse("milestones:complete", args=[milestone.pk]), {"completed_on": "2015-07-01"}),
        (reverse("milestones:move", args=[milestone.pk]), {"new_date": "2015-09-01", "reason": "x"}),
        (reverse("milestones:rag", args=[milestone.pk]), {"rag": "green"}),
        (reverse("milestones:add", args=[scheme_53.pk]), {"description": "x", "due_date": "2015-09-01"}),
    ]
    for username in ("lead", "steering", "secretary", "finance"):  # `lead` leads 5.1 and 5.2, not 5.3
        client = demo_client(username)
        for url, data in posts:
            assert client.post(url, data, **HTMX).status_code == 403, (username, url)
    milestone.refresh_from_db()
    assert milestone.status != "complete" and not ProgressComment.objects.filter(scheme=scheme_53, period=p2).exists()


def test_milestone_endpoints_complete_move_and_refuse_stale_edits(demo_client, nursing, p2):
    client = demo_client("lead")
    audit = Milestone.objects.get(scheme=nursing, description__startswith="Capacity and demand audit")
    spec = Milestone.objects.get(scheme=nursing, description__startswith="New service specification")
    opened = audit.version
    client.post(
        reverse("milestones:complete", args=[audit.pk]),
        {"completed_on": "2015-05-26", "version": opened, "period": p2.code},
        **HTMX,
    )
    audit.refresh_from_db()
    assert audit.completed_on == dt.date(2015, 5, 26)
    html = client.post(
        reverse("milestones:move", args=[audit.pk]),
        {"new_date": "2015-06-30", "reason": "x", "version": opened},
        **HTMX,
    ).content.decode()
    assert "Not saved: this record changed after you opened it" in html
    assert "Sarah Gunshon changed status from “Not started” to “Complete”" in html
    html = client.post(
        reverse("milestones:move", args=[spec.pk]),
        {"new_date": "2015-07-31", "reason": "", "version": spec.version},
        **HTMX,
    ).content.decode()
    assert 'id="move-' in html and "This field is required." in html
    client.post(
        reverse("milestones:move", args=[spec.pk]),
        {"new_date": "2015-07-31", "reason": "Waiting for outcome measures", "version": spec.version},
        **HTMX,
    )
    spec.refresh_from_db()
    assert spec.due_date == dt.date(2015, 7, 31)
    assert spec.baseline_date == dt.date(2015, 7, 31)  # the plan's date: moved to 29/06 in the papers, now back
    assert list(spec.date_changes.values_list("reason", flat=True))[-1] == "Waiting for outcome measures"


def test_bad_input_is_refused_on_its_field(demo_client, nursing, p2):
    client = demo_client("lead")
    m = nursing.milestones.exclude(status="complete").first()
    html = client.post(
        reverse("milestones:complete", args=[m.pk]), {"completed_on": "2999-01-01", "version": m.version}, **HTMX
    ).content.decode()
    assert "A completion date cannot be in the future." in html
    html = client.post(
        reverse("milestones:rag", args=[m.pk]), {"rag": "purple", "version": m.version}, **HTMX
    ).content.decode()
    assert "Select a valid choice" in html
    html = client.post(
        reverse("milestones:add", args=[nursing.pk]),
        {"description": "Range", "start_date": "2015-09-01", "due_date": "2015-08-01"},
        **HTMX,
    ).content.decode()
    assert "The end of the date range cannot be before its start." in html
    m.refresh_from_db()
    assert m.status != "complete" and m.rag == ""


def test_edits_to_a_closed_period_are_refused(demo_client, nursing, demo):
    p1 = ReportingPeriod.objects.get(programme__slug=SLUG, code="2015-16-P1")
    reporting_period_close(period=p1)
    client = demo_client("lead")
    html = client.post(
        reverse("schemes:comment_add", args=[nursing.pk, p1.code]),
        {"date": "2015-05-01", "kind": "general", "text": "late"},
        **HTMX,
    ).content.decode()
    assert "is closed" in html
    assert not ProgressComment.objects.filter(scheme=nursing, period=p1, text="late").exists()


def test_plain_form_posts_work_without_javascript(demo_client, nursing, p2):
    client = demo_client("lead")
    response = client.post(
        reverse("schemes:comment_add", args=[nursing.pk, p2.code]),
        {"date": "2015-07-01", "kind": "good_news", "text": "Co-located."},
    )
    assert response.status_code == 302 and response.url.endswith(f"?period={p2.code}")
    assert ProgressComment.objects.filter(scheme=nursing, period=p2, kind="good_news").exists()


def test_derived_tables_for_the_period(demo_client, nursing, demo):
    client = demo_client("steering")
    p1 = ReportingPeriod.objects.get(programme__slug=SLUG, code="2015-16-P1")
    context = client.get(reverse("schemes:detail", args=[nursing.pk]), {"period": p1.code}).context
    completed = context["completed_this_period"]
    assert completed and all(p1.start_date <= m.completed_on <= p1.end_date for m in completed)
    planned = context["planned_next_period"]
    assert planned and all(m.status != "complete" and m.due_date <= dt.date(2015, 7, 22) for m in planned)
    assert any(m.description.startswith("Capacity and demand audit") for m in planned)
    assert context["can_edit"] is False


def test_history_page_shows_who_changed_what(demo_client, nursing, p2):
    lead = demo_client("lead")
    lead.post(
        reverse("schemes:update_rag", args=[nursing.pk, p2.code]),
        {"rag": RAG.AMBER, "reason": "Estates delay", "version": _update(nursing, p2).version},
        **HTMX,
    )
    html = lead.get(reverse("schemes:history", args=[nursing.pk])).content.decode()
    assert "Update for 20/05/2015 to 22/07/2015" in html
    assert "Overall project status RAG</strong>: — → Amber" in html
    assert "Sarah Gunshon" in html


def test_my_schemes_lists_what_needs_doing(demo_client, demo):
    response = demo_client("lead").get(reverse("schemes:mine"))
    html = response.content.decode()
    assert "Period update for 20/05/2015 to 22/07/2015" in html
    assert "Overdue since 26/05/2015: Capacity and demand audit to be completed" in html


def test_scheme_details_edit_by_lead_refuses_stale_and_other_schemes(demo_client, nursing, demo):
    lead = demo_client("lead")
    url = reverse("schemes:edit", args=[nursing.pk])
    form = lead.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data["workstream"] = nursing.workstream_id
    data["clinical_lead"] = "Dr Jon Tose (GP lead)"
    assert lead.post(url, data).status_code == 302
    nursing.refresh_from_db()
    assert nursing.clinical_lead == "Dr Jon Tose (GP lead)"
    # The same (now stale) form again: refused, naming the change.
    data["clinical_lead"] = "Someone else"
    response = lead.post(url, data, follow=True)
    assert "changed clinical lead from “Dr Jon Tose” to “Dr Jon Tose (GP lead)”" in response.content.decode()
    nursing.refresh_from_db()
    assert nursing.clinical_lead == "Dr Jon Tose (GP lead)"
    other = Scheme.objects.get(programme__slug=SLUG, ref="5.3")
    assert lead.get(reverse("schemes:edit", args=[other.pk])).status_code == 403


def test_approval_rejection_needs_a_reason(demo_client, nursing, demo):
    client = demo_client("governance")  # a body's decision: never the scheme's lead (tests/schemes/test_gate_duties.py)
    url = reverse("schemes:approval_add", args=[nursing.pk])
    data = {
        "body": "TSG",
        "item": "Full business case",
        "meeting_date": "2015-07-07",
        "outcome": "rejected",
        "reason": "",
    }
    html = client.post(url, data, **HTMX).content.decode()
    assert "Say why the body rejected it" in html
    data["reason"] = "change scope"
    client.post(url, data, **HTMX)
    assert nursing.approvals.filter(outcome="rejected", reason="change scope").exists()


def test_only_the_programme_office_closes_a_period_from_reporting_periods(demo_client, nursing, p2):
    """Closing is programme-wide, so it is on the Reporting periods page with a preview, not in a scheme's box."""
    url = reverse("setup:period_close", args=[p2.pk])
    assert demo_client("lead").post(url, {"version": p2.version}).status_code == 403
    scheme_page = demo_client("pmo").get(reverse("schemes:detail", args=[nursing.pk]) + f"?period={p2.code}")
    assert "Close this reporting period" not in scheme_page.content.decode()
    preview = demo_client("pmo").get(url).content.decode()
    p2.refresh_from_db()
    assert not p2.is_closed  # the preview closes nothing
    assert "without an approved update" in preview and "5.1 Community" in preview
    response = demo_client("pmo").post(url, {"version": p2.version})
    assert response.status_code == 302
    p2.refresh_from_db()
    assert p2.is_closed


def test_my_schemes_query_count_does_not_grow_with_schemes(client, make_user):
    """Prevents an N+1 on overdue milestones and period updates per scheme."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.roles import Role
    from tests.factories.milestones import MilestoneFactory
    from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory, SchemeLeadFactory

    lead = make_user(Role.PROJECT_LEAD)
    programme = ProgrammeFactory()
    ReportingPeriodFactory(programme=programme)
    client.force_login(lead)

    def add(n):
        for _ in range(n):
            scheme = SchemeFactory(programme=programme)
            SchemeLeadFactory(scheme=scheme, user=lead)
            MilestoneFactory.create_batch(
                3, scheme=scheme, baseline_date=dt.date(2015, 1, 1), due_date=dt.date(2015, 1, 1)
            )

    def count():
        # A page seen before: the first visit of a session also remembers its programme (one query more).
        client.get(reverse("schemes:mine"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("schemes:mine")).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    few = count()
    add(20)
    assert count() == few


def test_recording_an_approval_outcome(demo_client, nursing, demo):
    approval = nursing.approvals.filter(outcome="pending").first()
    url = reverse("schemes:approval_outcome", args=[approval.pk])
    html = demo_client("pmo").post(url, {"outcome": "rejected", "reason": ""}, **HTMX).content.decode()
    assert "Say why the body rejected it" in html
    demo_client("pmo").post(url, {"outcome": "approved", "reason": ""}, **HTMX)
    approval.refresh_from_db()
    assert approval.outcome == "approved"
    assert demo_client("steering").post(url, {"outcome": "withdrawn"}).status_code == 403
    assert demo_client("lead").post(url, {"outcome": "withdrawn"}).status_code == 403


def test_my_schemes_completes_and_moves_milestones_in_place(demo_client, nursing):
    client = demo_client("lead")
    audit = Milestone.objects.get(scheme=nursing, description__startswith="Capacity and demand audit")
    html = client.post(
        reverse("milestones:move", args=[audit.pk]),
        {"new_date": "2015-06-30", "reason": "", "version": audit.version, "from": "mine"},
        **HTMX,
    ).content.decode()
    assert html.lstrip().startswith(
        f'<section class="card mb-3" aria-labelledby="scheme-{nursing.pk}" id="my-scheme-{nursing.pk}">'
    )
    assert "This field is required." in html
    html = client.post(
        reverse("milestones:complete", args=[audit.pk]),
        {"completed_on": "2015-06-05", "version": audit.version, "from": "mine"},
        **HTMX,
    ).content.decode()
    assert "Marked complete" in html and "Capacity and demand audit" not in html.split("To do")[1]
    audit.refresh_from_db()
    assert audit.completed_on == dt.date(2015, 6, 5)
    # Without JavaScript the same form posts and comes back to My schemes.
    other = nursing.milestones.exclude(status="complete").order_by("due_date").first()
    response = client.post(
        reverse("milestones:complete", args=[other.pk]),
        {"completed_on": "2015-06-05", "version": other.version, "from": "mine"},
    )
    assert response.status_code == 302 and response.url == reverse("schemes:mine")
