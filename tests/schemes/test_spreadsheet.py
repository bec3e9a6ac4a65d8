"""Excel in and out: the programme workbook download, and the all-or-nothing upload that reads it back."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import User
from accounts.roles import Role
from core.spreadsheets import SpreadsheetErrors
from milestones import services as milestone_services
from milestones.models import Milestone, MilestoneDateChange, MilestoneStatus
from schemes.models import Programme, Scheme
from schemes.spreadsheet import (
    MILESTONE_HEADERS,
    SCHEME_HEADERS,
    programme_workbook_bytes,
    programme_workbook_data,
    programme_workbook_import,
)
from tests.factories.milestones import MilestoneFactory
from tests.factories.schemes import ProgrammeFactory, SchemeFactory, SchemeLeadFactory, WorkstreamFactory

SLUG = "trafford-bcf-2015-16"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- helpers ---------------------------------------------------------------------------------


def _export(client, slug=SLUG):
    response = client.get(reverse("schemes:export", kwargs={"programme": slug}))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _xlsx(workbook, name="changes.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def _upload(client, workbook, slug=SLUG):
    return client.post(reverse("schemes:import", kwargs={"programme": slug}), {"file": _xlsx(workbook)})


def _col(headers, header):
    return headers.index(header) + 1


def _milestone_row(ws, milestone):
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 1).value == milestone.pk:
            return row
    raise AssertionError(f"milestone {milestone.pk} is not on the sheet")


def _scheme_row(ws, ref):
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 1).value == ref:
            return row
    raise AssertionError(f"scheme {ref} is not on the sheet")


def _set(ws, row, header, value):
    headers = SCHEME_HEADERS if ws.title == "Schemes" else MILESTONE_HEADERS
    ws.cell(row, _col(headers, header)).value = value


def _demo_milestone(ref, description):
    return Milestone.objects.get(scheme__programme__slug=SLUG, scheme__ref=ref, description=description)


def _snapshot():
    """Everything an upload could write, with each record's version: equal snapshots mean nothing was saved."""
    return {
        "schemes": sorted(Scheme.objects.values_list("pk", "version")),
        "milestones": sorted(Milestone.objects.values_list("pk", "version", "due_date", "completed_on")),
        "date_changes": MilestoneDateChange.objects.count(),
        "scheme_history": Scheme.history.count(),
        "milestone_history": Milestone.history.count(),
    }


def _errors(response):
    assert response.status_code == 400
    return [(e["sheet"], e["row"], e["column"]) for e in response.context["errors"]]


# --- export ----------------------------------------------------------------------------------


def test_export_has_every_scheme_and_milestone_with_real_dates(demo_client):
    response = demo_client("steering").get(reverse("schemes:export", kwargs={"programme": SLUG}))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}-schemes-and-milestones.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Schemes", "Milestones", "Read me"]

    schemes, milestones = workbook["Schemes"], workbook["Milestones"]
    assert [c.value for c in schemes[1]] == SCHEME_HEADERS
    assert [c.value for c in milestones[1]] == MILESTONE_HEADERS
    assert all(c.font.b for c in schemes[1])
    assert schemes.freeze_panes == "A2" and milestones.freeze_panes == "A2"
    assert schemes.auto_filter.ref and milestones.auto_filter.ref

    refs = [schemes.cell(r, 1).value for r in range(2, schemes.max_row + 1)]
    assert refs == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7", None]
    to_scope = schemes.cell(9, _col(SCHEME_HEADERS, "Name")).value
    assert to_scope == "Primary Care Model for Nursing Homes"
    assert schemes.cell(9, _col(SCHEME_HEADERS, "Status")).value == "To scope"
    nursing = _scheme_row(schemes, "5.1")
    assert [schemes.cell(nursing, _col(SCHEME_HEADERS, h)).value for h in ("CCG", "GM", "National", "Locality")] == [
        "Yes",
        "No",
        "No",
        "Borough-wide",
    ]

    assert milestones.max_row - 1 == 109
    due = _col(MILESTONE_HEADERS, "Due date")
    for row in range(2, milestones.max_row + 1):
        cell = milestones.cell(row, due)
        assert isinstance(cell.value, dt.datetime)
        assert cell.number_format == "DD/MM/YYYY"
        assert milestones.cell(row, _col(MILESTONE_HEADERS, "Reason for date change")).value is None
    completed = [
        milestones.cell(r, _col(MILESTONE_HEADERS, "Completed on")).value for r in range(2, milestones.max_row + 1)
    ]
    assert any(isinstance(v, dt.datetime) for v in completed)

    validated = {str(v.sqref).split(":")[0] for v in schemes.data_validations.dataValidation}
    assert {"F2", "G2", "H2", "I2", "J2"} <= validated
    readme = [c.value for (c,) in workbook["Read me"].iter_rows(max_col=1) if c.value]
    assert 6 <= len(readme) <= 10
    assert any("Milestone ID" in line and "blank" in line for line in readme)


