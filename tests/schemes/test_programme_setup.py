"""Setting up a programme in the browser (issue 17 §2): the programme office's pages, each refused to other roles,
and bad input refused in words with nothing saved."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from schemes import services
from schemes.forms import SchemeDetailsForm
from schemes.models import Programme, ProgrammeLocality, ReportingPeriod, SchemeLead, Workstream
from tests.factories.accounts import UserFactory
from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory, WorkstreamFactory

OTHER_ROLES = [
    Role.PROJECT_LEAD,
    Role.STEERING_GROUP,
    Role.BOARD_SECRETARY,
    Role.FINANCE_OFFICER,
    Role.GOVERNANCE_SECRETARY,
]


@pytest.fixture
def programme(db):
    return ProgrammeFactory(
        slug="new-bcf", name="New BCF", start_date=dt.date(2025, 4, 1), end_date=dt.date(2027, 3, 31)
    )


@pytest.fixture
def office(client, pmo_user):
    client.force_login(pmo_user)
    return client


def _text(response) -> str:
    return response.content.decode()


# --- The programme ------------------------------------------------------------------------------------------


def test_programme_office_edits_the_programme_and_the_change_is_audited(office, programme, pmo_user):
    response = office.post(
        reverse("setup:programme", args=[programme.slug]),
        {
            "name": "Newtown BCF 2025-27",
            "organisation": "Newtown Council",
            "partner_organisations": "NHS Newtown ICB\n  Newtown Council  \n\nNewtown Community Trust",
            "start_date": "01/04/2025",
            "end_date": "31/03/2027",
            "version": programme.version,
        },
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.name == "Newtown BCF 2025-27"
    assert programme.partner_organisations == "NHS Newtown ICB\nNewtown Council\nNewtown Community Trust"
    assert programme.version == 2
    assert programme.history.latest().history_user == pmo_user


def test_the_reminder_summarys_extra_addresses_are_saved_one_a_line_and_a_bad_one_refused(office, programme):
    url = reverse("setup:programme", args=[programme.slug])
    data = {"name": "New BCF", "start_date": "01/04/2025", "end_date": "31/03/2027"}
    refused = office.post(url, data | {"reminder_summary_emails": "team@newtown.gov.uk, not an address", "version": 1})
    assert "“not an address” is not an e-mail address." in _text(refused)
    programme.refresh_from_db()
    assert (programme.reminder_summary_emails, programme.version) == ("", 1)
    saved = office.post(
        url, data | {"reminder_summary_emails": "team@newtown.gov.uk, bcf@newtown.nhs.uk\n\n", "version": 1}
    )
    assert saved.status_code == 302
    programme.refresh_from_db()
    assert programme.reminder_summary_addresses == ["team@newtown.gov.uk", "bcf@newtown.nhs.uk"]


def test_a_stale_programme_edit_is_refused(office, programme, make_user):
    services.programme_update(
        programme=programme,
        name="Changed by a colleague",
        start_date=programme.start_date,
        end_date=programme.end_date,
        by=make_user(Role.PROGRAMME_OFFICE),
        expected_version=1,
    )
    response = office.post(
        reverse("setup:programme", args=[programme.slug]),
        {"name": "Mine", "start_date": "01/04/2025", "end_date": "31/03/2027", "version": 1},
    )
    assert response.status_code == 200
    assert "changed after you opened it" in _text(response)
    programme.refresh_from_db()
    assert programme.name == "Changed by a colleague"


def test_a_programme_that_ends_before_it_starts_is_refused(office, programme):
    response = office.post(
        reverse("setup:programme", args=[programme.slug]),
        {"name": "X", "start_date": "01/04/2025", "end_date": "01/04/2024", "version": programme.version},
    )
    assert "The programme must end after it starts." in _text(response)
    programme.refresh_from_db()
    assert programme.name == "New BCF"


# --- Reporting periods --------------------------------------------------------------------------------------


def test_board_dates_make_half_open_periods_each_with_its_board_date_previewed_then_saved(office, programme):
    url = reverse("setup:periods", args=[programme.slug])
    data = {"method": "board", "first_start": "01/04/2025", "board_dates": "20/05/2025\n15/07/2025, 16/09/2025"}
    preview = office.post(url, data | {"preview": "1"})
    assert preview.status_code == 200
    assert "Preview: 3 periods" in _text(preview)
    assert not ReportingPeriod.objects.filter(programme=programme).exists()  # a preview saves nothing

    assert office.post(url, data | {"save": "1"}).status_code == 302
    periods = list(programme.periods.order_by("start_date"))
    assert [(p.start_date, p.end_date, p.board_date) for p in periods] == [
        (dt.date(2025, 4, 1), dt.date(2025, 5, 20), dt.date(2025, 5, 20)),
        (dt.date(2025, 5, 20), dt.date(2025, 7, 15), dt.date(2025, 7, 15)),
        (dt.date(2025, 7, 15), dt.date(2025, 9, 16), dt.date(2025, 9, 16)),
    ]
    assert [p.code for p in periods] == ["2025-26-P1", "2025-26-P2", "2025-26-P3"]
    # Half-open: the day one period ends belongs to the next one only.
    assert list(ReportingPeriod.objects.filter(programme=programme).containing(dt.date(2025, 5, 20))) == [periods[1]]


@pytest.mark.parametrize(
    ("cadence", "until", "expected"),
    [
        (
            "1",
            "01/07/2025",
            [
                (dt.date(2025, 4, 1), dt.date(2025, 5, 1)),
                (dt.date(2025, 5, 1), dt.date(2025, 6, 1)),
                (dt.date(2025, 6, 1), dt.date(2025, 7, 1)),
            ],
        ),
        ("2", "01/08/2025", [(dt.date(2025, 4, 1), dt.date(2025, 6, 1)), (dt.date(2025, 6, 1), dt.date(2025, 8, 1))]),
        (
            "3",
            "01/04/2026",
            [
                (dt.date(2025, 4, 1), dt.date(2025, 7, 1)),
                (dt.date(2025, 7, 1), dt.date(2025, 10, 1)),
                (dt.date(2025, 10, 1), dt.date(2026, 1, 1)),
                (dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
            ],
        ),
    ],
)
def test_a_cadence_makes_periods_between_two_dates(office, programme, cadence, until, expected):
    response = office.post(
        reverse("setup:periods", args=[programme.slug]),
        {"method": "cadence", "first_start": "01/04/2025", "cadence": cadence, "until": until, "save": "1"},
    )
    assert response.status_code == 302
    assert [(p.start_date, p.end_date) for p in programme.periods.order_by("start_date")] == expected


def test_month_ends_stay_month_ends_in_a_cadence(programme):
    planned = services.reporting_periods_plan_cadence(
        programme=programme, cadence="1", first_start=dt.date(2025, 1, 31), until=dt.date(2025, 4, 30)
    )
    assert [p.end_date for p in planned] == [dt.date(2025, 2, 28), dt.date(2025, 3, 31), dt.date(2025, 4, 30)]


def test_a_cadence_that_produces_nothing_is_refused_in_words(office, programme):
    response = office.post(
        reverse("setup:periods", args=[programme.slug]),
        {"method": "cadence", "first_start": "01/04/2025", "cadence": "1", "until": "01/04/2025", "save": "1"},
    )
    assert response.status_code == 200
    assert "These dates make no periods" in _text(response)
    assert not programme.periods.exists()


def test_overlapping_periods_are_refused_and_none_of_the_plan_is_saved(office, programme):
    ReportingPeriodFactory(
        programme=programme, code="existing", start_date=dt.date(2025, 6, 1), end_date=dt.date(2025, 7, 1)
    )
    response = office.post(
        reverse("setup:periods", args=[programme.slug]),
        {
            "method": "board",
            "first_start": "01/04/2025",
            "board_dates": "01/05/2025\n01/06/2025\n01/08/2025",
            "save": "1",
        },
    )
    assert response.status_code == 200
    assert "Nothing was saved" in _text(response)
    assert "overlaps the period" in _text(response)
    assert list(programme.periods.values_list("code", flat=True)) == ["existing"]


def test_board_dates_that_are_not_dates_are_named(office, programme):
    response = office.post(
        reverse("setup:periods", args=[programme.slug]),
        {"method": "board", "first_start": "01/04/2025", "board_dates": "20/05/2025\n31/02/2025", "save": "1"},
    )
    assert "Not a date (use dd/mm/yyyy): 31/02/2025." in _text(response)
    assert not programme.periods.exists()


def test_a_period_gets_its_board_date_and_a_stale_edit_is_refused(office, programme):
    period = ReportingPeriodFactory(programme=programme, start_date=dt.date(2025, 4, 1), end_date=dt.date(2025, 6, 1))
    url = reverse("setup:period_edit", args=[period.pk])
    ok = office.post(url, {"name": "P1", "board_date": "03/06/2025", "steering_group_date": "", "version": 1})
    assert ok.status_code == 302
    period.refresh_from_db()
    assert period.board_date == dt.date(2025, 6, 3) and period.version == 2
    stale = office.post(url, {"name": "P1", "board_date": "10/06/2025", "version": 1})
    assert "changed after you opened it" in _text(stale)
    period.refresh_from_db()
    assert period.board_date == dt.date(2025, 6, 3)


# --- Workstreams and localities -----------------------------------------------------------------------------


def test_workstreams_are_added_renamed_and_retired(office, programme):
    url = reverse("setup:workstreams", args=[programme.slug])
    assert office.post(url, {"name": "Urgent care"}).status_code == 302
    workstream = Workstream.objects.get(programme=programme, name="Urgent care")
    duplicate = office.post(url, {"name": "Urgent care"})
    assert "already has a workstream called “Urgent care”" in _text(duplicate)
    edit = reverse("setup:workstream_edit", args=[workstream.pk])
    assert office.post(edit, {"name": "Urgent & emergency care", "is_retired": "on", "version": 1}).status_code == 302
    workstream.refresh_from_db()
    assert (workstream.name, workstream.is_retired) == ("Urgent & emergency care", True)
    assert workstream.history.count() == 2


def test_localities_are_added_renamed_and_retired(office, programme):
    url = reverse("setup:localities", args=[programme.slug])
    office.post(url, {"name": "North"})
    office.post(url, {"name": "South"})
    north = ProgrammeLocality.objects.get(programme=programme, name="North")
    refused = office.post(reverse("setup:locality_edit", args=[north.pk]), {"name": "South", "version": 1})
    assert "already has a locality called “South”" in _text(refused)
    office.post(reverse("setup:locality_edit", args=[north.pk]), {"name": "North", "is_retired": "on", "version": 1})
    north.refresh_from_db()
    assert north.is_retired
    assert "Retired" in _text(office.get(url))


# --- Scheme leads -------------------------------------------------------------------------------------------


def test_a_scheme_lead_changes_from_a_date_and_the_previous_lead_stays_in_the_history(office, programme):
    scheme = SchemeFactory(programme=programme, ref="N1")
    old = UserFactory(roles=[Role.PROJECT_LEAD], first_name="Olive", last_name="Old")
    new = UserFactory(roles=[Role.PROJECT_LEAD], first_name="Nina", last_name="New")
    SchemeLead.objects.create(scheme=scheme, user=old, start_date=dt.date(2025, 4, 1))
    response = office.post(reverse("setup:scheme_lead", args=[scheme.pk]), {"user": new.pk, "start_date": "01/10/2025"})
    assert response.status_code == 302
    leads = list(scheme.leads.order_by("start_date"))
    assert [(lead.user, lead.start_date, lead.end_date) for lead in leads] == [
        (old, dt.date(2025, 4, 1), dt.date(2025, 9, 30)),
        (new, dt.date(2025, 10, 1), None),
    ]
    page = _text(office.get(reverse("setup:scheme_lead", args=[scheme.pk])))
    assert "Olive Old" in page and "30/09/2025" in page and "Nina New" in page
    again = office.post(reverse("setup:scheme_lead", args=[scheme.pk]), {"user": new.pk, "start_date": "01/09/2025"})
    assert "must come after the last one" in _text(again)
    assert scheme.leads.count() == 2


# --- Ready to report? ---------------------------------------------------------------------------------------


def test_the_checklist_lists_what_is_missing_with_links_that_fix_it(office, programme):
    SchemeFactory(programme=programme, ref="N1", name="Falls")
    page = _text(office.get(reverse("setup:checklist", args=[programme.slug])))
    assert "There are no reporting periods." in page and reverse("setup:periods", args=[programme.slug]) in page
    assert "There are no workstreams." in page and reverse("setup:workstreams", args=[programme.slug]) in page
    assert "Scheme N1 Falls has no lead." in page
    assert "The programme has no fund." in page and reverse("finance:setup_funds", args=[programme.slug]) in page


def test_the_checklist_asks_for_the_current_periods_board_date(office, programme):
    today = timezone.localdate()
    period = ReportingPeriodFactory(
        programme=programme, start_date=today - dt.timedelta(days=10), end_date=today + dt.timedelta(days=20)
    )
    page = _text(office.get(reverse("setup:checklist", args=[programme.slug])))
    assert "has no board date" in page and reverse("setup:period_edit", args=[period.pk]) in page
    assert "There are no reporting periods." not in page


def test_the_programme_office_finds_set_up_from_the_navigation(office, programme):
    page = _text(office.get(reverse("schemes:list")))
    assert f'href="{reverse("setup:index")}"' in page
    assert office.get(reverse("setup:index")).url == reverse(
        "setup:checklist", args=[Programme.objects.order_by("-start_date").first().slug]
    )


# --- Other roles --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_cannot_set_up_a_programme(client, programme, role):
    user = UserFactory(roles=[role])
    client.force_login(user)
    period = ReportingPeriodFactory(programme=programme)
    workstream = WorkstreamFactory(programme=programme)
    scheme = SchemeFactory(programme=programme)
    for url in [
        reverse("setup:index"),
        reverse("setup:programme", args=[programme.slug]),
        reverse("setup:checklist", args=[programme.slug]),
        reverse("setup:periods", args=[programme.slug]),
        reverse("setup:period_edit", args=[period.pk]),
        reverse("setup:workstreams", args=[programme.slug]),
        reverse("setup:workstream_edit", args=[workstream.pk]),
        reverse("setup:localities", args=[programme.slug]),
        reverse("setup:scheme_lead", args=[scheme.pk]),
        reverse("setup:people", args=[programme.slug]),
        reverse("setup:person", args=[programme.slug, user.pk]),
    ]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "Sneaky", "version": 1}).status_code == 403, url
    assert not Workstream.objects.filter(name="Sneaky").exists()


def test_a_missing_programme_or_period_is_404_for_the_office(office):
    assert office.get(reverse("setup:programme", args=["nope"])).status_code == 404
    assert office.get(reverse("setup:period_edit", args=[999999])).status_code == 404


def test_a_retired_workstream_is_offered_only_to_schemes_already_under_it(programme):
    live = WorkstreamFactory(programme=programme, name="Live")
    retired = WorkstreamFactory(programme=programme, name="Old", is_retired=True)
    assert list(SchemeDetailsForm(programme=programme).fields["workstream"].queryset) == [live]
    under = SchemeDetailsForm(programme=programme, initial={"workstream": retired})
    assert set(under.fields["workstream"].queryset) == {live, retired}
