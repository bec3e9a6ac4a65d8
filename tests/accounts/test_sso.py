"""Single sign-on end to end against a REAL OpenID Connect provider: django-oauth-toolkit in its own process on
a loopback port (tests/accounts/oidc_provider), with an RSA key made here. The app under test is pytest-django's
live_server; a requests session follows the redirects across the two servers, as a browser would
(tests/e2e/test_sso.py does the happy path in chromium)."""

import re

import pytest
import requests
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent, User
from accounts.roles import Role
from tests.accounts.oidc_provider import PASSWORD, running_provider

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [
    {"username": "alice", "email": "Alice.Smith@trafford.gov.uk", "first_name": "Alice", "last_name": "Smith"},
    {"username": "other-audience-alice", "email": "alice.smith@trafford.gov.uk"},
    {"username": "expired-alice", "email": "alice.smith@trafford.gov.uk"},
    {"username": "unverified-alice", "email": "alice.smith@trafford.gov.uk"},
    {"username": "newcomer", "email": "new.starter@trafford.gov.uk", "first_name": "New", "last_name": "Starter"},
    {"username": "outsider", "email": "someone@example.com"},
]


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    with running_provider(
        tmp_path_factory.mktemp("idp"), redirect_uri=f"{live_server.url}/accounts/sso/callback/", people=PEOPLE
    ) as idp:
        yield idp


@pytest.fixture
def sso_on(provider, settings):
    for name, value in provider.rp_settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "accounts.sso.SSOBackend"]
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = []
    settings.OIDC_IDP_ENFORCES_MFA = False
    return settings


@pytest.fixture
def alice(make_user):
    return make_user(Role.STEERING_GROUP, username="asmith", email="alice.smith@trafford.gov.uk")


def sso_sign_in(live_server, provider_username: str) -> tuple[requests.Session, requests.Response]:
    """Click "Sign in with …", sign in at the provider, and follow every redirect back to the app."""
    browser = requests.Session()
    login_page = browser.get(f"{live_server.url}/accounts/login/", timeout=30)
    start = re.search(r'href="([^"]*/accounts/sso/[^"]*)"', login_page.text)
    assert start, "the sign-in page offers single sign-on"
    at_provider = browser.get(f"{live_server.url}{start.group(1)}", timeout=30)
    assert at_provider.url.startswith(live_server.url) is False and "/login/" in at_provider.url
    answer = browser.post(
        at_provider.url,
        data={
            "username": provider_username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies.get("idp_csrftoken"),
        },
        timeout=60,
    )
    return browser, answer


def _signed_in_as(browser, live_server) -> str | None:
    page = browser.get(f"{live_server.url}/accounts/two-step/", allow_redirects=False, timeout=30)
    if page.status_code != 200:
        return None
    return re.search(r'<span class="navbar-text me-3">([^<·]+)', page.text).group(1).strip()


def test_a_person_with_an_invited_account_signs_in_with_their_verified_email(live_server, sso_on, alice):
    browser, answer = sso_sign_in(live_server, "alice")
    assert answer.status_code == 200 and answer.url == f"{live_server.url}/dashboard/"
    assert _signed_in_as(browser, live_server) == str(alice)
    assert browser.get(f"{live_server.url}/schemes/", timeout=30).status_code == 200
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SSO_REFUSED).exists()
    assert User.objects.count() == 1  # matched (e-mail compared without case), nobody created


def test_an_id_token_for_another_application_is_refused(live_server, sso_on, alice):
    browser, answer = sso_sign_in(live_server, "other-audience-alice")
    assert answer.url.startswith(f"{live_server.url}/accounts/login/")
    assert "issued for another application" in answer.text
    assert _signed_in_as(browser, live_server) is None
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SSO_REFUSED)
    assert "InvalidAudienceError" in event.detail and event.address == "127.0.0.1"


def test_an_expired_id_token_is_refused(live_server, sso_on, alice):
    browser, answer = sso_sign_in(live_server, "expired-alice")
    assert "has expired" in answer.text and answer.url.startswith(f"{live_server.url}/accounts/login/")
    assert _signed_in_as(browser, live_server) is None
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SSO_REFUSED).count() == 1


