"""Writes for people and their roles."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from accounts.roles import Role


def role_groups_ensure() -> dict[Role, Group]:
    """Create the five role groups if missing; safe to run any number of times."""
    return {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}


@transaction.atomic
def user_ensure(
    *,
    username: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    roles: list[Role] | tuple[Role, ...] = (),
    password: str | None = None,
    is_staff: bool = False,
) -> User:
    """Create or update a user with exactly these roles. Without a password the account cannot sign in."""
    user, _ = User.objects.get_or_create(username=username)
    user.first_name, user.last_name, user.email, user.job_title = first_name, last_name, email, job_title
    user.is_staff = is_staff
    if password is None:
        # A new account has an empty password, which Django counts as "usable": mark it unusable.
        if not user.password or not user.has_usable_password():
            user.set_unusable_password()
    elif not user.check_password(password):
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    groups = role_groups_ensure()
    user.groups.set([groups[Role(role)] for role in roles])
    if hasattr(user, "_bcf_roles"):
        del user._bcf_roles
    return user


# What the programme office may do in the admin (/admin/), where it sets up programmes:
# add and change the structure; plans, RAG and updates change only through the app's own pages.
PROGRAMME_OFFICE_ADMIN_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("programme", "workstream", "reportingperiod", "scheme", "schemelead", "schemedependency", "approval")
    for action in ("add", "change", "view")
] + ["view_milestone", "view_user"]


def programme_office_admin_permissions_grant() -> int:
    """Give the Programme office group its admin permissions (idempotent); returns how many it holds."""
    from django.contrib.auth.models import Permission

    group = role_groups_ensure()[Role.PROGRAMME_OFFICE]
    perms = Permission.objects.filter(
        content_type__app_label__in=["schemes", "milestones", "accounts"],
        codename__in=PROGRAMME_OFFICE_ADMIN_PERMISSIONS,
    )
    group.permissions.add(*perms)
    return group.permissions.count()


# --- Two-step sign-in (TOTP) ----------------------------------------------------------------------

AUTHENTICATOR_NAME = "Authenticator app"


def authenticator_pending(*, user):
    """The user's authenticator app being set up (unconfirmed), created on first call; the same one after."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def authenticator_confirm(*, user, token: str):
    """Confirm the pending authenticator with a code from the app; None if the code is wrong."""
    device = authenticator_pending(user=user)
    if not _verify(device, token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def second_factor_check(*, user, token: str):
    """The confirmed device that accepts this code, or None. Wrong codes slow the device down (django-otp's
    throttling doubles the wait after each failure)."""
    from django_otp import devices_for_user

    for device in devices_for_user(user, confirmed=True):
        if _verify(device, token):
            return device
    return None


def authenticator_remove(*, user) -> int:
    """Remove the user's authenticator apps (they sign in with a password alone until they add one again)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    count, _ = TOTPDevice.objects.filter(user=user).delete()
    return count


def _verify(device, token: str) -> bool:
    token = "".join((token or "").split())
    if not token.isdigit() or len(token) != device.digits:
        return False
    allowed, _ = device.verify_is_allowed()
    return bool(allowed) and device.verify_token(token)
