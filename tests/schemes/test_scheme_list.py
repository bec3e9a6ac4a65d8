import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from core.rag import RAG
from schemes.models import SchemePeriodUpdate, SchemeStatus
from tests.factories.milestones import MilestoneFactory
from tests.factories.schemes import (
    ProgrammeFactory,
    ReportingPeriodFactory,
    SchemeFactory,
    SchemeLeadFactory,
    WorkstreamFactory,
)


def _add_schemes(programme, period, n, lead_user=None, workstream=None, rag=RAG.GREEN):
    schemes = []
    for _ in range(n):
        scheme = SchemeFactory(programme=programme, workstream=workstream)
        SchemeLeadFactory(scheme=scheme, **({"user": lead_user} if lead_user else {}))
        MilestoneFactory.create_batch(3, scheme=scheme)
        SchemePeriodUpdate.objects.create(scheme=scheme, period=period, rag_suggested=rag)
        schemes.append(scheme)
    return schemes


@pytest.fixture
def programme(db):
    programme = ProgrammeFactory()
    period = ReportingPeriodFactory(programme=programme)
    return programme, period


def _queries_for(client, url):
    # A page seen before: the first visit of a session also remembers its programme (one query more).
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_scheme_list_query_count_does_not_grow_with_schemes(client, make_user, programme):
    """Prevents the N+1 on leads, workstreams, RAG and milestone counts per row."""
    programme, period = programme
    client.force_login(make_user(Role.STEERING_GROUP))
    url = reverse("schemes:list") + f"?programme={programme.slug}"
    _add_schemes(programme, period, 3)
    client.get(url)  # the first visit remembers the programme picked in the session (a one-off write)
    few = _queries_for(client, url)
    _add_schemes(programme, period, 30)
    many = _queries_for(client, url)
    assert few == many, f"{few} queries for 3 schemes, {many} for 33"


def test_scheme_list_shows_rag_as_badge_with_the_word_and_the_current_lead(client, make_user, programme):
    programme, period = programme
    lead = make_user(Role.PROJECT_LEAD, first_name="Sarah", last_name="Gunshon")
    scheme = _add_schemes(programme, period, 1, lead_user=lead, rag=RAG.RED)[0]
    client.force_login(make_user(Role.STEERING_GROUP))
    html = client.get(reverse("schemes:list") + f"?programme={programme.slug}").content.decode()
    assert scheme.name in html
    assert "Sarah Gunshon" in html
    assert 'class="rag rag-red rag-suggested"' in html and ">Red<" in html


def test_chosen_rag_wins_over_the_suggestion(client, make_user, programme):
    programme, period = programme
    scheme = _add_schemes(programme, period, 1, rag=RAG.GREEN)[0]
    SchemePeriodUpdate.objects.filter(scheme=scheme).update(rag=RAG.AMBER, rag_reason="Waiting for estates")
    client.force_login(make_user(Role.STEERING_GROUP))
    html = client.get(reverse("schemes:list") + f"?programme={programme.slug}").content.decode()
    assert 'class="rag rag-amber"' in html


def test_scheme_rag_reads_only_its_own_programmes_periods(client, make_user, programme):
    """The RAG subqueries join periods scoped to the scheme's programme (issue 17: unscoped, every partnership's
    periods were scanned once per row). An update pinned to another programme's later period, which services
    refuse and only a direct write can make, must not become the scheme's current RAG."""
    programme, period = programme
    scheme = _add_schemes(programme, period, 1, rag=RAG.RED)[0]
    elsewhere = ReportingPeriodFactory(start_date=dt.date(2015, 5, 20), end_date=dt.date(2015, 7, 20))
    SchemePeriodUpdate.objects.create(scheme=scheme, period=elsewhere, rag_suggested=RAG.GREEN)
    client.force_login(make_user(Role.STEERING_GROUP))
    html = client.get(reverse("schemes:list") + f"?programme={programme.slug}").content.decode()
    assert 'class="rag rag-red rag-suggested"' in html
    assert "rag-green" not in html


