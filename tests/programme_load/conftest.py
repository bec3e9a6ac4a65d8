"""A new programme (two workstreams, a £1m fund for 2024/25, two project leads with e-mails) and its workbook,
built as a real .xlsx from the downloaded template."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts.roles import Role
from programme_load.template import SHEETS, programme_template_bytes
from schemes.services import workstream_create
from tests.factories.finance import FundFactory
from tests.factories.schemes import ProgrammeFactory

TODAY = dt.date(2024, 11, 1)


def workbook_file(programme, sheets: dict[str, list[dict]], *, name: str = "programme.xlsx") -> SimpleUploadedFile:
    """The downloaded template with `sheets` ({sheet: [{header: value}]}) typed in, as an upload."""
    workbook = load_workbook(io.BytesIO(programme_template_bytes(programme=programme, workstreams=[])))
    for sheet, rows in sheets.items():
        ws, headers = workbook[sheet], SHEETS[sheet]
        for number, values in enumerate(rows, start=2):
            unknown = set(values) - set(headers)
            assert not unknown, f"not columns of {sheet}: {unknown}"
            for column, header in enumerate(headers, start=1):
                ws.cell(row=number, column=column, value=values.get(header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def programme_sheets(schemes: int = 3, milestones: int = 2) -> dict[str, list[dict]]:
    """A small programme: `schemes` schemes with `milestones` milestones each, a risk and an allocation each."""
    sheets: dict[str, list[dict]] = {name: [] for name in SHEETS}
    for n in range(1, schemes + 1):
        ref = f"N{n}"
        sheets["Schemes"].append(
            {
                "Ref": ref,
                "Name": f"Scheme {n}",
                "Workstream": "Frail and older people" if n % 2 else "Urgent care",
                "Locality": "North",
                "CCG": "Yes",
                "GM": "No",
                "National": "Yes",
                "Project lead e-mail": "ann.lead@example.org" if n % 2 else "Bob.Lead@Example.org",
                "Clinical lead": "Dr Clinician",
                "Description": f"What scheme {n} does",
            }
        )
        for m in range(1, milestones + 1):
            moved = m == 2
            sheets["Milestones"].append(
                {
                    "Scheme ref": ref,
                    "Phase": "1",
                    "Description": f"Milestone {m} of {ref}",
                    "Baseline date": dt.datetime(2024, 6, m),
                    "Due date": dt.datetime(2024, 9 if moved else 6, m),
                    "Reason for date change": "Awaiting the provider's data" if moved else None,
                    "Completed on": dt.datetime(2024, 6, 20) if m == 1 else None,
                }
            )
        sheets["Risks"].append(
            {"Title": f"Staff shortfall in {ref}", "Scheme ref": ref, "Likelihood": 3, "Consequence": 4}
        )
        sheets["Allocations"].append(
            {
                "Scheme ref": ref,
                "Initiative": "BCF",
                "Workstream": "Frail and older people" if n % 2 else "Urgent care",
                "Amount (£)": 10000 * n,
                "Status": "Going forward",
            }
        )
    return sheets


@pytest.fixture
def setup(db, make_user):
    """The programme, its workstreams and fund, the programme office and two leads."""
    programme = ProgrammeFactory(
        slug="new-bcf", name="New BCF 2024/25", start_date=dt.date(2024, 4, 1), end_date=dt.date(2025, 3, 31)
    )
    for order, name in enumerate(["Frail and older people", "Urgent care"]):
        workstream_create(programme=programme, name=name, order=order)
    fund = FundFactory(
        programme=programme, slug="new-pool", name="New pooled budget", start_year=2024, total=Decimal("100000.00")
    )
    pmo = make_user(Role.PROGRAMME_OFFICE, username="office", email="office@example.org")
    ann = make_user(Role.PROJECT_LEAD, username="ann", email="ann.lead@example.org")
    bob = make_user(Role.PROJECT_LEAD, username="bob", email="bob.lead@example.org")
    decision = {
        "title": "Section 75 allocations 2024/25",
        "body": "Health and Wellbeing Board",
        "decided_on": "2024-10-01",
    }
    return {"programme": programme, "fund": fund, "pmo": pmo, "ann": ann, "bob": bob, "decision": decision}
