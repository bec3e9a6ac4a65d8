"""Loading a whole programme from one workbook (issue 17 point 4): the dry run, the all-or-nothing load, loading
it again, and each bad input refused with its sheet, row and column."""

import datetime as dt
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.models import HistoricalChanges

from core.spreadsheets import SpreadsheetErrors
from dashboard.forms import DashboardFilters
from dashboard.selectors import money_summary
from finance.models import Allocation, Decision, DecisionStatus, MovementLine
from milestones.models import Milestone, MilestoneDateChange, MilestoneStatus
from programme_load.services import programme_workbook_load
from programme_load.template import SHEETS
from risks.models import Risk, RiskAssessment
from schemes.models import Scheme, SchemeLead, Workstream
from schemes.services import workstream_create
from tests.factories.finance import FundFactory, decision_clear_and_approve
from tests.factories.schemes import ProgrammeFactory, SchemeFactory
from tests.factories.workbooks import workbook_bomb
from tests.programme_load.conftest import TODAY, programme_sheets, workbook_file

COUNTED = [Scheme, SchemeLead, Milestone, MilestoneDateChange, Risk, RiskAssessment, Allocation, Decision, MovementLine]


def _rows() -> dict[str, int]:
    """Rows in every table the load writes, and in every history table."""
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    history = [m for m in apps.get_models() if issubclass(m, HistoricalChanges)]
    counts["history"] = sum(m.objects.count() for m in history)
    return counts


def _load(setup, sheets, *, dry_run: bool, **extra):
    return programme_workbook_load(
        programme=setup["programme"],
        file=workbook_file(setup["programme"], sheets),
        user=setup["pmo"],
        fund=setup["fund"],
        decision=setup["decision"],
        dry_run=dry_run,
        today=TODAY,
        **extra,
    )


def test_dry_run_creates_nothing_and_says_what_the_load_will_create(setup):
    before = _rows()
    result = _load(setup, programme_sheets(3, 2), dry_run=True)
    assert _rows() == before
    assert result.counts == {
        "Schemes": {"create": 3, "change": 0},
        "Milestones": {"create": 6, "change": 0},
        "Risks": {"create": 3, "change": 0},
        "Allocations": {"create": 3, "change": 0},
    }
    assert [(s["sheet"], s["row"], s["key"]) for s in result.steps[:2]] == [("Schemes", 2, "N1"), ("Schemes", 3, "N2")]


def test_load_creates_exactly_what_the_dry_run_said(setup):
    sheets = programme_sheets(3, 2)
    planned = _load(setup, sheets, dry_run=True)
    before = _rows()
    loaded = _load(setup, sheets, dry_run=False)
    after = _rows()
    assert loaded.steps == planned.steps
    assert after["Scheme"] - before["Scheme"] == planned.counts["Schemes"]["create"] == 3
    assert after["Milestone"] - before["Milestone"] == planned.counts["Milestones"]["create"] == 6
    assert after["Risk"] - before["Risk"] == planned.counts["Risks"]["create"] == 3
    assert after["Allocation"] - before["Allocation"] == planned.counts["Allocations"]["create"] == 3
    programme = setup["programme"]
    n1 = Scheme.objects.get(programme=programme, ref="N1")
    assert (n1.name, n1.workstream.name, n1.locality, n1.reports_to_ccg, n1.reports_to_gm) == (
        "Scheme 1",
        "Frail and older people",
        "north",
        True,
        False,
    )
    assert [lead.user for lead in n1.leads.all()] == [setup["ann"]]
    assert Scheme.objects.get(programme=programme, ref="N2").leads.get().user == setup["bob"]  # e-mail case ignored
    first, moved = Milestone.objects.filter(scheme=n1).order_by("order")
    assert (first.status, first.completed_on) == (MilestoneStatus.COMPLETE, dt.date(2024, 6, 20))
    assert (moved.baseline_date, moved.due_date) == (dt.date(2024, 6, 2), dt.date(2024, 9, 2))
    assert moved.date_changes.get().reason == "Awaiting the provider's data"
    risk = Risk.objects.get(title="Staff shortfall in N1")
    assert (risk.score, risk.target_score, list(risk.schemes.all())) == (12, 12, [n1])
    assert risk.assessments.count() == 1
    allocation = Allocation.objects.get(scheme=n1)
    assert (allocation.initiative, allocation.scheme_name, allocation.fund) == ("BCF", "Scheme 1", setup["fund"])
    decision = Decision.objects.get(fund=setup["fund"])
    assert (decision.status, decision.recorded_by) == (DecisionStatus.PROPOSED, setup["pmo"])
    lines = {line.allocation_id: line.amount for line in MovementLine.objects.filter(movement__decision=decision)}
    assert lines[allocation.pk] == Decimal("10000.00")
    assert lines[None] == Decimal("-60000.00")
    # Audited: each new record has its creation in the history, by the programme office.
    assert n1.history.get().history_user == setup["pmo"]
    assert moved.history.get().history_user == setup["pmo"]
    assert risk.history.get().history_user == setup["pmo"]
    assert allocation.history.get().history_user == setup["pmo"]