def test_export_writes_formula_like_text_as_text(demo_client):
    Scheme.objects.filter(programme__slug=SLUG, ref="5.3").update(description='=HYPERLINK("http://evil","x")')
    Milestone.objects.filter(pk=_demo_milestone("5.1", "Service model to be agreed").pk).update(phase="@1")
    workbook = _export(demo_client("pmo"))
    cell = workbook["Schemes"].cell(_scheme_row(workbook["Schemes"], "5.3"), _col(SCHEME_HEADERS, "Description"))
    assert cell.value == '\'=HYPERLINK("http://evil","x")'
    assert cell.data_type != "f"
    ws = workbook["Milestones"]
    phase = ws.cell(_milestone_row(ws, _demo_milestone("5.1", "Service model to be agreed")), 3)
    assert phase.value == "'@1" and phase.data_type != "f"


def test_uploading_an_export_of_formula_like_text_changes_nothing(demo_client):
    Scheme.objects.filter(programme__slug=SLUG, ref="5.3").update(description="=1+1")
    client = demo_client("pmo")
    before = _snapshot()
    response = _upload(client, _export(client))
    assert response.status_code == 302
    assert _snapshot() == before
    assert Scheme.objects.get(programme__slug=SLUG, ref="5.3").description == "=1+1"


@pytest.mark.parametrize("username", ["pmo", "lead", "steering", "secretary", "finance"])
def test_everyone_with_a_role_can_export(demo_client, username):
    assert _export(demo_client(username)).sheetnames[:2] == ["Schemes", "Milestones"]


def test_an_account_without_a_role_cannot_export(client, demo, make_user):
    client.force_login(make_user())
    assert client.get(reverse("schemes:export", kwargs={"programme": SLUG})).status_code == 403


def test_workbook_data_loads_in_two_queries_and_the_renderer_in_none(db):
    """Prevents the N+1 on each milestone's scheme and each scheme's workstream."""
    programme = ProgrammeFactory()
    workstream = WorkstreamFactory(programme=programme)
    for _ in range(3):
        MilestoneFactory.create_batch(4, scheme=SchemeFactory(programme=programme, workstream=workstream))
    with CaptureQueriesContext(connection) as ctx:
        data = programme_workbook_data(programme=programme)
    assert len(ctx.captured_queries) == 2
    for _ in range(3):
        MilestoneFactory.create_batch(4, scheme=SchemeFactory(programme=programme, workstream=workstream))
    with CaptureQueriesContext(connection) as ctx:
        data = programme_workbook_data(programme=programme)
        content = programme_workbook_bytes(**data)
    assert len(ctx.captured_queries) == 2, [q["sql"] for q in ctx.captured_queries]
    assert load_workbook(io.BytesIO(content))["Milestones"].max_row == 25


# --- upload ----------------------------------------------------------------------------------


