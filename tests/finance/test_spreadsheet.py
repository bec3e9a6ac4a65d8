"""A fund's Appendix 1 as Excel and CSV, read back with openpyxl, and the all-or-nothing upload (seed 004)."""

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from finance import services
from finance.models import Allocation, Decision, DecisionStatus, FinancialYear, Fund, Movement, QuarterlySpend
from finance.selectors import fund_balances, fund_reconciliation
from finance.spreadsheet import (
    ALLOCATION_HEADERS,
    APPENDIX_SHEET,
    SPEND_HEADERS,
    SPEND_SHEET,
    SpreadsheetErrors,
    fund_workbook_import,
)
from tests.factories.finance import decision_clear_and_approve

D = Decimal
TF = "trafford-tf"
APPENDIX_YAML = Path(__file__).resolve().parents[2] / "demo" / "data" / "trafford_tf.yaml"
COL = {header: index for index, header in enumerate(ALLOCATION_HEADERS)}
SPEND_COL = {header: index + 1 for index, header in enumerate(SPEND_HEADERS)}


def decision_fields(**extra) -> dict:
    return {
        "title": "Winter pressures: Transformation Fund amended",
        "body": "Trafford Council Executive",
        "decided_on": dt.date(2019, 11, 20),
    } | extra


def decision_post(**extra) -> dict:
    return {f"decision-{key}": str(value) for key, value in decision_fields(**extra).items()}


def fund() -> Fund:
    return Fund.objects.get(slug=TF)


def alloc(name: str) -> Allocation:
    return Allocation.objects.get(fund__slug=TF, scheme_name=name)


def balance(name: str) -> Decimal:
    allocation = alloc(name)
    return fund_balances(fund=allocation.fund).by_allocation.get(allocation.pk, D("0"))


def download(client, name="export_xlsx", slug=TF):
    response = client.get(reverse(f"finance:{name}", args=[slug]))
    assert response.status_code == 200
    return response


def workbook(client):
    return load_workbook(io.BytesIO(download(client).content))


def appendix_rows(wb) -> list[tuple[int, list]]:
    """(row number, values) of every row under the header row of Appendix 1."""
    ws = wb[APPENDIX_SHEET]
    return [
        (cells[0].row, [c.value for c in cells]) for cells in ws.iter_rows(min_row=3, max_col=len(ALLOCATION_HEADERS))
    ]


def find_row(ws, scheme: str) -> int:
    for cells in ws.iter_rows(min_row=3):
        if cells[COL["Scheme"]].value == scheme:
            return cells[0].row
    raise AssertionError(scheme)


def set_cell(ws, row: int, header: str, value) -> None:
    ws.cell(row=row, column=COL[header] + 1, value=value)


