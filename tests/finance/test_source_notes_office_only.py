"""Issue 21 point 14: provenance notes (how a figure was read from the paper) are for the programme office only. An
allocation's note and a business case's "source and readings" are shown to it, and to nobody else, on the pages
and in their histories; the server leaves them out, so no other role can read them in the HTML."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.cases import business_case
from tests.factories.finance import AllocationFactory, FundFactory
from tests.factories.schemes import ProgrammeFactory

pytestmark = pytest.mark.django_db

ALLOCATION_NOTE = "Read as including Discharge to Assess Process Improvements"
CASE_NOTE = "P1 §2.2–2.5 and the summary table; net row of §3.0"


@pytest.fixture
def noted(db):
    programme = ProgrammeFactory()
    fund = FundFactory(programme=programme)
    allocation = AllocationFactory(fund=fund, scheme_name="Care Workforce", note=ALLOCATION_NOTE)
    users = {role: UserFactory(roles=[role], roles__programmes=[programme]) for role in Role}
    case = business_case(programme=programme, by=users[Role.PROGRAMME_OFFICE])
    case.source_note = CASE_NOTE
    case.save()
    return fund, allocation, case, users


@pytest.mark.parametrize("role", list(Role))
def test_provenance_notes_reach_the_programme_office_only(client, noted, role):
    fund, allocation, case, users = noted
    client.force_login(users[role])
    sees = role == Role.PROGRAMME_OFFICE
    fund_page = client.get(reverse("finance:fund", args=[fund.slug])).content.decode()
    allocation_page = client.get(reverse("finance:allocation", args=[allocation.pk])).content.decode()
    assert "Care Workforce" in fund_page and "Care Workforce" in allocation_page  # the line itself, for everyone
    # The page and the allocation's history (its created entry lists the note).
    assert (ALLOCATION_NOTE in fund_page) is sees
    assert (ALLOCATION_NOTE in allocation_page) is sees
    case_page = client.get(reverse("cases:detail", args=[case.pk]))
    assert case_page.status_code == 200
    assert (CASE_NOTE in case_page.content.decode()) is sees
