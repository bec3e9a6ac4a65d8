"""Issue 15, attack 1 replayed step by step: a password alone must never get past two-step sign-in.

The victim has a confirmed authenticator app. The attacker knows only the password.
"""

import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from tests.conftest import password_sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-horse-battery-9"


def _code(device, *, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def victim(make_user):
    user = make_user(Role.PROGRAMME_OFFICE, username="victim")
    user.set_password(PASSWORD)
    user.save()
    TOTPDevice.objects.create(user=user, name="Victim's phone", confirmed=True)
    return user


def _attacker_enrols_own_app(client) -> TOTPDevice | None:
    """The attacker's steps: password, then the set-up page, then a code from the secret it hands out."""
    client.get(reverse("accounts:mfa_setup"))
    pending = TOTPDevice.objects.filter(confirmed=False).first()
    if pending is None:
        return None
    client.post(reverse("accounts:mfa_setup"), {"token": _code(pending)})
    return pending


@pytest.mark.parametrize("mfa_required", [True, False])
def test_password_alone_cannot_enrol_a_new_authenticator_and_get_in(client, victim, settings, mfa_required):
    settings.MFA_REQUIRED = mfa_required
    assert password_sign_in(client, "victim", PASSWORD)
    # The site asks for a code (correctly) ...
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_verify"))

    _attacker_enrols_own_app(client)

    # Not in: the dashboard and the returns still ask for the code ...
    assert client.get("/dashboard/").status_code == 302
    assert client.get("/returns/").status_code == 302
    # ... because the set-up page is not reachable half-signed-in when a device exists.
    setup = client.get(reverse("accounts:mfa_setup"))
    assert setup.status_code == 302 and setup["Location"].startswith(reverse("accounts:mfa_verify"))
    assert not TOTPDevice.objects.filter(user=victim, confirmed=True).exclude(name="Victim's phone").exists()
    # The victim's own device is untouched.
    assert TOTPDevice.objects.filter(user=victim, name="Victim's phone", confirmed=True).exists()


def test_password_alone_cannot_remove_the_victims_authenticator(client, victim, settings):
    settings.MFA_REQUIRED = False
    assert password_sign_in(client, "victim", PASSWORD)
    _attacker_enrols_own_app(client)
    response = client.post(reverse("accounts:mfa"), {"token": "000000"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_verify"))
    assert TOTPDevice.objects.filter(user=victim, name="Victim's phone", confirmed=True).exists()


def test_after_a_real_code_the_owner_may_add_a_second_app(client, victim):
    assert password_sign_in(client, "victim", PASSWORD)
    phone = TOTPDevice.objects.get(user=victim)
    assert client.post(reverse("accounts:mfa_verify"), {"token": _code(phone)}).status_code == 302
    assert client.get(reverse("accounts:mfa_setup")).status_code == 200
    pending = TOTPDevice.objects.get(user=victim, confirmed=False)
    assert client.post(reverse("accounts:mfa_setup"), {"token": _code(pending)}).status_code == 302
    assert TOTPDevice.objects.filter(user=victim, confirmed=True).count() == 2