@pytest.mark.parametrize("field", ["workstream", "lead", "rag", "status"])
def test_scheme_list_filters(client, make_user, programme, field):
    programme, period = programme
    ws_a, ws_b = WorkstreamFactory(programme=programme), WorkstreamFactory(programme=programme)
    lead_a, lead_b = make_user(Role.PROJECT_LEAD), make_user(Role.PROJECT_LEAD)
    wanted = _add_schemes(programme, period, 2, lead_user=lead_a, workstream=ws_a, rag=RAG.RED)
    others = _add_schemes(programme, period, 2, lead_user=lead_b, workstream=ws_b, rag=RAG.GREEN)
    for s in others:
        s.status = SchemeStatus.CLOSED
        s.save()
    value = {"workstream": ws_a.pk, "lead": lead_a.pk, "rag": RAG.RED.value, "status": SchemeStatus.ACTIVE.value}[field]
    client.force_login(make_user(Role.STEERING_GROUP))
    response = client.get(reverse("schemes:list"), {"programme": programme.slug, field: value})
    shown = {s.pk for s in response.context["schemes"]}
    assert shown == {s.pk for s in wanted}


def test_previous_leads_are_not_shown_as_current(client, make_user, programme):
    programme, period = programme
    former = make_user(Role.PROJECT_LEAD, first_name="Angela", last_name="Thornton")
    scheme = SchemeFactory(programme=programme)
    SchemeLeadFactory(scheme=scheme, user=former, end_date=dt.date(2015, 3, 31))
    client.force_login(make_user(Role.STEERING_GROUP))
    response = client.get(reverse("schemes:list") + f"?programme={programme.slug}")
    (row,) = response.context["schemes"]
    assert row.current_lead_users == []
    assert "To be confirmed" in response.content.decode()


def test_empty_site_shows_a_helpful_message(client, make_user):
    # Roles are held on a programme (issue 17), so only a superuser can be signed in to a site with none.
    client.force_login(make_user(is_superuser=True))
    response = client.get(reverse("schemes:list"))
    assert response.status_code == 200
    assert "No programme has been set up yet" in response.content.decode()


def test_my_schemes_lists_only_the_leads_current_schemes(client, make_user, programme):
    programme, period = programme
    me, other = make_user(Role.PROJECT_LEAD), make_user(Role.PROJECT_LEAD)
    mine = _add_schemes(programme, period, 2, lead_user=me)
    _add_schemes(programme, period, 2, lead_user=other)
    client.force_login(me)
    response = client.get(reverse("schemes:mine"))
    assert {s.pk for s in response.context["schemes"]} == {s.pk for s in mine}


def test_scheme_list_pages_by_fifty_and_keeps_the_filters(client, make_user, programme):
    programme, period = programme
    ws = WorkstreamFactory(programme=programme)
    _add_schemes(programme, period, 55, workstream=ws)
    _add_schemes(programme, period, 3)
    client.force_login(make_user(Role.STEERING_GROUP))
    response = client.get(reverse("schemes:list"), {"programme": programme.slug, "workstream": ws.pk, "page": 2})
    assert len(response.context["schemes"]) == 5
    assert response.context["page"].paginator.count == 55
    assert f"workstream={ws.pk}&amp;page=1" in response.content.decode()


def test_scheme_page_query_count_does_not_grow_with_milestones(client, make_user, programme):
    """Prevents N+1 on milestone date changes, leads, comments and period updates."""
    programme, period = programme
    scheme = _add_schemes(programme, period, 1)[0]
    client.force_login(make_user(Role.STEERING_GROUP))
    url = reverse("schemes:detail", args=[scheme.pk])
    few = _queries_for(client, url)
    from milestones.services import milestone_move

    for m in MilestoneFactory.create_batch(20, scheme=scheme):
        milestone_move(milestone=m, new_date=m.due_date + dt.timedelta(days=7), reason="deadline extended")
    assert _queries_for(client, url) == few
