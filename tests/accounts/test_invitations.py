"""People (issue 17 §3): the programme office invites someone by e-mail to a role; the one-time link sets a password,
creates the account and grants the role; a used or expired link changes nothing. Roles change and end here too."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, SecurityEvent, User
from accounts.roles import Role, user_roles
from accounts.selectors import people_with_roles
from schemes.models import Programme
from tests.conftest import password_sign_in
from tests.factories.accounts import UserFactory
from tests.factories.schemes import ProgrammeFactory

PASSWORD = "a-long-new-password-1"


@pytest.fixture
def programme(db):
    return ProgrammeFactory(slug="new-bcf", name="New BCF")


@pytest.fixture
def office(client, pmo_user):
    client.force_login(pmo_user)
    return client


def _link(message) -> str:
    return re.search(r"http://testserver(/accounts/invitation/[^/\s]+/)", message.body).group(1)


def _invite(office, programme, email="nina@example.org", role=Role.PROJECT_LEAD) -> str:
    response = office.post(reverse("setup:people", args=[programme.slug]), {"email": email, "role": role.value})
    assert response.status_code == 302
    return _link(mail.outbox[-1])


def test_an_invitation_e_mail_carries_a_one_time_link_and_only_its_hash_is_kept(office, programme, pmo_user):
    link = _invite(office, programme)
    message = mail.outbox[-1]
    assert message.to == ["nina@example.org"]
    assert "New BCF" in message.subject and "Project lead" in message.subject
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == Invitation.hash_token(token) and token not in invitation.token_hash
    assert (invitation.invited_by, invitation.programme, invitation.role) == (pmo_user, programme, "Project lead")
    assert dt.timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= dt.timedelta(days=7)
    assert "Waiting" in office.get(reverse("setup:people", args=[programme.slug])).content.decode()


def test_accepting_creates_the_account_grants_the_role_and_the_person_signs_in(office, client, programme, pmo_user):
    link = _invite(office, programme)
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Accept your invitation" in page.content.decode()
    response = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    user = User.objects.get(email="nina@example.org")
    assert user.is_active and user_roles(user) == {Role.PROJECT_LEAD}
    assert Invitation.objects.get().accepted_by == user
    assert [h.history_user for h in Invitation.history.order_by("history_id")] == [pmo_user, user]  # audited
    assert SecurityEvent.objects.filter(kind="role_granted", subject=user).exists()
    assert password_sign_in(client, user.username, PASSWORD)


def test_an_invitation_link_used_twice_gets_a_clear_page_and_changes_nothing(office, client, programme):
    link = _invite(office, programme)
    client.logout()
    client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    user = User.objects.get(email="nina@example.org")
    password_hash = user.password
    second = client.post(link, {"password1": "another-password-22", "password2": "another-password-22"})
    assert second.status_code == 400
    assert "This invitation has already been used." in second.content.decode()
    user.refresh_from_db()
    assert user.password == password_hash
    assert User.objects.filter(email="nina@example.org").count() == 1


def test_an_expired_invitation_link_gets_a_clear_page_and_no_account(office, client, programme):
    link = _invite(office, programme, email="late@example.org")
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client.logout()
    for response in (client.get(link), client.post(link, {"password1": PASSWORD, "password2": PASSWORD})):
        assert response.status_code == 400
        assert "This invitation expired on" in response.content.decode()
    assert not User.objects.filter(email="late@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_unknown_link_is_refused(client, db):
    response = client.get(reverse("accounts:invitation_accept", args=["not-a-real-token"]))
    assert response.status_code == 400 and "not valid" in response.content.decode()


def test_a_weak_password_is_refused_and_the_link_still_works(office, client, programme):
    link = _invite(office, programme)
    client.logout()
    response = client.post(link, {"password1": "123", "password2": "123"})
    assert response.status_code == 200
    assert not User.objects.filter(email="nina@example.org").exists()
    assert Invitation.objects.get().accepted_at is None
    assert client.post(link, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 302


def test_an_invitation_to_an_existing_deactivated_account_reactivates_it(office, client, programme):
    old = UserFactory(email="back@example.org", is_active=False)
    link = _invite(office, programme, email="back@example.org", role=Role.FINANCE_OFFICER)
    client.logout()
    client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    old.refresh_from_db()
    assert old.is_active and Role.FINANCE_OFFICER in user_roles(old)
    assert User.objects.filter(email="back@example.org").count() == 1


def test_a_bad_invitation_is_refused_in_words_and_nothing_is_sent(office, programme):
    response = office.post(
        reverse("setup:people", args=[programme.slug]), {"email": "not-an-address", "role": "Project lead"}
    )
    assert "Enter a valid email address." in response.content.decode()
    assert mail.outbox == [] and not Invitation.objects.exists()


def test_the_office_gives_and_ends_roles(office, programme, pmo_user):
    # Roles are held per programme since issue 17 (memberships): the page gives and ends them on its own programme,
    # so the roles checked are those on that programme (the factory's person also holds Project lead on the other
    # programme the fixtures made, and keeps it: that is checked too).
    person = UserFactory(roles=[Role.PROJECT_LEAD])
    other = Programme.objects.exclude(pk=programme.pk).get()
    url = reverse("setup:person", args=[programme.slug, person.pk])
    assert office.post(url, {"grant": "1", "grant-role": Role.STEERING_GROUP.value}).status_code == 302
    person = User.objects.get(pk=person.pk)
    assert user_roles(person, programme) == {Role.PROJECT_LEAD, Role.STEERING_GROUP}
    assert office.post(url, {"end_role": "1", "end-role": Role.PROJECT_LEAD.value, "end-end": ""}).status_code == 302
    person = User.objects.get(pk=person.pk)
    assert user_roles(person, programme) == {Role.STEERING_GROUP}
    assert user_roles(person, other) == {Role.PROJECT_LEAD}
    assert list(SecurityEvent.objects.filter(subject=person).values_list("kind", flat=True).order_by("id")) == [
        "role_granted",
        "role_ended",
    ]
    future = (timezone.localdate() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    refused = office.post(url, {"end_role": "1", "end-role": Role.STEERING_GROUP.value, "end-end": future})
    assert "not in the future" in refused.content.decode()
    assert user_roles(User.objects.get(pk=person.pk), programme) == {Role.STEERING_GROUP}


def test_the_office_cannot_end_its_own_programme_office_role(office, programme, pmo_user):
    url = reverse("setup:person", args=[programme.slug, pmo_user.pk])
    response = office.post(url, {"end_role": "1", "end-role": Role.PROGRAMME_OFFICE.value})
    assert "You cannot end your own programme office role" in response.content.decode()
    assert Role.PROGRAMME_OFFICE in user_roles(User.objects.get(pk=pmo_user.pk))


def test_role_grant_is_the_one_place_a_role_is_given(programme):
    user = UserFactory()
    services.role_grant(user=user, programme=programme, role=Role.BOARD_SECRETARY)
    assert user_roles(User.objects.get(pk=user.pk)) == {Role.BOARD_SECRETARY}


def test_someone_signed_in_with_the_invited_address_accepts_without_a_new_password(office, client, programme):
    """The single sign-on path: whoever SSO signed in accepts as themselves, if the address is the invited one."""
    link = _invite(office, programme, email="sso.person@example.org", role=Role.BOARD_SECRETARY)
    someone_else = UserFactory(email="other@example.org")
    client.force_login(someone_else)
    refused = client.post(link, {"accept_signed_in": "1"})
    assert "This invitation is for sso.person@example.org" in refused.content.decode()
    assert user_roles(User.objects.get(pk=someone_else.pk)) == frozenset()
    invited = UserFactory(email="sso.person@example.org")
    client.force_login(invited)
    assert client.post(link, {"accept_signed_in": "1"}).status_code == 302
    assert user_roles(User.objects.get(pk=invited.pk)) == {Role.BOARD_SECRETARY}
    assert Invitation.objects.get().accepted_by == invited


def test_the_people_list_is_read_in_two_queries_however_many_people(db, django_assert_num_queries):
    """People and their roles: one query for the people, one for all their groups (no query per person)."""
    for n in range(6):
        UserFactory(roles=[Role.PROJECT_LEAD, Role.STEERING_GROUP] if n % 2 else [Role.FINANCE_OFFICER])
    programme = Programme.objects.get()
    with django_assert_num_queries(2):
        people = people_with_roles(programme=programme)
    assert len(people) == 6
    assert sorted(len(p.role_names) for p in people) == [1, 1, 1, 2, 2, 2]
