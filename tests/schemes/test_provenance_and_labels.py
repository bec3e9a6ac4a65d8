"""Issue 21 point 4 (smaller points): a milestone's source note is for the programme office only; the admin says
"Scheme dependencies"."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories.milestones import MilestoneFactory
from tests.factories.schemes import ProgrammeFactory, SchemeFactory, SchemeLeadFactory

pytestmark = pytest.mark.django_db

NOTE = "Source: TSG paper of 12/05/2015, p.4. Extracted as 40, which cannot reconcile with the total."


@pytest.fixture
def scheme_with_noted_milestone(make_user):
    programme = ProgrammeFactory()
    scheme = SchemeFactory(programme=programme)
    MilestoneFactory(scheme=scheme, description="Service specification agreed", source_note=NOTE)
    users = {
        "pmo": make_user(Role.PROGRAMME_OFFICE),
        "lead": make_user(Role.PROJECT_LEAD),
        "steering": make_user(Role.STEERING_GROUP),
    }
    SchemeLeadFactory(scheme=scheme, user=users["lead"], start_date=dt.date(2015, 4, 1))
    return scheme, users


@pytest.mark.parametrize(("who", "sees"), [("pmo", True), ("lead", False), ("steering", False)])
def test_a_milestones_source_note_is_shown_to_the_programme_office_only(client, scheme_with_noted_milestone, who, sees):
    scheme, users = scheme_with_noted_milestone
    client.force_login(users[who])
    page = client.get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "Service specification agreed" in page  # the milestone itself is shown to everyone
    assert ("Extracted as 40" in page) is sees
    assert ("seen by the programme office only" in page) is sees
    # Nor in the scheme's history, whose entry for the milestone's creation lists its fields.
    history = client.get(reverse("schemes:history", args=[scheme.pk])).content.decode()
    assert "Service specification agreed" in history
    assert ("Extracted as 40" in history) is sees


def test_the_admin_says_scheme_dependencies(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Scheme dependencies" in page and "dependencys" not in page
