"""Writes for people and their roles."""

import secrets
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.addresses import client_address
from accounts.models import (
    RECOVERY_CODE_ALPHABET,
    RECOVERY_CODE_LENGTH,
    Invitation,
    Membership,
    Partnership,
    RecoveryCode,
    RecoveryCodeDevice,
    SecurityEvent,
    User,
    email_domain,
    email_domains_parse,
    recovery_code_hash,
    recovery_code_normalise,
)
from accounts.permissions import second_factor_reset_check
from accounts.roles import Role, roles_forget
from core.exceptions import StaleEdit
from core.services import audited_save


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
    programmes=(),
    password: str | None = None,
    is_staff: bool = False,
) -> User:
    """Create or update a user holding exactly these roles on each of these programmes (open-ended memberships).
    Without a password the account cannot sign in."""
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
    # The groups only carry the programme office's admin permissions (programme_office_admin_permissions_grant);
    # what someone may do in the app is decided by their memberships.
    groups = role_groups_ensure()
    user.groups.set([groups[Role(role)] for role in roles])
    wanted = {Role(role).value for role in roles}
    for programme in programmes:
        open_ones = Membership.objects.filter(user=user, programme=programme, end_date__isnull=True)
        for membership in open_ones.exclude(role__in=wanted):
            membership.delete()
        held = set(open_ones.values_list("role", flat=True))
        for role in sorted(wanted - held):
            membership_grant(user=user, programme=programme, role=Role(role))
    roles_forget(user)
    return user


# --- Partnerships and memberships (issue 17) -----------------------------------------------------------------


def partnership_ensure(*, slug: str, name: str, hwb_area: str = "") -> Partnership:
    """The partnership with this slug, created if missing (its name and HWB area are left as they are)."""
    found = Partnership.objects.filter(slug=slug).first()
    if found is not None:
        return found
    return audited_save(Partnership(slug=slug, name=name, hwb_area=hwb_area or name))


@transaction.atomic
def partnership_sso_domains_set(*, partnership: Partnership, domains: str, expected: str, by=None) -> Partnership:
    """Set the e-mail domains single sign-on is trusted for in this partnership (superuser or its programme office;
    the view checks). `expected`: the list as the form showed it, so an edit made meanwhile is not overwritten."""
    current = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if email_domains_parse(expected) != current.sso_domains:
        raise StaleEdit(
            f"Someone changed {current}'s single sign-on domains while you were editing: they are now "
            f"{', '.join(current.sso_domains) or 'none'}. Check them and save again.",
            current=current,
        )
    try:
        parsed = email_domains_parse(domains)
    except ValidationError as error:
        raise ValidationError({"domains": error.messages}) from error
    current.sso_email_domains = ", ".join(parsed)
    audited_save(current, by=by, reason="single sign-on domains")
    partnership.sso_email_domains = current.sso_email_domains
    return current


@transaction.atomic
def membership_grant(*, user, programme, role: Role | str, start_date=None, end_date=None, by=None) -> Membership:
    """Give a person a role on a programme from a date (today by default), until an optional end date. A second
    membership of the same role and programme whose dates overlap one already held is refused."""
    role_value = str(role)
    if role_value not in Role.values:
        raise ValidationError({"role": f"“{role_value}” is not a role. The roles are: {', '.join(Role.values)}."})
    start = start_date or timezone.localdate()
    if end_date is not None and end_date < start:
        raise ValidationError({"end_date": "A membership cannot end before it starts."})
    overlapping = Membership.objects.filter(user=user, programme=programme, role=role_value).exclude(end_date__lt=start)
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lte=end_date)
    if overlapping.exists():
        raise ValidationError(
            f"{user} already holds the role {role_value} on {programme} for some of those dates: end that membership "
            "first, or choose dates that do not overlap."
        )
    membership = audited_save(
        Membership(user=user, programme=programme, role=role_value, start_date=start, end_date=end_date), by=by
    )
    roles_forget(user)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, end_date, by=None) -> Membership:
    """End a membership on a date (the person holds the role up to and including that day)."""
    if end_date < membership.start_date:
        raise ValidationError({"end_date": "A membership cannot end before it starts."})
    membership.end_date = end_date
    audited_save(membership, by=by)
    roles_forget(membership.user)
    return membership


# What the programme office may do in the admin (/admin/), where it sets up programmes:
# add and change the structure; plans, RAG and updates change only through the app's own pages.
PROGRAMME_OFFICE_ADMIN_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("programme", "workstream", "reportingperiod", "scheme", "schemelead", "schemedependency", "approval")
    for action in ("add", "change", "view")
] + ["view_milestone", "view_user", "view_securityevent"]


