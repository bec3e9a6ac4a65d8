"""The steering group dashboard on the Trafford demo: exceptions first, filters, links, CSVs, empty states."""

import csv
import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.http import QueryDict
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from core.rag import RAG
from dashboard import selectors as dashboard_selectors
from dashboard.forms import dashboard_filters_from
from finance import selectors as finance_selectors
from finance.models import Fund
from milestones.models import Milestone, MilestoneStatus
from milestones.rag_rules import suggest_milestone_rag
from schemes.models import Programme, ReportingPeriod, Scheme, Workstream
from tests.factories.milestones import MilestoneFactory
from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory

SLUG = "trafford-bcf-2015-16"
URL = reverse("dashboard:index")


def counts(response) -> dict:
    return {c.rag: (c.count, c.previous) for c in response.context["rag"].counts}


def refs(rows) -> list[str]:
    return [r["ref"] for r in rows]


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- Landing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["steering", "pmo", "secretary", "finance"])
def test_programme_readers_land_on_the_dashboard(demo_client, username):
    response = demo_client(username).get("/")
    assert response.status_code == 302 and response.url == URL


def test_a_project_lead_lands_on_my_schemes_and_may_still_open_the_dashboard(demo_client):
    client = demo_client("lead")
    assert client.get("/").url == reverse("schemes:mine")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["programme"].slug == SLUG


def test_an_account_without_a_role_sees_no_dashboard(client, make_user):
    client.force_login(make_user())
    assert client.get(URL).status_code == 403
    assert client.get(reverse("dashboard:csv", args=["schemes"])).status_code == 403


def test_the_navigation_links_to_the_dashboard(demo_client):
    html = demo_client("lead").get(reverse("schemes:mine")).content.decode()
    assert f'href="{URL}">Dashboard</a>' in html


def test_steering_member_sees_the_trafford_exceptions_first(demo_client):
    """The dashboard opens on the paper's period (P1, board 09/06/2015): 5.6 red, 5.1 and 5.7 amber, the rest green
    (tests/demo/test_paper_truth.py says why). P2 has no updates, so at its end every scheme has overdue work."""
    response = demo_client("steering").get("/", follow=True)
    assert response.redirect_chain == [(URL, 302)]
    html = response.content.decode()
    assert "Trafford Better Care Fund 2015/16: dashboard" in html
    filters = response.context["filters"]
    assert filters.period.code == "2015-16-P1"  # the latest period that has started and goes to a board
    assert filters.previous is None
    # The project still to scope is listed apart, as in the report: it is not "not rated".
    assert counts(response) == {"red": (1, 0), "amber": (2, 0), "green": (4, 0), "blue": (0, 0), "": (0, 0)}
    assert refs(response.context["rag"].exceptions) == ["5.6"]
    response = demo_client("steering").get(URL, {"period": "2015-16-P2"})
    html = response.content.decode()
    filters = response.context["filters"]
    assert filters.previous.code == "2015-16-P1"
    assert counts(response) == {"red": (7, 1), "amber": (0, 2), "green": (0, 4), "blue": (0, 0), "": (0, 0)}
    rag = response.context["rag"]
    assert (rag.worse, rag.better, rag.same, rag.total) == (6, 0, 1, 7)
    assert refs(rag.exceptions) == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.7", "5.6"]
    assert all(row["rag_now"] == RAG.RED and row["history"][-1] == ("2015-16-P2", "red") for row in rag.exceptions)
    assert 'id="rag-chart"' in html and "Community (District) Nursing" in html
    # Overdue as at the end of the period: exactly the milestones the RAG rules call red then.
    as_of = filters.period.end_date
    milestones = Milestone.objects.filter(scheme__programme__slug=SLUG)
    red = [m for m in milestones if suggest_milestone_rag(m, as_of=as_of) == RAG.RED]
    tile = response.context["milestones"]
    assert tile["overdue"] == len(red) == 32
    assert tile["overdue_schemes"] == len({m.scheme_id for m in red}) == 7
    assert [m.days_overdue for m in tile["worst_overdue"]] == sorted(
        (m.days_overdue for m in tile["worst_overdue"]), reverse=True
    )
    assert len(tile["worst_overdue"]) == 10
    slips = [m.days_slipped for m in tile["largest_slippages"]]
    assert slips == sorted(slips, reverse=True) and slips[0] == 244  # 5.7's move from 31/07/2015 to 31/03/2016
    risks = response.context["risks"]
    assert risks["total"] == 2
    assert [(r.title, r.score) for r in risks["top"]] == [
        ("IT access to both systems for integrated working", 12),
        ("Co-location venues in North and South localities", 9),
    ]
    cells = {(c["likelihood"], c["consequence"]): c["count"] for row in risks["heat_map"]["rows"] for c in row["cells"]}
    assert cells[(4, 3)] == 1 and cells[(3, 3)] == 1 and sum(cells.values()) == 2
    assert "{# metrics tile" not in html  # the placeholder is a template comment, never shown