def test_round_trip_moves_completes_and_adds_milestones(demo_client):
    client = demo_client("pmo")
    workbook = _export(client)
    ws = workbook["Milestones"]
    moved = _demo_milestone("5.1", "Development of Implementation plan")
    completed = _demo_milestone("5.1", "Outcome measures to be agreed")
    row = _milestone_row(ws, moved)
    _set(ws, row, "Due date", dt.date(2015, 9, 30))
    _set(ws, row, "Reason for date change", "Deadline extended: awaiting CMFT data")
    _set(ws, _milestone_row(ws, completed), "Completed on", "29/06/2015")
    new_row = ws.max_row + 1
    _set(ws, new_row, "Scheme ref", "5.1")
    _set(ws, new_row, "Phase", "2")
    _set(ws, new_row, "Description", "Evaluate the new community nursing model")
    _set(ws, new_row, "Due date", dt.date(2016, 1, 31))
    milestones_before = Milestone.objects.count()

    response = _upload(client, workbook)

    assert response.status_code == 302
    assert response["Location"] == reverse("schemes:list") + f"?programme={SLUG}"
    moved.refresh_from_db()
    assert moved.due_date == dt.date(2015, 9, 30)
    assert moved.baseline_date == dt.date(2015, 8, 31)
    change = moved.date_changes.get()
    assert (change.old_date, change.new_date) == (dt.date(2015, 8, 31), dt.date(2015, 9, 30))
    assert change.reason == "Deadline extended: awaiting CMFT data"
    assert change.changed_by.username == "pmo"
    completed.refresh_from_db()
    assert completed.status == MilestoneStatus.COMPLETE
    assert completed.completed_on == dt.date(2015, 6, 29)
    assert Milestone.objects.count() == milestones_before + 1
    added = Milestone.objects.get(description="Evaluate the new community nursing model")
    assert added.scheme.ref == "5.1" and added.phase == "2"
    assert added.baseline_date == added.due_date == dt.date(2016, 1, 31)
    message = str(list(response.wsgi_request._messages)[0])
    assert "1 milestone added" in message and "1 milestone date moved" in message
    assert "1 milestone completed" in message


def test_upload_is_all_or_nothing_and_lists_every_problem(demo_client):
    client = demo_client("pmo")
    workbook = _export(client)
    ws = workbook["Milestones"]
    good = _demo_milestone("5.1", "Development of Implementation plan")
    _set(ws, _milestone_row(ws, good), "Description", "Implementation plan agreed with providers")
    bad_date = _milestone_row(ws, _demo_milestone("5.1", "Service model to be agreed"))
    _set(ws, bad_date, "Start date", "31/13/2015")
    no_reason = _milestone_row(ws, _demo_milestone("5.1", "Commence Phase 2 Integration with CEC"))
    _set(ws, no_reason, "Due date", dt.date(2016, 5, 1))
    unknown = ws.max_row + 1
    _set(ws, unknown, "Scheme ref", "9.9")
    _set(ws, unknown, "Description", "A milestone for a scheme that does not exist")
    _set(ws, unknown, "Due date", "01/10/2015")
    schemes = workbook["Schemes"]
    _set(schemes, _scheme_row(schemes, "5.4"), "CCG", "Maybe")
    before = _snapshot()

    response = _upload(client, workbook)

    assert set(_errors(response)) == {
        ("Schemes", _scheme_row(schemes, "5.4"), "CCG"),
        ("Milestones", bad_date, "Start date"),
        ("Milestones", no_reason, "Reason for date change"),
        ("Milestones", unknown, "Scheme ref"),
    }
    html = response.content.decode()
    assert "Nothing was saved." in html
    assert "“31/13/2015” is not a date (use DD/MM/YYYY)" in html
    assert "9.9 is not a scheme of this programme" in html
    assert _snapshot() == before
    good.refresh_from_db()
    assert good.description == "Development of Implementation plan"


def test_wrong_header_names_the_sheet_and_column_and_saves_nothing(demo_client):
    client = demo_client("pmo")
    workbook = _export(client)
    ws = workbook["Milestones"]
    ws["D1"] = "Desc"
    _set(ws, _milestone_row(ws, _demo_milestone("5.1", "Service model to be agreed")), "Phase", "3")
    before = _snapshot()

    response = _upload(client, workbook)

    assert _errors(response) == [("Milestones", 1, "Description")]
    assert response.context["errors"][0]["message"] == (
        "Sheet Milestones: column D should be headed “Description”, found “Desc”."
    )
    assert _snapshot() == before


def test_a_missing_sheet_is_named(demo_client):
    workbook = _export(demo_client("pmo"))
    del workbook["Schemes"]
    with pytest.raises(SpreadsheetErrors) as raised:
        programme_workbook_import(
            programme=Programme.objects.get(slug=SLUG), file=_xlsx(workbook), user=User.objects.get(username="pmo")
        )
    assert raised.value.errors[0]["sheet"] == "Schemes"
    assert "no sheet called “Schemes”" in raised.value.errors[0]["message"]


