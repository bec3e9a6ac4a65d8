"""Single sign-on's allowed e-mail domains are a setting of each partnership (issue 15 §2), edited by its programme
office (or a superuser) on the programme's set-up page: audited, bad input refused in words, a stale edit refused,
and other roles and other partnerships kept out. tests/accounts/test_sso.py signs in against them."""

import pytest
from django.urls import reverse

from accounts.models import Partnership
from accounts.roles import Role
from tests.factories.accounts import PartnershipFactory, UserFactory
from tests.factories.schemes import ProgrammeFactory


@pytest.fixture
def programme(db):
    return ProgrammeFactory(slug="trafford-bcf", partnership=PartnershipFactory(slug="trafford", name="Trafford"))


def _post(client, programme, domains: str, was: str = ""):
    return client.post(
        reverse("setup:programme", args=[programme.slug]), {"sso_domains": "1", "domains": domains, "was": was}
    )


def test_the_programme_office_sets_its_partnerships_domains_and_the_change_is_audited(client, programme):
    office = UserFactory(roles=[Role.PROGRAMME_OFFICE], roles__programmes=[programme])
    client.force_login(office)
    page = client.get(reverse("setup:programme", args=[programme.slug])).content.decode()
    assert "Single sign-on for Trafford" in page
    response = _post(client, programme, "Trafford.gov.uk\n@nhs.net, trafford.gov.uk")
    assert response.status_code == 302
    partnership = Partnership.objects.get(pk=programme.partnership_id)
    assert partnership.sso_domains == ["trafford.gov.uk", "nhs.net"]
    assert partnership.sso_allows("Someone@NHS.net") and not partnership.sso_allows("someone@nhs.uk")
    last = partnership.history.first()
    assert (last.history_user, last.history_change_reason) == (office, "single sign-on domains")


def test_a_superuser_sets_them_too(client, programme):
    client.force_login(UserFactory(is_superuser=True))
    assert _post(client, programme, "trafford.gov.uk").status_code == 302
    assert Partnership.objects.get(pk=programme.partnership_id).sso_domains == ["trafford.gov.uk"]


def test_a_wrong_domain_is_refused_in_words_and_nothing_is_saved(client, programme):
    client.force_login(UserFactory(roles=[Role.PROGRAMME_OFFICE], roles__programmes=[programme]))
    response = _post(client, programme, "trafford.gov.uk, *.nhs.net")
    assert response.status_code == 200
    assert "Not a domain: *.nhs.net" in response.content.decode()
    assert Partnership.objects.get(pk=programme.partnership_id).sso_email_domains == ""


def test_an_edit_made_meanwhile_is_not_overwritten(client, programme):
    Partnership.objects.filter(pk=programme.partnership_id).update(sso_email_domains="nhs.net")
    client.force_login(UserFactory(roles=[Role.PROGRAMME_OFFICE], roles__programmes=[programme]))
    response = _post(client, programme, "trafford.gov.uk", was="")  # the form was opened before nhs.net was added
    assert response.status_code == 200
    assert "they are now nhs.net" in response.content.decode()
    assert Partnership.objects.get(pk=programme.partnership_id).sso_domains == ["nhs.net"]


@pytest.mark.parametrize("role", [Role.PROJECT_LEAD, Role.STEERING_GROUP, Role.FINANCE_OFFICER])
def test_other_roles_cannot_change_them(client, programme, role):
    client.force_login(UserFactory(roles=[role], roles__programmes=[programme]))
    assert _post(client, programme, "example.com").status_code == 403
    assert Partnership.objects.get(pk=programme.partnership_id).sso_email_domains == ""


def test_another_partnerships_programme_office_gets_a_404(client, programme):
    other = ProgrammeFactory(slug="stockport-bcf", partnership=PartnershipFactory(slug="stockport", name="Stockport"))
    client.force_login(UserFactory(roles=[Role.PROGRAMME_OFFICE], roles__programmes=[other]))
    assert _post(client, programme, "stockport.gov.uk").status_code == 404
    assert Partnership.objects.get(pk=programme.partnership_id).sso_email_domains == ""
