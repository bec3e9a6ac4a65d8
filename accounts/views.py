import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from accounts import forms, permissions, selectors, services
from accounts.middleware import HAS_DEVICE
from accounts.models import SecurityEvent
from accounts.roles import Role, user_roles
from accounts.sso import SSOCallbackView, signed_in_with_sso
from core.forms import add_service_errors


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = settings.SSO_ENABLED
        context["sso_provider_name"] = settings.SSO_PROVIDER_NAME
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


# --- Password reset by e-mail -----------------------------------------------------------------------------


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link. The answer is the same whether or not the address has an account."""

    template_name = "accounts/password_reset.html"
    form_class = forms.PasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        if services.password_reset_too_many(request=request):
            return render(request, "accounts/password_reset_too_many.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        form.request = self.request  # the form audits each request with the client's address
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_completed(user=form.user, request=self.request)
        return response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Two-step sign-in ---------------------------------------------------------------------------------------


def _next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse(default)


def _recovery_codes_page(request, codes, *, first: bool):
    """The one and only showing of a set of recovery codes (never cached)."""
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "first": first})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def mfa_manage(request):
    """The user's two-step sign-in: their apps, their recovery codes, and removing an app (with a code)."""
    apps = services.authenticators(user=request.user)
    return render(
        request,
        "accounts/mfa.html",
        {
            "apps": apps,
            "enabled": bool(apps),
            "required": settings.MFA_REQUIRED,
            "recovery_left": services.recovery_codes_left(user=request.user),
            "can_remove": len(apps) > 1 or not settings.MFA_REQUIRED,
        },
    )


@require_POST
def mfa_remove(request):
    """Remove one authenticator app: a code from an app (or a recovery code) is needed now, as well as at
    sign-in, so a session left open on someone's desk cannot turn two-step sign-in off."""
    if services.authenticators(user=request.user) and not request.user.is_verified():
        return redirect(f"{reverse('accounts:mfa_verify')}?next={reverse('accounts:mfa')}")
    try:
        device_id = int(request.POST.get("device", ""))
    except ValueError:
        device_id = 0
    try:
        services.authenticator_remove(
            user=request.user, device_id=device_id, token=request.POST.get("token", ""), request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:mfa")
    left = services.authenticators(user=request.user)
    request.session[HAS_DEVICE] = bool(left)
    messages.success(
        request,
        "The app was removed." if left else "Two-step sign-in is off. You now sign in with your password alone.",
    )
    return redirect("accounts:mfa")


@require_POST
def mfa_recovery_codes(request):
    """Make a new set of recovery codes (the old set stops working). Needs a code given at this sign-in."""
    if not services.authenticators(user=request.user):
        messages.error(request, "Set up an authenticator app first: recovery codes stand in for it.")
        return redirect("accounts:mfa")
    if not request.user.is_verified():
        return redirect(f"{reverse('accounts:mfa_verify')}?next={reverse('accounts:mfa')}")
    codes = services.recovery_codes_make(user=request.user, request=request)
    return _recovery_codes_page(request, codes, first=False)


@never_cache
@require_http_methods(["GET", "POST"])
def mfa_setup(request):
    """Add an authenticator app: scan the code, type the six digits it shows."""

    if services.authenticators(user=request.user) and not request.user.is_verified():
        # Someone who already has an app must give its code (or a recovery code) at this sign-in before
        # adding another: a password alone must never enrol a new app.
        return redirect(f"{reverse('accounts:mfa_verify')}?next={reverse('accounts:mfa_setup')}")
    device = services.authenticator_pending(user=request.user)
    if request.method == "POST":
        confirmed, codes = services.authenticator_confirm(
            user=request.user, token=request.POST.get("token", ""), request=request
        )
        if confirmed:
            otp_login(request, confirmed)
            request.session[HAS_DEVICE] = True
            messages.success(request, "Two-step sign-in is on. You will be asked for a code each time you sign in.")
            if codes:
                return _recovery_codes_page(request, codes, first=True)
            return redirect(_next(request, "accounts:mfa"))
        messages.error(request, "That code is not right. Check the app shows this site and try the newest code.")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "qr": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, title="Set-up code")),  # noqa: S308 - segno's own SVG
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next(request, "accounts:mfa"),
            "required": settings.MFA_REQUIRED,
        },
    )


@require_http_methods(["GET", "POST"])
def mfa_verify(request):
    """After the password, the code from the user's authenticator app, or one of their recovery codes."""

    if request.user.is_verified():
        return redirect(_next(request))
    if not user_has_device(request.user):
        # Reset by the programme office while this session was waiting for a code: nothing to ask for now.
        request.session[HAS_DEVICE] = False
        return redirect(_next(request))
    if request.method == "POST":
        device = services.second_factor_check(user=request.user, token=request.POST.get("token", ""), request=request)
        if device:
            otp_login(request, device)
            left = services.recovery_codes_left(user=request.user)
            if device.name == services.RECOVERY_CODES_NAME:
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. If your phone is lost, remove its app under "
                    "Two-step sign-in and add a new one.",
                )
            return redirect(_next(request))
        messages.error(
            request, "That code is not right. Type the newest six-digit code from your app, or a recovery code."
        )
    return render(request, "accounts/mfa_verify.html", {"next": _next(request)})