def test_an_unverified_email_is_not_matched_to_the_account(live_server, sso_on, alice):
    browser, answer = sso_sign_in(live_server, "unverified-alice")
    assert "has not verified the address alice.smith@trafford.gov.uk" in answer.text
    assert _signed_in_as(browser, live_server) is None
    assert SecurityEvent.objects.get(kind=SecurityEvent.Kind.SSO_REFUSED).username == "alice.smith@trafford.gov.uk"


def test_an_unknown_person_gets_no_account_when_no_domain_is_allowed(live_server, sso_on, alice):
    browser, answer = sso_sign_in(live_server, "newcomer")
    assert "There is no account here for new.starter@trafford.gov.uk" in answer.text
    assert "Ask the programme office to invite you" in answer.text
    assert _signed_in_as(browser, live_server) is None
    assert not User.objects.filter(email__iexact="new.starter@trafford.gov.uk").exists()


def test_a_disallowed_domain_gets_no_account(live_server, sso_on, alice):
    sso_on.OIDC_ALLOWED_EMAIL_DOMAINS = ["trafford.gov.uk"]
    browser, answer = sso_sign_in(live_server, "outsider")
    assert "addresses at example.com are not set up to get one" in answer.text
    assert _signed_in_as(browser, live_server) is None
    assert not User.objects.filter(email="someone@example.com").exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SSO_REFUSED, username="someone@example.com").exists()


def test_an_allowed_domain_gets_an_account_with_no_role(live_server, sso_on, alice):
    sso_on.OIDC_ALLOWED_EMAIL_DOMAINS = ["trafford.gov.uk"]
    browser, answer = sso_sign_in(live_server, "newcomer")
    user = User.objects.get(email="new.starter@trafford.gov.uk")
    assert (user.username, user.first_name, user.last_name) == ("new.starter@trafford.gov.uk", "New", "Starter")
    assert not user.has_usable_password() and not user.groups.exists()
    assert _signed_in_as(browser, live_server) == "New Starter"
    assert browser.get(f"{live_server.url}/schemes/", timeout=30).status_code == 403  # sees nothing until given a role
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SSO_ACCOUNT_CREATED, subject=user).exists()


def test_sso_still_asks_for_this_sites_code_unless_the_provider_enforces_mfa(live_server, sso_on, alice):
    TOTPDevice.objects.create(user=alice, name="Alice's phone", confirmed=True)
    browser, answer = sso_sign_in(live_server, "alice")
    assert answer.url.startswith(f"{live_server.url}/accounts/two-step/code/")
    assert browser.get(f"{live_server.url}/schemes/", allow_redirects=False, timeout=30).status_code == 302

    sso_on.OIDC_IDP_ENFORCES_MFA = True
    browser, answer = sso_sign_in(live_server, "alice")
    assert answer.url == f"{live_server.url}/dashboard/"
    assert browser.get(f"{live_server.url}/schemes/", allow_redirects=False, timeout=30).status_code == 200
    # Adding another app still needs a code from the first one at this sign-in.
    setup = browser.get(f"{live_server.url}/accounts/two-step/set-up/", allow_redirects=False, timeout=30)
    assert setup.status_code == 302 and "/accounts/two-step/code/" in setup.headers["Location"]


def test_password_sign_in_stays_when_sso_is_on(live_server, sso_on, alice):
    alice.set_password("Alice-own-password-9")
    alice.save()
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/accounts/login/", timeout=30)
    assert "Sign in with Test identity provider" in page.text
    answer = browser.post(
        f"{live_server.url}/accounts/login/",
        data={
            "username": "asmith",
            "password": "Alice-own-password-9",
            "csrfmiddlewaretoken": browser.cookies.get("csrftoken", domain="localhost.local")
            or browser.cookies.get("csrftoken"),
        },
        headers={"Referer": f"{live_server.url}/accounts/login/"},
        timeout=30,
    )
    assert answer.url == f"{live_server.url}/dashboard/"


def test_without_its_settings_sso_is_off_and_not_offered(client, settings):
    settings.SSO_ENABLED = False
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page
    response = client.get("/accounts/sso/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "Single sign-on is not switched on here" in response.content.decode()
