"""The load pages: the blank template, the dry-run page, the confirm, who may use them, and re-linking."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from finance.models import Allocation
from programme_load.models import UploadState, WorkbookUpload
from programme_load.services import programme_workbook_load
from programme_load.template import ALLOCATION_HEADERS, MILESTONE_HEADERS, RISK_HEADERS, SCHEME_HEADERS
from schemes.models import Scheme
from tests.programme_load.conftest import TODAY, programme_sheets, workbook_file


def test_the_blank_template_has_every_sheet_its_headers_drop_downs_and_instructions(setup, client):
    client.force_login(setup["pmo"])
    response = client.get(reverse("programme_load:template", args=["new-bcf"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Schemes", "Milestones", "Risks", "Allocations", "Read me"]
    for sheet, headers in (
        ("Schemes", SCHEME_HEADERS),
        ("Milestones", MILESTONE_HEADERS),
        ("Risks", RISK_HEADERS),
        ("Allocations", ALLOCATION_HEADERS),
    ):
        assert [c.value for c in workbook[sheet][1]] == headers
    schemes_lists = {dv.formula1 for dv in workbook["Schemes"].data_validations.dataValidation}
    assert '"Frail and older people,Urgent care"' in schemes_lists  # the programme's workstreams
    assert '"Going forward,Discontinued"' in {
        dv.formula1 for dv in workbook["Allocations"].data_validations.dataValidation
    }
    assert "dry run" in " ".join(str(row[0].value) for row in workbook["Read me"].iter_rows())


def test_upload_shows_a_dry_run_then_confirm_loads_it(setup, client):
    client.force_login(setup["pmo"])
    url = reverse("programme_load:start", args=["new-bcf"])
    response = client.post(
        url,
        {
            "file": workbook_file(setup["programme"], programme_sheets(2, 2)),
            "fund": setup["fund"].pk,
            "decision_title": "Allocations 2024/25",
            "decision_body": "Health and Wellbeing Board",
            "decision_date": "2024-10-01",
        },
    )
    assert response.status_code == 302
    upload = WorkbookUpload.objects.get()
    assert not Scheme.objects.filter(programme=setup["programme"]).exists()  # the dry run saved nothing
    page = client.get(response["Location"]).content.decode()
    assert "Nothing has been saved yet" in page
    assert page.count("Creates") == 2 + 4 + 2 + 2
    response = client.post(response["Location"])
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.state == UploadState.LOADED
    assert Scheme.objects.filter(programme=setup["programme"]).count() == 2
    assert Allocation.objects.filter(scheme__programme=setup["programme"]).count() == 2
    # Confirming again does not load twice.
    assert client.post(reverse("programme_load:check", args=["new-bcf", upload.pk])).status_code == 200
    assert Scheme.objects.filter(programme=setup["programme"]).count() == 2


def test_a_refused_upload_lists_problems_and_keeps_nothing(setup, client):
    client.force_login(setup["pmo"])
    sheets = programme_sheets(2, 1)
    sheets["Schemes"][0]["Project lead e-mail"] = "nobody@example.org"
    response = client.post(
        reverse("programme_load:start", args=["new-bcf"]),
        {"file": workbook_file(setup["programme"], sheets), "fund": setup["fund"].pk},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page and "nobody@example.org" in page
    assert not WorkbookUpload.objects.exists()


def test_a_changed_programme_since_the_dry_run_is_refused_at_confirm(setup, client):
    client.force_login(setup["pmo"])
    response = client.post(
        reverse("programme_load:start", args=["new-bcf"]),
        {"file": workbook_file(setup["programme"], {"Schemes": programme_sheets(1, 0)["Schemes"]})},
    )
    Scheme.objects.create(programme=setup["programme"], ref="N1", name="Made meanwhile")
    response = client.post(response["Location"])
    assert response.status_code == 400
    assert "changed since the dry run" in response.content.decode()


def test_only_the_programme_office_loads_and_uploads_are_their_uploaders(setup, client, make_user):
    lead = make_user(Role.PROJECT_LEAD)
    client.force_login(lead)
    assert client.get(reverse("programme_load:start", args=["new-bcf"])).status_code == 403
    assert client.get(reverse("programme_load:template", args=["new-bcf"])).status_code == 403
    other_office = make_user(Role.PROGRAMME_OFFICE)
    upload = WorkbookUpload.objects.create(
        programme=setup["programme"], uploaded_by=setup["pmo"], filename="x.xlsx", content=b"", sha256="0", plan={}
    )
    client.force_login(other_office)
    assert client.get(reverse("programme_load:check", args=["new-bcf", upload.pk])).status_code == 404
    assert client.get(reverse("programme_load:check", args=["new-bcf", upload.pk + 99])).status_code == 404
    assert client.get(reverse("programme_load:start", args=["no-such-programme"])).status_code == 404


def test_an_allocation_is_relinked_to_another_scheme_on_its_page(setup, client, make_user):
    programme_workbook_load(
        programme=setup["programme"],
        file=workbook_file(setup["programme"], programme_sheets(2, 1)),
        user=setup["pmo"],
        fund=setup["fund"],
        decision=setup["decision"],
        dry_run=False,
        today=TODAY,
    )
    allocation = Allocation.objects.get(scheme__ref="N1")
    n2 = Scheme.objects.get(programme=setup["programme"], ref="N2")
    finance = make_user(Role.FINANCE_OFFICER)
    client.force_login(finance)
    url = reverse("finance:allocation_link", args=[allocation.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"scheme": n2.pk, "version": allocation.version})
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.scheme == n2
    assert allocation.history.first().history_user == finance
    # A stale form (the version it was opened at) is refused.
    client.post(url, {"scheme": "", "version": allocation.version - 1})
    allocation.refresh_from_db()
    assert allocation.scheme == n2
    client.force_login(make_user(Role.PROJECT_LEAD))
    assert client.post(url, {"scheme": "", "version": allocation.version}).status_code == 403
