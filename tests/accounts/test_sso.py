"""Single sign-on end to end against a REAL OpenID Connect provider: django-oauth-toolkit in its own process on
a loopback port (tests/accounts/oidc_provider), with an RSA key made here. The app under test is pytest-django's
live_server; a requests session follows the redirects across the two servers, as a browser would
(tests/e2e/test_sso.py does the happy path in chromium)."""

import re

import pytest
import requests
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Invitation, Partnership, SecurityEvent, User
from accounts.roles import Role, user_roles
from tests.accounts.oidc_provider import PASSWORD, running_provider
from tests.factories.accounts import PartnershipFactory, UserFactory
from tests.factories.schemes import ProgrammeFactory

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
    settings.OIDC_IDP_ENFORCES_MFA = False
    return settings


@pytest.fixture
def trafford(db):
    """Partnership A: its programme office lets trafford.gov.uk addresses use single sign-on."""
    return ProgrammeFactory(
        slug="trafford-bcf",
        partnership=PartnershipFactory(slug="trafford", name="Trafford", sso_email_domains="trafford.gov.uk"),
    )


@pytest.fixture
def stockport(db):
    """Partnership B: only stockport.gov.uk addresses may use single sign-on."""
    return ProgrammeFactory(
        slug="stockport-bcf",
        partnership=PartnershipFactory(slug="stockport", name="Stockport", sso_email_domains="stockport.gov.uk"),
    )


@pytest.fixture
def alice(make_user, trafford):
    return make_user(
        Role.STEERING_GROUP, username="asmith", email="alice.smith@trafford.gov.uk", roles__programmes=[trafford]
    )


def sso_sign_in(
    live_server, provider_username: str, start_at: str = "/accounts/login/"
) -> tuple[requests.Session, requests.Response]:
    """Click "Sign in with …" (on the sign-in page, or an invitation's page), sign in at the provider, and follow
    every redirect back to the app."""
    browser = requests.Session()
    login_page = browser.get(f"{live_server.url}{start_at}", timeout=30)
    start = re.search(r'href="([^"]*/accounts/sso/[^"]*)"', login_page.text)
    assert start, "the page offers single sign-on"
    at_provider = browser.get(f"{live_server.url}{start.group(1).replace('&amp;', '&')}", timeout=30)
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


def test_an_unknown_person_with_no_invitation_gets_no_account_even_at_an_allowed_domain(live_server, sso_on, alice):
    browser, answer = sso_sign_in(live_server, "newcomer")
    assert "There is no account here for new.starter@trafford.gov.uk" in answer.text
    assert "Ask the programme office to invite you" in answer.text
    assert _signed_in_as(browser, live_server) is None
    assert not User.objects.filter(email__iexact="new.starter@trafford.gov.uk").exists()


def _invite(programme, email: str) -> str:
    _, token = services.invitation_create(email=email, programme=programme, role=Role.PROJECT_LEAD)
    return f"/accounts/invitation/{token}/"


def _accept_signed_in(browser, live_server, link: str) -> requests.Response:
    csrf = browser.cookies.get("csrftoken", domain="localhost.local") or browser.cookies.get("csrftoken")
    return browser.post(
        f"{live_server.url}{link}",
        data={"accept_signed_in": "1", "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{live_server.url}{link}"},
        timeout=30,
    )


def test_an_invited_person_at_a_domain_the_partnership_allows_gets_an_account_then_the_role(
    live_server, sso_on, trafford
):
    link = _invite(trafford, "new.starter@trafford.gov.uk")
    browser, answer = sso_sign_in(live_server, "newcomer", start_at=link)
    user = User.objects.get(email="new.starter@trafford.gov.uk")
    assert (user.username, user.first_name, user.last_name) == ("new.starter@trafford.gov.uk", "New", "Starter")
    assert not user.has_usable_password() and user_roles(user) == frozenset()  # no role until accepted
    assert answer.url == f"{live_server.url}{link}"  # back on the invitation, signed in
    assert _signed_in_as(browser, live_server) == "New Starter"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SSO_ACCOUNT_CREATED, subject=user).exists()
    accepted = _accept_signed_in(browser, live_server, link)
    assert accepted.status_code == 200 and not accepted.url.endswith(link)
    assert user_roles(User.objects.get(pk=user.pk), trafford) == {Role.PROJECT_LEAD}
    assert browser.get(f"{live_server.url}/schemes/", timeout=30).status_code == 200


def test_an_invited_person_at_a_domain_their_partnership_does_not_allow_is_refused(live_server, sso_on, trafford):
    Partnership.objects.filter(pk=trafford.partnership_id).update(sso_email_domains="nhs.net")
    link = _invite(trafford, "new.starter@trafford.gov.uk")
    browser, answer = sso_sign_in(live_server, "newcomer", start_at=link)
    assert "Addresses at trafford.gov.uk are not allowed to sign in with single sign-on to Trafford" in (answer.text)
    assert _signed_in_as(browser, live_server) is None
    assert not User.objects.filter(email__iexact="new.starter@trafford.gov.uk").exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.SSO_REFUSED, username="new.starter@trafford.gov.uk"
    ).exists()


def test_a_domain_allowed_for_partnership_a_gets_no_account_on_partnership_b(live_server, sso_on, trafford, stockport):
    """trafford.gov.uk is allowed in A (Trafford) but not in B (Stockport): B's invitation does not let SSO make
    the account, and someone who has an account through A cannot take B's role with it either."""
    link = _invite(stockport, "new.starter@trafford.gov.uk")
    browser, answer = sso_sign_in(live_server, "newcomer", start_at=link)
    assert "Addresses at trafford.gov.uk are not allowed to sign in with single sign-on to Stockport" in answer.text
    assert _signed_in_as(browser, live_server) is None
    assert not User.objects.filter(email__iexact="new.starter@trafford.gov.uk").exists()

    alice = UserFactory(
        username="asmith",
        email="alice.smith@trafford.gov.uk",
        roles=[Role.STEERING_GROUP],
        roles__programmes=[trafford],
    )
    link = _invite(stockport, "alice.smith@trafford.gov.uk")
    browser, answer = sso_sign_in(live_server, "alice", start_at=link)
    assert _signed_in_as(browser, live_server) == str(alice)  # A lets her in ...
    refused = _accept_signed_in(browser, live_server, link)
    assert "Stockport does not accept single sign-on for addresses at trafford.gov.uk" in refused.text
    assert user_roles(User.objects.get(pk=alice.pk), stockport) == frozenset()  # ... but B gives her no role
    assert Invitation.objects.get(email="alice.smith@trafford.gov.uk").accepted_at is None


def test_an_account_whose_only_partnership_does_not_allow_its_domain_cannot_sign_in_with_sso(
    live_server, sso_on, trafford, stockport
):
    """An account holding a role only in B, at A's domain (e.g. invited to B with a password), is not let in by the
    provider's word: it signs in with its password."""
    UserFactory(email="alice.smith@trafford.gov.uk", roles=[Role.STEERING_GROUP], roles__programmes=[stockport])
    browser, answer = sso_sign_in(live_server, "alice")
    assert "Addresses at trafford.gov.uk are not allowed to sign in with single sign-on to Stockport" in answer.text
    assert "Sign in with your password" in answer.text
    assert _signed_in_as(browser, live_server) is None


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
