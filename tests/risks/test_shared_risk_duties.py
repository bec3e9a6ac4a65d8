"""A risk shared between schemes (issue 15, attack 6): a lead's edit keeps the links to schemes they do not lead,
and taking a risk off the board's report ("never") needs the programme office or a reason that is kept and shown."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from risks import services
from risks.models import BoardEscalation, Risk
from schemes.models import Scheme

SLUG = "trafford-bcf-2015-16"


@pytest.fixture
def shared(demo):
    """A risk on 5.1 (led by the demo `lead`) and 5.3 (led by someone else)."""
    schemes = Scheme.objects.filter(programme__slug=SLUG, ref__in=["5.1", "5.3"])
    return services.risk_create(
        programme=schemes[0].programme,
        title="Shared workforce risk",
        description="Both schemes draw on the same nurses",
        raised_on=dt.date(2015, 6, 1),
        likelihood=4,
        consequence=4,
        target_likelihood=2,
        target_consequence=2,
        schemes=list(schemes),
        by=User.objects.get(username="pmo"),
    )


def _form(risk, **changes) -> dict:
    data = {
        "title": risk.title,
        "description": risk.description,
        "category": risk.category,
        "board_escalation": risk.board_escalation,
        "schemes": [s.pk for s in risk.schemes.all()],
        "version": risk.version,
    }
    return data | changes


def _refs(risk) -> set[str]:
    return {s.ref for s in Risk.objects.get(pk=risk.pk).schemes.all()}


def test_attack_leads_edit_unlinks_the_scheme_they_do_not_lead(demo_client, shared):
    """Replayed: the lead of 5.1 saves the edit form with only 5.1 ticked. 5.3 must stay linked."""
    nursing = Scheme.objects.get(programme__slug=SLUG, ref="5.1")
    response = demo_client("lead").post(
        reverse("risks:edit", args=[shared.pk]),
        _form(shared, title="Shared workforce risk (nurses)", schemes=[nursing.pk]),
    )
    assert response.status_code == 302
    assert _refs(shared) == {"5.1", "5.3"}
    assert Risk.objects.get(pk=shared.pk).title == "Shared workforce risk (nurses)"


def test_a_lead_adds_and_removes_only_schemes_they_lead(demo_client, shared):
    end_of_life = Scheme.objects.get(programme__slug=SLUG, ref="5.2")  # also led by `lead`
    scheme_54 = Scheme.objects.get(programme__slug=SLUG, ref="5.4")
    ids = {s.ref: s.pk for s in Scheme.objects.filter(programme__slug=SLUG)}
    lead = demo_client("lead")
    # Adding a scheme they do not lead is refused on the field, and nothing is saved.
    response = lead.post(
        reverse("risks:edit", args=[shared.pk]),
        _form(shared, title="Changed", schemes=[ids["5.1"], ids["5.3"], scheme_54.pk]),
    )
    assert response.status_code == 200 and "5.4" in response.content.decode()
    assert "You can only link or unlink schemes you lead" in response.content.decode()
    assert _refs(shared) == {"5.1", "5.3"} and Risk.objects.get(pk=shared.pk).title == "Shared workforce risk"
    # Adding one they lead works, and keeps 5.3.
    lead.post(reverse("risks:edit", args=[shared.pk]), _form(shared, schemes=[ids["5.1"], end_of_life.pk]))
    assert _refs(shared) == {"5.1", "5.2", "5.3"}
    # The programme office may unlink any scheme.
    shared.refresh_from_db()
    demo_client("pmo").post(reverse("risks:edit", args=[shared.pk]), _form(shared, schemes=[ids["5.1"]]))
    assert _refs(shared) == {"5.1"}


def test_attack_lead_sets_a_shared_risk_to_never_report_to_the_board(demo_client, shared):
    """Replayed: the lead saves the form with only their scheme ticked and "Do not report to the board", with no
    reason. Refused on the field; nothing saved (the other scheme stays linked, the risk still goes to the board)."""
    nursing = Scheme.objects.get(programme__slug=SLUG, ref="5.1")
    response = demo_client("lead").post(
        reverse("risks:edit", args=[shared.pk]),
        _form(shared, board_escalation=BoardEscalation.NEVER, schemes=[nursing.pk]),
    )
    assert response.status_code == 200
    assert "Say why this risk should not go to the board" in response.content.decode()
    risk = Risk.objects.get(pk=shared.pk)
    assert risk.board_escalation == BoardEscalation.AUTO and risk.is_escalated
    assert _refs(risk) == {"5.1", "5.3"}


def test_with_a_reason_the_lead_may_take_it_off_the_board_and_the_reason_is_shown(demo_client, shared):
    reason = "Held on the CCG register and reported there"
    demo_client("lead").post(
        reverse("risks:edit", args=[shared.pk]),
        _form(shared, board_escalation=BoardEscalation.NEVER, board_escalation_reason=reason),
    )
    risk = Risk.objects.get(pk=shared.pk)
    assert risk.board_escalation == BoardEscalation.NEVER and risk.board_escalation_reason == reason
    assert risk.history.first().history_user == User.objects.get(username="lead")
    assert risk.history.first().board_escalation_reason == reason  # audited
    steering = demo_client("steering")
    assert reason in steering.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert reason in steering.get(reverse("risks:register"), {"programme": SLUG}).content.decode()


def test_programme_office_may_take_a_risk_off_the_board_without_a_reason(demo_client, shared):
    response = demo_client("pmo").post(
        reverse("risks:edit", args=[shared.pk]), _form(shared, board_escalation=BoardEscalation.NEVER)
    )
    assert response.status_code == 302
    assert Risk.objects.get(pk=shared.pk).board_escalation == BoardEscalation.NEVER


def test_the_service_refuses_never_without_a_reason_from_anyone_but_the_programme_office(shared):
    lead = User.objects.get(username="lead")
    with pytest.raises(ValidationError, match="not go to the board"):
        services.risk_update(risk=shared, board_escalation=BoardEscalation.NEVER, by=lead)
    with pytest.raises(ValidationError, match="not go to the board"):
        services.risk_create(
            programme=shared.programme,
            title="t",
            description="d",
            raised_on=dt.date(2015, 6, 1),
            likelihood=3,
            consequence=3,
            target_likelihood=1,
            target_consequence=1,
            board_escalation=BoardEscalation.NEVER,
            by=lead,
        )
    assert Risk.objects.get(pk=shared.pk).board_escalation == BoardEscalation.AUTO


def test_spreadsheet_upload_by_a_lead_keeps_the_other_schemes_link(demo_client, shared):
    """The same rule through the register upload: a lead's row listing only their scheme unlinks nothing."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    from risks.spreadsheet import RISK_HEADERS

    client = demo_client("lead")
    wb = load_workbook(io.BytesIO(client.get(reverse("risks:export", args=[SLUG])).content))
    ws = wb["Risks"]
    for row in ws.iter_rows(min_row=2):
        cells = dict(zip(RISK_HEADERS, row, strict=False))
        if cells["Title"].value == "Shared workforce risk":
            cells["Schemes"].value = "5.1"
            cells["Title"].value = "Shared workforce risk (edited)"
    buffer = io.BytesIO()
    wb.save(buffer)
    response = client.post(
        reverse("risks:import", args=[SLUG]), {"file": SimpleUploadedFile("register.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 302
    assert _refs(shared) == {"5.1", "5.3"}
    assert Risk.objects.get(pk=shared.pk).title == "Shared workforce risk (edited)"
