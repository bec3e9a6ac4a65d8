"""The objects the security tests reach every URL with (tests/security/objects.py)."""

import logging
import time

import pytest
from django.template.base import Template

from tests.security.objects import security_objects_build


@pytest.fixture
def objects(demo, settings, _shared_layers):
    """Built once per test database over the shared demo, each test in its own transaction over them."""
    # Every highlight report goes to the background, so walking every URL as every role renders no PDF in the
    # request (the draft answers with a redirect to build it); one report is issued for the issued-report URLs.
    settings.HIGHLIGHT_REPORT_BACKGROUND_SCHEMES = 0
    built = _shared_layers.value("objects")
    return built if built is not None else security_objects_build()


@pytest.fixture
def answers(objects, _shared_layers, monkeypatch):
    """The server's answers over the shared objects, by (person, method, URL), kept with the objects layer: the
    matrix, leak and header tests walk many of the same URLs as the same people, and each request is sent once
    (test_permission_matrix._ask). A test over objects of its own gets a memo of its own.

    The walks read only statuses, headers and text, so they are spared work that is not theirs: the test client's
    copy of every template's context (response.context), a logged traceback for each of the thousands of 403s and
    404s they expect (server errors are still logged), and the session saved again on each request after the first
    30 seconds (each request is rolled back, its last-seen time with it): the session clock stands at sign-in."""
    monkeypatch.setattr(Template, "_render", getattr(Template, "_original_render", Template._render))
    signed_in_at = time.time()
    monkeypatch.setattr("accounts.middleware.now", lambda: signed_in_at)
    requests_log = logging.getLogger("django.request")
    level = requests_log.level
    requests_log.setLevel(logging.ERROR)  # setLevel, not the attribute: it clears the logger's cached answers
    memo = _shared_layers.memo("objects")
    yield {} if memo is None else memo.setdefault("answers", {})
    requests_log.setLevel(level)
