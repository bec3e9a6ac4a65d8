"""The one home of in-app notifications: who hears of what. Called by the services that submit, return and
approve a scheme's period update (schemes.services) and that issue a report (reporting.highlight), never by views,
so a command or a background job that does the same thing notifies the same people.

Who is told (what each would expect):
- an update submitted: the programme office of the scheme's programme, who review it;
- an update returned or approved: the scheme's current project leads, whose work it is;
- a report re-issued: everyone holding a role on the programme, since any of them may have read or passed on the
  earlier version.
Nobody is told of what they did themselves.
"""

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from notifications.models import DigestPreference, Notification, Verb


def _recipients(user_ids: Iterable[int], actor) -> list[int]:
    actor_id = getattr(actor, "pk", None)
    return sorted({pk for pk in user_ids if pk and pk != actor_id})


def _notify(*, user_ids: Iterable[int], programme_id: int, verb: str, text: str, link: str, actor=None) -> int:
    recipients = _recipients(user_ids, actor)
    Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            programme_id=programme_id,
            verb=verb,
            text=text[:300],
            link=link,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        for pk in recipients
    )
    return len(recipients)


def _members(programme_id: int, *roles: str) -> list[int]:
    members = Membership.objects.active().filter(programme_id=programme_id, user__is_active=True)
    if roles:
        members = members.filter(role__in=roles)
    return list(members.values_list("user_id", flat=True))


def _current_lead_ids(scheme) -> list[int]:
    today = timezone.localdate()
    return [lead.user_id for lead in scheme.leads.filter(user__is_active=True) if lead.is_current(today)]


def _update_link(update) -> str:
    url = reverse("schemes:detail", args=[update.scheme_id])
    return f"{url}?period={update.period.code}#period-heading"


def _name(user) -> str:
    if not getattr(user, "pk", None):
        return "Someone"
    return user.get_full_name() or user.get_username()


def update_submitted(*, update, by=None) -> int:
    scheme = update.scheme
    return _notify(
        user_ids=_members(scheme.programme_id, Role.PROGRAMME_OFFICE),
        programme_id=scheme.programme_id,
        verb=Verb.SUBMITTED,
        text=f"{_name(by)} submitted the update for {scheme} ({update.period.name}).",
        link=_update_link(update),
        actor=by,
    )


def update_returned(*, update, by=None) -> int:
    scheme = update.scheme
    return _notify(
        user_ids=_current_lead_ids(scheme),
        programme_id=scheme.programme_id,
        verb=Verb.RETURNED,
        text=f"{_name(by)} returned the update for {scheme} ({update.period.name}): {update.return_comment}",
        link=_update_link(update),
        actor=by,
    )


def update_approved(*, update, by=None) -> int:
    scheme = update.scheme
    return _notify(
        user_ids=_current_lead_ids(scheme),
        programme_id=scheme.programme_id,
        verb=Verb.APPROVED,
        text=f"{_name(by)} approved the update for {scheme} ({update.period.name}).",
        link=_update_link(update),
        actor=by,
    )


def report_reissued(*, report, by=None) -> int:
    return _notify(
        user_ids=_members(report.programme_id),
        programme_id=report.programme_id,
        verb=Verb.REISSUED,
        text=(
            f"{_name(by)} re-issued the highlight report for the {report.meeting} on "
            f"{report.meeting_date:%d/%m/%Y} as version {report.version}: {report.reason}"
        ),
        link=reverse("reporting:issued", args=[report.pk]),
        actor=by,
    )


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them without `ids`); anyone else's are left alone."""
    unread = Notification.objects.unread().filter(recipient=user)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def digest_preference_set(*, user, weekly_digest: bool) -> DigestPreference:
    preference, _ = DigestPreference.objects.update_or_create(user=user, defaults={"weekly_digest": weekly_digest})
    return preference


def digest_preference_get(user) -> DigestPreference:
    return DigestPreference.objects.filter(user=user).first() or DigestPreference(user=user)