def test_loading_the_same_workbook_again_changes_nothing(setup):
    sheets = programme_sheets(3, 2)
    _load(setup, sheets, dry_run=False)
    before = _rows()
    again = _load(setup, sheets, dry_run=True)
    assert again.steps == []
    assert again.counts["Schemes"] == {"create": 0, "change": 0}
    loaded = _load(setup, sheets, dry_run=False)
    assert loaded.steps == []
    assert _rows() == before


def test_loading_again_after_approval_changes_nothing(setup):
    sheets = programme_sheets(2, 1)
    _load(setup, sheets, dry_run=False)
    decision_clear_and_approve(Decision.objects.get(fund=setup["fund"]), by=setup["ann"])
    before = _rows()
    assert _load(setup, sheets, dry_run=False).steps == []
    assert _rows() == before


def test_a_changed_workbook_changes_only_what_changed(setup):
    sheets = programme_sheets(2, 2)
    _load(setup, sheets, dry_run=False)
    sheets["Schemes"][0]["Name"] = "Scheme 1 renamed"
    sheets["Milestones"][0]["Due date"] = dt.datetime(2024, 6, 1)  # unchanged (completed)
    sheets["Milestones"][3]["Due date"] = dt.datetime(2024, 10, 2)
    sheets["Milestones"][3]["Reason for date change"] = "Provider's data late again"
    sheets["Risks"][1]["Likelihood"] = 5
    sheets["Allocations"][1]["Amount (£)"] = 25000
    result = _load(setup, sheets, dry_run=False)
    assert result.counts == {
        "Schemes": {"create": 0, "change": 1},
        "Milestones": {"create": 0, "change": 1},
        "Risks": {"create": 0, "change": 1},
        "Allocations": {"create": 0, "change": 1},
    }
    assert Scheme.objects.get(ref="N1").name == "Scheme 1 renamed"
    moved = Milestone.objects.get(description="Milestone 2 of N2")
    assert (moved.baseline_date, moved.due_date, moved.date_changes.count()) == (
        dt.date(2024, 6, 2),
        dt.date(2024, 10, 2),
        2,
    )
    assert Risk.objects.get(title="Staff shortfall in N2").likelihood == 5
    assert Decision.objects.filter(fund=setup["fund"]).count() == 2


def _refused(setup, sheets, **extra) -> list[dict]:
    before = _rows()
    with pytest.raises(SpreadsheetErrors) as caught:
        _load(setup, sheets, dry_run=False, **extra)
    assert _rows() == before  # nothing saved
    return caught.value.errors


def _where(errors) -> list[tuple]:
    return [(e["sheet"], e["row"], e["column"]) for e in errors]


def test_unknown_lead_email_is_refused_with_its_row(setup):
    sheets = programme_sheets(3, 1)
    sheets["Schemes"][1]["Project lead e-mail"] = "nobody@example.org"
    errors = _refused(setup, sheets)
    assert _where(errors)[0] == ("Schemes", 3, "Project lead e-mail")
    assert "nobody@example.org" in errors[0]["message"]


def test_a_ref_used_twice_is_refused(setup):
    sheets = programme_sheets(3, 1)
    sheets["Schemes"][2]["Ref"] = "N1"
    errors = _refused(setup, sheets)
    assert ("Schemes", 4, "Ref") in _where(errors)
    assert "also on row 2" in errors[0]["message"]


