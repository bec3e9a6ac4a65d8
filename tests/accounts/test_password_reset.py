"""Password reset by e-mail (issue 15 point 3): Django's token views, the same answer whether or not the address
has an account, invited accounts (no password yet) set their first one, sign-in waits lifted, audited."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import SecurityEvent
from accounts.roles import Role
from tests.accounts.test_hardening import Clock

pytestmark = pytest.mark.django_db
Kind = SecurityEvent.Kind
NEW_PASSWORD = "A-new-long-passphrase-2015"


@pytest.fixture
def invited(make_user):
    """An account made by the programme office with no password yet (as the demo's other project leads)."""
    user = make_user(Role.PROJECT_LEAD, username="mross", email="Marion.Ross@trafford.gov.uk")
    user.set_unusable_password()
    user.save()
    return user


def _ask(client, email, ip="10.0.0.5"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip, follow=True)


def _link(message) -> str:
    return re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client, invited):
    known = _ask(client, "marion.ross@trafford.gov.uk")
    unknown = _ask(client, "nobody@trafford.gov.uk")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("accounts:password_reset_done"), 302)]
    text = 'id="reset-sent">If that address belongs to an account here, we have sent it a link'
    assert text in known.content.decode() and text in unknown.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Marion.Ross@trafford.gov.uk"]
    # Both requests are in the security log; only the programme office can see which address was real.
    rows = SecurityEvent.objects.filter(kind=Kind.PASSWORD_RESET_REQUESTED).order_by("at")
    assert [(r.username, r.subject) for r in rows] == [
        ("marion.ross@trafford.gov.uk", invited),
        ("nobody@trafford.gov.uk", None),
    ]


def test_an_invited_person_sets_their_first_password_from_the_link_and_signs_in(client, invited):
    _ask(client, "marion.ross@trafford.gov.uk")
    message = mail.outbox[0]
    assert "Your username is: mross" in message.body
    form = client.get(_link(message), follow=True)  # Django swaps the token for a session key, then shows the form
    assert form.status_code == 200 and "Choose a password" in form.content.decode()
    weak = client.post(form.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"})
    assert "too common" in weak.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()  # nothing half-saved
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Your password is set" in done.content.decode()
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    assert SecurityEvent.objects.filter(kind=Kind.PASSWORD_RESET_COMPLETED, subject=invited).count() == 1
    # The link works once.
    again = client.get(_link(message), follow=True)
    assert "This link does not work" in again.content.decode()
    signed_in = client.post(reverse("accounts:login"), {"username": "mross", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_after_a_reset_the_sign_in_wait_on_that_username_is_lifted(client, make_user, settings):
    user = make_user(Role.STEERING_GROUP, username="sam", email="sam@trafford.gov.uk")
    with Clock():
        for _ in range(settings.SIGN_IN_PAIR_FREE_FAILURES + 2):  # the owner forgot their password
            client.post(reverse("accounts:login"), {"username": "sam", "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
        assert (
            client.post(
                reverse("accounts:login"), {"username": "sam", "password": "wrong"}, REMOTE_ADDR="10.0.0.5"
            ).status_code
            == 429
        )
        _ask(client, "sam@trafford.gov.uk")
        form = client.get(_link(mail.outbox[0]), follow=True)
        client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        response = client.post(
            reverse("accounts:login"), {"username": "sam", "password": NEW_PASSWORD}, REMOTE_ADDR="10.0.0.5"
        )
        assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_one_address_cannot_flood_inboxes_with_reset_emails(client, invited, settings):
    settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR = 3
    for _ in range(3):
        assert _ask(client, "marion.ross@trafford.gov.uk", ip="198.51.100.7").status_code == 200
    refused = client.post(
        reverse("accounts:password_reset"), {"email": "marion.ross@trafford.gov.uk"}, REMOTE_ADDR="198.51.100.7"
    )
    assert refused.status_code == 429 and "Too many reset requests" in refused.content.decode()
    assert len(mail.outbox) == 3
    assert _ask(client, "marion.ross@trafford.gov.uk", ip="10.9.9.9").status_code == 200  # someone else: fine


def test_a_bad_address_is_a_message_on_the_form(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "not an address"})
    assert response.status_code == 200 and "Enter a valid email address" in response.content.decode()
    assert not SecurityEvent.objects.exists() and not mail.outbox


def test_a_deactivated_account_gets_no_link(client, invited):
    invited.is_active = False
    invited.save()
    assert _ask(client, "marion.ross@trafford.gov.uk").status_code == 200
    assert mail.outbox == []
