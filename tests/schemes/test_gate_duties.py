"""Separation of duties at the governance gates (issue 15, attack 4): a body's decision on a scheme's paper (TSG,
CC&FC, PRAP) is recorded by the programme office or the governance secretary, never by the scheme's own lead."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_ensure
from schemes import services
from schemes.models import Approval, Scheme
from schemes.services import scheme_lead_assign

SLUG = "trafford-bcf-2015-16"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def nursing(demo):
    return Scheme.objects.get(programme__slug=SLUG, ref="5.1")  # led by the demo `lead`


def _pending(scheme) -> Approval:
    return scheme.approvals.filter(outcome="pending").first()


def test_attack_lead_records_tsg_approved_on_their_own_business_case(demo_client, nursing):
    """Replayed: the lead of 5.1 posts "approved" for their own scheme's gate. Refused: 403 with words."""
    approval = _pending(nursing)
    before = approval.history.count()
    response = demo_client("lead").post(
        reverse("schemes:approval_outcome", args=[approval.pk]), {"outcome": "approved", "reason": ""}, **HTMX
    )
    assert response.status_code == 403
    assert "governance secretary" in response.content.decode()
    approval.refresh_from_db()
    assert approval.outcome == "pending" and approval.history.count() == before


def test_attack_lead_adds_a_gate_already_marked_approved(demo_client, nursing):
    """Replayed: the same, through "Record a submission to a body" with the outcome set. The paper may be
    recorded as pending; an outcome is refused with a message on the page and nothing is saved."""
    before = nursing.approvals.count()
    data = {"body": "CC&FC", "item": "Full business case", "meeting_date": "2015-07-07", "outcome": "approved"}
    html = demo_client("lead").post(reverse("schemes:approval_add", args=[nursing.pk]), data, **HTMX).content.decode()
    assert "recorded by the programme office or the governance secretary" in html
    assert nursing.approvals.count() == before
    demo_client("lead").post(reverse("schemes:approval_add", args=[nursing.pk]), data | {"outcome": "pending"}, **HTMX)
    assert nursing.approvals.filter(body="CC&FC", item="Full business case", outcome="pending").exists()


def test_programme_office_member_who_leads_the_scheme_cannot_record_its_gate(demo_client, nursing):
    pmo = User.objects.get(username="pmo")
    scheme_lead_assign(scheme=nursing, user=pmo, start_date=None, end_date=None)
    approval = _pending(nursing)
    response = demo_client("pmo").post(
        reverse("schemes:approval_outcome", args=[approval.pk]), {"outcome": "approved", "reason": ""}, **HTMX
    )
    assert response.status_code == 403 and "You lead this scheme" in response.content.decode()
    approval.refresh_from_db()
    assert approval.outcome == "pending"


def test_a_superuser_who_leads_the_scheme_cannot_record_its_gate(client, nursing):
    boss = User.objects.create_superuser(username="boss", password="x")
    scheme_lead_assign(scheme=nursing, user=boss, start_date=None, end_date=None)
    client.force_login(boss)
    approval = _pending(nursing)
    response = client.post(reverse("schemes:approval_outcome", args=[approval.pk]), {"outcome": "approved"}, **HTMX)
    assert response.status_code == 403


def test_governance_secretary_records_the_outcome_with_who_and_when(demo_client, nursing):
    approval = _pending(nursing)
    url = reverse("schemes:approval_outcome", args=[approval.pk])
    html = demo_client("governance").post(url, {"outcome": "rejected", "reason": ""}, **HTMX).content.decode()
    assert "Say why the body rejected it" in html
    demo_client("governance").post(url, {"outcome": "approved", "reason": ""}, **HTMX)
    approval.refresh_from_db()
    secretary = User.objects.get(username="governance")
    assert approval.outcome == "approved" and approval.outcome_recorded_by == secretary
    assert approval.outcome_recorded_at is not None
    last = approval.history.first()
    assert last.history_user == secretary and "Outcome recorded" in last.history_change_reason
    page = demo_client("steering").get(reverse("schemes:detail", args=[nursing.pk])).content.decode()
    assert f"recorded by {secretary}" in page


def test_programme_office_records_outcomes_on_schemes_it_does_not_lead(demo_client, nursing):
    approval = _pending(nursing)
    demo_client("pmo").post(
        reverse("schemes:approval_outcome", args=[approval.pk]), {"outcome": "deferred", "reason": "More data"}, **HTMX
    )
    approval.refresh_from_db()
    assert approval.outcome == "deferred"


def test_the_lead_sees_no_outcome_controls_on_their_scheme(demo_client, nursing):
    html = demo_client("lead").get(reverse("schemes:detail", args=[nursing.pk])).content.decode()
    assert "Record outcome" not in html
    assert "Record a submission to a body" in html  # the lead still records papers going to a body
    assert (
        "Record outcome" in demo_client("governance").get(reverse("schemes:detail", args=[nursing.pk])).content.decode()
    )


def test_services_refuse_a_gate_outcome_from_the_schemes_lead(nursing):
    """Whoever calls (a view, an import, a command), the service holds the rule too."""
    from django.core.exceptions import ValidationError

    lead = User.objects.get(username="lead")
    approval = _pending(nursing)
    with pytest.raises(ValidationError, match="lead"):
        services.approval_set_outcome(approval=approval, outcome="approved", by=lead)
    with pytest.raises(ValidationError, match="lead"):
        services.approval_record(scheme=nursing, body="TSG", item="Brief", outcome="approved", by=lead)
    with pytest.raises(ValidationError, match="named"):
        services.approval_set_outcome(approval=approval, outcome="approved", by=None)
    approval.refresh_from_db()
    assert approval.outcome == "pending"


def test_governance_secretary_is_a_role_with_its_group(db):
    from django.contrib.auth.models import Group

    assert Group.objects.filter(name="Governance secretary").exists()  # created by a migration
    user = user_ensure(username="gs", roles=[Role.GOVERNANCE_SECRETARY])
    assert user.groups.get().name == "Governance secretary"
