"""A risk's owner is one of the programme's partnership's people (issue 17): the register upload refuses an account
of another partnership, with the row and the reason, and saves nothing; the risk form does not offer one."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from accounts.roles import Role
from core.spreadsheets import SpreadsheetErrors
from risks.forms import RiskCreateForm
from risks.models import Risk
from risks.spreadsheet import RISK_HEADERS, RISKS_SHEET, register_workbook_import
from tests.factories.accounts import PartnershipFactory, UserFactory
from tests.factories.schemes import ProgrammeFactory, SchemeFactory

pytestmark = pytest.mark.django_db


def _workbook(*rows: dict) -> SimpleUploadedFile:
    workbook = Workbook()
    ws = workbook.active
    ws.title = RISKS_SHEET
    ws.append(RISK_HEADERS)
    for values in rows:
        ws.append([values.get(header) for header in RISK_HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("register.xlsx", buffer.getvalue())


@pytest.fixture
def two_partnerships():
    ours = ProgrammeFactory(partnership=PartnershipFactory(slug="ours", name="Our partnership"))
    theirs = ProgrammeFactory(partnership=PartnershipFactory(slug="theirs", name="Their partnership"))
    scheme = SchemeFactory(programme=ours, ref="1.1")
    office = UserFactory(username="office", roles=[Role.PROGRAMME_OFFICE], roles__programmes=[ours])
    colleague = UserFactory(username="colleague", roles=[Role.PROJECT_LEAD], roles__programmes=[ours])
    stranger = UserFactory(username="stranger", roles=[Role.PROGRAMME_OFFICE], roles__programmes=[theirs])
    return ours, scheme, office, colleague, stranger


def _row(title: str, owner: str) -> dict:
    return {
        "Title": title,
        "Description": "Why it matters",
        "Schemes": "1.1",
        "Owner": owner,
        "Raised on": dt.datetime(2015, 6, 1),
        "Likelihood": 3,
        "Consequence": 3,
        "Target likelihood": 2,
        "Target consequence": 2,
    }


def test_another_partnerships_user_cannot_be_named_owner(two_partnerships):
    programme, _scheme, office, _colleague, _stranger = two_partnerships
    upload = _workbook(_row("Workforce gaps", "colleague"), _row("Data sharing", "stranger"))
    with pytest.raises(SpreadsheetErrors) as refused:
        register_workbook_import(programme=programme, file=upload, user=office)
    errors = refused.value.errors
    assert [(e["row"], e["column"]) for e in errors] == [(3, "Owner")]
    assert "no role in Our partnership" in errors[0]["message"]
    assert Risk.objects.count() == 0  # all or nothing: the good row is not saved either


def test_the_partnerships_own_people_and_free_text_names_are_owners(two_partnerships):
    programme, _scheme, office, colleague, _stranger = two_partnerships
    upload = _workbook(_row("Workforce gaps", "colleague"), _row("Data sharing", "A. Consultant"))
    register_workbook_import(programme=programme, file=upload, user=office)
    saved = {r.title: (r.owner, r.owner_name) for r in Risk.objects.all()}
    assert saved == {"Workforce gaps": (colleague, ""), "Data sharing": (None, "A. Consultant")}


def test_the_risk_form_offers_only_the_partnerships_people(two_partnerships):
    programme, _scheme, office, colleague, stranger = two_partnerships
    offered = set(RiskCreateForm(programme=programme).fields["owner"].queryset)
    assert {office, colleague} <= offered and stranger not in offered
