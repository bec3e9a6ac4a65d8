"""The Django admin lists every partnership's rows unfiltered, so it is for superusers only (issue 17): the programme
office sets its programme up on the set-up pages, which are scoped to its partnership."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from tests.factories.schemes import SchemeFactory

pytestmark = pytest.mark.django_db

PAGES = ["/admin/", "/admin/schemes/scheme/", "/admin/accounts/membership/"]


def test_staff_of_a_programme_office_cannot_open_the_admin_even_with_model_permissions(client, make_user):
    scheme = SchemeFactory(name="Another partnership's scheme")
    pmo = make_user(Role.PROGRAMME_OFFICE, is_staff=True)
    pmo.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["schemes", "accounts"]))
    client.force_login(User.objects.get(pk=pmo.pk))
    for page in [*PAGES, reverse("admin:schemes_scheme_change", args=[scheme.pk])]:
        response = client.get(page)
        # Django's admin sends anyone it refuses to its sign-in page; nothing of the rows is shown.
        assert response.status_code == 302 and response.url.startswith("/admin/login/"), page
    page = client.get("/dashboard/").content.decode()
    assert 'href="/admin/"' not in page  # no link to it either


def test_a_superuser_opens_the_admin(client):
    SchemeFactory(name="Visible to the superuser")
    client.force_login(User.objects.create_superuser("root", "root@example.org", "a-long-password-1"))
    for page in PAGES:
        assert client.get(page).status_code == 200, page
    assert "Visible to the superuser" in client.get("/admin/schemes/scheme/").content.decode()
