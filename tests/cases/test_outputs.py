"""Where business cases show beyond their own pages: the dashboard tile and the highlight report's section."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from reporting.highlight import highlight_report_html
from reporting.selectors import highlight_snapshot
from tests.factories.cases import chc_case
from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    programme = ProgrammeFactory(slug="cases-out")
    SchemeFactory(programme=programme)
    ReportingPeriodFactory(programme=programme)
    chc_case(programme=programme)
    return programme


def test_dashboard_tile_counts_and_totals_the_cases(client, make_user, programme):
    client.force_login(make_user(Role.STEERING_GROUP))
    html = client.get(reverse("dashboard:index"), {"programme": programme.slug}).content.decode()
    assert 'id="tile-cases"' in html
    assert "1 case: 0 approved · 0 full · 1 outline · 0 rejected." in html
    # 7/12 of £104,000 + 2 × £104,000 invested; 2 × 2,280 × £250 planned.
    assert '<dd class="col-5 text-end">269</dd>' in html and '<dd class="col-5 text-end">1,140</dd>' in html


def test_highlight_report_has_the_business_cases_section(programme):
    snapshot = highlight_snapshot(programme=programme, period=programme.periods.get())
    assert [row["years"] for row in snapshot["cases"]["net"]] == [["(61)", "466", "466"], ["(61)", "466", "466"]]
    html = highlight_report_html(snapshot=snapshot, status="DRAFT")
    assert "Business cases and benefits" in html and '<td class="num">(61)</td>' in html


def test_a_programme_without_cases_has_no_section(db):
    programme = ProgrammeFactory()
    period = ReportingPeriodFactory(programme=programme)
    assert "cases" not in highlight_snapshot(programme=programme, period=period)