def as_upload(wb, name="fund.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def read_back(content: bytes) -> dict:
    wb = load_workbook(io.BytesIO(content))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def saved_state() -> tuple:
    return (
        Allocation.objects.count(),
        Decision.objects.count(),
        Movement.objects.count(),
        QuarterlySpend.objects.count(),
        dict(fund_balances(fund=fund()).by_allocation),
    )


# --- Download -------------------------------------------------------------------------------------


def test_xlsx_is_appendix_1_with_the_papers_totals(demo, demo_client):
    response = download(demo_client("steering"))
    assert response["Content-Disposition"] == 'attachment; filename="trafford-tf-allocations.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [APPENDIX_SHEET, SPEND_SHEET, "Read me"]
    ws = wb[APPENDIX_SHEET]
    assert "Trafford Transformation Fund" in ws["A1"].value
    assert [c.value for c in ws[2]] == ALLOCATION_HEADERS
    rows = appendix_rows(wb)
    labels = [values[0] for _n, values in rows if values[COL["Row type"]] not in ("data", "note")]
    assert labels == [
        "Schemes going forward",
        "Total",
        "Schemes discontinued - estimated spend 31st March 2019",
        "Total",
        "Grand total",
        "Unallocated",
        "Fund total",
    ]
    totals = [values[COL["£'000s"]] for _n, values in rows if values[0] in ("Total", "Grand total")]
    assert totals == [21524, 476, 22000]
    grand = next(values for _n, values in rows if values[0] == "Grand total")
    assert grand[COL["Budget (£)"]] == 22_000_000
    # Numbers, not formulas, formatted as the papers show £'000s.
    for cells in ws.iter_rows(min_row=3):
        assert all(cell.data_type != "f" for cell in cells)
    total_row = next(n for n, values in rows if values[0] == "Total")
    assert ws.cell(row=total_row, column=4).number_format == "#,##0;(#,##0)"

    # Every Appendix 1 row of seed 004, with its initiative and workstream on the row, and its status.
    expected = yaml.safe_load(APPENDIX_YAML.read_text(encoding="utf-8"))["allocations"]
    by_scheme = {values[COL["Scheme"]]: values for _n, values in rows if values[COL["Scheme"]]}
    assert len(by_scheme) == len(expected) == 30  # the paper's 30 lines (tests/finance/test_appendix_as_printed.py)
    for item in expected:
        values = by_scheme[item["scheme"]]
        assert values[COL["Initiative"]] == item["initiative"]
        assert (values[COL["Workstream"]] or "") == item.get("workstream", "")
        # £'000s as printed: nothing for a line in a merged cell, the paper's figure where the ledger differs.
        printed = None if item.get("figure_in") else int(item.get("printed_thousands", item["thousands"]))
        assert values[COL["£'000s"]] == printed
        assert values[COL["Budget (£)"]] == int(item["thousands"]) * 1000
        assert values[COL["Status"]] == ("Discontinued" if item.get("status") == "discontinued" else "Going forward")
        assert values[COL["Allocation ID"]] == alloc(item["scheme"]).pk
    discontinued_at = next(n for n, values in rows if values[0].startswith("Schemes discontinued"))
    for n, values in rows:
        if values[COL["Scheme"]]:
            assert (n > discontinued_at) == (values[COL["Status"]] == "Discontinued")
    assert "Read me" in wb.sheetnames and "Allocation ID" in " ".join(r[0].value for r in wb["Read me"].iter_rows())


def test_quarterly_spend_sheet_has_a_row_per_allocation_per_quarter(demo, demo_client):
    training = alloc("Training")
    year = FinancialYear.objects.get(start_year=2019)
    services.spend_record(
        allocation=training, financial_year=year, quarter=2, planned=D("120000"), actual=D("-279.50"), by=None
    )
    ws = workbook(demo_client("secretary"))[SPEND_SHEET]
    assert [c.value for c in ws[1]] == SPEND_HEADERS
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 30 * 4 * 4  # 30 allocations × 4 years (2017/18 to 2020/21) × 4 quarters
    q2 = next(r for r in rows if r[0] == training.pk and r[4] == "2019/20" and r[5] == "Q2")
    assert q2[1:4] == ["New Models of Care", "Training", "Training"]
    assert q2[6:9] == [120000, -279.5, None]
    assert {r[4] for r in rows} == {"2017/18", "2018/19", "2019/20", "2020/21"}


def test_csv_has_the_same_table(demo, demo_client):
    client = demo_client("lead")
    response = download(client, "export_csv")
    assert response["Content-Disposition"] == 'attachment; filename="trafford-tf-allocations.csv"'
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == ALLOCATION_HEADERS
    xlsx = appendix_rows(workbook(client))
    assert len(lines) - 1 == len(xlsx)
    for line, (_n, values) in zip(lines[1:], xlsx, strict=True):
        for index, (text, value) in enumerate(zip(line, values, strict=True)):
            if value is None:
                assert text == ""
            elif isinstance(value, (int, float)):
                assert D(text) == D(repr(value)), (index, line)
            else:
                assert text == value
    totals = [line[COL["£'000s"]] for line in lines if line[0] in ("Total", "Grand total")]
    assert totals == ["21524", "476", "22000"]
    home_care = next(line for line in lines if line[2] == "Home Care")
    assert home_care[:5] == ["Integrated Health & Social Care", "Urgent Care", "Home Care", "4390", "4390000.00"]


def test_formula_like_text_is_neutralised(demo, demo_client):
    services.allocation_update_details(
        allocation=alloc("Training"), initiative="+Training", scheme_name='=HYPERLINK("http://example.invalid")'
    )
    services.allocation_update_details(allocation=alloc("Home Care"), workstream="@SUM(A1)", scheme_name="-Home Care")
    client = demo_client("steering")
    ws = workbook(client)[APPENDIX_SHEET]
    row = find_row(ws, '\'=HYPERLINK("http://example.invalid")')
    cells = ws[row]
    assert cells[COL["Initiative"]].value == "'+Training"
    assert all(c.data_type != "f" for c in cells)
    row = find_row(ws, "'-Home Care")
    assert ws.cell(row=row, column=COL["Workstream"] + 1).value == "'@SUM(A1)"
    text = download(client, "export_csv").content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert any(line[:3] == ["'+Training", "Training", '\'=HYPERLINK("http://example.invalid")'] for line in lines)
    assert any(line[1:3] == ["'@SUM(A1)", "'-Home Care"] for line in lines)
    assert not any(cell.startswith(("=", "+", "@")) for line in lines for cell in line)
    # A neutralised name reads back as the stored name: re-uploading the download changes nothing.
    before = saved_state()
    summary = fund_workbook_import(
        fund=fund(),
        file=as_upload(workbook(client)),
        user=User.objects.get(username="finance"),
        kind="allocations",
        decision_fields=decision_fields(),
    )
    assert summary["allocations_created"] == summary["allocations_changed"] == 0
    assert saved_state() == before


def test_export_command_writes_what_the_download_gives(demo, demo_client, tmp_path):
    client = demo_client("steering")
    out = tmp_path / "tf.csv"
    call_command("export_fund", "--fund", TF, "--format", "csv", "--out", str(out), stdout=io.StringIO())
    assert out.read_bytes() == download(client, "export_csv").content
    with out.open(encoding="utf-8-sig", newline="") as written:
        assert written.read() == download(client, "export_csv").content.decode("utf-8-sig")
    out = tmp_path / "tf.xlsx"
    call_command("export_fund", "--fund", TF, "--format", "xlsx", "--out", str(out), stdout=io.StringIO())
    assert read_back(out.read_bytes()) == read_back(download(client).content)


def test_export_command_refuses_an_unknown_fund(demo, tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command("export_fund", "--fund", "no-such-fund", "--out", str(tmp_path / "x.xlsx"))
    assert "no-such-fund" in str(excinfo.value) and "\n" not in str(excinfo.value)
    assert not (tmp_path / "x.xlsx").exists()


# --- Allocation upload ---------------------------------------------------------------------------


def test_allocation_upload_adds_and_changes_money_in_one_movement_approved_by_someone_else(demo, demo_client):
    client = demo_client("pmo")
    wb = workbook(client)
    ws = wb[APPENDIX_SHEET]
    set_cell(ws, find_row(ws, "Home Care"), "Budget (£)", 4_290_000)  # −100k
    training = find_row(ws, "Training")
    set_cell(ws, training, "£'000s", 610)  # +40k, given in £'000s
    set_cell(ws, training, "Budget (£)", None)
    new = ws.max_row + 1  # below the Grand total: read as going forward
    for header, value in {
        "Initiative": "Integrated Health & Social Care",
        "Workstream": "Urgent Care",
        "Scheme": "Winter Pressures",
        "Budget (£)": "60,000.00",
    }.items():
        set_cell(ws, new, header, value)
    response = client.post(
        reverse("finance:import", args=[TF]),
        {"kind": "allocations", "file": as_upload(wb), **decision_post()},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("finance:fund", args=[TF])
    decision = Decision.objects.get(title=decision_fields()["title"])
    assert decision.status == DecisionStatus.PROPOSED and decision.recorded_by.username == "pmo"
    assert balance("Home Care") == D("4390000.00")  # nothing counts until someone else approves it
    decision_clear_and_approve(decision, by=User.objects.get(username="finance"))
    assert balance("Home Care") == D("4290000.00")
    assert balance("Training") == D("610000.00")
    assert balance("Winter Pressures") == D("60000.00")
    winter = alloc("Winter Pressures")
    assert (winter.initiative, winter.workstream, winter.status) == (
        "Integrated Health & Social Care",
        "Urgent Care",
        "going_forward",
    )
    decision = Decision.objects.get(title=decision_fields()["title"])
    assert decision.status == DecisionStatus.APPROVED and decision.body == "Trafford Council Executive"
    movement = decision.movements.get()
    assert movement.financial_year.label == "2019/20"
    assert sorted((line.allocation.scheme_name, line.amount) for line in movement.lines.all()) == [
        ("Home Care", D("-100000.00")),
        ("Training", D("40000.00")),
        ("Winter Pressures", D("60000.00")),
    ]
    rec = fund_reconciliation(fund=fund())
    assert rec["problems"] == [] and rec["total"] == D("22000000")
    page = client.get(reverse("finance:fund", args=[TF]), follow=True)
    assert "Winter Pressures" in page.content.decode()


def test_allocation_upload_increase_from_the_pot_is_proposed_until_approved(demo, demo_client):
    fy = FinancialYear.objects.get(start_year=2019)
    services.contribution_add(fund=fund(), contributor="Trafford CCG", amount=D("500000"), financial_year=fy)
    client = demo_client("pmo")
    wb = workbook(client)
    ws = wb[APPENDIX_SHEET]
    set_cell(ws, find_row(ws, "Enablers"), "Budget (£)", "1,390,000.50")
    user = User.objects.get(username="pmo")
    summary = fund_workbook_import(
        fund=fund(), file=as_upload(wb), user=user, kind="allocations", decision_fields=decision_fields()
    )
    assert summary["allocations_changed"] == 1
    decision = summary["decision"]
    assert decision.status == DecisionStatus.PROPOSED
    assert balance("Enablers") == D("1140000")  # nothing counts until approval
    movement = decision.movements.get()
    assert movement.kind == "allocation"
    assert sorted((str(line.allocation), line.amount) for line in movement.lines.all()) == [
        ("Enablers", D("250000.50")),
        ("None", D("-250000.50")),
    ]
    with pytest.raises(ValidationError, match="You proposed this decision"):
        services.decision_approve(decision=decision, by=user)
    decision_clear_and_approve(decision)
    assert balance("Enablers") == D("1390000.50")
    assert fund_reconciliation(fund=fund())["problems"] == []


def test_upload_that_would_over_allocate_saves_nothing(demo, demo_client):
    client = demo_client("finance")
    wb = workbook(client)
    ws = wb[APPENDIX_SHEET]
    row = find_row(ws, "Home Care")
    set_cell(ws, row, "Budget (£)", 4_390_001)  # the fund is fully allocated: £1 too much
    before = saved_state()
    response = client.post(
        reverse("finance:import", args=[TF]),
        {"kind": "allocations", "file": as_upload(wb), **decision_post()},
    )
    assert response.status_code == 400
    errors = response.context["errors"]
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [(APPENDIX_SHEET, row, "Budget (£)")]
    assert "over-allocate" in errors[0]["message"] and "£1.00" in errors[0]["message"]
    assert "Nothing was saved" in response.content.decode()
    assert saved_state() == before
    assert fund_reconciliation(fund=fund())["problems"] == []


def test_bad_amounts_are_reported_by_row_and_nothing_is_saved(demo):
    wb = load_workbook(io.BytesIO(_xlsx()))
    ws = wb[APPENDIX_SHEET]
    rows = {name: find_row(ws, name) for name in ("Home Care", "Training", "Enablers", "Administration")}
    set_cell(ws, rows["Home Care"], "Budget (£)", -5)
    set_cell(ws, rows["Training"], "Budget (£)", "lots")
    set_cell(ws, rows["Enablers"], "Budget (£)", 1140000.125)
    set_cell(ws, rows["Administration"], "Budget (£)", None)
    set_cell(ws, rows["Administration"], "£'000s", 1.2345678)
    new = ws.max_row + 1
    set_cell(ws, new, "Initiative", "Enablers")
    set_cell(ws, new, "Scheme", "Digital")  # no amount
    before = saved_state()
    with pytest.raises(SpreadsheetErrors) as excinfo:
        fund_workbook_import(
            fund=fund(),
            file=as_upload(wb),
            user=User.objects.get(username="finance"),
            kind="allocations",
            decision_fields=decision_fields(),
        )
    found = {(e["row"], e["column"]): e["message"] for e in excinfo.value.errors}
    assert "cannot be negative" in found[(rows["Home Care"], "Budget (£)")]
    assert "“lots”" in found[(rows["Training"], "Budget (£)")]
    assert "two decimal places" in found[(rows["Enablers"], "Budget (£)")]
    assert "whole number of pence" in found[(rows["Administration"], "£'000s")]
    assert "Give the amount" in found[(new, "Budget (£)")]
    assert len(found) == 5
    assert saved_state() == before


def test_upload_refuses_renames_discontinued_changes_and_duplicates(demo):
    wb = load_workbook(io.BytesIO(_xlsx()))
    ws = wb[APPENDIX_SHEET]
    renamed = find_row(ws, "Training")
    set_cell(ws, renamed, "Scheme", "Training and development")
    discontinued = find_row(ws, "GP Transitional Relief")
    set_cell(ws, discontinued, "Budget (£)", 200_000)
    duplicate = ws.max_row + 1
    for header in ("Initiative", "Workstream", "Scheme", "Budget (£)"):
        set_cell(ws, duplicate, header, ws.cell(row=find_row(ws, "Home Care"), column=COL[header] + 1).value)
    set_cell(ws, duplicate + 1, "Scheme", "Ghost")
    set_cell(ws, duplicate + 1, "Initiative", "Enablers")
    set_cell(ws, duplicate + 1, "Budget (£)", 1)
    set_cell(ws, duplicate + 1, "Allocation ID", 999999)
    with pytest.raises(SpreadsheetErrors) as excinfo:
        fund_workbook_import(
            fund=fund(), file=as_upload(wb), user=None, kind="allocations", decision_fields=decision_fields()
        )
    found = {e["row"]: (e["column"], e["message"]) for e in excinfo.value.errors}
    assert found[renamed][0] == "Scheme" and "cannot rename" in found[renamed][1]
    assert "discontinued" in found[discontinued][1]
    assert "also on row" in found[duplicate][1]
    assert found[duplicate + 1][0] == "Allocation ID"


def test_an_unreadable_file_is_refused(demo, demo_client):
    client = demo_client("pmo")
    response = client.post(
        reverse("finance:import", args=[TF]),
        {"kind": "spend", "file": SimpleUploadedFile("fund.xlsx", b"not a workbook")},
    )
    assert response.status_code == 400
    assert "could not be read as an Excel workbook" in response.content.decode()


def test_allocation_upload_needs_the_decision_record(demo, demo_client):
    client = demo_client("pmo")
    response = client.post(
        reverse("finance:import", args=[TF]), {"kind": "allocations", "file": as_upload(workbook(client))}
    )
    assert response.status_code == 400
    assert response.context["decision_form"].errors["title"]
    assert Decision.objects.filter(fund__slug=TF).count() == 2


# --- Spend upload --------------------------------------------------------------------------------


def _xlsx() -> bytes:
    from finance.spreadsheet import fund_workbook_bytes

    return fund_workbook_bytes(fund=fund())


def spend_row(ws, allocation: Allocation, year: str, quarter: str) -> int:
    for cells in ws.iter_rows(min_row=2):
        if (cells[0].value, cells[4].value, cells[5].value) == (allocation.pk, year, quarter):
            return cells[0].row
    raise AssertionError((allocation, year, quarter))


def test_spend_upload_records_each_changed_quarter(demo, demo_client):
    client = demo_client("finance")
    home = alloc("Home Care")
    year = FinancialYear.objects.get(start_year=2019)
    services.spend_record(allocation=home, financial_year=year, quarter=1, planned=D("5"), note="kept")
    wb = workbook(client)
    ws = wb[SPEND_SHEET]
    q1 = spend_row(ws, home, "2019/20", "Q1")
    ws.cell(row=q1, column=SPEND_COL["Planned (£)"], value=1_000_000)
    ws.cell(row=q1, column=SPEND_COL["Actual (£)"], value=987_654.32)
    ws.cell(row=q1, column=SPEND_COL["Forecast outturn (£)"], value="(1,250.50)")
    q2 = spend_row(ws, home, "2019/20", "Q2")
    ws.cell(row=q2, column=SPEND_COL["Planned (£)"], value="1100000")
    response = client.post(reverse("finance:import", args=[TF]), {"kind": "spend", "file": as_upload(wb)})
    assert response.status_code == 302
    rows = {s.quarter: s for s in QuarterlySpend.objects.filter(allocation=home, financial_year=year)}
    assert (rows[1].planned, rows[1].actual, rows[1].forecast_outturn) == (D("1000000"), D("987654.32"), D("-1250.50"))
    assert rows[1].note == "kept"
    assert (rows[2].planned, rows[2].actual, rows[2].forecast_outturn) == (D("1100000"), None, None)
    assert QuarterlySpend.objects.filter(allocation__fund__slug=TF).count() == 2
    # The same file again changes nothing.
    before = list(QuarterlySpend.objects.values_list("pk", "version"))
    fund_workbook_import(fund=fund(), file=as_upload(wb), user=None, kind="spend")
    assert list(QuarterlySpend.objects.values_list("pk", "version")) == before


def test_spend_upload_refuses_a_closed_year_and_bad_rows_saving_nothing(demo):
    closed = FinancialYear.objects.get(start_year=2017)
    services.financial_year_close(year=closed)
    wb = load_workbook(io.BytesIO(_xlsx()))
    ws = wb[SPEND_SHEET]
    home, training = alloc("Home Care"), alloc("Training")
    good = spend_row(ws, home, "2019/20", "Q1")
    ws.cell(row=good, column=SPEND_COL["Planned (£)"], value=100)
    in_closed = spend_row(ws, training, "2017/18", "Q4")
    ws.cell(row=in_closed, column=SPEND_COL["Actual (£)"], value=50)
    untouched_closed = spend_row(ws, training, "2017/18", "Q3")  # unchanged rows in a closed year are fine
    assert untouched_closed
    bad = {
        "year": spend_row(ws, home, "2019/20", "Q2"),
        "quarter": spend_row(ws, home, "2019/20", "Q3"),
        "id": spend_row(ws, home, "2019/20", "Q4"),
        "planned": spend_row(ws, home, "2020/21", "Q1"),
        "dp": spend_row(ws, home, "2020/21", "Q2"),
    }
    ws.cell(row=bad["year"], column=SPEND_COL["Year"], value="2031/32")
    ws.cell(row=bad["quarter"], column=SPEND_COL["Quarter"], value="Q5")
    ws.cell(row=bad["id"], column=SPEND_COL["Allocation ID"], value=999999)
    ws.cell(row=bad["planned"], column=SPEND_COL["Planned (£)"], value=-1)
    ws.cell(row=bad["dp"], column=SPEND_COL["Actual (£)"], value="10.005")
    with pytest.raises(SpreadsheetErrors) as excinfo:
        fund_workbook_import(fund=fund(), file=as_upload(wb), user=None, kind="spend")
    found = {e["row"]: (e["sheet"], e["column"], e["message"]) for e in excinfo.value.errors}
    assert found[in_closed] == (SPEND_SHEET, "Year", "2017/18 is closed: nothing more can be recorded in it.")
    assert found[bad["year"]][1] == "Year" and "2031/32" in found[bad["year"]][2]
    assert found[bad["quarter"]][1] == "Quarter"
    assert found[bad["id"]][1] == "Allocation ID"
    assert found[bad["planned"]][1] == "Planned (£)" and "negative" in found[bad["planned"]][2]
    assert found[bad["dp"]][1] == "Actual (£)" and "two decimal places" in found[bad["dp"]][2]
    assert good not in found and untouched_closed not in found and len(found) == 6
    assert not QuarterlySpend.objects.filter(allocation__fund__slug=TF).exists()


# --- Who may download and upload -------------------------------------------------------------------


@pytest.mark.parametrize("username", ["steering", "secretary", "lead"])
def test_readers_download_but_cannot_upload(demo, demo_client, username):
    client = demo_client(username)
    assert download(client).status_code == 200
    assert download(client, "export_csv").status_code == 200
    url = reverse("finance:import", args=[TF])
    assert client.get(url).status_code == 403
    wb = load_workbook(io.BytesIO(_xlsx()))
    set_cell(wb[APPENDIX_SHEET], find_row(wb[APPENDIX_SHEET], "Home Care"), "Budget (£)", 1)
    before = saved_state()
    response = client.post(url, {"kind": "allocations", "file": as_upload(wb), **decision_post()})
    assert response.status_code == 403
    assert saved_state() == before


@pytest.mark.parametrize("username", ["finance", "pmo"])
def test_finance_and_programme_office_may_upload(demo, demo_client, username):
    response = demo_client(username).get(reverse("finance:import", args=[TF]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="decision-title"' in page
    assert reverse("finance:export_xlsx", args=[TF]) in page


def test_anonymous_is_sent_to_sign_in(demo, client):
    for name in ("export_xlsx", "export_csv", "import"):
        response = client.get(reverse(f"finance:{name}", args=[TF]))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_unknown_fund_is_404(demo, demo_client):
    client = demo_client("finance")
    for name in ("export_xlsx", "export_csv", "import"):
        assert client.get(reverse(f"finance:{name}", args=["no-such-fund"])).status_code == 404
