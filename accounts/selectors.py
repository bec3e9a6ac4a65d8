"""Reads for people's sign-in: the security log and who has two-step sign-in."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent, User


def security_event_list(*, kind: str = "", person: str = "") -> QuerySet[SecurityEvent]:
    """Security events, newest first, optionally of one kind and about (or by) one username."""
    events = SecurityEvent.objects.select_related("actor", "subject")
    if kind:
        events = events.filter(kind=kind)
    if person:
        events = events.filter(
            Q(username__iexact=person) | Q(subject__username__iexact=person) | Q(actor__username__iexact=person)
        )
    return events


def people_with_second_factor() -> QuerySet[User]:
    """Active accounts with how many authenticator apps each has, by name: the programme office's reset list."""

    return (
        User.objects.filter(is_active=True)
        .annotate(
            apps=Count("totpdevice", filter=Q(totpdevice__confirmed=True), distinct=True),
            has_pending=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=False)),
        )
        .order_by("last_name", "first_name", "username")
    )