def test_a_due_date_moved_from_its_baseline_without_a_reason_is_refused(setup):
    sheets = programme_sheets(2, 2)
    sheets["Milestones"][1]["Reason for date change"] = None
    errors = _refused(setup, sheets)
    assert _where(errors) == [("Milestones", 3, "Reason for date change")]
    assert "differs from the baseline" in errors[0]["message"]


def test_moving_a_loaded_due_date_without_a_reason_is_refused(setup):
    sheets = programme_sheets(1, 1)
    sheets["Milestones"][0]["Completed on"] = None
    _load(setup, sheets, dry_run=False)
    sheets["Milestones"][0]["Due date"] = dt.datetime(2024, 12, 1)
    errors = _refused(setup, sheets)
    assert _where(errors) == [("Milestones", 2, "Reason for date change")]


def test_an_allocation_that_would_over_allocate_the_fund_is_refused(setup):
    sheets = programme_sheets(3, 1)  # 10,000 + 20,000 + 30,000 of a £100,000 fund
    sheets["Allocations"][2]["Amount (£)"] = 80000
    errors = _refused(setup, sheets)
    assert _where(errors) == [("Allocations", 4, "Amount (£)")]
    assert "over-allocate the fund by £10,000.00" in errors[0]["message"]


def test_a_scheme_of_another_programme_is_refused(setup):
    other = ProgrammeFactory(slug="trafford", name="Trafford BCF")
    SchemeFactory(programme=other, ref="T9", name="Trafford's scheme")
    sheets = programme_sheets(2, 1)
    sheets["Milestones"][0]["Scheme ref"] = "T9"
    sheets["Risks"][0]["Scheme ref"] = "T9"
    sheets["Allocations"][0]["Scheme ref"] = "T9"
    errors = _refused(setup, sheets)
    assert _where(errors) == [
        ("Milestones", 2, "Scheme ref"),
        ("Risks", 2, "Scheme ref"),
        ("Allocations", 2, "Scheme ref"),
    ]
    assert all("not a scheme of New BCF 2024/25" in e["message"] for e in errors)
    assert "Trafford" not in " ".join(e["message"] for e in errors)  # another partnership's names are not shown


def test_a_fund_of_another_programme_is_refused(setup):
    other_fund = FundFactory(programme=ProgrammeFactory(slug="trafford"), slug="trafford-tf", start_year=2024)
    _refused(
        setup,
        programme_sheets(1, 1),
    ) if False else None
    with pytest.raises(SpreadsheetErrors):
        programme_workbook_load(
            programme=setup["programme"],
            file=workbook_file(setup["programme"], programme_sheets(1, 1)),
            user=setup["pmo"],
            fund=other_fund,
            decision=setup["decision"],
            dry_run=False,
            today=TODAY,
        )
    assert not Scheme.objects.filter(programme=setup["programme"]).exists()


def test_every_problem_of_every_sheet_is_listed_and_nothing_saved(setup):
    sheets = programme_sheets(2, 1)
    sheets["Milestones"][0]["Completed on"] = dt.datetime(2025, 1, 1)  # after TODAY
    sheets["Risks"][1]["Likelihood"] = 7
    sheets["Allocations"][0]["Amount (£)"] = "lots"
    errors = _refused(setup, sheets)
    assert _where(errors) == [
        ("Milestones", 2, "Completed on"),
        ("Risks", 3, "Likelihood"),
        ("Allocations", 2, "Amount (£)"),
    ]


def test_money_moves_only_with_a_decision(setup):
    errors = (
        _refused(
            setup,
            programme_sheets(1, 1),
        )
        if False
        else None
    )
    with pytest.raises(SpreadsheetErrors) as caught:
        programme_workbook_load(
            programme=setup["programme"],
            file=workbook_file(setup["programme"], programme_sheets(1, 1)),
            user=setup["pmo"],
            fund=setup["fund"],
            decision={},
            dry_run=True,
            today=TODAY,
        )
    errors = caught.value.errors
    assert _where(errors) == [("Allocations", None, "Decision")]