def test_money_tile_shows_the_same_figures_as_the_money_pages(demo):
    """Each of the demo's fund programmes (the Transformation Fund, the 2016/17 budgets) shows its own fund only."""
    steering = User.objects.get(username="steering")
    for slug, fund_slug in [("trafford-tf-2017-21", "trafford-tf"), ("trafford-budgets-2016-17", fund_slug_budgets)]:
        filters = dashboard_filters_from(QueryDict(urlencode({"programme": slug})), user=steering).filters
        tile = {m.fund.slug: m for m in dashboard_selectors.money_summary(filters=filters)}
        assert set(tile) == {fund_slug}
        fund = Fund.objects.get(slug=fund_slug)
        summary = finance_selectors.fund_summary(fund=fund)
        row = tile[fund.slug]
        assert (row.total, row.allocated, row.unallocated, row.spent, row.forecast, row.variance) == (
            summary["total"],
            summary["allocated"],
            summary["unallocated"],
            summary["spent"],
            summary["forecast"],
            summary["variance"],
        )
        if fund_slug == "trafford-tf":
            assert row.total == 22_000_000


fund_slug_budgets = "trafford-budgets-2016-17"
fund_slug_pooled = "trafford-bcf-pooled-2015-16"


def test_a_fund_of_another_programme_is_not_shown(demo_client, demo):
    """Money is a programme's own funds only (issue 17): of the demo's funds only the BCF section 75 pooled budget is
    the 2015/16 programme's (merged with board-truth, no amounts in the paper); the Transformation Fund and the
    2016/17 budgets are their own programmes' and are not shown until one is moved to the 2015/16 programme."""
    response = demo_client("steering").get(URL)
    assert response.context["programme"].slug == SLUG
    assert [m.fund.slug for m in response.context["money"]] == [fund_slug_pooled]
    Fund.objects.filter(slug=fund_slug_budgets).update(programme=Programme.objects.get(slug=SLUG))
    response = demo_client("steering").get(URL)
    assert sorted(m.fund.slug for m in response.context["money"]) == sorted([fund_slug_pooled, fund_slug_budgets])


# --- Filters ---------------------------------------------------------------------------------------


def test_workstream_filter_narrows_every_tile(demo_client):
    client = demo_client("steering")
    integrated = Workstream.objects.get(programme__slug=SLUG, name="Integrated Health & Social Care")
    # P2 against P1 (the demo opens on P1, which has nothing before it to compare with).
    response = client.get(URL, {"workstream": integrated.pk, "period": "2015-16-P2"})
    assert counts(response)["red"] == (1, 0)
    assert refs(response.context["rag"].exceptions) == ["5.7"]
    assert response.context["milestones"]["overdue_schemes"] == 1
    assert response.context["risks"]["total"] == 2  # both demo risks are 5.7's
    assert response.context["money"] == []  # no allocation is linked to 5.7
    assert "Only schemes in Integrated Health &amp; Social Care" in response.content.decode()

    frail = Workstream.objects.get(programme__slug=SLUG, name="Frail & Older People")
    response = client.get(URL, {"workstream": frail.pk, "period": "2015-16-P2"})
    assert counts(response)["red"] == (6, 1)
    assert "5.7" not in refs(response.context["rag"].exceptions)
    assert response.context["risks"]["total"] == 0