def programme_office_admin_permissions_grant() -> int:
    """Give the Programme office group its admin permissions (idempotent); returns how many it holds."""

    group = role_groups_ensure()[Role.PROGRAMME_OFFICE]
    perms = Permission.objects.filter(
        content_type__app_label__in=["schemes", "milestones", "accounts"],
        codename__in=PROGRAMME_OFFICE_ADMIN_PERMISSIONS,
    )
    group.permissions.add(*perms)
    return group.permissions.count()


# --- Security events ------------------------------------------------------------------------------------


def security_event_record(
    *,
    kind: str,
    request=None,
    actor=None,
    subject=None,
    username: str = "",
    detail: str = "",
):
    """Write one audit row for a security event; the address is the client's as sign-in throttling sees it."""

    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if not username and subject is not None:
        username = subject.get_username()
    return SecurityEvent.objects.create(
        kind=kind,
        actor=actor,
        subject=subject,
        username=username[:254],
        address=client_address(request) if request is not None else None,
        detail=detail,
    )


# --- Two-step sign-in (TOTP and recovery codes) -----------------------------------------------------------

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10


def authenticator_pending(*, user):
    """The user's authenticator app being set up (unconfirmed), created on first call; the same one after."""

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def authenticators(*, user):
    """The user's confirmed authenticator apps, oldest first."""

    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"))


@transaction.atomic
def authenticator_confirm(*, user, token: str, request=None) -> tuple[object | None, list[str]]:
    """Confirm the pending authenticator with a code from the app: (the device, new recovery codes if this is
    the first app, else []), or (None, []) if the code is wrong."""
    device = authenticator_pending(user=user)
    if not _verify(device, token):
        security_event_record(kind="code_failed", request=request, subject=user, detail="while adding an app")
        return None, []
    first = not authenticators(user=user)
    device.confirmed = True
    if not first:
        device.name = f"{AUTHENTICATOR_NAME} {len(authenticators(user=user)) + 1}"
    device.save(update_fields=["confirmed", "name"])
    security_event_record(kind="device_added", request=request, subject=user, detail=device.name)
    codes = recovery_codes_make(user=user, request=request) if first else []
    return device, codes


def second_factor_check(*, user, token: str, request=None):
    """The confirmed device that accepts this code (an app's code or an unused recovery code), or None.
    Wrong codes slow the device down (django-otp's throttling doubles the wait after each failure) and are
    audited; a recovery code is spent when it is used."""

    for device in devices_for_user(user, confirmed=True):
        if _verify(device, token):
            if _is_recovery(device):
                left = device.unused_count
                security_event_record(kind="recovery_code_used", request=request, subject=user, detail=f"{left} left")
            return device
    security_event_record(kind="code_failed", request=request, subject=user)
    return None


@transaction.atomic
def authenticator_remove(*, user, device_id: int, token: str, request=None) -> None:
    """Remove one of the user's authenticator apps. Needs a current code (or a recovery code) given now; the
    last app cannot go where two-step sign-in is required; with no app left the recovery codes go too."""

    device = TOTPDevice.objects.filter(user=user, confirmed=True, pk=device_id).first()
    if device is None:
        raise ValidationError("That authenticator app is not one of yours, or it was already removed.")
    if settings.MFA_REQUIRED and len(authenticators(user=user)) == 1:
        raise ValidationError("Two-step sign-in is required here: add another app before removing this one.")
    if second_factor_check(user=user, token=token, request=request) is None:
        raise ValidationError("That code is not right, so nothing was removed.")
    device.delete()
    security_event_record(kind="device_removed", request=request, subject=user, detail=device.name)
    if not authenticators(user=user):
        _recovery_devices(user).delete()


@transaction.atomic
def recovery_codes_make(*, user, request=None) -> list[str]:
    """Make a fresh set of one-time recovery codes for the user (the old set stops working) and return them:
    the only time they are ever readable. Only a salted hash of each is kept."""

    _recovery_devices(user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name=RECOVERY_CODES_NAME, confirmed=True)
    codes = []
    rows = []
    for _ in range(RECOVERY_CODE_COUNT):
        code = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        salt = RecoveryCode.new_salt()
        rows.append(RecoveryCode(device=device, salt=salt, code_hash=recovery_code_hash(code, salt)))
        codes.append("-".join(code[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4)))
    RecoveryCode.objects.bulk_create(rows)
    security_event_record(kind="recovery_codes_made", request=request, subject=user, detail=f"{len(codes)} codes")
    return codes


