"""The scheme edit page with the programme's own localities (issue 17 §2, Set up › Localities): the programme office
puts a scheme in a locality, the change is audited, a stale edit is refused, and neither a retired locality nor
another programme's can be chosen."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from schemes import services
from tests.factories.accounts import UserFactory
from tests.factories.schemes import ProgrammeFactory, SchemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(client):
    programme = ProgrammeFactory()
    office = UserFactory(roles=[Role.PROGRAMME_OFFICE], roles__programmes=[programme])
    north = services.locality_add(programme=programme, name="North Trafford", by=office)
    south = services.locality_add(programme=programme, name="South Trafford", by=office)
    retired = services.locality_add(programme=programme, name="Old Central", by=office)
    services.locality_update(locality=retired, name=retired.name, is_retired=True, by=office)
    elsewhere = services.locality_add(programme=ProgrammeFactory(), name="Elsewhere Central", by=office)
    scheme = SchemeFactory(programme=programme, name="Community nursing")
    client.force_login(office)
    return {"scheme": scheme, "north": north, "south": south, "retired": retired, "elsewhere": elsewhere}


def _form_data(client, url) -> dict:
    """What the page's form would post as it stands (its initial values, version included)."""
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    return {k: getattr(v, "pk", v) for k, v in data.items()}


def test_the_programme_office_puts_a_scheme_in_a_locality_and_a_stale_edit_is_refused(client, setting):
    scheme, north, south = setting["scheme"], setting["north"], setting["south"]
    url = reverse("schemes:edit", args=[scheme.pk])
    page = client.get(url).content.decode()
    # The programme's current localities are offered; a retired one and another programme's are not.
    assert "North Trafford" in page and "South Trafford" in page
    assert "Old Central" not in page and "Elsewhere Central" not in page

    opened = _form_data(client, url)  # the form as first opened (version 1)
    assert client.post(url, opened | {"programme_locality": north.pk}).status_code == 302
    scheme.refresh_from_db()
    assert scheme.programme_locality == north
    last = scheme.history.order_by("-history_id").first()
    assert last.programme_locality_id == north.pk and last.history_user is not None  # audited, with who

    # The same form, opened before that save, now asks for South: refused, North kept.
    stale = client.post(url, opened | {"programme_locality": south.pk}, follow=True)
    assert stale.status_code == 200
    text = stale.content.decode()
    assert "Not saved: this record changed after you opened it" in text
    # The refusal names the locality, not its number in the database.
    assert "changed locality from “—” to “North Trafford”" in text
    scheme.refresh_from_db()
    assert scheme.programme_locality == north

    # A fresh form may move it; back to none is allowed too.
    fresh = _form_data(client, url)
    assert fresh["programme_locality"] == north.pk
    assert client.post(url, fresh | {"programme_locality": south.pk}).status_code == 302
    scheme.refresh_from_db()
    assert scheme.programme_locality == south


@pytest.mark.parametrize("which", ["retired", "elsewhere"])
def test_a_retired_or_another_programmes_locality_is_refused(client, setting, which):
    scheme = setting["scheme"]
    url = reverse("schemes:edit", args=[scheme.pk])
    response = client.post(url, _form_data(client, url) | {"programme_locality": setting[which].pk})
    assert response.status_code == 200
    assert response.context["form"].errors["programme_locality"]
    scheme.refresh_from_db()
    assert scheme.programme_locality is None
