import hashlib
import re
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, pbkdf2
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel


class User(AbstractUser):
    """A person who signs in. Their roles are memberships of programmes (Membership, read by accounts.roles)."""

    job_title = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class Role(models.TextChoices):
    PROGRAMME_OFFICE = "Programme office", "Programme office"
    PROJECT_LEAD = "Project lead", "Project lead"
    STEERING_GROUP = "Steering group", "Steering group"
    BOARD_SECRETARY = "Board secretary", "Board secretary"
    FINANCE_OFFICER = "Finance officer", "Finance officer"
    # Secretary to the governance bodies a scheme's papers go to (TSG, CC&FC, PRAP): records what they decided.
    GOVERNANCE_SECRETARY = "Governance secretary", "Governance secretary"


DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def email_domain(email: str) -> str:
    """The part after the last @, in lower case ("" when there is none)."""
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in (email or "") else ""


def email_domains_parse(text: str) -> list[str]:
    """Domains typed one a line or comma-separated ("@" and case ignored), in order, each once; a ValidationError
    names any that is not a domain (e.g. "nhs" or "*.nhs.net": subdomains are listed one by one)."""
    domains: list[str] = []
    for item in re.split(r"[\s,;]+", text or ""):
        domain = item.strip().lstrip("@").lower()
        if domain and domain not in domains:
            domains.append(domain)
    bad = [d for d in domains if not DOMAIN.match(d)]
    if bad:
        raise ValidationError(f"Not a domain: {', '.join(bad)}. Give domains such as trafford.gov.uk or nhs.net.")
    return domains


def email_domains_validate(text: str) -> None:
    email_domains_parse(text)


class Partnership(TimeStampedModel):
    """A Health & Wellbeing Board area's partnership (e.g. Trafford): the boundary programmes, funds, roles,
    reports and returns belong to. Nobody sees another partnership's programmes unless they are a member of one."""

    name = models.CharField(max_length=200)
    hwb_area = models.CharField("Health & Wellbeing Board area", max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    # Single sign-on trusts an identity provider's verified address for this partnership only at these domains
    # (lower case, comma-separated; empty: nobody signs in to this partnership with SSO). accounts.sso reads it.
    sso_email_domains = models.TextField(
        "E-mail domains allowed to sign in with single sign-on",
        blank=True,
        validators=[email_domains_validate],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def sso_domains(self) -> list[str]:
        return email_domains_parse(self.sso_email_domains)

    def sso_allows(self, email: str) -> bool:
        """Whether single sign-on may vouch for this address in this partnership (its domain is listed)."""
        return email_domain(email) in self.sso_domains


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        """Memberships in force on a date (today by default): started, and not yet ended (the end date counts)."""
        day = on or timezone.localdate()
        return self.filter(Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day)))


class Membership(TimeStampedModel):
    """One role a person holds on one programme, from a date, until an optional end date (inclusive)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    programme = models.ForeignKey("schemes.Programme", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=40, choices=Role.choices)
    start_date = models.DateField(default=timezone.localdate)
    end_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "role", "user"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_end_not_before_start",
            ),
            # One open-ended membership per person, programme and role; ended ones are kept as history.
            models.UniqueConstraint(
                fields=["user", "programme", "role"],
                condition=Q(end_date__isnull=True),
                name="membership_unique_open",
            ),
        ]
        indexes = [models.Index(fields=["user", "programme"], name="membership_user_programme")]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.programme}"


class SecurityEvent(models.Model):
    """One security event: who did it, to whom, when, what, and from which address. Never edited."""

    class Kind(models.TextChoices):
        CODE_FAILED = "code_failed", "Wrong two-step code"
        LOCKED_OUT = "locked_out", "Sign-in paused (too many failures)"
        SECOND_FACTOR_RESET = "second_factor_reset", "Two-step sign-in reset by the programme office"
        DEVICE_ADDED = "device_added", "Authenticator app added"
        DEVICE_REMOVED = "device_removed", "Authenticator app removed"
        RECOVERY_CODES_MADE = "recovery_codes_made", "Recovery codes made"
        RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
        PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset asked for"
        PASSWORD_RESET_COMPLETED = "password_reset_completed", "Password reset by e-mail link"
        SSO_REFUSED = "sso_refused", "Single sign-on refused"
        SSO_ACCOUNT_CREATED = "sso_account_created", "Account created at single sign-on"
        INVITATION_SENT = "invitation_sent", "Invitation sent"
        ROLE_GRANTED = "role_granted", "Role given"
        ROLE_ENDED = "role_ended", "Role ended"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Who did it (None: nobody signed in, e.g. a failed sign-in) and to whom (None: no such account).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="security_events"
    )
    # What was typed or claimed (a username, an e-mail address), kept even when it matches no account.
    username = models.CharField(max_length=254, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "-at"]), models.Index(fields=["address", "kind", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.username or self.subject_id} · {self.at:%d/%m/%Y %H:%M}"


# --- Recovery codes ------------------------------------------------------------------------------------
# django-otp's static plugin keeps its tokens in plain text, so anyone who reads the database could sign in
# as anyone with them. This device keeps only a salted PBKDF2 hash of each code, and plugs into django-otp's
# Device API (devices_for_user, verify_is_allowed throttling, otp_login) like the TOTP device does.

RECOVERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
RECOVERY_CODE_LENGTH = 12  # 60 bits: out of reach of guessing, even offline against the hash
RECOVERY_CODE_ITERATIONS = 20_000  # the codes are random, so this only needs to be more than one round


def recovery_code_normalise(code: str) -> str:
    """What a person typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def recovery_code_hash(code: str, salt: str) -> str:
    digest = pbkdf2(recovery_code_normalise(code), salt, RECOVERY_CODE_ITERATIONS, digest=hashlib.sha256)
    return digest.hex()


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A user's set of one-time recovery codes, usable instead of the authenticator app's code."""

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        typed = recovery_code_normalise(str(token))
        if len(typed) == RECOVERY_CODE_LENGTH:
            for code in self.codes.filter(used_at__isnull=True):
                if constant_time_compare(recovery_code_hash(typed, code.salt), code.code_hash):
                    # Spent at once, and only if nobody spent it in between (two tabs, two attackers).
                    if RecoveryCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=timezone.now()):
                        self.throttle_reset(commit=False)
                        self.set_last_used_timestamp(commit=False)
                        self.save()
                        return True
                    break
        self.throttle_increment()
        return False

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_RECOVERY_THROTTLE_FACTOR", 1)

    @property
    def unused_count(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Recovery code {self.pk} ({'used' if self.used_at else 'unused'})"

    @staticmethod
    def new_salt() -> str:
        return secrets.token_hex(16)


class Invitation(models.Model):
    """An invitation by e-mail to a role on a programme: a one-time link, kept only as a hash, that expires.

    Accepting it creates (or re-activates) the account and grants the role through accounts.services.role_grant.
    """

    email = models.EmailField()
    # A string reference: accounts sits below schemes, so it names the programme model without importing it.
    programme = models.ForeignKey("schemes.Programme", on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=40)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} as {self.role}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at
