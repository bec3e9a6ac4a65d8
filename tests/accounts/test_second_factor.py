"""Two-step sign-in that holds (issue 15 point 1): recovery codes (one-time, shown once, stored hashed), adding
or removing an app needs a code at this sign-in, the programme office's reset, and an audit row for each event.
Each attack is replayed step by step."""

import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import RecoveryCode, RecoveryCodeDevice, SecurityEvent
from accounts.roles import Role
from tests.conftest import password_sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-horse-battery-9"
Kind = SecurityEvent.Kind


def _code(device, *, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def person(make_user):
    user = make_user(Role.PROJECT_LEAD, username="person", email="person@trafford.gov.uk")
    user.set_password(PASSWORD)
    user.save()
    return user


def _enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    """The owner sets up their first app through the pages, and reads the recovery codes off the page."""
    assert password_sign_in(client, user.username, PASSWORD)
    client.get(reverse("accounts:mfa_setup"))
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    page = client.post(reverse("accounts:mfa_setup"), {"token": _code(pending)})
    return pending, _codes_on(page)


def _codes_on(page) -> list[str]:
    listed = page.content.decode().split('id="recovery-codes">')[1].split("</ul>")[0]
    return re.findall(r"<li>([A-Z0-9-]+)</li>", listed)


def test_recovery_codes_are_shown_once_and_stored_only_as_hashes(client, person):
    device, codes = _enrol(client, person)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 14 and code.count("-") == 2 for code in codes)
    stored = RecoveryCode.objects.filter(device__user=person)
    assert stored.count() == 10
    for row in stored:
        assert all(code.replace("-", "") not in (row.code_hash + row.salt) for code in codes)
    # Not shown again: the two-step page only says how many are left.
    page = client.get(reverse("accounts:mfa")).content.decode()
    assert "<strong>10</strong> unused" in page and codes[0] not in page
    assert SecurityEvent.objects.filter(kind=Kind.DEVICE_ADDED, subject=person).count() == 1
    assert SecurityEvent.objects.filter(kind=Kind.RECOVERY_CODES_MADE, subject=person).count() == 1


def test_a_recovery_code_signs_in_instead_of_the_app_and_is_then_spent(client, person):
    _, codes = _enrol(client, person)
    client.post(reverse("accounts:logout"))
    assert password_sign_in(client, "person", PASSWORD)
    assert client.get("/schemes/mine/").status_code == 302  # the code is owed
    response = client.post(reverse("accounts:mfa_verify"), {"token": codes[3].lower(), "next": "/schemes/mine/"})
    assert response.status_code == 302 and response["Location"] == "/schemes/mine/"
    assert client.get("/schemes/mine/").status_code == 200
    assert "9 left" in SecurityEvent.objects.get(kind=Kind.RECOVERY_CODE_USED, subject=person).detail
    client.post(reverse("accounts:logout"))

    # The same code again: refused, and the wrong try is audited.
    assert password_sign_in(client, "person", PASSWORD)
    RecoveryCodeDevice.objects.get(user=person).throttle_reset()
    again = client.post(reverse("accounts:mfa_verify"), {"token": codes[3]}, follow=True)
    assert "That code is not right" in again.content.decode()
    assert client.get("/schemes/mine/").status_code == 302
    assert SecurityEvent.objects.filter(kind=Kind.CODE_FAILED, subject=person).count() == 1
    assert services.recovery_codes_left(user=person) == 9


def test_wrong_recovery_codes_slow_down_further_tries(client, person):
    _, codes = _enrol(client, person)
    client.post(reverse("accounts:logout"))
    assert password_sign_in(client, "person", PASSWORD)
    client.post(reverse("accounts:mfa_verify"), {"token": "AAAA-BBBB-CCCC"})
    # Right after a wrong one, even a right code waits (django-otp's back-off): guessing is slow.
    client.post(reverse("accounts:mfa_verify"), {"token": codes[0]})
    assert client.get("/schemes/mine/").status_code == 302
    assert services.recovery_codes_left(user=person) == 10


