"""Authentication hardening: session time-outs, session key
rotation, deactivated users, two-step sign-in (TOTP) and password rules. Clocks are moved, not waited for."""

import time
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import middleware
from accounts.roles import Role
from tests.conftest import password_sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-horse-battery-9"
LOGIN = "/accounts/login/"


@pytest.fixture
def person(make_user):
    user = make_user(Role.STEERING_GROUP, username="victim")
    user.set_password(PASSWORD)
    user.save()
    return user


def _attempt(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


class Clock:
    """django-axes reads the time from django.utils.timezone.now in two places; move both. Its AccessAttempt
    rows take their first attempt_time from the field's auto_now_add (timezone.now at save), so that moves too:
    otherwise a new row is stamped with the real time, up to a second behind the moved clock, and a wait
    measured from it comes out a minute short whenever the test runs fast."""

    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def __enter__(self):
        self.patches = [
            mock.patch("axes.handlers.proxy.now", self),
            mock.patch("axes.attempts.now", self),
            mock.patch("django.db.models.fields.timezone.now", self),
        ]
        for patch in self.patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in self.patches:
            patch.stop()


# Sign-in throttling (per username-and-address, per address, behind the proxy): test_sign_in_throttle.py


def test_signing_in_gives_the_session_a_new_key(client, person):
    client.get(LOGIN)
    session = client.session
    session["before"] = "anonymous"
    session.save()
    old_key = session.session_key
    client.cookies["sessionid"] = old_key
    assert _attempt(client, "victim", PASSWORD).status_code == 302
    assert client.session.session_key != old_key
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_key).exists()


def test_idle_and_absolute_time_outs_sign_people_out(client, person, settings):
    start = time.time()
    with mock.patch.object(middleware, "now", return_value=start) as clock:
        assert _attempt(client, "victim", PASSWORD).status_code == 302
        assert client.get("/schemes/").status_code == 200
        clock.return_value = start + settings.SESSION_IDLE_TIMEOUT - 60
        assert client.get("/schemes/").status_code == 200  # still active: the idle clock restarts
        clock.return_value += settings.SESSION_IDLE_TIMEOUT + 1
        response = client.get("/schemes/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in client.session

        clock.return_value = start
        assert _attempt(client, "victim", PASSWORD).status_code == 302
        # Busy all day, a request every 20 minutes: signed out once the absolute limit passes.
        step = 20 * 60
        while clock.return_value + step - start <= settings.SESSION_ABSOLUTE_TIMEOUT:
            clock.return_value += step
            assert client.get("/schemes/").status_code == 200
        clock.return_value = start + settings.SESSION_ABSOLUTE_TIMEOUT + 1
        response = client.get("/schemes/", follow=True)
        assert "signed out 10 hours after signing in" in response.content.decode()


def test_deactivating_a_user_ends_their_sessions(client, person):
    assert _attempt(client, "victim", PASSWORD).status_code == 302
    assert client.get("/schemes/").status_code == 200
    person.is_active = False
    person.save()
    response = client.get("/schemes/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def _code(device, *, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def test_two_step_sign_in_set_up_then_asked_for_at_every_sign_in(client, person):
    assert password_sign_in(client, "victim", PASSWORD)
    page = client.get(reverse("accounts:mfa_setup")).content.decode()
    assert "<svg" in page and 'id="mfa-secret"' in page
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    assert client.post(reverse("accounts:mfa_setup"), {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
    device.throttle_reset()  # django-otp makes the next try wait after a wrong code; skip the wait
    response = client.post(reverse("accounts:mfa_setup"), {"token": _code(device)})
    # The first app: its recovery codes are shown, once (test_second_factor.py checks them).
    assert response.status_code == 200 and 'id="recovery-codes"' in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    client.post(reverse("accounts:logout"))

    assert password_sign_in(client, "victim", PASSWORD)
    response = client.get("/schemes/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_verify"))
    assert client.get("/api/v1/schemes/").status_code == 302  # data feeds too
    assert "not right" in client.post(reverse("accounts:mfa_verify"), {"token": "123456"}, follow=True).content.decode()
    assert client.get("/schemes/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # the wrong code above started django-otp's back-off; skip the wait
    response = client.post(reverse("accounts:mfa_verify"), {"token": _code(device, steps_ahead=1), "next": "/schemes/"})
    assert response.status_code == 302 and response["Location"] == "/schemes/"
    assert client.get("/schemes/").status_code == 200


def test_mfa_required_sends_people_without_an_app_to_set_it_up(client, person, settings):
    settings.MFA_REQUIRED = True
    assert password_sign_in(client, "victim", PASSWORD)
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_setup"))
    assert client.get(reverse("accounts:mfa_setup")).status_code == 200
    assert client.get(reverse("core:healthz")).status_code in (200, 503)
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_production_turns_mfa_on_and_the_password_rules_refuse_weak_passwords(client, person):
    import ast
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "config/settings/production.py").read_text()
    assert 'MFA_REQUIRED = cfg.boolean("MFA_REQUIRED", True)' in source
    ast.parse(source)
    assert password_sign_in(client, "victim", PASSWORD)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert response.status_code == 200 and "too common" in response.content.decode()
