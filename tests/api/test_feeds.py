"""Read-only JSON feeds for Power BI / Excel: session or personal token, revocable, read-only, exact figures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from api import services
from api.models import ApiToken
from api.selectors import schemes_feed
from core.rag import RAG
from finance.models import Fund
from finance.selectors import fund_summary
from schemes.models import SchemePeriodUpdate
from tests.factories.risks import RiskFactory
from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory

TF = "trafford-tf"
PROGRAMME = "trafford-bcf-2015-16"


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_signed_in_user_reads_every_feed(demo, demo_client):
    client = demo_client("secretary")
    index = client.get(reverse("api:index")).json()
    assert {f["name"] for f in index["feeds"]} == {"schemes", "milestones", "risks", "allocations", "metrics"}
    schemes = client.get(reverse("api:feed", args=["schemes"]), {"programme": PROGRAMME}).json()
    assert schemes["count"] == 8 and {s["ref"] for s in schemes["results"]} >= {"5.1", "5.7"}
    milestones = client.get(reverse("api:feed", args=["milestones"]), {"programme": PROGRAMME}).json()
    assert milestones["count"] == 109
    moved = [m for m in milestones["results"] if m["due_date"] != m["baseline_date"]]
    assert moved and all(isinstance(m["slippage_days"], int) for m in moved)
    risks = client.get(reverse("api:feed", args=["risks"]), {"programme": PROGRAMME}).json()
    assert risks["count"] == 2 and all(r["score"] == r["likelihood"] * r["consequence"] for r in risks["results"])
    metrics = client.get(reverse("api:feed", args=["metrics"]), {"programme": PROGRAMME}).json()
    nea = [m for m in metrics["results"] if m["metric"] == "non-elective-admissions"]
    assert len(nea) == 12 and nea[0]["plan"] == "1688.75" and nea[0]["period"] == "Apr 2015"


def test_allocations_are_exact_and_add_up_to_the_fund(demo, demo_client):
    client = demo_client("steering")
    data = client.get(reverse("api:feed", args=["allocations"]), {"fund": TF}).json()
    assert data["count"] == 30  # every line Appendix 1 prints (issue 19.5), some with their figure in another's
    total = sum(Decimal(a["allocated"]) for a in data["results"])
    summary = fund_summary(fund=Fund.objects.get(slug=TF))
    assert total == summary["allocated"] == Decimal("22000000.00")
    pcnm = next(a for a in data["results"] if a["scheme_name"] == "Primary Care Neighbourhood Model")
    assert pcnm["allocated"] == "2074000.00"


def test_pages_follow_next_links_to_every_row(demo, demo_client):
    client = demo_client("pmo")
    url = reverse("api:feed", args=["milestones"])
    seen, page = [], client.get(url, {"programme": PROGRAMME, "page_size": 25}).json()
    while True:
        seen += [m["id"] for m in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert len(seen) == len(set(seen)) == 109 and page["pages"] == 5
    for params, status in (({"page_size": 0}, 400), ({"page_size": "x"}, 400), ({"page": 99}, 404)):
        assert client.get(url, params).status_code == status
    assert client.get(url, {"programme": "nope"}).status_code == 404
    assert client.get(reverse("api:feed", args=["nothing"])).status_code == 404


def test_a_token_reads_until_it_is_revoked_or_its_owner_deactivated(make_user):
    # A programme with two risks is all this needs (not the whole demo).
    programme = ProgrammeFactory()
    RiskFactory.create_batch(2, programme=programme)
    user = make_user(Role.STEERING_GROUP)
    token, raw = services.token_create(user=user, name="Power BI")
    assert raw.startswith("bcf_") and token.key_hash != raw and raw not in str(ApiToken.objects.values_list())
    client = Client()
    url = reverse("api:feed", args=["risks"])
    assert client.get(url).status_code == 401
    response = client.get(url, **bearer(raw))
    assert response.status_code == 200 and response.json()["count"] == 2
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert client.get(url, **bearer(raw + "x")).status_code == 401
    assert client.get(url, **bearer("not-a-token")).status_code == 401
    # Read-only, whatever the method.
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(url, **bearer(raw)).status_code == 405
    # A token is not a session: it opens no page.
    assert client.get(reverse("schemes:list"), **bearer(raw)).status_code == 302
    services.token_revoke(token=token, by=user)
    assert client.get(url, **bearer(raw)).status_code == 401
    _token, raw2 = services.token_create(user=user, name="Excel")
    assert client.get(url, **bearer(raw2)).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(url, **bearer(raw2)).status_code == 401


def test_a_token_of_a_user_with_no_role_reads_nothing(db, make_user):
    _token, raw = services.token_create(user=make_user(), name="x")
    assert Client().get(reverse("api:feed", args=["schemes"]), **bearer(raw)).status_code == 403


def test_people_make_see_once_and_revoke_their_own_tokens(client, make_user):
    # Two people and no programme data: a finance officer's tokens, and someone else who must not touch them.
    finance, pmo = make_user(Role.FINANCE_OFFICER, username="finance"), make_user(Role.PROGRAMME_OFFICE)
    client.force_login(finance)
    page = client.get(reverse("api:tokens"))
    assert page.status_code == 200 and "No tokens yet." in page.content.decode()
    response = client.post(reverse("api:tokens"), {"name": "Finance Power BI"})
    raw = response.context["new_token"]
    assert raw in response.content.decode()
    assert raw not in client.get(reverse("api:tokens")).content.decode()  # shown once
    token = ApiToken.objects.get(user__username="finance")
    assert token.history.latest().history_user.username == "finance"
    assert client.post(reverse("api:tokens"), {"name": "  "}).status_code == 302
    assert ApiToken.objects.filter(user__username="finance").count() == 1
    # Someone else cannot revoke it (nor learn it exists).
    other = Client()
    other.force_login(pmo)
    assert other.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.is_active
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert not token.is_active and token.history.latest().history_change_reason == "Token revoked"
    assert Client().get(reverse("api:feed", args=["schemes"]), **bearer(raw)).status_code == 401


@pytest.mark.parametrize("name", ["risks", "schemes", "milestones", "allocations", "metrics"])
def test_feed_queries_do_not_grow_with_rows(demo, demo_client, name, django_assert_max_num_queries):
    client = demo_client("pmo")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("api:feed", args=[name])).status_code == 200


def test_the_schemes_feed_latest_rag_reads_only_the_schemes_own_programmes_periods(db):
    """As the scheme list (issue 17): an update pinned to another programme's later period, which services refuse
    and only a direct write can make, is not the scheme's latest RAG."""
    programme = ProgrammeFactory()
    scheme = SchemeFactory(programme=programme)
    own = ReportingPeriodFactory(programme=programme)
    elsewhere = ReportingPeriodFactory(start_date=dt.date(2015, 5, 20), end_date=dt.date(2015, 7, 20))
    SchemePeriodUpdate.objects.create(scheme=scheme, period=own, rag_suggested=RAG.RED, rag=RAG.RED)
    SchemePeriodUpdate.objects.create(scheme=scheme, period=elsewhere, rag_suggested=RAG.GREEN, rag=RAG.GREEN)
    queryset, row = schemes_feed(programme_ids=[programme.pk], programme=programme)
    assert [row(s)["latest_rag"] for s in queryset] == [RAG.RED]