def test_loaded_allocations_show_on_the_scheme_page_and_the_dashboard_by_workstream(setup, client):
    _load(setup, programme_sheets(4, 1), dry_run=False)  # N1, N3 frail (10k + 30k); N2, N4 urgent (20k + 40k)
    decision_clear_and_approve(Decision.objects.get(fund=setup["fund"]), by=setup["ann"])
    programme = setup["programme"]
    client.force_login(setup["pmo"])
    page = client.get(f"/schemes/{Scheme.objects.get(programme=programme, ref='N3').pk}/").content.decode()
    assert "No fund allocation is linked" not in page
    assert "30,000" in page
    frail = Workstream.objects.get(programme=programme, name="Frail and older people")
    urgent = Workstream.objects.get(programme=programme, name="Urgent care")
    for workstream, allocated in ((frail, Decimal("40000.00")), (urgent, Decimal("60000.00"))):
        filters = DashboardFilters(programme=programme, period=None, previous=None, periods=(), workstream=workstream)
        (money,) = money_summary(filters=filters)
        assert (money.fund, money.allocated, money.allocations) == (setup["fund"], allocated, 2)
    (whole,) = money_summary(filters=DashboardFilters(programme=programme, period=None, previous=None, periods=()))
    assert (whole.allocated, whole.unallocated) == (Decimal("100000.00"), Decimal("0.00"))


def _fresh_programme(setup, slug: str) -> dict:
    """Another empty programme like the setup's (its workstreams and a fund of its own)."""
    programme = ProgrammeFactory(slug=slug, start_date=dt.date(2024, 4, 1), end_date=dt.date(2025, 3, 31))
    for order, name in enumerate(["Frail and older people", "Urgent care"]):
        workstream_create(programme=programme, name=name, order=order)
    fund = FundFactory(programme=programme, slug=f"{slug}-pool", start_year=2024, total=Decimal("1000000.00"))
    return {**setup, "programme": programme, "fund": fund}


def _queries(setup, sheets) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        _load(setup, sheets, dry_run=False)
    return [query["sql"] for query in captured.captured_queries]


def _shape(queries: list[str]) -> Counter:
    """The queries by table and kind, to show which one grew."""
    return Counter(" ".join(re.sub(r"\(.*", "", sql).split()[:6]) for sql in queries)


def test_a_fixed_number_of_queries_per_row_type(setup):
    """New schemes, leads, milestones, risks and allocations go in bulk: three times the rows, the same queries
    (no N+1 per scheme, lead, milestone, risk or allocation)."""
    small = _queries(_fresh_programme(setup, "small"), programme_sheets(2, 2))
    bigger = _queries(_fresh_programme(setup, "bigger"), programme_sheets(6, 6))
    assert len(bigger) == len(small), _shape(bigger) - _shape(small)
    assert len(small) < 90


def test_a_workbook_bomb_is_refused_by_the_bounded_reader_before_parsing(setup):
    content = workbook_bomb(list(SHEETS.items()), unpacked_mb=58)
    before = _rows()
    with pytest.raises(SpreadsheetErrors) as caught:
        programme_workbook_load(
            programme=setup["programme"],
            file=SimpleUploadedFile("bomb.xlsx", content),
            user=setup["pmo"],
            fund=setup["fund"],
            decision=setup["decision"],
            dry_run=True,
            today=TODAY,
        )
    assert "unpacks to" in caught.value.errors[0]["message"]
    assert _rows() == before


def test_a_discontinued_allocation_keeps_its_spend_and_loading_again_changes_nothing(setup):
    sheets = programme_sheets(2, 1)
    sheets["Allocations"][0].update({"Status": "Discontinued", "Spend to date (£)": 4000})
    _load(setup, sheets, dry_run=False)
    allocation = Allocation.objects.get(scheme__ref="N1")
    assert _load(setup, sheets, dry_run=True).steps == []  # waiting for its decision: not discontinued twice
    decision_clear_and_approve(Decision.objects.get(fund=setup["fund"]), by=setup["ann"])
    allocation.refresh_from_db()
    assert (allocation.status, allocation.spend_to_date) == ("discontinued", Decimal("4000.00"))
    (money,) = money_summary(
        filters=DashboardFilters(programme=setup["programme"], period=None, previous=None, periods=())
    )
    assert money.allocated == Decimal("4000.00") + Decimal("20000.00")
    assert _load(setup, sheets, dry_run=True).steps == []
    sheets["Allocations"][0]["Status"] = "Going forward"
    sheets["Allocations"][0]["Spend to date (£)"] = None
    errors = _refused(setup, sheets)
    assert _where(errors) == [("Allocations", 2, "Status")]
