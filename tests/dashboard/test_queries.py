"""The dashboard runs a fixed number of SQL queries whatever the programme's size.

Prevents the N+1s a dashboard invites: a query per scheme for its RAG or its previous RAG, per
milestone for its scheme, per risk for its schemes or owner, per allocation for its money, per fund
for its totals. Counts and sums are done by the database; lists are capped.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from demo.synthetic import synthetic_programme_generate
from schemes.models import SchemeLead

URL = reverse("dashboard:index")
MAX_QUERIES = 27  # +2 since issue 17: the programme picker's list (a person on two programmes) and its check


def _queries(client, params: dict):
    client.get(URL, params)  # first request of the test: sessions, content types and the like
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return ctx.captured_queries, response


def _sql(captured) -> str:
    return "\n".join(f"{i + 1}. {q['sql'][:200]}" for i, q in enumerate(captured))


@pytest.fixture
def programmes(db):
    # The demo's size and the benchmark's (bench/dashboard.py: 500 schemes), kept light in milestones and risks.
    small = synthetic_programme_generate(
        schemes=7, milestones_per_scheme=4, periods=4, seed=1, risks=20, funds=1, movements=4, metrics=2, kpis=2
    )
    big = synthetic_programme_generate(
        schemes=500, milestones_per_scheme=3, periods=4, seed=2, risks=600, funds=1, movements=40, metrics=6, kpis=6
    )
    return small, big


def _filters(programme) -> dict:
    lead = SchemeLead.objects.filter(scheme__programme=programme).order_by("id").first()
    return {"workstream": lead.scheme.workstream_id, "lead": lead.user_id, "locality": "borough"}


@pytest.mark.parametrize("filtered", [False, True], ids=["whole programme", "workstream, locality and lead"])
def test_dashboard_query_count_does_not_grow_with_the_programme(client, make_user, programmes, filtered):
    small, big = programmes
    client.force_login(make_user(Role.STEERING_GROUP))
    small_params = {"programme": small.slug, **(_filters(small) if filtered else {})}
    big_params = {"programme": big.slug, **(_filters(big) if filtered else {})}
    few, small_page = _queries(client, small_params)
    many, big_page = _queries(client, big_params)
    assert len(few) == len(many), f"{len(few)} queries for 7 schemes, {len(many)} for 500:\n{_sql(many)}"
    assert len(many) <= MAX_QUERIES, f"{len(many)} queries:\n{_sql(many)}"
    # The pages really showed something, so the count covers every tile.
    if not filtered:
        assert big_page.context["rag"].total == 500
        assert len(big_page.context["rag"].exceptions) == 10  # capped; the rest are in the scheme list
        assert big_page.context["risks"]["total"] > 400 and len(big_page.context["risks"]["top"]) == 5
        assert big_page.context["money"] and big_page.context["money"][0].allocations == 500
        assert small_page.context["milestones"]["overdue"] + small_page.context["milestones"]["slipped"] > 0


def test_csv_query_count_does_not_grow_with_the_programme(client, make_user, programmes):
    small, big = programmes
    client.force_login(make_user(Role.STEERING_GROUP))
    for tile in ("schemes", "milestones", "risks", "money"):
        url = reverse("dashboard:csv", args=[tile])
        counts = []
        for programme in (small, big):
            client.get(url, {"programme": programme.slug})
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url, {"programme": programme.slug}).status_code == 200
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], f"{tile}.csv: {counts[0]} queries for 7 schemes, {counts[1]} for 500"
