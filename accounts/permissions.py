"""Who may look after other people's sign-in. "Programme office" means the programme office of a programme the
other person holds a role on (issue 17): another partnership's people are not theirs to see or reset."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from accounts.roles import Role, has_role, role_memberships
from accounts.selectors import people_in


def office_programme_ids(user) -> frozenset[int]:
    """The programmes on which the user is programme office."""
    return frozenset(pk for pk, roles in role_memberships(user).items() if Role.PROGRAMME_OFFICE in roles)


def people_looked_after_by(user):
    """The people whose sign-in this programme office looks after: everyone for a superuser, else the people
    holding a role on a programme where the user is programme office."""
    if getattr(user, "is_superuser", False):
        return None
    return people_in(office_programme_ids(user))


def person_get_for_reset(*, actor, pk: int) -> User:
    """An active person the actor looks after; anyone else is as missing as a wrong number (404)."""
    people = people_looked_after_by(actor)
    found = (User.objects.all() if people is None else people).filter(pk=pk, is_active=True).first()
    if found is None:
        raise Http404("No such person.")
    return found


def security_events_can_view(user) -> bool:
    """The programme office reads the security log."""
    return has_role(user, Role.PROGRAMME_OFFICE)


def security_events_check_view(user) -> None:
    if not security_events_can_view(user):
        raise PermissionDenied("Only the programme office can see the security log.")


def second_factor_reset_check(*, actor, subject) -> None:
    """The programme office may reset someone else's two-step sign-in, never their own (that would let a
    stolen password undo the second factor) and never a superuser's (only another superuser, in the admin)."""
    if not has_role(actor, Role.PROGRAMME_OFFICE):
        raise PermissionDenied("Only the programme office can reset someone's two-step sign-in.")
    if subject.pk == actor.pk:
        raise PermissionDenied(
            "You cannot reset your own two-step sign-in: use a recovery code, or ask a colleague in the "
            "programme office."
        )
    if subject.is_superuser:
        raise PermissionDenied("A superuser's two-step sign-in can only be reset by another superuser, in the admin.")