def recovery_codes_left(*, user) -> int | None:
    """How many unused recovery codes the user has (None: they have no set)."""
    device = _recovery_devices(user).first()
    return device.unused_count if device else None


@transaction.atomic
def second_factor_reset(*, actor, subject, reason: str, request=None) -> int:
    """The programme office resets someone's two-step sign-in (lost phone): every app and recovery code goes,
    and they sign in with their password alone (or, where it is required, set up a new app at once)."""

    second_factor_reset_check(actor=actor, subject=subject)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why (for example: lost phone, confirmed by a call to their manager).")
    removed, _ = TOTPDevice.objects.filter(user=subject).delete()
    _recovery_devices(subject).delete()
    security_event_record(
        kind="second_factor_reset",
        request=request,
        actor=actor,
        subject=subject,
        detail=f"{removed} app{'s' if removed != 1 else ''} removed. Reason: {reason}",
    )
    return removed


def _recovery_devices(user):
    return RecoveryCodeDevice.objects.filter(user=user)


def _is_recovery(device) -> bool:
    return isinstance(device, RecoveryCodeDevice)


def _verify(device, token: str) -> bool:
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    if _is_recovery(device):
        if len(recovery_code_normalise(token)) != RECOVERY_CODE_LENGTH:
            return False
        return device.verify_token(token)
    token = "".join((token or "").split())
    if not token.isdigit() or len(token) != device.digits:
        return False
    return device.verify_token(token)


# --- Password reset by e-mail --------------------------------------------------------------------------------


def password_reset_too_many(*, request) -> bool:
    """Has this address asked for more reset e-mails in the last hour than PASSWORD_RESET_PER_ADDRESS_PER_HOUR?
    (Stops the form being used to flood someone's inbox.)"""

    recent = SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED,
        address=client_address(request),
        at__gte=timezone.now() - timedelta(hours=1),
    ).count()
    return recent >= settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR


def password_reset_completed(*, user, request=None) -> None:
    """After a new password is set from an e-mailed link: audit it, and lift the sign-in waits on this
    username (from every address), so the owner can sign in at once with the new password. An address's
    spraying count is not touched."""

    AxesProxyHandler.reset_attempts(username=user.get_username())
    security_event_record(kind="password_reset_completed", request=request, actor=None, subject=user)


# --- Roles on a programme and invitations (issue 17) ------------------------------------------------------------
# Every grant and end of a role goes through role_grant and role_end. Today a role is a Django group, held on every
# programme; when memberships (user × programme × role, with dates) arrive, these two functions switch to them.

INVITATION_DAYS = 7


def _role(role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError({"role": f"“{role}” is not one of the programme's roles."}) from None


@transaction.atomic
def role_grant(*, user: User, programme, role, start=None, by=None) -> Membership:
    """Give a person a role on a programme from a date (today if none): a membership, recorded in the security log."""
    role = _role(role)
    start = start or timezone.localdate()
    membership = membership_grant(user=user, programme=programme, role=role, start_date=start, by=by)
    security_event_record(
        kind=SecurityEvent.Kind.ROLE_GRANTED,
        actor=by,
        subject=user,
        detail=f"{role.label} on {programme} from {start:%d/%m/%Y}",
    )
    return membership


@transaction.atomic
def role_end(*, user: User, programme, role, end=None, by=None) -> None:
    """End a person's role on a programme on a date (today if none): from that day on they no longer hold it (ending
    a role today takes it away now, not at midnight); they keep their account and history."""
    role = _role(role)
    end = end or timezone.localdate()
    if end > timezone.localdate():
        raise ValidationError({"end": "A role can be ended today or on an earlier date, not in the future yet."})
    if by is not None and user.pk == by.pk and role == Role.PROGRAMME_OFFICE:
        raise ValidationError("You cannot end your own programme office role: ask a colleague.")
    held = (
        Membership.objects.filter(user=user, programme=programme, role=role.value)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=end))
        .order_by("-start_date")
        .first()
    )
    if held is None:
        raise ValidationError({"role": f"{user} does not hold the role {role.label} on {programme}."})
    last_day = end - timedelta(days=1)  # a membership counts up to and including its end date
    if last_day < held.start_date:
        # Ended on the day it began: it never applied. Its history keeps who held it and who removed it.
        held._change_reason = "Ended on the day it began"
        held.delete()
        roles_forget(user)
    else:
        membership_end(membership=held, end_date=last_day, by=by)
    security_event_record(
        kind=SecurityEvent.Kind.ROLE_ENDED,
        actor=by,
        subject=user,
        detail=f"{role.label} on {programme} ended {end:%d/%m/%Y}",
    )


