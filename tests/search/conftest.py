import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from reporting.models import IssuedReport
from tests.factories.accounts import PartnershipFactory, UserFactory
from tests.factories.finance import DecisionFactory, FundFactory
from tests.factories.milestones import MilestoneFactory
from tests.factories.risks import RiskFactory
from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory


def _issued_report(programme, meeting: str) -> IssuedReport:
    period = ReportingPeriodFactory(programme=programme, name="Q1 2015/16")
    return IssuedReport.objects.create(
        programme=programme,
        period=period,
        meeting=meeting,
        meeting_date=dt.date(2015, 7, 21),
        pdf=b"%PDF-1.7",
        pdf_sha256="0" * 64,
        snapshot={},
        snapshot_sha256="0" * 64,
        issued_by_name="Test",
        issued_at=timezone.now(),
    )


def _programme_with_records(partnership_slug: str, word: str) -> dict:
    """A programme of its own partnership with one record of each kind, every one carrying `word`."""
    partnership = PartnershipFactory(slug=partnership_slug, name=partnership_slug.title())
    programme = ProgrammeFactory(partnership=partnership)
    scheme = SchemeFactory(programme=programme, name=f"{word.title()} Community Nursing")
    return {
        "programme": programme,
        "scheme": scheme,
        "milestone": MilestoneFactory(
            scheme=scheme,
            description=f"Discharge {word} pathway agreed",
            source_note="Source: board paper p.7 (reticulated)",
        ),
        "risk": RiskFactory(schemes=[scheme], title=f"{word.title()} workforce shortage"),
        "decision": DecisionFactory(fund=FundFactory(programme=programme), title=f"Repurpose the {word} underspend"),
        "report": _issued_report(programme, f"{word.title()} Health & Wellbeing Board"),
    }


@pytest.fixture
def two_partnerships(db):
    """Trafford-like and Northshire-like partnerships, with the same word in both, and a reader of each."""
    ours = _programme_with_records("ours", "falls")
    theirs = _programme_with_records("theirs", "falls")
    reader = UserFactory(roles=[Role.STEERING_GROUP], roles__programmes=[ours["programme"]])
    lead = UserFactory(roles=[Role.PROJECT_LEAD], roles__programmes=[ours["programme"]])
    return {"ours": ours, "theirs": theirs, "reader": reader, "lead": lead}
