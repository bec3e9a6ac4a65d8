"""CSRF is enforced on every state-changing view: each URL that takes a POST, sent without the token by a
user who may use it, is refused (403) and writes nothing (issue 9 §2)."""

from django.test import Client

from accounts.models import User
from tests.security.test_permission_matrix import ACCOUNT, MATRIX, NOT_ALLOWED, PUBLIC, _history_rows, urls


def test_every_post_without_the_csrf_token_is_refused(objects):
    addresses = urls(objects, own=False)
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="pmo"))
    anonymous = Client(enforce_csrf_checks=True)
    checked, problems = 0, []
    for name, (_get, post) in MATRIX.items():
        if post is NOT_ALLOWED:
            continue
        who = anonymous if post == PUBLIC else client
        if post not in (PUBLIC, ACCOUNT) and "pmo" not in post:
            continue  # only the owner may use it (a token's revocation): covered for them below
        before = _history_rows()
        status = who.post(addresses[name], {"version": 1, "reason": "forged"}).status_code
        if status != 403 or _history_rows() != before:
            problems.append(f"{name}: {status}")
        checked += 1
    owner = Client(enforce_csrf_checks=True)
    owner.force_login(User.objects.get(username="finance"))
    if owner.post(addresses["api:token_revoke"]).status_code != 403:
        problems.append("api:token_revoke")
    assert problems == []
    assert checked > 40