@transaction.atomic
def invitation_create(*, email: str, programme, role, by=None, days: int = INVITATION_DAYS) -> tuple[Invitation, str]:
    """Invite someone by e-mail to a role: (the invitation, its one-time token). Only the token's hash is kept; the
    link goes out by e-mail and stops working after `days` days or once used."""
    role = _role(role)
    email = User.objects.normalize_email((email or "").strip()).lower()
    invitation = Invitation(
        email=email,
        programme=programme,
        role=role.value,
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=days),
        invited_by=by,
    )
    invitation.full_clean(exclude=["token_hash"])
    token = secrets.token_urlsafe(32)
    invitation.token_hash = Invitation.hash_token(token)
    invitation._history_user = by  # type: ignore[attr-defined]  # read by django-simple-history at save
    invitation.save()
    security_event_record(
        kind=SecurityEvent.Kind.INVITATION_SENT, actor=by, username=email, detail=f"{role.label} on {programme}"
    )
    return invitation, token


def invitation_send(*, invitation: Invitation, link: str) -> None:
    """E-mail the invitation's link (Django's mail backend: the console in development)."""
    inviter = str(invitation.invited_by) if invitation.invited_by else "The programme office"
    sso = f" or sign in with {settings.SSO_PROVIDER_NAME}" if settings.SSO_ENABLED else ""
    send_mail(
        subject=f"You are invited to {invitation.programme} as {invitation.role}",
        message=(
            f"{inviter} has invited you to the {invitation.programme} programme as {invitation.role}.\n\n"
            f"Open this link to set your password{sso}:\n{link}\n\n"
            f"The link works once, until {timezone.localtime(invitation.expires_at):%d/%m/%Y %H:%M}.\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its state (None for an unknown token)."""
    return Invitation.objects.select_related("programme").filter(token_hash=Invitation.hash_token(token or "")).first()


def invitation_problem(invitation: Invitation | None) -> str:
    """Why a link cannot be used, in words for the person who clicked it ("" when it can)."""
    if invitation is None:
        return "This invitation link is not valid. Check you copied the whole link, or ask the programme office for a new one."
    if invitation.accepted_at is not None:
        return "This invitation has already been used. Sign in with your password, or ask the programme office for a new one."
    if invitation.is_expired():
        return f"This invitation expired on {timezone.localtime(invitation.expires_at):%d/%m/%Y}. Ask the programme office for a new one."
    return ""


@transaction.atomic
def invitation_accept(
    *, token: str, password: str | None = None, sso_user: User | None = None, via_sso: bool = False
) -> User:
    """Use an invitation once: create (or re-activate) the account for its e-mail, set its password (or take the
    signed-in account `sso_user`), and grant the role. A used, expired or unknown link changes nothing. `via_sso`:
    that account signed in with single sign-on, which counts only where the partnership lists the address's domain."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=Invitation.hash_token(token or "")).first()
    problem = invitation_problem(invitation)
    if problem or invitation is None:
        raise ValidationError(problem)
    if sso_user is not None:
        if (sso_user.email or "").lower() != invitation.email:
            raise ValidationError(f"This invitation is for {invitation.email}; you signed in as {sso_user.email}.")
        partnership = invitation.programme.partnership
        if via_sso and not partnership.sso_allows(invitation.email):
            # Single sign-on vouches for an address only in a partnership that lists its domain.
            raise ValidationError(
                f"{partnership} does not accept single sign-on for addresses at {email_domain(invitation.email)}. "
                "Accept with a password instead, or ask the programme office."
            )
        user = sso_user
    else:
        user = User.objects.filter(email__iexact=invitation.email).order_by("pk").first() or User(
            username=_free_username(invitation.email), email=invitation.email
        )
        if not password:
            raise ValidationError({"password1": "Choose a password."})
        validate_password(password, user)
        user.set_password(password)
    user.is_active = True
    user.full_clean(exclude=["password"])
    user.save()
    role_grant(user=user, programme=invitation.programme, role=invitation.role, by=invitation.invited_by)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation._history_user = user  # type: ignore[attr-defined]
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


def _free_username(email: str) -> str:
    base = email[:140]
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name
