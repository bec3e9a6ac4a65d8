"""The return workbook recalculated by a real spreadsheet: LibreOffice headless opens it, recalculates every
formula and saves it; openpyxl reads the results back (data_only). No formula errors, the totals equal the
app's own (Decimal), and the checklist follows a cell a submitter fills in. One conversion, to keep it quick."""

import io
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from finance.models import QuarterlySpend
from returns import services
from tests.factories.returns import pooled_fund_create
from tests.returns.helpers import decimal, find_row

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
ERRORS = ("#REF!", "#VALUE!", "#NAME?", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")

# Recalculate every formula on load, whatever the cached values say (0: always), in a profile of its own.
ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def recalculated(content: bytes, tmp_path: Path) -> openpyxl.Workbook:
    """The workbook as LibreOffice calculates it: converted to xlsx headless, read back with data_only."""
    if SOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (libreoffice-calc-nogui) is needed in CI: .ci/run installs it")
        pytest.skip("LibreOffice is not installed: apt-get install --no-install-recommends libreoffice-calc-nogui")
    profile = tmp_path / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE, encoding="utf-8")
    source, out = tmp_path / "return.xlsx", tmp_path / "out"
    source.write_bytes(content)
    subprocess.run(  # noqa: S603 - a fixed command on files this test wrote
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return openpyxl.load_workbook(out / "return.xlsx", data_only=True)


def _formula_cells(book) -> list[tuple[str, str]]:
    return [(ws.title, c.coordinate) for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]


def _same(a, b) -> bool:
    if isinstance(a, int | float) or isinstance(b, int | float):
        return a is not None and b is not None and decimal(a) == decimal(b)
    return (a or "") == (b or "")


def test_libreoffice_recalculates_the_return_with_no_errors_and_the_apps_totals(programme, pmo, tmp_path):
    pooled_fund_create(programme=programme, by=pmo)
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q2", by=pmo)
    formulas = openpyxl.load_workbook(io.BytesIO(bytes(draft.workbook)))
    cached = openpyxl.load_workbook(io.BytesIO(bytes(draft.workbook)), data_only=True)
    # A submitter explains condition 3 in the workbook itself; openpyxl's save also drops every cached value,
    # so LibreOffice has to calculate each formula (and is told to recalculate all on load anyway).
    conditions = formulas["National Conditions"]
    nc3 = find_row(conditions, 1, "3)")
    assert conditions.cell(nc3, 3).value == "No - In Progress" and not conditions.cell(nc3, 4).value
    conditions.cell(nc3, 4).value = "Seven-day working starts in the autumn."
    edited = io.BytesIO()
    formulas.save(edited)

    book = recalculated(edited.getvalue(), tmp_path)

    # 1. No formula errors anywhere.
    for ws in book:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value.startswith(ERRORS)), (ws.title, value)
    # 2. Every formula recalculates to the value the app cached, except the checklist line just fixed.
    checklist = formulas["Checklist"]
    fixed = next(r for r in range(7, checklist.max_row + 1) if str(checklist.cell(r, 3).value).startswith("3)"))
    cells = _formula_cells(formulas)
    assert len(cells) > 30
    for sheet, coordinate in cells:
        if (sheet, coordinate) == ("Checklist", f"E{fixed}"):
            continue
        assert _same(book[sheet][coordinate].value, cached[sheet][coordinate].value), (sheet, coordinate)
    # 3. The checklist follows the cell: condition 3 now has its commentary.
    assert cached["Checklist"].cell(fixed, 5).value == "No"
    assert book["Checklist"].cell(fixed, 5).value == "Yes"
    failing = [c for c in draft.failed_checks if c["code"] != "nc.3"]
    assert book["Checklist"]["B3"].value == ("Incomplete Template" if failing else "Complete Template")
    # 4. The totals are the app's own, to the penny: the figures it computed and the money records.
    ws = book["Income and Expenditure"]
    spend = list(QuarterlySpend.objects.filter(allocation__fund__programme=programme))
    header = find_row(ws, 2, "Expenditure from the pooled fund by quarter") + 1
    plan = next(r for r in range(header, header + 4) if ws.cell(r, 2).value == "Plan")
    figures = {r["key"]: r for r in draft.figures["expenditure_quarters"]["rows"]}
    assert Decimal(figures["plan"]["year"]) == sum((s.planned for s in spend), Decimal(0))
    assert decimal(ws.cell(plan, 7).value) == Decimal(figures["plan"]["year"])
    scheme_header = find_row(ws, 2, "Expenditure by scheme") + 1
    total = next(r for r in range(scheme_header, ws.max_row + 1) if ws.cell(r, 2).value == "Total")
    columns = {ws.cell(scheme_header, c).value: c for c in range(2, 10)}
    planned_ytd = sum((s.planned for s in spend if s.quarter <= 2), Decimal(0))
    assert decimal(ws.cell(total, columns["Planned year to date (£)"]).value) == planned_ytd
    rows = draft.figures["expenditure"]["rows"]
    actual_ytd = sum((Decimal(r["actual_ytd"]) for r in rows if r["actual_ytd"] is not None), Decimal(0))
    assert decimal(ws.cell(total, columns["Actual year to date (£)"]).value) == actual_ytd
    income = find_row(ws, 2, "Income to the pooled fund by quarter") + 1
    income_plan = next(r for r in range(income, income + 4) if ws.cell(r, 2).value == "Plan")
    assert decimal(ws.cell(income_plan, 7).value) == Decimal("13500000.00")  # the two contributions