def test_lead_filter_shows_only_the_schemes_that_person_leads(demo_client):
    sarah = User.objects.get(username="lead")
    response = demo_client("steering").get(URL, {"lead": sarah.pk, "period": "2015-16-P2"})
    assert refs(response.context["rag"].exceptions) == ["5.1", "5.2"]
    as_of = response.context["filters"].as_of
    theirs = Milestone.objects.filter(scheme__programme__slug=SLUG, scheme__ref__in=["5.1", "5.2"])
    expected = [m for m in theirs if suggest_milestone_rag(m, as_of=as_of) == RAG.RED]
    assert response.context["milestones"]["overdue"] == len(expected) > 0
    assert {m.scheme.ref for m in response.context["milestones"]["worst_overdue"]} <= {"5.1", "5.2"}


def test_locality_filter_with_no_schemes_shows_zeroes_not_an_error(demo_client):
    response = demo_client("steering").get(URL, {"locality": "north"})
    assert response.status_code == 200
    assert response.context["rag"].total == 0
    assert response.context["milestones"]["overdue"] == 0
    html = response.content.decode()
    assert "No scheme is red" in html and "No milestone is overdue" in html


def test_period_filter_shows_the_first_period_without_a_comparison(demo_client):
    response = demo_client("steering").get(URL, {"period": "2015-16-P1"})
    filters = response.context["filters"]
    assert filters.period.code == "2015-16-P1" and filters.previous is None
    assert filters.as_of.isoformat() == "2015-05-20"
    assert counts(response)["red"] == (1, 0)
    assert "nothing to compare with" in response.content.decode()
    # Fewer milestones were overdue at the end of the first period.
    later = demo_client("steering").get(URL, {"period": "2015-16-P2"})
    assert response.context["milestones"]["overdue"] < later.context["milestones"]["overdue"]


def test_a_bad_filter_value_is_reported_and_ignored(demo_client):
    response = demo_client("steering").get(URL, {"period": "no-such-period", "workstream": "999999", "lead": "x"})
    assert response.status_code == 200
    assert response.context["filters"].period.code == "2015-16-P1"
    assert response.context["filters"].workstream is None
    assert "Select a valid choice" in response.content.decode()
    assert counts(response)["red"] == (1, 0)


def test_an_unknown_programme_is_not_found(demo_client):
    assert demo_client("steering").get(URL, {"programme": "nope"}).status_code == 404


def test_period_ratings_that_changed_are_listed_red_and_worse_first(demo_client):
    """P1 as the paper has it (5.1 and 5.7 amber, 5.6 red, the rest green); in P2 5.4 and 5.5 are rated amber
    (worse than green) and 5.6 amber (better than red); the others are red at P2's end (worse)."""
    p2 = ReportingPeriod.objects.get(programme__slug=SLUG, code="2015-16-P2")
    from schemes.models import SchemePeriodUpdate

    def set_rag(ref, period, rag):
        SchemePeriodUpdate.objects.filter(scheme__programme__slug=SLUG, scheme__ref=ref, period=period).update(
            rag=rag, rag_reason="test"
        )

    set_rag("5.4", p2, "amber")
    set_rag("5.5", p2, "amber")
    set_rag("5.6", p2, "amber")
    response = demo_client("steering").get(URL, {"period": "2015-16-P2"})
    rag = response.context["rag"]
    assert (rag.worse, rag.better, rag.same) == (6, 1, 0)
    assert refs(rag.exceptions) == ["5.1", "5.2", "5.3", "5.7", "5.4", "5.5", "5.6"]
    assert [r["trend"] for r in rag.exceptions][0] == "down" and rag.exceptions[-1]["trend"] == "up"
    assert counts(response) == {"red": (4, 1), "amber": (3, 2), "green": (0, 4), "blue": (0, 0), "": (0, 0)}
    html = response.content.decode()
    assert "<strong>6</strong> worse, <strong>1</strong> better" in html


