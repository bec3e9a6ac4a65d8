"""Every page needs a login, except the login page, the forgotten-password pages and /healthz. URLs are discovered,
not listed."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC = {
    "accounts:login",
    "core:healthz",
    # Resetting a forgotten password happens before signing in, by its nature (the link in the e-mail is the proof).
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    # The accessibility statement must be readable by anyone, signed in or not (public-sector accessibility rules).
    "core:accessibility",
}
# The data feeds are for Power BI and Excel as well as browsers: they answer 401 (with a Bearer challenge),
# not a redirect to a login page, and give nothing away.
FEEDS = {"api:index", "api:feed"}
# An invitation's one-time link is opened before its person has an account (issue 17): public, and a token that is
# not a real invitation's gets a page saying so (400), never anything of the programme's.
INVITATIONS = {"accounts:invitation_accept"}


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin has its own login; checked separately below
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _url_for(name, pattern):
    kwargs = {key: 1 for key in pattern.pattern.converters}
    return reverse(name, kwargs=kwargs)


def test_every_app_url_is_discovered():
    names = {name for name, _ in _named_patterns()}
    assert {"schemes:list", "schemes:detail", "schemes:mine", "home", "accounts:password_change"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("name,pattern", list(_named_patterns()), ids=lambda v: v if isinstance(v, str) else "")
def test_anonymous_user_is_sent_to_login(client, name, pattern):
    url = _url_for(name, pattern)
    response = client.get(url)
    if name in PUBLIC:
        assert response.status_code == 200
    elif name in INVITATIONS:
        assert response.status_code == 400 and "This invitation link cannot be used" in response.content.decode()
    elif name in FEEDS:
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
        assert set(response.json()) == {"error"}
    else:
        assert response.status_code == 302, f"{url} answered {response.status_code} without a login"
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_admin_needs_staff_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "login" in response.url
