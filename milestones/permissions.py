"""Milestones are edited by whoever may edit their scheme (see schemes.permissions)."""

from django.http import Http404

from milestones.models import Milestone
from schemes.permissions import scheme_get_for_edit


def milestone_get_for_edit(*, user, pk: int) -> Milestone:
    """The milestone if the user may change its scheme: 404 when missing, 403 when not theirs."""
    milestone = Milestone.objects.filter(pk=pk).only("id", "scheme_id").first()
    if milestone is None:
        raise Http404("No such milestone.")
    scheme_get_for_edit(user=user, pk=milestone.scheme_id)
    return Milestone.objects.select_related("scheme__programme").get(pk=pk)
