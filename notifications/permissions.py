"""Who sees notifications: each person their own (the selectors filter by recipient), and only someone who holds
a role on a programme, like every other page."""

from django.core.exceptions import PermissionDenied

from accounts.roles import user_roles


def require_notification_reader(user) -> None:
    if not user_roles(user):
        raise PermissionDenied("Your account has no role in this programme. Ask the programme office for access.")
