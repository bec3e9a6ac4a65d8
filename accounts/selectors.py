"""Reads for people's sign-in: the security log and who has two-step sign-in."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Invitation, SecurityEvent, User
from accounts.roles import Role


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


# --- People and their roles (issue 17) ---------------------------------------------------------------------
# Roles are groups today; with memberships these read a programme's members, and only this block changes.


def people_with_role(role) -> QuerySet[User]:
    """Active accounts holding a role, by name (e.g. the project leads a scheme's lead is chosen from)."""
    return (
        User.objects.filter(is_active=True, groups__name=str(role))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def people_with_roles() -> list[User]:
    """Everyone holding a role, by name, each with `role_names` (two queries)."""
    valid = {role.value for role in Role}
    people = list(
        User.objects.filter(groups__name__in=valid)
        .distinct()
        .prefetch_related("groups")
        .order_by("last_name", "first_name", "username")
    )
    for person in people:
        person.role_names = sorted(g.name for g in person.groups.all() if g.name in valid)  # type: ignore[attr-defined]
    return people


def roles_of(user: User) -> list[Role]:
    """The roles a person holds, in the order the roles are listed."""
    held = set(user.groups.values_list("name", flat=True))
    return [role for role in Role if role.value in held]


def person_get(*, pk: int) -> User:
    """A person by id; 404 when there is none."""
    try:
        return User.objects.get(pk=pk)
    except User.DoesNotExist:
        raise Http404("No such person.") from None


def invitations_for(*, programme) -> QuerySet[Invitation]:
    """A programme's invitations, newest first, with who sent and who accepted them."""
    return Invitation.objects.filter(programme=programme).select_related("invited_by", "accepted_by")
