"""export_business_cases writes the Manchester net table, computed, as CSV and XLSX read back for real."""

import csv

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases import services
from cases.models import InvestmentLine
from tests.factories.schemes import ProgrammeFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "Continuing healthcare": ["(61)", "466", "466"],
    "COPD": ["(106)", "277", "277"],
    "End of life": ["(63)", "12", "12"],
    "Falls": ["(103)", "0", "0"],
    "Total": ["(333)", "755", "755"],
}


def _net_rows(rows):
    """{first word(s) of the case: its three year cells} from the net table's rows."""
    found = {}
    for row in rows:
        title = str(row[0] or "")
        for key in EXPECTED:
            if title.startswith(key):
                found[key] = [str(cell) for cell in row[3:6]]
    return found


def test_xlsx_export_has_the_papers_net_table(demo, tmp_path):
    out = tmp_path / "cases.xlsx"
    call_command("export_business_cases", programme="manchester-cicb-2012", format="xlsx", out=str(out))
    workbook = openpyxl.load_workbook(out, read_only=True)
    sheet = workbook["Net cost-benefit"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3:6] == ("12/13 £k", "13/14 £k", "14/15 £k")
    assert _net_rows(rows[1:]) == EXPECTED
    assert "Lines" in workbook.sheetnames and "Portfolio" in workbook.sheetnames


def _csv_rows(out):
    # The command line as the README gives it, parsed as from a shell.
    call_command("export_business_cases", "--programme", "manchester-cicb-2012", "--format", "csv", "--out", str(out))
    with out.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_export_has_the_papers_net_table(demo, tmp_path):
    rows = _csv_rows(tmp_path / "cases.csv")
    assert rows[0] == ["Net cost-benefit"]
    assert _net_rows(rows[2:7]) == EXPECTED
    # Computed, not typed: a dearer continuing healthcare team (£116,000 a year, 7 months in 12/13 = £67,667)
    # moves its 12/13 net and the total by 7 (£k), and 13/14 by 12.
    line = InvestmentLine.objects.get(
        scenario__case__programme__slug="manchester-cicb-2012",
        scenario__case__title__startswith="Continuing healthcare",
        scenario__is_baseline=True,
    )
    services.investment_line_update(line=line, amount="116000", reason="Pay award")
    changed = _net_rows(_csv_rows(tmp_path / "changed.csv")[2:7])
    assert changed["Continuing healthcare"] == ["(68)", "454", "454"]
    assert changed["Total"] == ["(340)", "743", "743"]
    assert changed["COPD"] == EXPECTED["COPD"]


def test_export_neutralises_formula_text(tmp_path):
    programme = ProgrammeFactory(slug="formula")
    services.business_case_create(programme=programme, title='=HYPERLINK("http://x","y")', first_year=2015)
    out = tmp_path / "cases.xlsx"
    call_command("export_business_cases", programme="formula", format="xlsx", out=str(out))
    cell = openpyxl.load_workbook(out)["Net cost-benefit"]["A2"]
    assert cell.data_type == "s" and cell.value == '\'=HYPERLINK("http://x","y")'
    out_csv = tmp_path / "cases.csv"
    call_command("export_business_cases", programme="formula", format="csv", out=str(out_csv))
    assert "'=HYPERLINK" in out_csv.read_text(encoding="utf-8-sig")


def test_unknown_programme_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="Unknown programme"):
        call_command("export_business_cases", programme="nope", format="csv", out=str(tmp_path / "x.csv"))
