"""Metric pages, recording actuals in the browser's forms, and the template upload (all or nothing)."""

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from metrics import services
from metrics.models import Metric, MetricValue
from metrics.spreadsheet import HEADERS, SHEET
from schemes.models import Programme, Scheme

D = Decimal
PROGRAMME = "trafford-bcf-2015-16"
COL = {h: i + 1 for i, h in enumerate(HEADERS)}


def metric(code: str) -> Metric:
    return Metric.objects.get(programme__slug=PROGRAMME, code=code)


def state():
    return sorted(MetricValue.objects.values_list("pk", "plan", "actual", "note", "version"))


def test_every_role_reads_the_metrics_with_a_chart_and_its_table(demo, demo_client):
    for username in ("steering", "secretary", "lead", "finance", "pmo"):
        response = demo_client(username).get(reverse("metrics:list"))
        assert response.status_code == 200
    page = response.content.decode()
    assert "Non-elective admissions" in page and "demo figures" in page
    assert page.count("<svg") >= 9  # a chart per metric and KPI
    assert "Figures as a table" in page and "Jun 2015" in page
    detail = demo_client("steering").get(reverse("metrics:detail", args=[metric("non-elective-admissions").pk]))
    body = detail.content.decode()
    svg = body[body.index("<svg") : body.index("</svg>") + 6]
    ET.fromstring(svg)  # well-formed
    assert "1,688.75" in body and "1,745" in body and "Not on track" in body
    assert "Record actual" not in body  # the steering group reads only


def test_the_list_runs_a_fixed_number_of_queries(demo, demo_client):
    client = demo_client("steering")
    url = reverse("metrics:list")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    programme = Programme.objects.get(slug=PROGRAMME)
    for index in range(10):
        extra = services.metric_create(programme=programme, code=f"extra-{index}", name=f"Extra {index}")
        services.plans_from_baseline(
            metric=extra, first_period="Apr 2013", periods=36, per_period=D("10"), change_percent=D("0")
        )
    with CaptureQueriesContext(connection) as big:
        response = client.get(url)
    assert response.content.decode().count("<svg") >= 19
    assert len(big.captured_queries) == len(small.captured_queries)


def test_the_programme_office_records_an_actual_and_bad_input_saves_nothing(demo, demo_client):
    client = demo_client("pmo")
    nea = metric("non-elective-admissions")
    url = reverse("metrics:record", args=[nea.pk, "2015-07-01"])
    value = nea.values.get(period_start=dt.date(2015, 7, 1))
    before = state()
    for bad, message in (("twelve", "must be a number"), ("-3", "cannot be negative"), ("1.234", "two decimal")):
        response = client.post(url, {"actual": bad, "note": "", "version": value.version})
        assert response.status_code == 400 and message in response.content.decode()
    assert state() == before
    response = client.post(url, {"actual": "1,650", "note": "Cooler July", "version": value.version})
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.actual == D("1650") and value.note == "Cooler July"
    # The same form again (now stale) is refused and says who changed what.
    response = client.post(url, {"actual": "1600", "note": "", "version": value.version - 1})
    assert response.status_code == 400 and "Not saved" in response.content.decode()
    assert nea.values.get(period_start=dt.date(2015, 7, 1)).actual == D("1650")
    history = client.get(reverse("metrics:detail", args=[nea.pk])).content.decode()
    assert "Cooler July" in history and "Jul 2015" in history


def test_an_undefined_period_is_404_and_a_percentage_over_100_is_refused(demo, demo_client):
    client = demo_client("pmo")
    nea = metric("non-elective-admissions")
    assert client.get(reverse("metrics:record", args=[nea.pk, "2019-07-01"])).status_code == 404
    assert client.get(reverse("metrics:record", args=[nea.pk, "not-a-period"])).status_code == 404
    reablement = metric("reablement-91-days")
    value = reablement.values.get(period_start=dt.date(2015, 7, 1))
    response = client.post(
        reverse("metrics:record", args=[reablement.pk, "2015-07-01"]), {"actual": "104", "version": value.version}
    )
    assert response.status_code == 400 and "cannot be more than 100" in response.content.decode()
    value.refresh_from_db()
    assert value.actual is None


