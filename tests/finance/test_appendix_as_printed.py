"""Appendix 1 line by line as the paper prints it: seed 004_121e44012ceef361.txt (Trafford Council Executive,
18 March [2019], "Transformation Fund - Re-purpose of the Funding"), Appendix 1, lines 103-150 of the seed file.
Every output (the fund page, the Excel and CSV downloads, the PDF appendix) walks finance.selectors.appendix_lines.
"""

import csv
import io
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from finance.models import Fund
from finance.selectors import appendix_lines
from finance.spreadsheet import fund_csv_text, fund_workbook_bytes
from reporting.appendix import finance_appendix_render

# (initiative, workstream, line, £'000s as printed or None where the line has no figure of its own), in the
# paper's order (004 lines 107-143). The four Care Workforce roles (lines 111-115) share the merged cell of 1,270;
# Discharge to Assess Process Improvements (line 125) and the Adults lines (129-131) have no figure of their own.
GOING_FORWARD = [
    ("New Models of Care", "Planned", "Primary Care Mental Health and Wellbeing Service", 940),
    ("New Models of Care", "Planned", "Medicines Optimisation Team", 610),
    ("New Models of Care", "Urgent/specialised", "Care Workforce", 1270),
    ("New Models of Care", "Urgent/specialised", "Diabetes", None),
    ("New Models of Care", "Urgent/specialised", "Ambulatory Care", None),
    ("New Models of Care", "Urgent/specialised", "A&E Streaming", None),
    ("New Models of Care", "Urgent/specialised", "Advanced Clinical Practitioners", None),
    ("New Models of Care", "Domiciliary", "Trafford Enhanced Care Home Team (TECHT)", 2630),
    ("New Models of Care", "Preventative", "Administration", 50),
    ("New Models of Care", "Preventative", "Screening LES Payments", 70),
    ("New Models of Care", "Commissioning", "Quality and Outcomes Framework", 360),
    ("New Models of Care", "Training", "Training", 570),
    ("New Models of Care", "Primary Care", "Primary Care Neighbourhood Model", 2074),
    ("Integrated Health & Social Care", "Urgent Care", "Discharge to Assess Bed Facility", 787),
    ("Integrated Health & Social Care", "Urgent Care", "Social Work Capacity - improve flow in hospitals", 43),
    ("Integrated Health & Social Care", "Urgent Care", "Discharge to Assess Process Improvements", None),
    ("Integrated Health & Social Care", "Urgent Care", "Intermediate Care (Ascot House)", 3040),
    ("Integrated Health & Social Care", "Urgent Care", "Home Care", 4390),
    ("Local Care Alliance", "", "Development Costs", 24),
    ("Adult's and Children's Social Care", "Children", "Managing Demand", 1720),
    ("Adult's and Children's Social Care", "Adults", "Asset Based Approach / 3 Conversations", None),
    ("Adult's and Children's Social Care", "Adults", "Reassessments / Risk Based Tool", None),
    ("Programme Management", "Programme Management", "Programme Management", 1806),
    ("Enablers", "Enablers", "Enablers", 1140),
]
# 004 lines 146-152: "Schemes Discontinued - Estimated Spend 31st March 2019"; Clinical and Change Resource 40.
DISCONTINUED = [
    ("Overarching", "Overarching", "Clinical and Change Resource", 40),
    ("New Models of Care", "Provider Development", "Provider Leadership Capacity", 43),
    ("New Models of Care", "Provider Development", "GP Transitional Relief", 148),
    ("New Models of Care", "Provider Development", "New Organisational Form", 0),
    ("Integrated Health & Social Care", "Urgent Care", "Community Enhanced Care", 285),
    ("Integrated Health & Social Care", "Urgent Care", "Urgent Care", 0),
]
HEADING = "Schemes discontinued - estimated spend 31st March 2019"


@pytest.fixture
def tf(demo):
    return Fund.objects.get(slug="trafford-tf")


def _thousands(value):
    return None if value is None else int(value / 1000)


def test_every_line_in_the_papers_order_and_grouping(tf):
    lines = appendix_lines(fund=tf)
    rows = [
        (line.allocation.initiative, line.allocation.workstream, line.label, _thousands(line.figure))
        for line in lines
        if line.kind == "row"
    ]
    assert rows == GOING_FORWARD + DISCONTINUED
    sections = [line.label for line in lines if line.kind == "section"]
    assert sections == ["Schemes going forward", HEADING]
    # The paper's totals (004 lines 144, 153, 156) are the ledger's: the 40 it prints is footnoted.
    totals = [_thousands(line.money.budget) for line in lines if line.kind in ("total", "grand", "fund_total")]
    assert totals == [21524, 476, 22000, 22000]
    ccr = next(line for line in lines if line.label == "Clinical and Change Resource")
    note = next(line for line in lines if line.kind == "footnote" and line.label == str(ccr.footnote))
    assert "476" in note.text and "516" in note.text


def test_discontinued_lines_show_their_figure_as_spend(tf):
    for line in appendix_lines(fund=tf):
        if line.kind == "row" and line.allocation.status == "discontinued" and line.allocation.printed_figure is None:
            assert line.money.spent == line.money.budget, line.label
    gp = next(line for line in appendix_lines(fund=tf) if line.label == "GP Transitional Relief")
    assert gp.money.spent == Decimal("148000")


def test_the_csv_reconciles_by_row_type(tf):
    rows = list(csv.DictReader(io.StringIO(fund_csv_text(fund=tf))))
    kinds = {row["Row type"] for row in rows}
    assert kinds == {"heading", "data", "subtotal", "unallocated", "fund total", "note"}
    data = sum(Decimal(row["Budget (£)"]) for row in rows if row["Row type"] == "data")
    (unallocated,) = [Decimal(row["Budget (£)"]) for row in rows if row["Row type"] == "unallocated"]
    (fund_total,) = [Decimal(row["Budget (£)"]) for row in rows if row["Row type"] == "fund total"]
    assert data + unallocated == fund_total == Decimal("22000000.00")
    # Summing every row with money would count the totals too: the row type is what stops that.
    everything = sum(Decimal(row["Budget (£)"]) for row in rows if row["Budget (£)"])
    assert everything > fund_total
    ccr = next(row for row in rows if row["Scheme"].startswith("Clinical and Change Resource"))
    assert (ccr["£'000s"], ccr["Budget (£)"]) == ("40", "0.00")
    assert any(HEADING in row["Initiative"] for row in rows)
    assert any(row["Row type"] == "note" and "476" in row["Initiative"] for row in rows)


def test_every_output_prints_the_lines_the_heading_and_the_footnote(tf, demo_client):
    workbook = load_workbook(io.BytesIO(fund_workbook_bytes(fund=tf)))
    sheet = [
        " ".join(str(c) for c in row if c is not None) for row in workbook["Appendix 1"].iter_rows(values_only=True)
    ]
    pdf = bytes(finance_appendix_render(fund=tf).pdf)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    pdf_text = text.decode()
    page = demo_client("finance").get(reverse("finance:fund", args=[tf.slug])).content.decode()
    for name, output in (("xlsx", "\n".join(sheet)), ("pdf", pdf_text), ("page", page)):
        # Whitespace dropped: a PDF table cell wraps a long name over lines.
        output = "".join(output.replace("&amp;", "&").replace("&#x27;", "'").split())
        for _, _, line, _ in GOING_FORWARD + DISCONTINUED:
            assert "".join(line.split()) in output, (name, line)
        assert "31stMarch2019" in output, name
        assert "sumto476" in output, name
        assert "Unallocated" in output and "Fundtotal" in output, name