# --- Links behind every tile -----------------------------------------------------------------------


def _links(response) -> list[str]:
    links = response.context["links"]
    urls = [
        links["schemes"],
        *links["schemes_by_rag"].values(),
        links["overdue"],
        links["slipped"],
        links["risks"],
        links["risks_review_overdue"],
        links["money"],
        *links["csv"].values(),
        *(row["url"] for row in response.context["rag"].exceptions),
    ]
    html = response.content.decode()
    heat_cells = re.findall(r'href="(/risks/\?[^"]+likelihood=\d&amp;consequence=\d)"', html)
    assert len(heat_cells) == 25
    urls += [cell.replace("&amp;", "&") for cell in heat_cells[:3]]
    urls += [f"/money/{m.fund.slug}/" for m in response.context["money"]]
    urls += [f"/risks/{r.pk}/" for r in response.context["risks"]["top"]]
    return urls


@pytest.mark.parametrize("params", [{}, {"workstream": "frail"}, {"lead": "lead", "period": "2015-16-P1"}])
def test_every_tile_links_to_a_list_that_opens(demo_client, params):
    client = demo_client("steering")
    if params.get("workstream"):
        params["workstream"] = Workstream.objects.get(programme__slug=SLUG, name="Frail & Older People").pk
    if params.get("lead"):
        params["lead"] = User.objects.get(username="lead").pk
    response = client.get(URL, params)
    urls = _links(response)
    assert len(urls) > 15
    for url in urls:
        assert client.get(url).status_code == 200, url
    if params.get("workstream"):
        assert parse_qs(urlsplit(response.context["links"]["schemes"]).query)["workstream"] == [
            str(params["workstream"])
        ]


def test_the_red_count_links_to_the_scheme_list_filtered_to_red(demo_client):
    client = demo_client("steering")
    response = client.get(URL, {"period": "2015-16-P2"})  # the scheme list filters on the latest period's RAG
    red = client.get(response.context["links"]["schemes_by_rag"]["red"])
    assert [s.ref for s in red.context["schemes"]] == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7"]


def test_the_overdue_list_behind_the_tile_has_every_overdue_milestone(demo_client):
    client = demo_client("steering")
    tile = client.get(URL).context["milestones"]
    response = client.get(reverse("dashboard:milestones"), {"programme": SLUG, "kind": "overdue"})
    assert response.context["page"].paginator.count == tile["overdue"]
    assert [m.pk for m in response.context["milestones"][:10]] == [m.pk for m in tile["worst_overdue"]]
    response = client.get(reverse("dashboard:milestones"), {"programme": SLUG, "kind": "slipped"})
    assert response.context["page"].paginator.count == tile["slipped_all"] >= tile["slipped"]


