"""A programme's money is its own funds only (issue 17): a second partnership's dashboard and highlight report show
none of Trafford's funds (the demo's BCF pooled budget, Transformation Fund and 2016/17 budgets), read back from the page and from
the PDF's own text (pdftotext)."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from accounts.services import partnership_ensure
from finance.models import Fund
from reporting import highlight
from schemes import services as scheme_services
from tests.factories.accounts import UserFactory
from tests.factories.finance import AllocationFactory, FundFactory
from tests.factories.schemes import SchemeFactory

pytestmark = pytest.mark.django_db


def _pdftotext(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=bytes(pdf), capture_output=True, check=True)  # noqa: S607
    return " ".join(done.stdout.decode().split())


@pytest.fixture
def northshire(demo):
    partnership = partnership_ensure(slug="northshire", name="Northshire", hwb_area="Northshire HWB")
    programme = scheme_services.programme_create(
        slug="northshire-2024-25",
        name="Northshire BCF 2024/25",
        partnership=partnership,
        start_date=dt.date(2015, 4, 1),
        end_date=dt.date(2016, 4, 1),
    )
    period = scheme_services.reporting_period_create(
        programme=programme, code="p1", name="P1", start_date=dt.date(2015, 4, 1), end_date=dt.date(2015, 6, 1)
    )
    scheme = SchemeFactory(programme=programme, ref="N1", name="Northshire Falls")
    fund = FundFactory(programme=programme, name="Northshire Pooled Budget", total=Decimal("3000000.00"))
    AllocationFactory(fund=fund, scheme=scheme, scheme_name="Northshire Falls", amount=Decimal("1200000.00"))
    office = UserFactory(roles=[Role.PROGRAMME_OFFICE], roles__programmes=[programme])
    return programme, period, office


def _trafford_funds() -> list[str]:
    names = list(Fund.objects.filter(programme__partnership__slug="trafford").values_list("name", flat=True))
    # The BCF section 75 pooled budget (2015/16), the Transformation Fund and the 2016/17 budgets: the check has
    # something to find (three since the pooled budget joined the demo; each is a Trafford programme's own fund).
    assert len(names) == 3
    return names


def test_the_second_programmes_dashboard_money_is_its_own_funds_only(northshire):
    programme, _period, office = northshire
    client = Client()
    client.force_login(office)
    response = client.get(reverse("dashboard:index"), {"programme": programme.slug})
    assert response.status_code == 200
    funds = [row.fund.name for row in response.context["money"]]
    assert funds == ["Northshire Pooled Budget"]
    page = response.content.decode()
    assert not [name for name in _trafford_funds() if name in page]


def test_the_second_programmes_highlight_report_prints_none_of_traffords_money(northshire):
    programme, period, _office = northshire
    text = _pdftotext(highlight.highlight_report_draft(programme=programme, period=period).pdf)
    assert "Northshire Pooled Budget" in text
    assert [name for name in _trafford_funds() if name in text] == []
    assert "Transformation Fund" not in text and "Trafford" not in text


def test_traffords_users_cannot_open_the_second_programme(northshire, demo_client):
    programme, _period, _office = northshire
    client = demo_client("pmo")
    assert client.get(reverse("dashboard:index"), {"programme": programme.slug}).status_code == 404
    assert client.get(reverse("schemes:list"), {"programme": programme.slug}).status_code == 404