def test_project_lead_can_update_a_milestone_of_their_scheme(demo_client):
    client = demo_client("lead")
    workbook = _export(client)
    ws = workbook["Milestones"]
    milestone = _demo_milestone("5.1", "Development of Implementation plan")
    _set(ws, _milestone_row(ws, milestone), "Description", "Implementation plan agreed with providers")

    response = _upload(client, workbook)

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.description == "Implementation plan agreed with providers"
    assert milestone.history.first().history_user.username == "lead"


def test_project_lead_cannot_change_another_schemes_milestone_and_nothing_is_saved(demo_client):
    client = demo_client("lead")
    workbook = _export(client)
    ws = workbook["Milestones"]
    own = _demo_milestone("5.1", "Development of Implementation plan")
    _set(ws, _milestone_row(ws, own), "Description", "Implementation plan agreed with providers")
    other = Milestone.objects.filter(scheme__programme__slug=SLUG, scheme__ref="5.3").first()
    other_row = _milestone_row(ws, other)
    _set(ws, other_row, "Description", "Changed by someone who does not lead 5.3")
    before = _snapshot()

    response = _upload(client, workbook)

    assert _errors(response) == [("Milestones", other_row, "Description")]
    assert "project lead of scheme 5.3" in response.context["errors"][0]["message"]
    assert _snapshot() == before
    own.refresh_from_db()
    assert own.description == "Development of Implementation plan"


def test_project_lead_cannot_change_scheme_details_but_may_upload_them_unchanged(demo_client):
    client = demo_client("lead")
    workbook = _export(client)
    schemes = workbook["Schemes"]
    row = _scheme_row(schemes, "5.1")
    _set(schemes, row, "Clinical lead", "Dr Someone Else")
    new_row = schemes.max_row + 1
    _set(schemes, new_row, "Ref", "5.8")
    _set(schemes, new_row, "Name", "A scheme a lead may not add")
    before = _snapshot()

    response = _upload(client, workbook)

    assert _errors(response) == [("Schemes", row, "Clinical lead"), ("Schemes", new_row, "Ref")]
    assert all(
        "Only the programme office can change scheme details" in e["message"] for e in response.context["errors"]
    )
    assert _snapshot() == before

    response = _upload(client, _export(client))
    assert response.status_code == 302
    assert _snapshot() == before


def test_only_the_programme_office_and_project_leads_can_open_the_import_page(demo_client):
    url = reverse("schemes:import", kwargs={"programme": SLUG})
    for username in ("steering", "secretary", "finance"):
        client = demo_client(username)
        assert client.get(url).status_code == 403
        assert client.post(url, {"file": _xlsx(Workbook())}).status_code == 403
    for username in ("pmo", "lead"):
        response = demo_client(username).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert reverse("schemes:export", kwargs={"programme": SLUG}) in html
        assert 'enctype="multipart/form-data"' in html
        assert 'for="id_file"' in html and 'id="id_file"' in html
    assert demo_client("pmo").get(reverse("schemes:import", kwargs={"programme": "nope"})).status_code == 404


def test_a_stale_version_is_a_row_error(demo_client):
    client = demo_client("pmo")
    workbook = _export(client)
    milestone = _demo_milestone("5.1", "Development of Implementation plan")
    milestone_services.milestone_update(
        milestone=milestone,
        description="Implementation plan drafted",
        by=User.objects.get(username="lead"),
        expected_version=milestone.version,
    )
    ws = workbook["Milestones"]
    row = _milestone_row(ws, milestone)
    _set(ws, row, "Due date", dt.date(2015, 9, 30))
    _set(ws, row, "Reason for date change", "Waiting for the providers")
    before = _snapshot()

    response = _upload(client, workbook)

    assert _errors(response) == [("Milestones", row, "Version")]
    assert "changed after you opened it" in response.context["errors"][0]["message"]
    assert _snapshot() == before


