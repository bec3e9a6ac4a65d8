import pytest
from django.urls import reverse

from accounts.roles import Role, has_role, user_roles
from tests.conftest import password_sign_in
from tests.factories.schemes import ProgrammeFactory


@pytest.mark.django_db
def test_the_five_role_groups_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


@pytest.mark.django_db
def test_login_with_right_password_lands_on_the_dashboard(client, make_user):
    ProgrammeFactory()  # roles are held on a programme
    user = make_user(Role.STEERING_GROUP, username="alice")
    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": "correct-horse-battery"}, follow=True
    )
    assert response.wsgi_request.user == user
    assert response.redirect_chain[-1][0] == reverse("dashboard:index")  # a steering group member's first page


@pytest.mark.django_db
def test_wrong_login_gives_the_same_message_whether_or_not_the_user_exists(client, make_user):
    make_user(Role.STEERING_GROUP, username="alice")
    wrong_password = client.post(reverse("accounts:login"), {"username": "alice", "password": "nope"})
    no_such_user = client.post(reverse("accounts:login"), {"username": "nobody", "password": "nope"})
    assert wrong_password.status_code == no_such_user.status_code == 200
    errors_a = wrong_password.context["form"].non_field_errors()
    errors_b = no_such_user.context["form"].non_field_errors()
    assert list(errors_a) == list(errors_b)
    assert "correct username and password" in errors_a[0]


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client, make_user):
    client.force_login(make_user(Role.STEERING_GROUP))
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("schemes:list")).status_code == 302


@pytest.mark.django_db
def test_password_change(client, make_user):
    user = make_user(Role.PROJECT_LEAD)
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-new-Long-passphrase-9",
            "new_password2": "a-new-Long-passphrase-9",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-Long-passphrase-9")


@pytest.mark.django_db
def test_user_roles_come_from_memberships_and_superuser_counts_as_programme_office(make_user):
    ProgrammeFactory()
    lead = make_user(Role.PROJECT_LEAD)
    assert user_roles(lead) == {Role.PROJECT_LEAD}
    assert not has_role(lead, Role.PROGRAMME_OFFICE)
    boss = make_user(is_superuser=True)
    assert has_role(boss, Role.PROGRAMME_OFFICE)


@pytest.mark.django_db
def test_an_account_with_no_role_sees_no_programme_data(client, make_user):
    client.force_login(make_user())
    assert client.get(reverse("schemes:list")).status_code == 403


@pytest.mark.django_db
def test_the_admin_is_for_superusers_and_even_they_cannot_edit_milestone_dates_there(client, demo):
    """The programme office sets up on the set-up pages (scoped to its partnership); the admin lists every
    partnership's rows, so only a superuser opens it, and dates move only through milestone_move (audited)."""
    from accounts.models import User
    from milestones.models import Milestone

    assert password_sign_in(client, "pmo", "demo-pass-for-tests")
    response = client.get("/admin/schemes/reportingperiod/add/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    client.logout()
    User.objects.create_superuser("root", "root@example.org", "a-long-password-for-root-1")
    assert password_sign_in(client, "root", "a-long-password-for-root-1")
    assert client.get("/admin/schemes/reportingperiod/add/").status_code == 200
    milestone = Milestone.objects.first()
    html = client.get(f"/admin/milestones/milestone/{milestone.pk}/change/").content.decode()
    assert f'value="{milestone.pk}"' in html or "Change milestone" in html
    assert 'name="due_date"' not in html and 'name="baseline_date"' not in html
