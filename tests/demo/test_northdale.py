"""The 2025/26 illustrative demo partnership (issue 18 §5): Northdale, loaded by load_demo beside Trafford, with a
pooled fund by source and a 25-line expenditure plan that reconcile, Q2 current, and the "Illustrative data" label
on its pages and exports (and on no real programme's). Its money is the finance officer's and the programme
office's to change, not a lead's, and another partnership's people do not find it."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from finance import selectors
from finance.models import Fund
from metrics.models import Metric
from schemes.models import Programme
from schemes.selectors import period_current

SLUG = "northdale-bcf-2025-26"
FUND = "northdale-bcf-2025-26-pooled"
LABEL = "Illustrative data"


@pytest.fixture
def northdale(demo):
    return Programme.objects.get(slug=SLUG)


@pytest.fixture
def fund(northdale):
    return Fund.objects.get(slug=FUND)


def test_the_illustrative_partnership_is_loaded_beside_trafford(northdale):
    assert northdale.is_illustrative and LABEL in northdale.illustrative_label
    assert northdale.partnership.slug == "northdale"
    assert not Programme.objects.filter(slug="trafford-bcf-2015-16", is_illustrative=True).exists()
    assert period_current(programme=northdale).code == "2025-26-Q2"
    assert northdale.periods.get(code="2025-26-Q1").is_closed
    assert northdale.schemes.count() >= 5
    assert northdale.risks.count() >= 3
    assert sum(s.milestones.count() for s in northdale.schemes.all()) >= 5
    assert Metric.objects.filter(programme=northdale).count() == 3


def test_its_plan_has_25_lines_that_reconcile_source_by_source(fund):
    lines = selectors.expenditure_plan(fund, 2025)
    assert len(lines) == 25
    assert len({line.scheme_type for line in lines}) >= 10
    by_source = selectors.pooled_fund_by_source(fund, 2025, lines=lines)
    assert [row.code for row in by_source] == ["nhs_minimum", "la_grant", "dfg", "additional_la", "additional_icb"]
    assert all(row.contributed == row.planned > 0 for row in by_source)
    total = sum((line.planned for line in lines), Decimal("0"))
    assert total == selectors.fund_total(fund=fund) == sum((row.contributed for row in by_source), Decimal("0"))
    assert all(isinstance(line.planned, Decimal) and line.spent_to_date is not None for line in lines)
    check = selectors.nhs_minimum_to_adult_social_care(fund, 2025, lines=lines)
    assert check.ok and check.computed == sum((x.planned for x in lines if x.counts_to_asc_minimum), Decimal("0"))
    assert check.required is not None and check.computed >= check.required
    assert selectors.expenditure_plan_problems(fund, 2025) == []
    assert selectors.fund_reconciliation(fund=fund)["balanced"]


def test_its_dashboard_and_fund_page_carry_the_illustrative_label(demo_client, northdale):
    client = demo_client("northdale-pmo")
    dashboard = client.get(reverse("dashboard:index"), {"programme": SLUG})
    assert dashboard.status_code == 200
    assert LABEL in dashboard.content.decode()
    page = client.get(reverse("finance:fund", args=[FUND])).content.decode()
    assert LABEL in page
    assert "Pooled fund by source, 2025/26" in page and "Expenditure plan, 2025/26" in page
    assert "The 2025/26 plan adds up" in page


def test_a_real_programmes_dashboard_carries_no_such_label(demo_client):
    page = demo_client("pmo").get(reverse("dashboard:index"), {"programme": "trafford-bcf-2015-16"})
    assert page.status_code == 200 and LABEL not in page.content.decode()


def test_its_exports_carry_the_illustrative_label(demo_client, fund):
    client = demo_client("northdale-finance")
    workbook = load_workbook(io.BytesIO(client.get(reverse("finance:export_xlsx", args=[FUND])).content))
    cells = [str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any(LABEL in c for c in cells[:3])  # in the first sheet's title row
    assert any(LABEL in c for c in workbook["Read me"]["A"][1].value.split("\n"))
    rows = list(csv.reader(io.StringIO(client.get(reverse("finance:export_csv", args=[FUND])).content.decode())))
    assert any(LABEL in cell for row in rows for cell in row)


def test_another_partnerships_people_find_no_northdale(demo_client, fund):
    client = demo_client("pmo")  # Trafford's programme office: no role on Northdale
    line = fund.allocations.first()
    assert client.get(reverse("finance:fund", args=[FUND])).status_code == 404
    assert client.get(reverse("finance:allocation_plan", args=[line.pk])).status_code == 404
    assert client.get(reverse("dashboard:index"), {"programme": SLUG}).status_code == 404


def test_a_lead_reads_the_plan_but_cannot_change_its_money(demo_client, fund):
    client = demo_client("northdale-lead")
    line = fund.allocations.first()
    assert "Expenditure plan, 2025/26" in client.get(reverse("finance:fund", args=[FUND])).content.decode()
    response = client.post(
        reverse("finance:allocation_plan", args=[line.pk]), {"provider": "Changed", "version": line.version}
    )
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.provider != "Changed"


def test_the_finance_officer_changes_a_line_and_a_stale_edit_is_refused(demo_client, fund):
    client = demo_client("northdale-finance")
    line = fund.allocations.get(scheme_name="Community equipment service")
    url = reverse("finance:allocation_plan", args=[line.pk])
    fields = {
        "scheme_type": line.scheme_type,
        "sub_type": line.sub_type,
        "commissioner": line.commissioner,
        "provider": "Northdale Equipment Ltd",
        "funding_source": line.funding_source,
        "outputs_planned": "14500",
        "outputs_unit": line.outputs_unit,
        "version": line.version,
    }
    assert client.post(url, fields).status_code == 302
    line.refresh_from_db()
    assert (line.provider, line.outputs_planned) == ("Northdale Equipment Ltd", Decimal("14500"))
    stale = client.post(url, fields | {"provider": "Stale"})
    assert stale.status_code == 200 and "Not saved" in stale.content.decode()
    line.refresh_from_db()
    assert line.provider == "Northdale Equipment Ltd"
    refused = client.post(url, fields | {"version": line.version, "funding_source": "ibcf"})
    assert refused.status_code == 200
    line.refresh_from_db()
    assert line.funding_source == "nhs_minimum"


def test_its_finance_appendix_pdf_says_illustrative_data_on_every_page(demo_client, fund):
    response = demo_client("northdale-secretary").get(reverse("reporting:finance_appendix", args=[FUND]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() or "" for page in reader.pages]
    assert pages and all("ILLUSTRATIVE DATA" in text for text in pages)
    assert LABEL in pages[0]


@pytest.mark.parametrize("export", ["risks:export", "schemes:export"])
def test_its_programme_workbooks_say_so_in_their_read_me(demo_client, northdale, export):
    response = demo_client("northdale-pmo").get(reverse(export, args=[SLUG]))
    assert response.status_code == 200
    readme = load_workbook(io.BytesIO(response.content))["Read me"]
    assert any(LABEL in str(cell.value) for (cell,) in readme.iter_rows(max_col=1))


DASHBOARD_TILES = ["schemes", "milestones", "risks", "money", "metrics"]
FEEDS = ["schemes", "milestones", "risks", "allocations", "metrics"]


def _dashboard_csv(client, programme: str, tile: str) -> list[list[str]]:
    response = client.get(reverse("dashboard:csv", args=[tile]), {"programme": programme})
    assert response.status_code == 200, tile
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_its_dashboard_csvs_say_on_every_row_that_the_figures_are_illustrative(demo_client, northdale):
    client = demo_client("northdale-pmo")
    labelled = 0
    for tile in DASHBOARD_TILES:
        header, *rows = _dashboard_csv(client, SLUG, tile)
        # The header says so even for a tile with no rows; each row carries the whole label.
        assert header[-1] == "Illustrative data", tile
        assert all(len(row) == len(header) and row[-1] == northdale.illustrative_label for row in rows), tile
        labelled += len(rows)
    assert labelled > 0 and "invented partnership" in northdale.illustrative_label


def test_a_real_programmes_dashboard_csvs_have_no_illustrative_column(demo_client):
    client = demo_client("pmo")
    for tile in DASHBOARD_TILES:
        header, *rows = _dashboard_csv(client, "trafford-bcf-2015-16", tile)
        assert "Illustrative data" not in header and not any(LABEL in cell for row in rows for cell in row), tile


def test_its_api_feeds_say_on_every_row_that_the_figures_are_illustrative(demo_client, northdale, fund):
    client = demo_client("northdale-pmo")
    for name in FEEDS:
        filters = {"fund": FUND} if name == "allocations" else {"programme": SLUG}
        results = client.get(reverse("api:feed", args=[name]), filters).json()["results"]
        assert results, name
        assert all(row["illustrative"] == northdale.illustrative_label for row in results), name


def test_a_reader_of_both_sees_the_label_on_the_invented_programmes_rows_only(demo_client, northdale):
    from accounts.models import Role, User
    from accounts.services import membership_grant

    pmo = User.objects.get(username="pmo")
    membership_grant(user=pmo, programme=northdale, role=Role.STEERING_GROUP)
    results = demo_client("pmo").get(reverse("api:feed", args=["schemes"]), {"page_size": 5000}).json()["results"]
    ours = [row for row in results if row["programme"] == SLUG]
    theirs = [row for row in results if row["programme"] == "trafford-bcf-2015-16"]
    assert ours and theirs
    assert all(row["illustrative"] == northdale.illustrative_label for row in ours)
    assert all("illustrative" not in row for row in theirs)
