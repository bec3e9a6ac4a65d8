import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.middleware import HAS_DEVICE
from accounts.roles import Role, user_roles


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def _next(request, default="home"):
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse(default)


@require_http_methods(["GET", "POST"])
def mfa_manage(request):
    """The user's two-step sign-in: whether it is on, and turning it off (with a current code)."""
    from django_otp import user_has_device

    if request.method == "POST":
        if services.second_factor_check(user=request.user, token=request.POST.get("token", "")) is None:
            messages.error(request, "That code is not right, so two-step sign-in is still on.")
        elif settings.MFA_REQUIRED:
            messages.error(request, "Two-step sign-in is required here: add a new app before removing this one.")
        else:
            services.authenticator_remove(user=request.user)
            request.session[HAS_DEVICE] = False
            messages.success(request, "Two-step sign-in is off. You now sign in with your password alone.")
            return redirect("accounts:mfa")
    return render(
        request,
        "accounts/mfa.html",
        {"enabled": user_has_device(request.user), "required": settings.MFA_REQUIRED},
    )


@require_http_methods(["GET", "POST"])
def mfa_setup(request):
    """Add an authenticator app: scan the code, type the six digits it shows."""
    import segno
    from django_otp import login as otp_login
    from django_otp import user_has_device

    if user_has_device(request.user) and not request.user.is_verified():
        # Half signed in (password only) with an authenticator already set up: adding another one needs a
        # code from the first, given at this sign-in.
        return redirect(f"{reverse('accounts:mfa_verify')}?next={reverse('accounts:mfa_setup')}")
    device = services.authenticator_pending(user=request.user)
    if request.method == "POST":
        confirmed = services.authenticator_confirm(user=request.user, token=request.POST.get("token", ""))
        if confirmed:
            otp_login(request, confirmed)
            request.session[HAS_DEVICE] = True
            messages.success(request, "Two-step sign-in is on. You will be asked for a code each time you sign in.")
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
    """After the password, the code from the user's authenticator app."""
    from django_otp import login as otp_login

    if request.user.is_verified():
        return redirect(_next(request))
    if request.method == "POST":
        device = services.second_factor_check(user=request.user, token=request.POST.get("token", ""))
        if device:
            otp_login(request, device)
            return redirect(_next(request))
        messages.error(request, "That code is not right. Type the newest six-digit code from your app.")
    return render(request, "accounts/mfa_verify.html", {"next": _next(request)})


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