def test_who_may_record(demo, demo_client):
    falls = metric("falls-admissions")  # a KPI of 5.5, which "lead" does not lead
    url = reverse("metrics:record", args=[falls.pk, "2015-07-01"])
    version = falls.values.get(period_start=dt.date(2015, 7, 1)).version
    for username in ("steering", "secretary", "finance", "lead"):
        client = demo_client(username)
        assert client.get(url).status_code == 403
        assert client.post(url, {"actual": "1", "version": version}).status_code == 403
    # "lead" leads 5.1: a KPI there is theirs to record.
    programme = Programme.objects.get(slug=PROGRAMME)
    own = services.metric_create(
        programme=programme, scheme=Scheme.objects.get(programme=programme, ref="5.1"), code="own", name="Own KPI"
    )
    services.plan_set(metric=own, period_start="2015-07", plan="10")
    client = demo_client("lead")
    response = client.post(reverse("metrics:record", args=[own.pk, "2015-07-01"]), {"actual": "9", "version": 1})
    assert response.status_code == 302 and own.values.get().actual == D("9")
    # Only the programme office defines metrics and plans.
    for username in ("lead", "steering", "finance"):
        assert demo_client(username).get(reverse("metrics:create")).status_code == 403
        assert demo_client(username).post(reverse("metrics:plan", args=[own.pk]), {}).status_code == 403


def test_the_programme_office_defines_a_metric_with_its_plan(demo, demo_client):
    client = demo_client("pmo")
    data = {
        "programme": PROGRAMME,
        "code": "a-and-e",
        "name": "A&E attendances",
        "unit": "count",
        "direction": "lower",
        "frequency": "quarterly",
        "tolerance_percent": "2",
        "plan-first_period": "2015/16 Q1",
        "plan-periods": "4",
        "plan-per_period": "9000",
        "plan-change_percent": "-2",
    }
    response = client.post(reverse("metrics:create"), data | {"plan-first_period": "May 2015"})
    assert response.status_code == 400 and "quarter starts" in response.content.decode()
    assert not Metric.objects.filter(code="a-and-e").exists()  # nothing half-saved
    response = client.post(reverse("metrics:create"), data)
    assert response.status_code == 302
    created = Metric.objects.get(code="a-and-e")
    assert [v.plan for v in created.values.order_by("period_start")] == [D("8820")] * 4


def _download(client, fmt="xlsx"):
    response = client.get(reverse("metrics:template", args=[fmt]) + f"?programme={PROGRAMME}")
    assert response.status_code == 200
    return response


def _row(ws, code, period):
    for cells in ws.iter_rows(min_row=2):
        if cells[0].value == code and cells[3].value == period:
            return cells[0].row
    raise AssertionError((code, period))


def _upload(client, wb, name="metrics.xlsx"):
    buffer = io.BytesIO()
    wb.save(buffer)
    return client.post(
        reverse("metrics:upload") + f"?programme={PROGRAMME}", {"file": SimpleUploadedFile(name, buffer.getvalue())}
    )


def test_upload_records_actuals_and_plans_all_or_nothing(demo, demo_client):
    client = demo_client("pmo")
    wb = load_workbook(io.BytesIO(_download(client).content))
    ws = wb[SHEET]
    assert [c.value for c in ws[1]] == HEADERS
    july = _row(ws, "non-elective-admissions", "Jul 2015")
    ws.cell(row=july, column=COL["Actual"], value=1666)
    ws.cell(row=july, column=COL["Note"], value="-5% on June: cooler weather")
    q2 = _row(ws, "reablement-91-days", "2015/16 Q2")
    ws.cell(row=q2, column=COL["Actual"], value=81.5)
    new = ws.max_row + 1
    for header, value in {"Metric code": "non-elective-admissions", "Period": "Apr 2016", "Plan": 1650}.items():
        ws.cell(row=new, column=COL[header], value=value)
    bad = {
        "percent": _row(ws, "deaths-usual-residence", "2015/16 Q2"),
        "period": _row(ws, "falls-admissions", "Jul 2015"),
        "number": _row(ws, "excess-bed-days", "Jul 2015"),
    }
    ws.cell(row=bad["percent"], column=COL["Actual"], value=140)
    falls_plan = ws.cell(row=bad["period"], column=COL["Plan"]).value
    ws.cell(row=bad["period"], column=COL["Period"], value="Jul 2031")
    ws.cell(row=bad["period"], column=COL["Plan"]).value = None  # an actual with no plan for its period
    ws.cell(row=bad["period"], column=COL["Actual"], value=90)
    ws.cell(row=bad["number"], column=COL["Actual"], value="lots")
    before = state()
    response = _upload(client, wb)
    assert response.status_code == 400
    errors = {e["row"]: e for e in response.context["errors"]}
    assert set(errors) == set(bad.values())
    assert "more than 100" in errors[bad["percent"]]["message"]
    assert "no plan for Jul 2031" in errors[bad["period"]]["message"]
    assert errors[bad["number"]]["column"] == "Actual"
    assert state() == before  # nothing saved
    ws.cell(row=bad["percent"], column=COL["Actual"], value=41)
    ws.cell(row=bad["period"], column=COL["Period"], value="Jul 2015")
    ws.cell(row=bad["period"], column=COL["Plan"], value=falls_plan)
    ws.cell(row=bad["number"], column=COL["Actual"], value=350)
    response = _upload(client, wb)
    assert response.status_code == 302
    nea = metric("non-elective-admissions")
    july_value = nea.values.get(period_start=dt.date(2015, 7, 1))
    assert july_value.actual == D("1666") and july_value.note == "-5% on June: cooler weather"
    assert nea.values.get(period_start=dt.date(2016, 4, 1)).plan == D("1650")
    # The download neutralises formula-like text; the round trip reads it back as stored.
    wb = load_workbook(io.BytesIO(_download(client).content))
    cell = wb[SHEET].cell(row=_row(wb[SHEET], "non-elective-admissions", "Jul 2015"), column=COL["Note"])
    assert cell.value == "'-5% on June: cooler weather" and cell.data_type != "f"
    before = state()
    assert _upload(client, wb).status_code == 302
    assert state() == before


