"""Roles per programme (issue 17): memberships with dates, read once per request, a superuser as programme office
everywhere, grant_role for a programme's first programme office, and the programme picker."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, User
from accounts.roles import Role, has_role, user_programme_ids, user_roles
from accounts.services import membership_end, membership_grant
from tests.factories.accounts import UserFactory
from tests.factories.schemes import ProgrammeFactory

pytestmark = pytest.mark.django_db


def test_roles_are_held_per_programme():
    a, b = ProgrammeFactory(), ProgrammeFactory()
    user = UserFactory()
    membership_grant(user=user, programme=a, role=Role.PROGRAMME_OFFICE)
    membership_grant(user=user, programme=b, role=Role.STEERING_GROUP)
    user = User.objects.get(pk=user.pk)
    assert has_role(user, Role.PROGRAMME_OFFICE, programme=a)
    assert not has_role(user, Role.PROGRAMME_OFFICE, programme=b)
    assert user_roles(user, b) == {Role.STEERING_GROUP}
    assert user_roles(user) == {Role.PROGRAMME_OFFICE, Role.STEERING_GROUP}  # on any programme
    assert user_programme_ids(user) == {a.pk, b.pk}


def test_role_lookup_reads_the_memberships_once_per_request_whatever_the_number_of_checks():
    """The N+1 it prevents: one query per has_role call (here 30) when pages check roles per object."""
    programmes = [ProgrammeFactory() for _ in range(3)]
    user = UserFactory()
    for programme in programmes:
        membership_grant(user=user, programme=programme, role=Role.PROJECT_LEAD)
    user = User.objects.get(pk=user.pk)  # a fresh request's user object
    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            for programme in programmes:
                has_role(user, Role.PROGRAMME_OFFICE, Role.PROJECT_LEAD, programme=programme)
        user_programme_ids(user)
        user_roles(user)
    assert len(queries) == 1, [q["sql"] for q in queries]


def test_a_membership_counts_only_between_its_dates():
    programme = ProgrammeFactory()
    user = UserFactory()
    today = dt.date.today()
    membership = membership_grant(
        user=user, programme=programme, role=Role.FINANCE_OFFICER, start_date=today - dt.timedelta(days=30)
    )
    assert has_role(User.objects.get(pk=user.pk), Role.FINANCE_OFFICER, programme=programme)
    membership_end(membership=membership, end_date=today - dt.timedelta(days=1))
    assert not has_role(User.objects.get(pk=user.pk), Role.FINANCE_OFFICER, programme=programme)
    membership_grant(user=user, programme=programme, role=Role.FINANCE_OFFICER, start_date=today + dt.timedelta(days=7))
    assert not has_role(User.objects.get(pk=user.pk), Role.FINANCE_OFFICER, programme=programme)  # not yet
    assert membership.history.count() == 2  # granted, ended: audited


def test_a_second_overlapping_membership_of_the_same_role_is_refused():
    programme = ProgrammeFactory()
    user = UserFactory()
    membership_grant(user=user, programme=programme, role=Role.PROJECT_LEAD)
    with pytest.raises(ValidationError, match="already holds the role Project lead"):
        membership_grant(user=user, programme=programme, role=Role.PROJECT_LEAD)
    with pytest.raises(ValidationError, match="is not a role"):
        membership_grant(user=user, programme=programme, role="Chief")


def test_a_superuser_is_programme_office_on_every_programme():
    a, b = ProgrammeFactory(), ProgrammeFactory()
    root = User.objects.create_superuser(username="root", password="x")
    assert has_role(root, Role.PROGRAMME_OFFICE, programme=a) and has_role(root, Role.PROGRAMME_OFFICE, programme=b)
    assert user_programme_ids(root) == {a.pk, b.pk}


def test_grant_role_makes_a_programmes_first_programme_office():
    programme = ProgrammeFactory(slug="northshire")
    user = UserFactory(username="alice")
    out = io.StringIO()
    call_command("grant_role", "--user", "alice", "--programme", "northshire", "--role", "Programme office", stdout=out)
    assert "alice is Programme office on northshire" in out.getvalue()
    assert has_role(User.objects.get(pk=user.pk), Role.PROGRAMME_OFFICE, programme=programme)
    call_command(
        "grant_role", "--user", "alice", "--programme", "northshire", "--role", "Steering group",
        "--start", "2024-04-01", "--end", "2025-03-31", stdout=out,
    )  # fmt: skip
    ended = Membership.objects.get(user=user, role="Steering group")
    assert (ended.start_date, ended.end_date) == (dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    with pytest.raises(CommandError, match="No programme “nowhere”"):
        call_command("grant_role", "--user", "alice", "--programme", "nowhere", "--role", "Programme office")
    with pytest.raises(CommandError, match="already holds"):
        call_command("grant_role", "--user", "alice", "--programme", "northshire", "--role", "Programme office")


def test_someone_with_two_programmes_picks_one_and_it_is_remembered():
    a = ProgrammeFactory(name="Alpha BCF", start_date=dt.date(2015, 4, 1))
    b = ProgrammeFactory(name="Beta BCF", start_date=dt.date(2014, 4, 1))
    user = UserFactory(roles=[Role.STEERING_GROUP], roles__programmes=[a, b])
    client = Client()
    client.force_login(user)
    page = client.get(reverse("schemes:list")).content.decode()
    assert 'data-testid="programme-picker"' in page and "Programme: Alpha BCF" in page
    assert client.get(reverse("dashboard:index"), {"programme": b.slug}).status_code == 200
    response = client.get(reverse("schemes:list"))
    assert response.context["programme"] == b  # remembered in the session
    assert "Programme: Beta BCF" in response.content.decode()


def test_someone_with_one_programme_has_no_picker():
    programme = ProgrammeFactory()
    user = UserFactory(roles=[Role.STEERING_GROUP], roles__programmes=[programme])
    client = Client()
    client.force_login(user)
    assert 'data-testid="programme-picker"' not in client.get(reverse("schemes:list")).content.decode()
