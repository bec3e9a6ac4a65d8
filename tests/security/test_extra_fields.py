"""POSTs carrying fields their form does not offer (owner, approval, totals, versions) change nothing beyond
what the form allows: each view reads only its form's fields (issue 9 §2)."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import User
from milestones.models import Milestone
from schemes.models import Scheme

pytestmark = pytest.mark.django_db


def test_a_lead_moving_a_date_cannot_also_move_the_baseline_complete_it_or_take_it_elsewhere(demo, demo_client):
    milestone = Milestone.objects.filter(scheme__ref="5.1", status="not_started").order_by("due_date").first()
    before = (milestone.baseline_date, milestone.completed_on, milestone.status, milestone.scheme_id)
    other = Scheme.objects.get(ref="5.3")
    new_date = milestone.due_date + dt.timedelta(days=14)
    demo_client("lead").post(
        reverse("milestones:move", args=[milestone.pk]),
        {
            "new_date": new_date.isoformat(),
            "reason": "Room booking",
            "version": milestone.version,
            "baseline_date": "2030-01-01",
            "completed_on": "2015-06-01",
            "status": "complete",
            "scheme": other.pk,
            "rag": "green",
        },
    )
    milestone.refresh_from_db()
    assert milestone.due_date == new_date  # what the form allows happened
    assert (milestone.baseline_date, milestone.completed_on, milestone.status, milestone.scheme_id) == before


def test_a_decision_edit_cannot_approve_it_or_move_it_to_another_fund(demo, demo_client):
    from finance.models import Decision, DecisionStatus, Fund

    decision = Decision.objects.create(
        fund=Fund.objects.get(slug="trafford-tf"), title="Winter virement", body="Executive", decided_on="2019-11-20"
    )
    finance = User.objects.get(username="finance")
    demo_client("finance").post(
        reverse("finance:decision_edit", args=[decision.pk]),
        {
            "title": "Renamed",
            "body": "Executive",
            "decided_on": "2019-03-18",
            "version": decision.version,
            "status": "approved",
            "approved_by": finance.pk,
            "approved_at": "2019-03-18T10:00",
            "finance_clearance": "GB",
            "finance_cleared_by": finance.pk,
            "finance_cleared_at": "2019-03-18T10:00",
            "recorded_by": finance.pk,
            "fund": 999,
        },
    )
    decision.refresh_from_db()
    assert decision.title == "Renamed"
    assert decision.status == DecisionStatus.PROPOSED and decision.approved_by is None
    assert decision.finance_cleared_by is None and decision.recorded_by is None


def test_issuing_a_report_ignores_a_posted_version_hash_or_issuer(demo, demo_client):
    from reporting.models import IssuedReport
    from schemes.models import ReportingPeriod

    period = ReportingPeriod.objects.get(code="2015-16-P1")
    lead = User.objects.get(username="lead")
    demo_client("pmo").post(
        reverse("reporting:issue", args=[period.pk]),
        {
            "meeting": "Health & Wellbeing Board",
            "meeting_date": "2015-06-09",
            "version": 7,
            "pdf_sha256": "0" * 64,
            "issued_by": lead.pk,
            "page_count": 1,
        },
    )
    report = IssuedReport.objects.get()
    assert report.version == 1 and report.issued_by.username == "pmo" and report.pdf_sha256 != "0" * 64
