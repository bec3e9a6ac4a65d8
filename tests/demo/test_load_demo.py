"""The demo data: transcribed from the seeds, loaded through the services, idempotent."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role, user_roles
from cases.models import BenefitLine, BusinessCase
from finance.models import Fund
from finance.selectors import fund_reconciliation
from milestones.models import Milestone, MilestoneDateChange
from returns.models import NationalConditionAnswer
from risks.models import Risk
from schemes.models import Programme, ProgressComment, ReportingPeriod, Scheme, SchemeDependency, SchemeStatus
from tests.conftest import password_sign_in

SLUG = "trafford-bcf-2015-16"


def _snapshot():
    """Row counts of everything the loader writes, audit history included."""
    models = [
        Programme,
        BusinessCase,
        BenefitLine,
        Scheme,
        Milestone,
        MilestoneDateChange,
        ProgressComment,
        ReportingPeriod,
        Risk,
        SchemeDependency,
        NationalConditionAnswer,
        Fund,
        User,
    ]
    counts = {m.__name__: m.objects.count() for m in models}
    counts.update({f"history:{m.__name__}": m.history.count() for m in models if hasattr(m, "history")})
    return counts


def test_the_seven_schemes_and_the_project_to_scope(demo):
    programme = Programme.objects.get(slug=SLUG)
    refs = list(programme.schemes.exclude(ref="").order_by("ref").values_list("ref", flat=True))
    assert refs == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7"]
    nursing = programme.schemes.get(ref="5.1")
    assert nursing.name == "Community (District) Nursing"
    assert nursing.clinical_lead == "Dr Jon Tose"
    assert nursing.reports_to_ccg and not nursing.reports_to_gm
    integration = programme.schemes.get(ref="5.7")
    assert integration.reports_to_gm and not integration.reports_to_ccg
    to_scope = programme.schemes.get(status=SchemeStatus.TO_SCOPE)
    assert to_scope.name == "Primary Care Model for Nursing Homes"


def test_reporting_periods_match_the_seed(demo):
    periods = list(ReportingPeriod.objects.filter(programme__slug=SLUG).order_by("start_date"))
    assert [(p.start_date, p.end_date) for p in periods] == [
        (dt.date(2015, 3, 18), dt.date(2015, 5, 20)),
        (dt.date(2015, 5, 20), dt.date(2015, 7, 22)),
    ]
    assert periods[0].board_date == dt.date(2015, 6, 9)


def test_demo_lead_leads_5_1_and_5_2_and_5_7_lead_ended(demo):
    lead = User.objects.get(username="lead")
    assert lead.get_full_name() == "Sarah Gunshon"
    assert set(Scheme.objects.led_by(lead).values_list("ref", flat=True)) == {"5.1", "5.2"}
    scheme_57 = Scheme.objects.get(programme__slug=SLUG, ref="5.7")
    (former,) = scheme_57.leads.all()
    assert former.end_date == dt.date(2015, 3, 31)


def test_a_moved_milestone_keeps_its_baseline_and_the_reason(demo):
    audit = Milestone.objects.get(scheme__ref="5.1", description__startswith="Capacity and demand audit")
    assert audit.baseline_date == dt.date(2015, 4, 30)
    assert audit.due_date == dt.date(2015, 5, 26)
    assert audit.slippage_days == 26
    (change,) = audit.date_changes.all()
    assert (change.old_date, change.new_date, change.reason) == (
        dt.date(2015, 4, 30),
        dt.date(2015, 5, 26),
        "deadline extended",
    )


def test_national_conditions_answers_are_the_seeds(demo):
    answers = dict(NationalConditionAnswer.objects.filter(programme__slug=SLUG).values_list("code", "answer"))
    assert answers == {
        "1": "Yes",
        "2": "Yes",
        "3": "No - In Progress",
        "4": "",
        "4i": "No - In Progress",
        "4ii": "Yes",
        "4iii": "Yes",
        "5": "No - In Progress",
        "6": "Yes",
    }


def test_risks_are_the_two_integrated_care_risks_scored_as_demo_values(demo):
    risks = list(Risk.objects.filter(programme__slug=SLUG))
    assert len(risks) == 2
    for risk in risks:
        assert risk.demo_values
        assert list(risk.schemes.values_list("ref", flat=True)) == ["5.7"]
        assert 1 <= risk.score <= 25
        assert risk.actions.exists()


def test_interdependencies_are_visible_from_both_sides(demo):
    scheme_57 = Scheme.objects.get(programme__slug=SLUG, ref="5.7")
    assert set(scheme_57.dependencies.exclude(depends_on=None).values_list("depends_on__ref", flat=True)) == {
        "5.1",
        "5.2",
        "5.3",
        "5.4",
        "5.5",
        "5.6",
    }
    assert set(scheme_57.dependencies.filter(depends_on=None).values_list("external_project", flat=True)) == {
        "Community Out of Hospitals",
        "Community Therapies",
    }
    nursing = Scheme.objects.get(programme__slug=SLUG, ref="5.1")
    assert list(nursing.dependents.values_list("scheme__ref", flat=True)) == ["5.7"]


def test_fund_reproduces_appendix_1_totals(demo):
    rec = fund_reconciliation(fund=Fund.objects.get(slug="trafford-tf"))
    assert rec["going_forward"] == Decimal("21524000")
    assert rec["discontinued"] == Decimal("476000")
    assert rec["allocated"] == rec["total"] == Decimal("22000000")
    assert rec["unallocated"] == Decimal("0")


def test_every_scheme_has_a_rule_based_rag_suggestion_per_period(demo):
    for scheme in Scheme.objects.filter(programme__slug=SLUG).exclude(ref=""):
        updates = list(scheme.period_updates.all())
        assert len(updates) == 2
        assert all(u.rag_suggested and not u.rag for u in updates)


def test_demo_users_sign_in_with_the_demo_password_and_hold_their_roles(client, demo):
    expected = {
        "pmo": Role.PROGRAMME_OFFICE,
        "lead": Role.PROJECT_LEAD,
        "steering": Role.STEERING_GROUP,
        "secretary": Role.BOARD_SECRETARY,
        "finance": Role.FINANCE_OFFICER,
        "governance": Role.GOVERNANCE_SECRETARY,
    }
    for username, role in expected.items():
        assert password_sign_in(client, username, "demo-pass-for-tests"), username
        assert user_roles(User.objects.get(username=username)) == {role}
        client.logout()


def test_other_leads_cannot_sign_in_until_invited(demo):
    assert not User.objects.get(username="marion.ross").has_usable_password()


def test_load_demo_twice_changes_nothing(db):
    call_command("load_demo", stdout=io.StringIO())
    first = _snapshot()
    call_command("load_demo", stdout=io.StringIO())
    assert _snapshot() == first
    # Trafford's 8 schemes, the Manchester business cases' 4 pilots (seed 002) and illustrative Northdale's 6.
    assert first["Scheme"] == 8 + 4 + 6 and first["Milestone"] > 100
    assert first["BusinessCase"] == 4 and first["BenefitLine"] > 4


def test_demo_scheme_page_shows_the_extension_comments_and_both_dependency_directions(demo_client):
    client = demo_client("steering")
    nursing = Scheme.objects.get(programme__slug=SLUG, ref="5.1")
    html = client.get(reverse("schemes:detail", args=[nursing.pk])).content.decode()
    assert "Deadline extended from 30/04/2015: deadline extended" in html
    assert "21/05/2015" in html and "district nurse liaison team" in html
    assert "5.7 Integration of Community-based Adult Health" in html  # 5.7 depends on 5.1
    integration = Scheme.objects.get(programme__slug=SLUG, ref="5.7")
    html = client.get(reverse("schemes:detail", args=[integration.pk])).content.decode()
    assert "Community Therapies (outside the programme)" in html
    assert "demo score" in html


@pytest.mark.parametrize("username", ["pmo", "lead", "steering", "secretary", "finance"])
def test_every_role_sees_the_demo_schemes_on_the_scheme_list(demo_client, username):
    client = demo_client(username)
    response = client.get(reverse("schemes:list"))
    assert response.status_code == 200
    assert len([s for s in response.context["schemes"] if s.ref]) == 7


@pytest.mark.parametrize(
    "username,first_page",
    [
        ("pmo", "dashboard:index"),
        ("lead", "schemes:mine"),
        ("steering", "dashboard:index"),
        ("secretary", "dashboard:index"),
        ("finance", "dashboard:index"),
    ],
)
def test_every_role_lands_on_its_first_page_with_the_demo_programme(demo_client, username, first_page):
    response = demo_client(username).get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(first_page)
    html = response.content.decode()
    assert "Community (District) Nursing" in html  # 5.1: on the dashboard's red list, and the lead's own


def test_demo_gate_outcomes_are_recorded_by_the_governance_secretary(demo):
    from schemes.models import Approval

    decided = Approval.objects.exclude(outcome="pending").select_related("outcome_recorded_by")
    assert decided.exists()
    assert {a.outcome_recorded_by.username for a in decided} == {"governance"}
    assert not Approval.objects.filter(outcome="pending", outcome_recorded_by__isnull=False).exists()


def test_every_demo_programme_runs_whole_financial_years(demo):
    """A programme ends on 31 March, the last day of a financial year: two ended on 1 April, a day into the next
    year, so that year's empty first day counted as theirs."""
    from core.quarters import financial_year_of
    from schemes.models import Programme

    for programme in Programme.objects.all():
        assert programme.start_date.month == 4 and programme.start_date.day == 1, programme.slug
        assert (programme.end_date.month, programme.end_date.day) == (3, 31), programme.slug
        assert financial_year_of(programme.end_date) >= financial_year_of(programme.start_date)
