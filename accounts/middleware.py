"""Session time-outs and the second factor, checked on every request after authentication."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django_otp import user_has_device

STARTED = "_session_started_at"
SEEN = "_session_seen_at"
# Write the last-seen time at most this often, so reading pages does not save the session every request.
SEEN_GRANULARITY = 30


def now() -> float:
    """The clock the time-outs read (tests move it)."""
    return time.time()


class SessionTimeoutMiddleware:
    """Signs a user out after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_ABSOLUTE_TIMEOUT
    seconds after signing in, whatever they have done since."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session = request.session
            current = now()
            started = session.setdefault(STARTED, current)  # sessions from before this middleware
            seen = session.get(SEEN, current)
            idle = current - seen > settings.SESSION_IDLE_TIMEOUT
            expired = current - started > settings.SESSION_ABSOLUTE_TIMEOUT
            if idle or expired:
                logout(request)  # flushes the session and gives it a new key
                minutes = (settings.SESSION_IDLE_TIMEOUT if idle else settings.SESSION_ABSOLUTE_TIMEOUT) // 60
                messages.info(
                    request,
                    f"You were signed out after {minutes} minutes without activity. Please sign in again."
                    if idle
                    else f"You were signed out {minutes // 60} hours after signing in. Please sign in again.",
                )
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}")
            if current - seen >= SEEN_GRANULARITY or SEEN not in session:
                session[SEEN] = current
        return self.get_response(request)


HAS_DEVICE = "_has_second_factor"
# Set by a single sign-on whose identity provider enforces its own second factor (OIDC_IDP_ENFORCES_MFA).
IDP_VERIFIED = "_second_factor_by_idp"


def on_sign_in(sender, request, user, **kwargs):
    """At sign-in (Django's user_logged_in): start both session clocks and note whether the user has an
    authenticator app, so no request after this one pays a query to find out."""

    if request is not None and hasattr(request, "session"):
        request.session[STARTED] = request.session[SEEN] = now()
        request.session[HAS_DEVICE] = user_has_device(user)
        request.session.pop(IDP_VERIFIED, None)  # only the SSO callback sets it, after this


def second_factor_done(request) -> bool:
    """Has this sign-in given a second factor: a code here, or an identity provider trusted to demand one."""
    return request.user.is_verified() or bool(request.session.get(IDP_VERIFIED))


# Pages a signed-in user may open before their second factor, by where they are sent: someone who has an
# authenticator may only give a code (never set up another: that was a way round the code with a password
# alone); someone who must set one up may only do that. Either may sign out.
SECOND_FACTOR_EXEMPT = {
    "accounts:mfa_verify": ("accounts:mfa_verify", "accounts:logout", "core:healthz"),
    "accounts:mfa_setup": ("accounts:mfa_setup", "accounts:logout", "core:healthz"),
}


class SecondFactorMiddleware:
    """A user with an authenticator app must give a code after their password before anything else; with
    MFA_REQUIRED, a user without one must set one up first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not second_factor_done(request):
            # Most people have no authenticator app: they pay no URL resolving here, only a session read.
            page = _second_factor_page(request, user)
            if page and _url_name(request.path_info) not in SECOND_FACTOR_EXEMPT[page]:
                return redirect(f"{reverse(page)}?next={request.get_full_path()}")
        return self.get_response(request)


def _second_factor_page(request, user) -> str | None:
    """Where a signed-in user who has not given a code must go: the code page, the set-up page, or nowhere."""
    has_device = request.session.get(HAS_DEVICE)
    if has_device is None:  # a session from before this was recorded at sign-in
        has_device = request.session[HAS_DEVICE] = user_has_device(user)
    if has_device:
        return "accounts:mfa_verify"
    return "accounts:mfa_setup" if settings.MFA_REQUIRED else None


def _url_name(path: str) -> str:
    """'namespace:name' of a path (the resolver has not run yet when middleware is called)."""

    try:
        match = resolve(path)
    except Resolver404:
        return ""
    return f"{match.namespace}:{match.url_name}" if match.namespace else ""
