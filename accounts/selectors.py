"""Reads for people's sign-in: the security log and who has two-step sign-in."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, SecurityEvent, User


def people_in(programme_ids) -> QuerySet[User]:
    """People who hold a role today on any of these programmes (a superuser is programme office on every one)."""
    members = Membership.objects.active().filter(programme_id__in=programme_ids).values("user_id")
    return User.objects.filter(Q(pk__in=members) | Q(is_superuser=True))


def security_event_list(*, kind: str = "", person: str = "", people=None) -> QuerySet[SecurityEvent]:
    """Security events, newest first, optionally of one kind and about (or by) one username. `people`: only events
    about or by them (the caller's programmes' people); None for every event (a superuser)."""
    events = SecurityEvent.objects.select_related("actor", "subject")
    if people is not None:
        events = events.filter(Q(subject__in=people) | Q(actor__in=people))
    if kind:
        events = events.filter(kind=kind)
    if person:
        events = events.filter(
            Q(username__iexact=person) | Q(subject__username__iexact=person) | Q(actor__username__iexact=person)
        )
    return events


def people_with_second_factor(*, people=None) -> QuerySet[User]:
    """Active accounts (of `people`, else all) with how many authenticator apps each has, by name: the programme
    office's reset list."""
    people = User.objects.all() if people is None else people
    return (
        people.filter(is_active=True)
        .annotate(
            apps=Count("totpdevice", filter=Q(totpdevice__confirmed=True), distinct=True),
            has_pending=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=False)),
        )
        .order_by("last_name", "first_name", "username")
    )
