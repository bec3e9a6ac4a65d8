"""Refs sort as people count (N2 before N10, 5.9 before 5.10) in Python, in the database and on every page."""

import io
import re

import openpyxl
import pytest
from django.urls import reverse

from accounts.roles import Role
from core.natural import natural_key, natural_order
from dashboard.selectors import DashboardFilters, rag_rows
from schemes.models import Scheme
from schemes.selectors import scheme_list
from schemes.spreadsheet import programme_workbook_data
from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory

NATURAL = ["5.9", "5.10", "N1", "N2", "N10"]
SHUFFLED = ["N10", "5.10", "N2", "5.9", "N1"]


def test_natural_key_puts_numbers_in_numeric_order():
    assert sorted(SHUFFLED, key=natural_key) == NATURAL
    assert sorted(SHUFFLED) != NATURAL  # plain string order is the bug this fixes
    assert natural_key("N2") < natural_key("n10") < natural_key("N10a")


@pytest.fixture
def programme(db):
    programme = ProgrammeFactory()
    for ref in SHUFFLED:
        SchemeFactory(programme=programme, ref=ref, name=f"Scheme {ref}")
    return programme


def test_the_database_orders_refs_naturally(programme):
    assert list(Scheme.objects.filter(programme=programme).values_list("ref", flat=True)) == NATURAL
    assert [s.ref for s in scheme_list(programme=programme)] == NATURAL
    ordered = Scheme.objects.filter(programme=programme).order_by(natural_order("ref_key", descending=True))
    assert [s.ref for s in ordered] == NATURAL[::-1]


def test_the_key_follows_a_ref_changed_in_bulk(programme):
    """The key is kept by the database, so even an update() that skips save() re-sorts the scheme."""
    Scheme.objects.filter(programme=programme, ref="N1").update(ref="N11")
    assert list(Scheme.objects.filter(programme=programme).values_list("ref", flat=True)) == [
        "5.9",
        "5.10",
        "N2",
        "N10",
        "N11",
    ]


def _order_in(text: str) -> list[str]:
    found = [(m.start(), ref) for ref in NATURAL for m in [re.search(rf">\s*{re.escape(ref)}\s*<", text)] if m]
    return [ref for _, ref in sorted(found)]


def test_scheme_list_page_dashboard_feed_and_workbook_list_refs_naturally(client, make_user, programme):
    client.force_login(make_user(Role.PROGRAMME_OFFICE))
    page = client.get(reverse("schemes:list"), {"programme": programme.slug})
    assert page.status_code == 200
    assert _order_in(page.content.decode()) == NATURAL

    feed = client.get(reverse("api:feed", args=["schemes"]), {"programme": programme.slug}).json()
    assert [s["ref"] for s in feed["results"]] == NATURAL

    period = ReportingPeriodFactory(programme=programme)
    filters = DashboardFilters(programme=programme, period=period, previous=None, periods=(period,))
    assert [row["ref"] for row in rag_rows(filters=filters)] == NATURAL
    assert [s.ref for s in programme_workbook_data(programme=programme)["schemes"]] == NATURAL

    export = client.get(reverse("schemes:export", args=[programme.slug]))
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).worksheets[0]
    refs = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert refs == NATURAL
