"""Security headers on every page as every role, the admin included (issue 9 §4): a Content-Security-Policy
with no inline or eval'd script, frame denial, no MIME sniffing; and, with the production settings, HSTS and
Secure, HttpOnly cookies."""

import importlib
import sys

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from tests.core.test_settings import GOOD
from tests.security.test_permission_matrix import MATRIX, ROLES, _ask, urls

ADMIN_PAGES = [
    "/admin/",
    "/admin/schemes/scheme/",
    "/admin/risks/risk/",
    "/admin/finance/fund/",
    "/admin/metrics/metric/",
]


def _csp(headers) -> dict[str, list[str]]:
    header = headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _check(headers, where: str) -> list[str]:
    """What is wrong with a response's headers (response.headers, or an Answer's)."""
    problems = []
    csp = _csp(headers)
    scripts = csp.get("script-src", csp.get("default-src"))
    if not scripts:
        problems.append(f"{where}: no Content-Security-Policy script source")
    elif "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        problems.append(f"{where}: script-src allows {scripts}")
    if csp.get("frame-ancestors") != ["'none'"] or csp.get("object-src") != ["'none'"]:
        problems.append(f"{where}: frame-ancestors/object-src not 'none'")
    if headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{where}: X-Frame-Options {headers.get('X-Frame-Options')}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: no X-Content-Type-Options: nosniff")
    if headers.get("Referrer-Policy") != "same-origin":
        problems.append(f"{where}: Referrer-Policy {headers.get('Referrer-Policy')}")
    return problems


def test_every_page_as_every_role_carries_the_headers(objects, answers):
    # Every page with a GET, for one object of the lead's own and one of someone else's, in the matrix's order; a
    # page with no object in its address (a list, an export) is the same page for both, so it is fetched once.
    # The permission matrix asks most of the same pages as the same people: each is sent once (`answers`).
    pages = {}
    for own in (False, True):
        addresses = urls(objects, own)
        for name, (get_rule, _post) in MATRIX.items():
            if get_rule is not None and name != "accounts:logout":
                pages.setdefault(addresses[name], name)
    assert len(pages) > len(set(pages.values()))  # the object pages twice: own and other
    problems = []
    for who in [*ROLES, "anon"]:
        client = Client()
        if who != "anon":
            client.force_login(User.objects.get(username=who))
        for address, name in pages.items():
            answer = _ask(answers, who, client, "get", address)
            problems += _check(answer.headers, f"{name} {address} as {who} ({answer.status_code})")
    # The admin is for superusers only (accounts/admin.py): its pages, as one.
    admin_user = User.objects.create_superuser("headers-admin", "headers-admin@example.org", "x-long-password-1")
    client = Client()
    client.force_login(admin_user)
    for page in ADMIN_PAGES:
        response = client.get(page)
        assert response.status_code in (200, 403), page  # the headers go on refusals too
        problems += _check(response.headers, f"admin {page}")
    assert client.get("/admin/").status_code == 200
    assert problems == []


def test_pages_use_no_inline_script(demo, demo_client):
    """What the policy forbids must not be needed: no <script> without src and no on…= handlers."""
    import re

    client = demo_client("pmo")
    for url in (
        reverse("dashboard:index"),
        reverse("schemes:list"),
        reverse("metrics:list"),
        reverse("risks:register"),
        reverse("finance:fund", args=["trafford-tf"]),
    ):
        page = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", page), url
        assert not re.search(r"\son[a-z]+=\"", page), url


@pytest.fixture
def production_settings(monkeypatch):
    for key, value in GOOD.items():
        if key != "DJANGO_SETTINGS_MODULE":
            monkeypatch.setenv(key, value)
    sys.modules.pop("config.settings.production", None)
    module = importlib.import_module("config.settings.production")
    sys.modules.pop("config.settings.production", None)
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
    ]
    return {name: getattr(module, name) for name in names}


def test_production_sends_hsts_and_secure_httponly_cookies(demo, production_settings):
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    with override_settings(**production_settings):
        client = Client()
        insecure = client.get(reverse("accounts:login"))
        assert insecure.status_code == 301 and insecure["Location"].startswith("https://")
        response = client.post(
            reverse("accounts:login"), {"username": "pmo", "password": "demo-pass-for-tests"}, secure=True
        )
        assert response.status_code == 302
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        session = response.cookies["sessionid"]
        assert session["secure"] and session["httponly"]
        page = client.get(reverse("schemes:list"), secure=True)
        assert page.status_code == 200 and "Strict-Transport-Security" in page.headers
        csrf = page.cookies.get("csrftoken") or client.cookies.get("csrftoken")
        assert csrf is not None and csrf["secure"] and csrf["httponly"]
