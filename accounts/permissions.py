"""Who may look after other people's sign-in. One place, so the per-programme roles of issue 17 change here:
"programme office" will then mean the programme office of a programme the other person belongs to."""

from django.core.exceptions import PermissionDenied

from accounts.roles import Role, has_role


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
