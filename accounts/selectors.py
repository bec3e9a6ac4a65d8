"""Reads for people's sign-in: the security log and who has two-step sign-in."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Invitation, Membership, Partnership, SecurityEvent, User
from accounts.roles import Role


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


# --- People and their roles (issue 17) ---------------------------------------------------------------------
# Roles are groups today; with memberships these read a programme's members, and only this block changes.


def people_with_role(role, *, programme, on=None) -> QuerySet[User]:
    """Active accounts holding a role on the programme on a day (today by default), by their membership, by name
    (e.g. the project leads a scheme's lead is chosen from, the programme office a reminder goes to)."""
    memberships = Membership.objects.filter(programme=programme, role=Role(role).value)
    return _people_holding(memberships, on).distinct().order_by("first_name", "last_name", "username")


def member_ids(*, programme, on=None) -> set[int]:
    """The active accounts holding any role on the programme on a day (today by default)."""
    return set(_people_holding(Membership.objects.filter(programme=programme), on).values_list("pk", flat=True))


def _people_holding(memberships, on) -> QuerySet[User]:
    """Active accounts with one of these memberships in force on a day (today by default)."""
    current = _current(memberships, on or timezone.localdate())
    return User.objects.filter(is_active=True, pk__in=current.values("user_id"))


def _current(memberships, today):
    return memberships.filter(start_date__lte=today).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))


def people_with_roles(*, programme) -> list[User]:
    """Everyone holding a role on the programme today, by name, each with `role_names` (two queries)."""
    today = timezone.localdate()
    current = _current(Membership.objects.filter(programme=programme), today)
    people = list(
        User.objects.filter(pk__in=current.values("user_id"))
        .prefetch_related(Prefetch("memberships", queryset=current, to_attr="current_memberships"))
        .order_by("last_name", "first_name", "username")
    )
    order = {role.value: i for i, role in enumerate(Role)}
    for person in people:
        names = {m.role for m in person.current_memberships}  # type: ignore[attr-defined]
        person.role_names = sorted(names, key=order.get)  # type: ignore[attr-defined]
    return people


def roles_of(user: User, *, programme) -> list[Role]:
    """The roles a person holds on the programme today, in the order the roles are listed."""
    held = set(
        _current(Membership.objects.filter(user=user, programme=programme), timezone.localdate()).values_list(
            "role", flat=True
        )
    )
    return [role for role in Role if role.value in held]


def person_get(*, pk: int, programme) -> User:
    """A person who holds or has held a role on the programme (an accepted invitation is a membership); the same
    404 for anyone else as for nobody (another partnership's people are not listed, nor reachable by number)."""
    person = User.objects.filter(memberships__programme=programme, pk=pk).distinct().first()
    if person is None:
        raise Http404("No such person.")
    return person


def invitations_for(*, programme) -> QuerySet[Invitation]:
    """A programme's invitations, newest first, with who sent and who accepted them."""
    return Invitation.objects.filter(programme=programme).select_related("invited_by", "accepted_by")


# --- Single sign-on (issue 15) -------------------------------------------------------------------------------


def sso_partnerships(*, email: str, user: User | None = None) -> list[Partnership]:
    """The partnerships an SSO sign-in is about, to check the address's domain against each one's list: those of the
    programmes the account holds a role on today, and of the open invitations to this address (every partnership
    for a superuser)."""
    if user is not None and user.is_superuser:
        return list(Partnership.objects.all())
    now = timezone.now()
    invited = Q(
        programmes__invitations__email__iexact=email,
        programmes__invitations__accepted_at__isnull=True,
        programmes__invitations__expires_at__gt=now,
    )
    held = Q(programmes__memberships__in=Membership.objects.active().filter(user=user)) if user else Q(pk__in=[])
    return list(Partnership.objects.filter(invited | held).distinct())