def test_new_recovery_codes_replace_the_old_ones_and_need_a_code_this_sign_in(client, person):
    _, old = _enrol(client, person)
    page = client.post(reverse("accounts:mfa_recovery_codes"))
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    new = _codes_on(page)
    assert len(new) == 10 and not set(old) & set(new)
    client.post(reverse("accounts:logout"))
    assert password_sign_in(client, "person", PASSWORD)
    # Half signed in: not even this page (the middleware sends them to the code page).
    response = client.post(reverse("accounts:mfa_recovery_codes"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_verify"))
    assert client.post(reverse("accounts:mfa_verify"), {"token": old[0]}).status_code == 200  # old set: refused
    assert SecurityEvent.objects.filter(kind=Kind.RECOVERY_CODES_MADE, subject=person).count() == 2


def test_removing_an_app_needs_a_code_given_now_even_in_a_verified_session(client, person, settings):
    """A verified session left open on a desk: someone walks up and tries to turn two-step sign-in off."""
    settings.MFA_REQUIRED = False
    device, _ = _enrol(client, person)
    response = client.post(reverse("accounts:mfa_remove"), {"device": device.pk, "token": ""}, follow=True)
    assert "That code is not right, so nothing was removed" in response.content.decode()
    assert TOTPDevice.objects.filter(user=person, confirmed=True).exists()
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(
        reverse("accounts:mfa_remove"), {"device": device.pk, "token": _code(device, steps_ahead=1)}, follow=True
    )
    assert "Two-step sign-in is off" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not RecoveryCodeDevice.objects.filter(user=person).exists()  # no app, no recovery codes
    assert SecurityEvent.objects.filter(kind=Kind.DEVICE_REMOVED, subject=person).count() == 1


def test_the_last_app_cannot_be_removed_where_two_step_is_required(client, person, settings):
    settings.MFA_REQUIRED = True
    device, codes = _enrol(client, person)
    response = client.post(reverse("accounts:mfa_remove"), {"device": device.pk, "token": codes[0]}, follow=True)
    assert "add another app before removing this one" in response.content.decode()
    assert TOTPDevice.objects.filter(user=person, confirmed=True).count() == 1
    assert services.recovery_codes_left(user=person) == 10  # the refused removal spent nothing


def test_someone_elses_app_cannot_be_removed(client, person, make_user):
    other = make_user(Role.PROJECT_LEAD, username="other")
    theirs = TOTPDevice.objects.create(user=other, name="Their phone", confirmed=True)
    _, codes = _enrol(client, person)
    response = client.post(reverse("accounts:mfa_remove"), {"device": theirs.pk, "token": codes[0]}, follow=True)
    assert "not one of yours" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


def test_attack_password_alone_then_recovery_page_then_set_up_page(client, person):
    """The attacker has only the password of someone with an app: no page that changes two-step sign-in opens."""
    _enrol(client, person)
    client.post(reverse("accounts:logout"))
    assert password_sign_in(client, "person", PASSWORD)
    for method, name in [
        ("get", "accounts:mfa_setup"),
        ("post", "accounts:mfa_setup"),
        ("post", "accounts:mfa_recovery_codes"),
        ("post", "accounts:mfa_remove"),
        ("get", "accounts:mfa"),
        ("get", "accounts:people_two_step"),
    ]:
        response = getattr(client, method)(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_verify"))
    assert TOTPDevice.objects.filter(user=person).count() == 1
    assert SecurityEvent.objects.filter(kind=Kind.RECOVERY_CODES_MADE).count() == 1


# --- The programme office resets a lost phone ---------------------------------------------------------------


@pytest.fixture
def office(make_user):
    return make_user(Role.PROGRAMME_OFFICE, username="office")


def test_the_programme_office_resets_someones_two_step_sign_in_with_a_reason(client, person, office):
    device, _ = _enrol(client, person)
    client.post(reverse("accounts:logout"))
    client.force_login(office)
    page = client.get(reverse("accounts:people_two_step")).content.decode()
    assert "Reset for person" in page and "Not your own" in page
    refused = client.post(reverse("accounts:people_two_step_reset", args=[person.pk]), {"reason": " "}, follow=True)
    assert "Not reset: Say why" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=person).exists()
    done = client.post(
        reverse("accounts:people_two_step_reset", args=[person.pk]), {"reason": "lost phone, rang her manager"}
    )
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not RecoveryCodeDevice.objects.filter(user=person).exists()
    event = SecurityEvent.objects.get(kind=Kind.SECOND_FACTOR_RESET)
    assert (event.actor, event.subject) == (office, person) and "rang her manager" in event.detail
    log = client.get(reverse("accounts:security_events"), {"kind": "second_factor_reset"}).content.decode()
    assert "rang her manager" in log
    # The person signs in with their password alone and may set up a new app.
    client.logout()
    assert password_sign_in(client, "person", PASSWORD)
    assert client.get("/schemes/mine/").status_code == 200


def test_the_reset_is_not_for_ones_own_account_nor_a_superusers_nor_for_others(client, person, office, make_user):
    boss = make_user(is_superuser=True, username="boss")
    colleague = make_user(Role.PROGRAMME_OFFICE, username="colleague")
    for user in (boss, office, person):
        TOTPDevice.objects.create(user=user, name=f"{user.username} phone", confirmed=True)
    office_device = TOTPDevice.objects.get(user=office)
    client.force_login(office)
    assert client.post(reverse("accounts:mfa_verify"), {"token": _code(office_device)}).status_code == 302
    for target, words in [(office, "cannot reset your own"), (boss, "only be reset by another superuser")]:
        response = client.post(reverse("accounts:people_two_step_reset", args=[target.pk]), {"reason": "x"})
        assert response.status_code == 403 and words in response.content.decode()
    client.force_login(make_user(Role.PROJECT_LEAD, username="another-lead"))
    response = client.post(reverse("accounts:people_two_step_reset", args=[person.pk]), {"reason": "x"})
    assert response.status_code == 403 and "Only the programme office" in response.content.decode()
    assert client.get(reverse("accounts:security_events")).status_code == 403
    assert client.get(reverse("accounts:people_two_step")).status_code == 403
    assert TOTPDevice.objects.count() == 3
    assert not SecurityEvent.objects.filter(kind=Kind.SECOND_FACTOR_RESET).exists()
    # A colleague in the programme office can reset the office's phone.
    client.force_login(colleague)
    client.post(reverse("accounts:people_two_step_reset", args=[office.pk]), {"reason": "new phone"})
    assert not TOTPDevice.objects.filter(user=office).exists()


def test_a_session_waiting_for_a_code_when_the_reset_happens_is_let_through(client, person, office):
    TOTPDevice.objects.create(user=person, name="Lost phone", confirmed=True)
    assert password_sign_in(client, "person", PASSWORD)
    assert client.get("/schemes/mine/").status_code == 302
    services.second_factor_reset(actor=office, subject=person, reason="lost phone")
    response = client.get(reverse("accounts:mfa_verify"), {"next": "/schemes/mine/"})
    assert response.status_code == 302 and response["Location"] == "/schemes/mine/"
    assert client.get("/schemes/mine/").status_code == 200


def test_a_wrong_code_at_sign_in_is_audited_with_the_address(client, person):
    TOTPDevice.objects.create(user=person, name="Phone", confirmed=True)
    client.post(reverse("accounts:login"), {"username": "person", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    client.post(reverse("accounts:mfa_verify"), {"token": "123456"}, REMOTE_ADDR="10.1.2.3")
    event = SecurityEvent.objects.get(kind=Kind.CODE_FAILED)
    assert (event.subject, event.actor, event.address) == (person, person, "10.1.2.3")


def test_security_events_are_listed_in_the_admin_read_only(admin_client, person):
    services.security_event_record(kind=Kind.LOCKED_OUT, subject=person, detail="5 failures")
    page = admin_client.get("/admin/accounts/securityevent/")
    assert page.status_code == 200 and "5 failures" in page.content.decode()
    event = SecurityEvent.objects.get()
    assert admin_client.post(f"/admin/accounts/securityevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.count() == 1
