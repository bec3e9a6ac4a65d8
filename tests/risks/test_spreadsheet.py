"""The risk register as Excel: read back with openpyxl, and uploaded all-or-nothing."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from risks.models import Risk, RiskStatus
from risks.spreadsheet import RISK_HEADERS

SLUG = "trafford-bcf-2015-16"


def _download(client):
    response = client.get(reverse("risks:export", args=[SLUG]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}-risk-register.xlsx"'
    return load_workbook(io.BytesIO(response.content))


def _upload(client, workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("register.xlsx", buffer.getvalue())
    return client.post(reverse("risks:import", args=[SLUG]), {"file": upload})


def _row_of(ws, title):
    for row in ws.iter_rows(min_row=2):
        if row[1].value == title:
            return {h: c for h, c in zip(RISK_HEADERS, row, strict=False)}
    raise AssertionError(title)


def _new_row(ws, **values):
    row = ws.max_row + 1
    for header, value in values.items():
        ws.cell(row=row, column=RISK_HEADERS.index(header) + 1, value=value)
    return row


def test_export_has_every_risk_matrices_and_safe_text(demo_client, demo):
    Risk.objects.filter(title__startswith="IT access").update(description='=HYPERLINK("http://example.invalid")')
    wb = _download(demo_client("secretary"))
    assert wb.sheetnames == ["Risks", "Matrices", "Actions", "Read me"]
    ws = wb["Risks"]
    assert [c.value for c in ws[1]] == RISK_HEADERS
    it = _row_of(ws, "IT access to both systems for integrated working")
    assert (it["Likelihood"].value, it["Consequence"].value, it["Score"].value, it["Grade"].value) == (4, 3, 12, "High")
    assert it["Raised on"].value.date() == dt.date(2015, 5, 21)
    assert it["Description"].value.startswith("'=") and it["Description"].data_type != "f"
    assert it["Schemes"].value == "5.7"
    # Current matrix: rows are likelihood 5..1 from row 12, columns consequence 1..5 from column B.
    matrices = wb["Matrices"]
    assert matrices["A10"].value.startswith("Current")
    current = {(5 - i, c): matrices.cell(row=12 + i, column=c + 1).value for i in range(5) for c in range(1, 6)}
    assert current[(4, 3)] == 1 and current[(3, 3)] == 1 and sum(current.values()) == 2
    target = {(5 - i, c): matrices.cell(row=21 + i, column=c + 1).value for i in range(5) for c in range(1, 6)}
    assert target[(2, 3)] == 2
    assert wb["Actions"].max_row == 1 + 3  # the demo risks carry three actions


def test_round_trip_rescore_close_and_raise(demo_client, demo):
    client = demo_client("pmo")
    wb = _download(client)
    ws = wb["Risks"]
    it = _row_of(ws, "IT access to both systems for integrated working")
    it["Likelihood"].value = 2
    venues = _row_of(ws, "Co-location venues in North and South localities")
    venues["Status"].value = "Closed"
    venues["Closed reason"].value = "Venues found at Sale Waterside and Stretford"
    _new_row(
        ws,
        **{
            "Title": "Care home capacity in winter",
            "Description": "Too few step-down beds",
            "Schemes": "5.3",
            "Raised on": dt.date(2015, 6, 1),
            "Likelihood": 3,
            "Consequence": 4,
            "Target likelihood": 2,
            "Target consequence": 3,
        },
    )
    response = _upload(client, wb)
    assert response.status_code == 302, response.content.decode()[:2000]
    risk = Risk.objects.get(title__startswith="IT access")
    assert risk.score == 6 and [a.score for a in risk.assessments.order_by("id")] == [12, 6]
    assert Risk.objects.get(title__startswith="Co-location").status == RiskStatus.CLOSED
    new = Risk.objects.get(title="Care home capacity in winter")
    assert list(new.schemes.values_list("ref", flat=True)) == ["5.3"] and new.score == 12


def test_upload_is_all_or_nothing_and_lists_every_problem(demo_client, demo):
    client = demo_client("pmo")
    wb = _download(client)
    ws = wb["Risks"]
    it = _row_of(ws, "IT access to both systems for integrated working")
    it["Likelihood"].value = 3  # a good change, which must not be saved
    venues = _row_of(ws, "Co-location venues in North and South localities")
    venues["Status"].value = "Closed"  # no reason
    base = {
        "Title": "t",
        "Description": "d",
        "Raised on": dt.date(2015, 6, 1),
        "Target likelihood": 1,
        "Target consequence": 1,
    }
    r1 = _new_row(ws, **base, **{"Likelihood": 6, "Consequence": 3})
    r2 = _new_row(
        ws, **{**base, "Target likelihood": 5, "Target consequence": 5}, **{"Likelihood": 2, "Consequence": 2}
    )
    r3 = _new_row(ws, **base, **{"Likelihood": 2, "Consequence": 2, "Next review": dt.date(2015, 5, 1)})
    response = _upload(client, wb)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved." in html
    errors = {(e["row"], e["column"]) for e in response.context["errors"]}
    assert (venues["Status"].row, "Closed reason") in errors
    assert (r1, "Likelihood") in errors
    assert (r2, "Target reason") in errors
    assert (r3, "Next review") in errors
    assert Risk.objects.get(title__startswith="IT access").likelihood == 4
    ours = Risk.objects.filter(programme__slug="trafford-bcf-2015-16")
    assert ours.filter(status="closed").count() == 0 and ours.count() == 2


def test_wrong_header_names_the_sheet_and_column(demo_client, demo):
    client = demo_client("pmo")
    wb = _download(client)
    wb["Risks"]["J1"].value = "Likely"
    response = _upload(client, wb)
    assert response.status_code == 400
    assert "Sheet Risks: column J should be headed “Likelihood”, found “Likely”." in response.content.decode()


def test_lead_changes_only_risks_on_their_schemes(demo_client, demo):
    client = demo_client("lead")
    wb = _download(client)
    ws = wb["Risks"]
    _row_of(ws, "IT access to both systems for integrated working")["Likelihood"].value = 1
    response = _upload(client, wb)
    assert response.status_code == 400
    assert Risk.objects.get(title__startswith="IT access").likelihood == 4
    client = demo_client("lead")
    wb = _download(client)
    _new_row(
        wb["Risks"],
        **{
            "Title": "Nurse vacancies",
            "Description": "d",
            "Schemes": "5.1",
            "Raised on": dt.date(2015, 6, 1),
            "Likelihood": 3,
            "Consequence": 3,
            "Target likelihood": 2,
            "Target consequence": 2,
        },
    )
    assert _upload(client, wb).status_code == 302
    assert Risk.objects.filter(title="Nurse vacancies").exists()


def test_roles_for_download_and_upload(demo_client, demo):
    for username in ("pmo", "lead", "steering", "secretary", "finance"):
        assert demo_client(username).get(reverse("risks:export", args=[SLUG])).status_code == 200
    for username in ("steering", "secretary", "finance"):
        assert demo_client(username).get(reverse("risks:import", args=[SLUG])).status_code == 403


def test_a_stale_version_is_a_row_error(demo_client, demo):
    client = demo_client("pmo")
    wb = _download(client)
    from risks.services import risk_update

    risk = Risk.objects.get(title__startswith="IT access")
    risk_update(risk=risk, title="IT access (renamed)")
    row = _row_of(wb["Risks"], "IT access to both systems for integrated working")
    row["Likelihood"].value = 2
    response = _upload(client, wb)
    assert response.status_code == 400
    assert any(
        e["column"] == "Version" and "changed after you opened it" in e["message"] for e in response.context["errors"]
    )
    assert Risk.objects.get(pk=risk.pk).likelihood == 4
