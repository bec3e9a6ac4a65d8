"""Issue 15, attack 3 replayed: anyone could lock anyone out (five wrong passwords for a username locked it from
every address), and behind the proxy everyone shared one address. Throttling is now per username-and-address
with growing waits, plus a ceiling per address for password spraying. Clocks are moved, not waited for."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import SecurityEvent
from accounts.roles import Role
from tests.accounts.test_hardening import Clock

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-horse-battery-9"
ATTACKER = "203.0.113.66"
VICTIM_PC = "10.20.30.40"


@pytest.fixture
def victim(make_user):
    user = make_user(Role.PROGRAMME_OFFICE, username="victim", email="victim@trafford.gov.uk")
    user.set_password(PASSWORD)
    user.save()
    return user


def _attempt(client, username, password, ip, **headers):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def _signed_in(response, client) -> bool:
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_an_attacker_elsewhere_cannot_lock_the_victim_out(client, victim, settings):
    with Clock():
        # The attack as reported: the victim's username and wrong passwords, many times, from one address.
        for _ in range(settings.SIGN_IN_PAIR_FREE_FAILURES + 20):
            _attempt(client, "victim", "wrong", ATTACKER)
        assert _attempt(client, "victim", PASSWORD, ATTACKER).status_code == 429  # the attacker is slowed
        # The victim, at their own computer, with the right password: straight in.
        response = _attempt(client, "victim", PASSWORD, VICTIM_PC)
        assert _signed_in(response, client)


def test_waits_grow_with_each_further_failure_and_the_owner_gets_back_in(client, victim, settings):
    free = settings.SIGN_IN_PAIR_FREE_FAILURES
    with Clock() as clock:
        for _ in range(free - 1):
            assert _attempt(client, "victim", "wrong", VICTIM_PC).status_code == 200  # the form, with its error
        paused = _attempt(client, "victim", "wrong", VICTIM_PC)
        assert paused.status_code == 429
        assert "Try again in 1 minute" in paused.content.decode()
        # While paused even the right password is refused here, and that refusal does not lengthen the wait.
        assert _attempt(client, "victim", PASSWORD, VICTIM_PC).status_code == 429
        waits = []
        for _ in range(4):
            clock.now += dt.timedelta(minutes=waits[-1] if waits else 1, seconds=1)
            response = _attempt(client, "victim", "wrong", VICTIM_PC)
            assert response.status_code == 429
            waits.append(int(response.content.decode().split("Try again in ")[1].split(" minute")[0]))
        assert waits == [2, 4, 8, 15]  # doubling, up to AXES_COOLOFF_MINUTES
        clock.now += dt.timedelta(minutes=14)
        assert _attempt(client, "victim", PASSWORD, VICTIM_PC).status_code == 429
        clock.now += dt.timedelta(minutes=1, seconds=1)
        assert _signed_in(_attempt(client, "victim", PASSWORD, VICTIM_PC), client)
    # One audit row for each pause, not one per refused try.
    paused_rows = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT, subject=victim)
    assert paused_rows.count() == 5
    assert paused_rows.filter(address=VICTIM_PC).count() == 5


def test_a_successful_sign_in_clears_that_pair_only(client, victim, settings):
    with Clock():
        for _ in range(settings.SIGN_IN_PAIR_FREE_FAILURES - 1):
            _attempt(client, "victim", "wrong", VICTIM_PC)
        assert _signed_in(_attempt(client, "victim", PASSWORD, VICTIM_PC), client)
        client.logout()
        for _ in range(settings.SIGN_IN_PAIR_FREE_FAILURES - 1):
            _attempt(client, "victim", "wrong", VICTIM_PC)
        assert _signed_in(_attempt(client, "victim", PASSWORD, VICTIM_PC), client)


def test_password_spraying_from_one_address_is_slowed_but_not_the_people_it_named(client, victim, settings):
    settings.SIGN_IN_ADDRESS_FREE_FAILURES = 20
    with Clock() as clock:
        # One wrong password each for many usernames: no pair reaches its limit, the address does.
        for n in range(19):
            assert _attempt(client, f"user{n}", "Summer2015!", ATTACKER).status_code == 200
        blocked = _attempt(client, "user19", "Summer2015!", ATTACKER)
        assert blocked.status_code == 429 and "network address" in blocked.content.decode()
        # Even a right password from that address now waits: the attacker cannot test a guessed password.
        assert _attempt(client, "victim", PASSWORD, ATTACKER).status_code == 429
        # ... and the wait grows with each further failure after it ends.
        clock.now += dt.timedelta(minutes=1, seconds=1)
        again = _attempt(client, "user20", "Summer2015!", ATTACKER)
        assert again.status_code == 429 and "Try again in 2 minutes" in again.content.decode(), again.content.decode()[
            -900:
        ]
        # The people it named sign in from their own computers.
        assert _signed_in(_attempt(client, "victim", PASSWORD, VICTIM_PC), client)
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT, address=ATTACKER).first()
    assert event is not None and "every username from this address" in event.detail


def test_one_good_account_does_not_wipe_the_spraying_count(client, victim, settings):
    settings.SIGN_IN_ADDRESS_FREE_FAILURES = 10
    with Clock():
        for n in range(9):
            _attempt(client, f"user{n}", "wrong", ATTACKER)
        assert _signed_in(_attempt(client, "victim", PASSWORD, ATTACKER), client)  # 9 < 10: allowed
        client.logout()
        assert _attempt(client, "user9", "wrong", ATTACKER).status_code == 429  # still counted: the 10th


# --- Behind the proxy -----------------------------------------------------------------------------------------

PROXY = "172.18.0.2"  # the proxy container: every request arrives from it


def test_behind_the_proxy_the_client_address_is_used_not_the_proxys(client, victim, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    with Clock():
        for _ in range(settings.SIGN_IN_PAIR_FREE_FAILURES + 3):
            _attempt(client, "victim", "wrong", PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
        assert _attempt(client, "victim", PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
        # Same proxy, another client: not affected (before, both were "the proxy's address" and shared a lock).
        assert _signed_in(_attempt(client, "victim", PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=VICTIM_PC), client)
    assert set(SecurityEvent.objects.values_list("address", flat=True)) == {ATTACKER}


def test_a_client_cannot_choose_its_address_with_its_own_forwarded_for(client, victim, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    with Clock():
        # The attacker sends its own X-Forwarded-For with a new made-up address each time; the proxy appends
        # the address it really saw, and only that last entry is believed.
        for n in range(settings.SIGN_IN_PAIR_FREE_FAILURES + 3):
            _attempt(client, "victim", "wrong", PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, {ATTACKER}")
        spoofed = _attempt(client, "victim", PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=f"{VICTIM_PC}, {ATTACKER}")
        assert spoofed.status_code == 429
        # Nor can it pretend to be the victim's computer to get the victim paused.
        assert _signed_in(_attempt(client, "victim", PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=VICTIM_PC), client)


def test_without_a_trusted_proxy_forwarded_for_is_ignored(client, victim, settings):
    from django.test import RequestFactory

    from accounts.addresses import client_address

    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=VICTIM_PC)
    assert client_address(request) == ATTACKER
    settings.TRUSTED_PROXY_COUNT = 2  # two proxies: the second entry from the right
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {VICTIM_PC}, 10.0.0.9")
    assert client_address(request) == VICTIM_PC
    # Not through the proxies at all (a health check inside the network): the peer, not a made-up header.
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_address(request) == PROXY
