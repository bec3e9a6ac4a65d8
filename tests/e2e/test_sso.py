"""Single sign-on in Debian's chromium: "Sign in with …", the real loopback provider's sign-in page, and back
into the app (tests/accounts/test_sso.py has the refusals)."""

import pytest
from playwright.sync_api import expect

from accounts.models import Partnership
from accounts.roles import Role
from tests.accounts.oidc_provider import PASSWORD, running_provider
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    people = [{"username": "alice", "email": "alice.smith@trafford.gov.uk"}]
    with running_provider(
        tmp_path_factory.mktemp("idp"), redirect_uri=f"{live_server.url}/accounts/sso/callback/", people=people
    ) as idp:
        yield idp


def test_sign_in_with_the_identity_provider_in_the_browser(page, live_server, provider, settings, make_user):
    for name, value in provider.rp_settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "accounts.sso.SSOBackend"]
    alice = make_user(Role.STEERING_GROUP, username="asmith", email="alice.smith@trafford.gov.uk", first_name="Alice")
    # Her partnership lets its council's addresses sign in with single sign-on (set on the programme's set-up page).
    Partnership.objects.filter(programmes__memberships__user=alice).update(sso_email_domains="trafford.gov.uk")

    page.goto(f"{live_server.url}/schemes/")
    assert "/accounts/login/" in page.url
    page.get_by_role("link", name="Sign in with Test identity provider").click()
    page.wait_for_url(f"{provider.url}/login/**")
    page.get_by_label("Provider username").fill("alice")
    page.get_by_label("Provider password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the provider").click()
    page.wait_for_url(f"{live_server.url}/schemes/")  # back where they were going, signed in
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "Alice" in page.locator(".navbar-text").inner_text()
    page.screenshot(path=str(ARTIFACTS / "sso-signed-in.png"), full_page=True)