# --- The programme office: people's two-step sign-in, and the security log --------------------------------


def _forbidden(request, reason: str):
    return render(request, "accounts/forbidden.html", {"reason": reason}, status=403)


@require_GET
def people_two_step(request):
    """Everyone's two-step sign-in, for the programme office to reset a lost phone."""
    if not permissions.security_events_can_view(request.user):
        return _forbidden(request, "Only the programme office can reset people's two-step sign-in.")
    return render(
        request,
        "accounts/people_two_step.html",
        {
            "people": selectors.people_with_second_factor(people=permissions.people_looked_after_by(request.user)),
            "form": forms.SecondFactorResetForm(),
        },
    )


@require_POST
def people_two_step_reset(request, pk: int):
    """Reset one person's two-step sign-in, with a reason (audited)."""
    try:
        permissions.security_events_check_view(request.user)  # 403 for anyone who is not programme office
        subject = permissions.person_get_for_reset(actor=request.user, pk=pk)
        permissions.second_factor_reset_check(actor=request.user, subject=subject)
    except PermissionDenied as refusal:
        return _forbidden(request, str(refusal))
    form = forms.SecondFactorResetForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Not reset: {' '.join(form.errors['reason'])}")
        return redirect("accounts:people_two_step")
    try:
        removed = services.second_factor_reset(
            actor=request.user, subject=subject, reason=form.cleaned_data["reason"], request=request
        )
    except ValidationError as error:
        messages.error(request, f"Not reset: {' '.join(error.messages)}")
        return redirect("accounts:people_two_step")
    messages.success(
        request,
        f"Two-step sign-in reset for {subject} ({removed} app{'s' if removed != 1 else ''} removed). "
        "They sign in with their password and set up a new app.",
    )
    return redirect("accounts:people_two_step")


@require_GET
def security_events(request):
    """The security log: failed codes, pauses, resets, apps added and removed, password resets, SSO refusals."""
    try:
        permissions.security_events_check_view(request.user)
    except PermissionDenied as refusal:
        return _forbidden(request, str(refusal))
    kind = request.GET.get("kind", "")
    if kind not in SecurityEvent.Kind.values:
        kind = ""
    person = request.GET.get("person", "").strip()[:150]
    events = selectors.security_event_list(
        kind=kind, person=person, people=permissions.people_looked_after_by(request.user)
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/security_events.html",
        {"page": page, "kinds": SecurityEvent.Kind.choices, "kind": kind, "person": person},
    )


# --- Single sign-on ------------------------------------------------------------------------------------------


@login_not_required
@require_GET
def sso_start(request):
    """Off to the identity provider (mozilla-django-oidc's request view: state, nonce and PKCE)."""
    if not settings.SSO_ENABLED:
        messages.info(request, "Single sign-on is not switched on here: sign in with your username and password.")
        return redirect("accounts:login")

    return OIDCAuthenticationRequestView.as_view()(request)


@login_not_required
@require_GET
def sso_callback(request) -> HttpResponse:
    if not settings.SSO_ENABLED:
        messages.info(request, "Single sign-on is not switched on here: sign in with your username and password.")
        return redirect("accounts:login")

    return SSOCallbackView.as_view()(request)


# Who starts on the dashboard; a project lead (and no other role) starts on My schemes instead.
DASHBOARD_ROLES = {
    Role.PROGRAMME_OFFICE,
    Role.STEERING_GROUP,
    Role.FINANCE_OFFICER,
    Role.BOARD_SECRETARY,
    Role.GOVERNANCE_SECRETARY,
}


def home(request):
    """Each role's first page: the dashboard for the programme's readers, My schemes for a project lead."""
    roles = user_roles(request.user)
    if roles & DASHBOARD_ROLES:
        return redirect("dashboard:index")
    if Role.PROJECT_LEAD in roles:
        return redirect("schemes:mine")
    return redirect("schemes:list")  # no role: the scheme list explains that access is needed


# --- Invitations (issue 17) ----------------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """An invitation's one-time link: set a password (or accept as the account SSO signed in), then sign in. A used,
    expired or unknown link gets a page saying so, and no account changes."""
    invitation = services.invitation_for_token(token)
    problem = services.invitation_problem(invitation)
    if problem:
        return render(request, "accounts/invitation_invalid.html", {"problem": problem}, status=400)
    signed_in = request.user if request.user.is_authenticated else None
    form = forms.InvitationPasswordForm(
        request.POST if request.method == "POST" and "password1" in request.POST else None
    )
    refusal = ""
    if request.method == "POST" and "accept_signed_in" in request.POST and signed_in is not None:
        try:
            services.invitation_accept(token=token, sso_user=signed_in, via_sso=signed_in_with_sso(request))
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
        else:
            messages.success(request, f"You now hold the role {invitation.role}.")
            return redirect("home")
    elif request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Your account is ready: sign in as {user.username} with your new password.")
            return redirect("accounts:login")
    return render(
        request,
        "accounts/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "signed_in": signed_in,
            "refusal": refusal,
            "sso_enabled": settings.SSO_ENABLED,
            "sso_provider_name": settings.SSO_PROVIDER_NAME,
        },
    )