def test_a_future_completion_date_is_refused_on_its_column(demo_client):
    client = demo_client("pmo")
    workbook = _export(client)
    ws = workbook["Milestones"]
    row = _milestone_row(ws, _demo_milestone("5.1", "Outcome measures to be agreed"))
    _set(ws, row, "Completed on", dt.date.today() + dt.timedelta(days=30))

    response = _upload(client, workbook)

    assert _errors(response) == [("Milestones", row, "Completed on")]
    assert "cannot be in the future" in response.context["errors"][0]["message"]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("plan.csv", b"Ref,Name\n", "Upload an Excel workbook (.xlsx)"),
        ("plan.xlsx", b"this is not a workbook", "could not be read as an Excel workbook"),
        ("plan.xlsx", b"0" * (5 * 1024 * 1024 + 1), "This file is 5.0 MB, more than the 5 MB allowed"),
    ],
)
def test_upload_refuses_files_that_are_not_small_xlsx_workbooks(demo_client, name, content, problem):
    client = demo_client("pmo")
    before = _snapshot()
    response = client.post(
        reverse("schemes:import", kwargs={"programme": SLUG}), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert _snapshot() == before


def test_programme_office_adds_a_scheme_and_its_milestones_in_one_upload(make_user):
    pmo = make_user(Role.PROGRAMME_OFFICE)
    programme = ProgrammeFactory()
    workstream = WorkstreamFactory(programme=programme, name="Urgent Care")
    existing = SchemeFactory(programme=programme, ref="1.1", name="Discharge to assess", workstream=workstream)
    workbook = load_workbook(io.BytesIO(programme_workbook_bytes(**programme_workbook_data(programme=programme))))
    schemes = workbook["Schemes"]
    _set(schemes, _scheme_row(schemes, "1.1"), "Status", "Closed")
    schemes.append(["1.2", "Falls prevention", "urgent care", "", "Dr Lee", "Yes", "No", "No", "West", "Active"])
    milestones = workbook["Milestones"]
    milestones.append([None, "1.2", "1", "Falls clinic opens", "01/06/2015", None, "30/09/2015"])

    summary = programme_workbook_import(programme=programme, file=_xlsx(workbook), user=pmo)

    assert summary == {
        "schemes_created": 1,
        "schemes_updated": 1,
        "milestones_created": 1,
        "milestones_updated": 0,
        "milestones_moved": 0,
        "milestones_completed": 0,
    }
    existing.refresh_from_db()
    assert existing.status == "closed" and existing.version == 2
    falls = Scheme.objects.get(programme=programme, ref="1.2")
    assert (falls.workstream, falls.locality, falls.reports_to_ccg) == (workstream, "west", True)
    milestone = falls.milestones.get()
    assert (milestone.start_date, milestone.due_date) == (dt.date(2015, 6, 1), dt.date(2015, 9, 30))


def test_bad_cells_on_a_new_scheme_row_are_all_reported(make_user):
    pmo = make_user(Role.PROGRAMME_OFFICE)
    programme = ProgrammeFactory()
    workbook = load_workbook(io.BytesIO(programme_workbook_bytes(**programme_workbook_data(programme=programme))))
    workbook["Schemes"].append(["2.1", "", "No such workstream", "", "", "Yes", "Perhaps", "No", "Moon", "Active"])
    workbook["Milestones"].append([None, "2.1", "", "Opens", "01/09/2015", None, "2015-08-01"])

    with pytest.raises(SpreadsheetErrors) as raised:
        programme_workbook_import(programme=programme, file=_xlsx(workbook), user=pmo)

    assert [(e["sheet"], e["row"], e["column"]) for e in raised.value.errors] == [
        ("Schemes", 2, "Name"),
        ("Schemes", 2, "Workstream"),
        ("Schemes", 2, "GM"),
        ("Schemes", 2, "Locality"),
        ("Milestones", 2, "Scheme ref"),
        ("Milestones", 2, "Due date"),
    ]
    assert "Scheme 2.1 could not be saved" in raised.value.errors[4]["message"]
    assert not Scheme.objects.filter(programme=programme).exists()


def test_a_lead_of_a_scheme_only_in_the_past_cannot_change_its_milestones(make_user):
    former = make_user(Role.PROJECT_LEAD)
    scheme = SchemeFactory()
    SchemeLeadFactory(scheme=scheme, user=former, end_date=dt.date(2015, 3, 31))
    milestone = MilestoneFactory(scheme=scheme)
    workbook = load_workbook(
        io.BytesIO(programme_workbook_bytes(**programme_workbook_data(programme=scheme.programme)))
    )
    _set(workbook["Milestones"], 2, "Phase", "2")
    with pytest.raises(SpreadsheetErrors) as raised:
        programme_workbook_import(programme=scheme.programme, file=_xlsx(workbook), user=former)
    assert [(e["row"], e["column"]) for e in raised.value.errors] == [(2, "Phase")]
    milestone.refresh_from_db()
    assert milestone.phase == "" and milestone.version == 1
