"""Reads for notifications: each person sees only their own."""

from accounts.roles import user_programme_ids
from notifications.models import Notification


def notifications_for(user):
    """The user's notifications, newest first, for programmes they still hold a role on (a role that ended takes
    that programme's notifications with it, like every other page)."""
    return Notification.objects.filter(recipient=user, programme_id__in=user_programme_ids(user)).select_related(
        "programme"
    )


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return notifications_for(user).filter(read_at__isnull=True).count()