def test_a_lead_uploads_only_their_kpis_and_never_plans(demo, demo_client):
    client = demo_client("lead")
    wb = load_workbook(io.BytesIO(_download(client).content))
    ws = wb[SHEET]
    ws.cell(row=_row(ws, "falls-admissions", "Jul 2015"), column=COL["Actual"], value=90)
    before = state()
    response = _upload(client, wb)
    assert response.status_code == 400
    assert "not a KPI of a scheme you lead" in response.context["errors"][0]["message"]
    assert state() == before
    for username in ("steering", "secretary", "finance"):
        assert _upload(demo_client(username), wb).status_code == 403


def test_csv_download_and_upload(demo, demo_client):
    client = demo_client("pmo")
    text = _download(client, "csv").content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == HEADERS
    row = next(i for i, line in enumerate(lines) if line[0] == "excess-bed-days" and line[3] == "Jul 2015")
    lines[row][COL["Actual"] - 1] = "355.5"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    response = client.post(
        reverse("metrics:upload") + f"?programme={PROGRAMME}",
        {"file": SimpleUploadedFile("m.csv", buffer.getvalue().encode("utf-8"))},
    )
    assert response.status_code == 302
    assert metric("excess-bed-days").values.get(period_start=dt.date(2015, 7, 1)).actual == D("355.5")
    response = client.post(
        reverse("metrics:upload") + f"?programme={PROGRAMME}",
        {"file": SimpleUploadedFile("m.csv", b"what,ever\n1,2\n")},
    )
    assert response.status_code == 400 and "headers" in response.content.decode()


def test_an_empty_programme_shows_an_empty_state(db, make_user, client):
    from accounts.roles import Role

    # Since issue 17 a role is held on a programme, so a user with a role always has one (the factory makes it): the
    # empty state is that programme's, with no metric and no KPI (no longer "There is no programme yet").
    client.force_login(make_user(Role.STEERING_GROUP))
    response = client.get(reverse("metrics:list"))
    page = response.content.decode()
    assert response.status_code == 200 and "No programme metrics yet." in page and "No scheme KPIs yet." in page


@pytest.mark.parametrize("name", ["metrics:list", "metrics:upload", "metrics:create"])
def test_anonymous_is_sent_to_sign_in(db, client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_schemes_page_shows_its_kpis_and_its_rag_over_time(demo, demo_client):
    programme = Programme.objects.get(slug=PROGRAMME)
    falls = Scheme.objects.get(programme=programme, ref="5.5")
    page = demo_client("steering").get(reverse("schemes:detail", args=[falls.pk])).content.decode()
    kpis = page[page.index('id="kpis-heading"') : page.index('id="money-heading"')]
    assert "Non-elective admissions due to falls" in kpis and "<svg" in kpis and "Figures as a table" in kpis
    assert "Emergency admissions from nursing" not in kpis  # 5.6's KPI stays on 5.6
    strip = page[page.index('id="rag-over-time"') :]
    strip = strip[: strip.index("</dd>")]
    svg = strip[strip.index("<svg") : strip.index("</svg>") + 6]
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    # Both demo periods have started; neither has a chosen RAG, so the rules' suggestion is shown as such.
    assert strip.count("<li>") == 2 and strip.count("suggested by the rules") >= 2
    other = Scheme.objects.get(programme=programme, ref="5.1")
    page = demo_client("steering").get(reverse("schemes:detail", args=[other.pk])).content.decode()
    assert "No KPIs defined for this scheme." in page