def test_the_slipped_count_says_still_open_and_links_to_every_slipped_milestone(client, make_user):
    """The tile counts slipped milestones still open (as at a date); its list has every slipped one, completed
    included (Milestone.objects.slipped), and leaves out the cancelled and the ones on their baseline."""
    programme = ProgrammeFactory()
    period = ReportingPeriodFactory(programme=programme, start_date=dt.date(2015, 4, 1), end_date=dt.date(2015, 7, 1))
    scheme = SchemeFactory(programme=programme, ref="N1")
    base = dt.date(2015, 5, 1)
    moved = base + dt.timedelta(days=20)
    open_slip = MilestoneFactory(scheme=scheme, description="Open slipped", baseline_date=base, due_date=moved)
    done_slip = MilestoneFactory(
        scheme=scheme,
        description="Completed slipped",
        baseline_date=base,
        due_date=moved,
        status=MilestoneStatus.COMPLETE,
        completed_on=moved,
    )
    MilestoneFactory(
        scheme=scheme, description="Cancelled", baseline_date=base, due_date=moved, status=MilestoneStatus.CANCELLED
    )
    MilestoneFactory(scheme=scheme, description="On its baseline", baseline_date=base, due_date=base)
    client.force_login(make_user(Role.STEERING_GROUP))

    page = client.get(URL, {"programme": programme.slug, "period": period.code})
    tile = page.context["milestones"]
    assert (tile["slipped"], tile["slipped_all"]) == (1, 2)
    figure = re.search(r'id="slipped-count">(.*?)</a>', page.content.decode(), re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", " ", figure).split())
    assert text.startswith("1 slipped: still open, past baseline")
    assert f"as at {tile['as_of']:%d/%m/%Y}" in text and "completed ones included: 2" in text

    listed = client.get(page.context["links"]["slipped"])
    assert {m.pk for m in listed.context["milestones"]} == {open_slip.pk, done_slip.pk}
    assert "completed ones included" in listed.content.decode()


# --- CSV -------------------------------------------------------------------------------------------


def test_each_tile_downloads_as_csv_with_the_same_filters(demo_client):
    client = demo_client("steering")
    frail = Workstream.objects.get(programme__slug=SLUG, name="Frail & Older People")
    params = {"programme": SLUG, "workstream": frail.pk, "period": "2015-16-P2"}
    page = client.get(URL, params)

    schemes = read_csv(client.get(reverse("dashboard:csv", args=["schemes"]), params))
    assert schemes[0] == [
        "Ref",
        "Scheme",
        "Workstream",
        "Locality",
        "Status",
        "RAG 2015-16-P2",
        "RAG 2015-16-P1",
        "Trend",
    ]
    assert len(schemes) - 1 == page.context["rag"].total == 6  # 5.1-5.6; the project to scope is listed apart
    assert [
        "5.1",
        "Community (District) Nursing",
        "Frail & Older People",
        "Borough-wide",
        "Active",
        "Red",
        "Amber",
        "Worsening",
    ] in schemes

    milestones = read_csv(client.get(reverse("dashboard:csv", args=["milestones"]), params))
    assert milestones[0][6] == "Days overdue at 2015-07-22"
    overdue = [row for row in milestones[1:] if int(row[6]) > 0]
    assert len(overdue) == page.context["milestones"]["overdue"]
    assert {row[0] for row in milestones[1:]} <= {"5.1", "5.2", "5.3", "5.4", "5.5", "5.6"}

    risks = read_csv(client.get(reverse("dashboard:csv", args=["risks"]), {"programme": SLUG}))
    assert risks[0][:6] == ["Risk", "Schemes", "Owner", "Likelihood", "Consequence", "Score"]
    assert [(r[0], r[5], r[6]) for r in risks[1:]] == [
        ("IT access to both systems for integrated working", "12", "High"),
        ("Co-location venues in North and South localities", "9", "High"),
    ]

    # The Transformation Fund is its own programme's money (issue 17), so its tile is on that programme.
    money = read_csv(client.get(reverse("dashboard:csv", args=["money"]), {"programme": "trafford-tf-2017-21"}))
    tf = next(row for row in money if row[0] == "Trafford Transformation Fund")
    assert tf[1:4] == ["22000000.00", "22000000.00", "0.00"]


def test_csv_neutralises_formula_like_text(demo_client):
    programme = Programme.objects.get(slug=SLUG)
    Scheme.objects.filter(programme=programme, ref="5.1").update(name='=HYPERLINK("http://evil","x")')
    rows = read_csv(demo_client("steering").get(reverse("dashboard:csv", args=["schemes"])))
    assert rows[1 + [r[0] for r in rows[1:]].index("5.1")][:2] == ["5.1", '\'=HYPERLINK("http://evil","x")']


def test_csv_of_an_unknown_tile_is_not_found(demo_client):
    assert demo_client("steering").get("/dashboard/nonsense.csv").status_code == 404


# --- Empty programmes ------------------------------------------------------------------------------


def test_an_empty_programme_shows_a_helpful_empty_state(client, make_user):
    programme = ProgrammeFactory(name="Brand new programme")
    client.force_login(make_user(Role.STEERING_GROUP))
    response = client.get(URL, {"programme": programme.slug})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Brand new programme: dashboard" in html
    assert "Nothing to show yet" in html and "no reporting periods and no schemes" in html
    for tile in ("schemes", "milestones", "risks", "money"):
        rows = read_csv(client.get(reverse("dashboard:csv", args=[tile]), {"programme": programme.slug}))
        assert len(rows) >= 1  # a header, no error


def test_a_programme_with_periods_but_no_schemes_says_what_is_missing(client, make_user):
    programme = ProgrammeFactory()
    ReportingPeriodFactory(programme=programme)
    client.force_login(make_user(Role.PROGRAMME_OFFICE, is_staff=True))
    html = client.get(URL, {"programme": programme.slug}).content.decode()
    assert "this programme has no schemes" in html
    # The set-up pages, not the admin (which is for superusers only: accounts/admin.py).
    assert f'href="/setup/{programme.slug}/checklist/"' in html and 'href="/admin/"' not in html


def test_a_programme_with_schemes_but_no_period_is_still_not_an_error(client, make_user):
    programme = ProgrammeFactory()
    SchemeFactory(programme=programme)
    client.force_login(make_user(Role.STEERING_GROUP))
    response = client.get(URL, {"programme": programme.slug})
    assert response.status_code == 200
    assert "this programme has no reporting periods" in response.content.decode()


def test_no_programme_at_all(client, make_user):
    # Roles are held on a programme (issue 17): only a superuser can be signed in to a site with none.
    client.force_login(make_user(is_superuser=True))
    response = client.get(URL)
    assert response.status_code == 200
    assert "There is no programme yet" in response.content.decode()
    assert client.get(reverse("dashboard:csv", args=["schemes"])).status_code == 404


def test_metrics_tile_shows_the_programme_metrics_not_on_track_first_with_charts(demo_client):
    page = demo_client("steering").get(reverse("dashboard:index")).content.decode()
    tile = page[page.index('id="tile-metrics"') :]
    assert "<strong>2</strong> not on track · 3 on track · 1 with no actual yet" in tile
    names = [
        n for n in ("Non-elective admissions", "Older people (65+) still at home", "Deaths at usual place") if n in tile
    ]
    assert len(names) == 3
    # Not on track first: non-elective admissions (June 1,745 against 1,688.75) before deaths (on track).
    assert tile.index("Non-elective admissions") < tile.index("Deaths at usual place")
    assert tile.count("<svg") == 6 and "Figures as a table" in tile
    assert "Excess bed days" not in tile  # scheme KPIs are on the schemes' pages and the metrics page
    assert reverse("metrics:list") in tile


def test_metrics_csv_has_every_period_shown(demo_client):
    response = demo_client("secretary").get(reverse("dashboard:csv", args=["metrics"]), {"period": "2015-16-P2"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Metric", "Unit", "Direction", "Period"]
    nea = [r for r in rows if r[0] == "Non-elective admissions"]
    # As at the demo period's end (22/07/2015): April to July 2015.
    assert [r[3] for r in nea] == ["Apr 2015", "May 2015", "Jun 2015", "Jul 2015"]
    assert nea[2][4:8] == ["1688.75", "1745.00", "3.30", "Not on track"]
