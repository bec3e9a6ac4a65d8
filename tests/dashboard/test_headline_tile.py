"""The dashboard's headline-metrics tile (issue 18 §3): shown for a programme whose policy year declares headline
metrics (2025/26), a titled plan-and-actual chart per metric, status by the documented rule, fixed queries."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from metrics import services
from metrics.models import Frequency
from tests.dashboard.test_queries import MAX_QUERIES
from tests.factories.accounts import PartnershipFactory
from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory

URL = reverse("dashboard:index")


def _programme(slug: str, start_year: int):
    programme = ProgrammeFactory(
        slug=slug,
        start_date=dt.date(start_year, 4, 1),
        end_date=dt.date(start_year + 1, 3, 31),
        partnership=PartnershipFactory(slug=f"{slug}-p", name=f"{slug} partnership"),
    )
    SchemeFactory(programme=programme)
    ReportingPeriodFactory(
        programme=programme, code="q2", start_date=dt.date(start_year, 7, 1), end_date=dt.date(start_year, 9, 30)
    )
    return programme


@pytest.fixture
def northdale(db):
    programme = _programme("northdale-test", 2025)
    services.load_headline_demo(programme, 2025)
    return programme


def _get(client, programme):
    client.get(URL, {"programme": programme.slug})  # first visit: the session remembers the programme
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"programme": programme.slug})
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def _tile(page: str) -> str:
    start = page.index('id="tile-headline"')
    return page[start : page.index("</section>", start)]


def test_a_2025_26_programme_shows_its_headline_metrics_with_a_chart_each(client, make_user, northdale):
    client.force_login(make_user(Role.STEERING_GROUP, roles__programmes=[northdale]))
    response, _ = _get(client, northdale)
    tile = _tile(response.content.decode())
    assert "Headline metrics, 2025/26" in tile
    panel = response.context["headline"]
    statuses = [item["progress"].status for item in panel["items"]]
    assert len(statuses) == 3 and set(statuses) <= {"on track", "not on track"}
    # As at the period's end (30/09/2025): months to September, quarters to Q2.
    assert [item["progress"].latest.label for item in panel["items"]] == ["Sep 2025", "2025/26 Q2", "2025/26 Q2"]
    counts = re.search(r'id="headline-counts"><strong>(\d)</strong> not on track · (\d) on track', tile)
    assert counts and [int(counts[1]), int(counts[2])] == [statuses.count("not on track"), statuses.count("on track")]
    assert "at or better than its plan" in tile
    charts = re.findall(r"<svg.*?</svg>", tile, re.S)
    assert len(charts) == 3
    for chart, item in zip(charts, panel["items"], strict=True):
        root = ET.fromstring(chart)  # well-formed
        ns = "{http://www.w3.org/2000/svg}"
        assert root.find(f"{ns}title").text == f"{item['progress'].name}: plan and actual, 2025/26"
        sizes = [float(t.get("font-size")) for t in root.iter(f"{ns}text")]
        assert sizes and min(sizes) >= 10  # 10 px = 7.5 pt at the chart's own size
        width = float(root.get("width"))
        for text in root.iter(f"{ns}text"):  # every label starts inside the drawing
            assert 0 <= float(text.get("x")) <= width
        legend = [t.text for t in root.iter(f"{ns}text")]
        assert "Plan" in legend and "Actual" in legend
    # The headline metrics are not repeated among the other metrics.
    assert not [s for s in response.context["metrics"]["metrics"] if s.metric.is_headline]


def test_a_2015_16_programme_has_no_headline_tile(client, make_user, db):
    older = _programme("older", 2015)
    client.force_login(make_user(Role.STEERING_GROUP, roles__programmes=[older]))
    response, _ = _get(client, older)
    assert response.context["headline"] is None
    assert 'id="tile-headline"' not in response.content.decode()


def test_the_tile_runs_a_fixed_number_of_queries(client, make_user, northdale):
    """A year of monthly actuals costs no more queries than a bare quarterly plan; the tile adds two at most."""
    bare = _programme("bare", 2025)
    services.headline_metric_setup(
        programme=bare, start_year=2025, code="discharge_delay", frequency=Frequency.QUARTERLY, plans=[1, 1, 1, 1]
    )
    older = _programme("older", 2015)
    plain = services.metric_create(programme=older, code="plain", name="Plain")  # so both prefetch metric values
    services.plan_set(metric=plain, period_start="Jul 2015", plan=1)
    client.force_login(make_user(Role.STEERING_GROUP, roles__programmes=[northdale, bare, older]))
    _, full = _get(client, northdale)
    _, few = _get(client, bare)
    _, without = _get(client, older)
    assert full == few
    assert full <= without + 2 and full <= MAX_QUERIES + 2


def test_the_tile_has_a_csv_of_every_planned_period_with_the_panels_own_figures(client, make_user, northdale):
    from tests.dashboard.test_dashboard import read_csv

    client.force_login(make_user(Role.STEERING_GROUP, roles__programmes=[northdale]))
    response, _ = _get(client, northdale)
    csv_url = reverse("dashboard:csv", args=["headline"])
    assert csv_url in _tile(response.content.decode())
    rows = read_csv(client.get(csv_url, {"programme": northdale.slug, "period": "q2"}))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Metric", "Unit", "Direction", "Period"] and "Status" in header
    panel = response.context["headline"]
    # One row per planned point of each metric, its plan and actual as the panel has them, as at 30/09/2025.
    expected = [
        (item["progress"].name, point.label, point.planned, point.actual, item["progress"].status)
        for item in panel["items"]
        for point in item["progress"].points
    ]
    column = {name: header.index(name) for name in ("Metric", "Period", "Plan", "Actual", "Status", "Status as at")}

    def figure(text):
        return None if text == "" else Decimal(text)

    got = [
        (row[column["Metric"]], row[column["Period"]], figure(row[column["Plan"]]), figure(row[column["Actual"]]))
        + (row[column["Status"]],)
        for row in body
    ]
    assert len(got) == len(expected) > 3
    for (name, label, plan, actual, status), row in zip(expected, got, strict=True):
        assert (name, label, status) == (row[0], row[1], row[4])
        assert row[2] == (None if plan is None else plan.quantize(Decimal("0.01")))
        assert row[3] == (None if actual is None else actual.quantize(Decimal("0.01")))
    assert {row[column["Status as at"]] for row in body} == {"2025-09-30"}


def test_a_programme_without_headline_metrics_gets_a_csv_of_just_the_header(client, make_user, db):
    from tests.dashboard.test_dashboard import read_csv

    older = _programme("older", 2015)
    client.force_login(make_user(Role.STEERING_GROUP, roles__programmes=[older]))
    rows = read_csv(client.get(reverse("dashboard:csv", args=["headline"]), {"programme": older.slug}))
    assert len(rows) == 1 and rows[0][0] == "Metric"
