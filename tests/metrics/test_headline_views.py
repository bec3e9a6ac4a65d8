"""Headline metric pages: the plan form, numerator and denominator in the actual form, the upload's columns, and
who may do what (another partnership's programme is a 404)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from metrics import services
from metrics.models import Frequency, Metric, MetricValue
from metrics.spreadsheet import HEADERS, SHEET
from tests.factories.accounts import PartnershipFactory
from tests.factories.schemes import ProgrammeFactory

D = Decimal
COL = {h: i + 1 for i, h in enumerate(HEADERS)}
ADMISSIONS, CARE_HOMES = "emergency_admissions_65", "care_home_admissions_65"


@pytest.fixture
def programme(db):
    return ProgrammeFactory(
        slug="northdale-test",
        start_date=dt.date(2025, 4, 1),
        end_date=dt.date(2026, 3, 31),
        partnership=PartnershipFactory(slug="northdale", name="Northdale"),
    )


@pytest.fixture
def pmo(client, make_user, programme):
    client.force_login(make_user(Role.PROGRAMME_OFFICE, roles__programmes=[programme]))
    return client


def _state():
    return sorted(MetricValue.objects.values_list("pk", "plan", "actual", "numerator", "denominator", "version"))


def _admissions(programme):
    return services.headline_metric_setup(
        programme=programme,
        start_year=2025,
        code=ADMISSIONS,
        frequency=Frequency.QUARTERLY,
        plans=["5800", "5700", "6000", "5900"],
    )


def test_the_programme_office_plans_a_headline_metric_and_the_list_shows_it_with_the_rule(pmo, programme):
    url = reverse("metrics:headline_setup", args=[CARE_HOMES]) + f"?programme={programme.slug}"
    page = pmo.get(url)
    assert page.status_code == 200 and "Population aged 65 and over" in page.content.decode()
    # Monthly is not offered for this metric, and a forged post is refused with the metric named.
    refused = pmo.post(url, {"frequency": Frequency.MONTHLY, "plans": " ".join(["140"] * 12)})
    assert refused.status_code == 400 and "not one of the available choices" in refused.content.decode()
    assert not Metric.objects.filter(code=CARE_HOMES).exists()
    response = pmo.post(url, {"frequency": Frequency.QUARTERLY, "plans": "145\n140\n1,140.5\n135"})
    assert response.status_code == 302
    metric = Metric.objects.get(programme=programme, code=CARE_HOMES)
    assert [v.plan for v in metric.values.order_by("period_start")] == [D("145"), D("140"), D("1140.5"), D("135")]
    listing = pmo.get(reverse("metrics:list") + f"?programme={programme.slug}").content.decode()
    assert "Headline metrics (2025/26 Better Care Fund)" in listing
    assert "at or better than its plan" in listing and "No data" in listing
    assert listing.count('class="card h-100 headline-card"') == 3  # the year's three, two not planned yet
    assert "Plan this metric" in listing and "Change the plan" in listing


def test_a_bad_plan_and_a_stale_plan_are_refused_and_nothing_is_saved(pmo, programme):
    metric = _admissions(programme)
    url = reverse("metrics:headline_setup", args=[ADMISSIONS]) + f"?programme={programme.slug}"
    form = pmo.get(url).context["form"]
    versions = form.initial["versions"]
    before = _state()
    bad = pmo.post(url, {"frequency": Frequency.QUARTERLY, "plans": "5800 5700 -4 5900", "versions": versions})
    assert bad.status_code == 400 and "2025/26 Q3: Plan cannot be negative." in bad.content.decode()
    assert _state() == before
    services.plan_set(metric=metric, period_start="2025/26 Q2", plan="5650")  # someone else re-plans Q2
    before = _state()
    stale = pmo.post(url, {"frequency": Frequency.QUARTERLY, "plans": "1 2 3 4", "versions": versions})
    assert stale.status_code == 400 and "changed after you opened it" in stale.content.decode()
    assert _state() == before


def test_the_actual_form_takes_numerator_and_denominator_and_refuses_a_zero_denominator(pmo, programme):
    metric = _admissions(programme)
    value = metric.values.get(period_start=dt.date(2025, 4, 1))
    url = reverse("metrics:record", args=[metric.pk, "2025-04-01"])
    page = pmo.get(url).content.decode()
    assert "Emergency admissions of people aged 65 and over" in page and "Numerator" in page
    before = _state()
    refused = pmo.post(url, {"numerator": "2790", "denominator": "0", "note": "", "version": value.version})
    assert refused.status_code == 400 and "is zero" in refused.content.decode()
    assert _state() == before
    saved = pmo.post(url, {"numerator": "2790", "denominator": "48,250", "note": "Q1", "version": value.version})
    assert saved.status_code == 302
    value.refresh_from_db()
    assert value.actual == D("5782.38") and value.history.first().history_user is not None
    detail = pmo.get(reverse("metrics:detail", args=[metric.pk])).content.decode()
    assert "5,782.38" in detail and "2,790 ÷ 48,250 × 100,000" in detail
    stale = pmo.post(url, {"numerator": "1", "denominator": "2", "note": "", "version": value.version - 1})
    assert stale.status_code == 400 and "changed after you opened it" in stale.content.decode()


def test_upload_reads_numerator_and_denominator_all_or_nothing(pmo, programme):
    metric = _admissions(programme)
    download = pmo.get(reverse("metrics:template", args=["xlsx"]) + f"?programme={programme.slug}")
    wb = load_workbook(io.BytesIO(download.content))
    ws = wb[SHEET]
    assert [c.value for c in ws[1]] == HEADERS
    rows = {ws.cell(row=r, column=COL["Period"]).value: r for r in range(2, ws.max_row + 1)}
    q1, q2, q3 = rows["2025/26 Q1"], rows["2025/26 Q2"], rows["2025/26 Q3"]
    ws.cell(row=q1, column=COL["Numerator"], value=2790)
    ws.cell(row=q1, column=COL["Denominator"], value=48250)
    ws.cell(row=q2, column=COL["Numerator"], value=2700)
    ws.cell(row=q2, column=COL["Denominator"], value=0)  # refused
    ws.cell(row=q3, column=COL["Actual"], value=5000)  # a rate typed without its figures: refused
    new = ws.max_row + 1
    for header, value in {"Metric code": ADMISSIONS, "Period": "2026/27 Q1", "Plan": 5000}.items():
        ws.cell(row=new, column=COL[header], value=value)  # outside the year: refused

    def upload():
        buffer = io.BytesIO()
        wb.save(buffer)
        return pmo.post(
            reverse("metrics:upload") + f"?programme={programme.slug}",
            {"file": SimpleUploadedFile("m.xlsx", buffer.getvalue())},
        )

    before = _state()
    response = upload()
    assert response.status_code == 400
    errors = {e["row"]: e for e in response.context["errors"]}
    assert set(errors) == {q2, q3, new}
    assert errors[q2]["column"] == "Denominator" and "is zero" in errors[q2]["message"]
    assert "fill in Numerator and Denominator" in errors[q3]["message"]
    assert "is outside 2025/26" in errors[new]["message"]
    assert _state() == before
    ws.cell(row=q2, column=COL["Denominator"], value=48250)
    ws.cell(row=q3, column=COL["Actual"]).value = None
    ws.delete_rows(new)
    assert upload().status_code == 302
    values = {v.period_start: v for v in metric.values.all()}
    assert values[dt.date(2025, 4, 1)].actual == D("5782.38")
    assert values[dt.date(2025, 7, 1)].actual == D("5595.85")
    assert values[dt.date(2025, 10, 1)].actual is None


def test_another_partnership_gets_404_and_a_reader_cannot_plan_or_record(client, make_user, programme):
    metric = _admissions(programme)
    other = ProgrammeFactory(slug="elsewhere", partnership=PartnershipFactory(slug="elsewhere", name="Elsewhere"))
    outsider = make_user(Role.PROGRAMME_OFFICE, roles__programmes=[other])
    client.force_login(outsider)
    assert client.get(reverse("metrics:detail", args=[metric.pk])).status_code == 404
    assert client.get(reverse("metrics:record", args=[metric.pk, "2025-04-01"])).status_code == 404
    setup = reverse("metrics:headline_setup", args=[ADMISSIONS]) + f"?programme={programme.slug}"
    assert client.post(setup, {"frequency": "quarterly", "plans": "1 2 3 4"}).status_code == 404
    reader = make_user(Role.STEERING_GROUP, roles__programmes=[programme])
    client.force_login(reader)
    assert client.post(setup, {"frequency": "quarterly", "plans": "1 2 3 4"}).status_code == 403
    assert client.post(reverse("metrics:record", args=[metric.pk, "2025-04-01"]), {}).status_code == 403
    # A 2015/16 programme's year has no headline metrics: no section, no plan page.
    older = ProgrammeFactory(slug="older", partnership=programme.partnership)
    pmo = make_user(Role.PROGRAMME_OFFICE, roles__programmes=[older])
    client.force_login(pmo)
    assert "Headline metrics" not in client.get(reverse("metrics:list") + "?programme=older").content.decode()
    assert client.get(reverse("metrics:headline_setup", args=[ADMISSIONS]) + "?programme=older").status_code == 404
