"""Writes for milestones. A milestone's baseline never moves; each move of its date is recorded."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from core.services import audited_save
from milestones.models import Milestone, MilestoneDateChange, MilestoneStatus


@transaction.atomic
def milestone_create(
    *,
    scheme,
    description: str,
    due_date: date,
    phase: str = "",
    start_date: date | None = None,
    baseline_date: date | None = None,
    order: int = 0,
    by=None,
) -> Milestone:
    """Add a milestone to a scheme's plan; its baseline is the date first planned (the due date unless given)."""
    if not description.strip():
        raise ValidationError({"description": "Describe the milestone."})
    if start_date and start_date > due_date:
        raise ValidationError({"due_date": "The end of the date range cannot be before its start."})
    return audited_save(
        Milestone(
            scheme=scheme,
            phase=phase.strip(),
            description=description.strip(),
            start_date=start_date,
            baseline_date=baseline_date or due_date,
            due_date=due_date,
            order=order,
        ),
        by=by,
    )


@transaction.atomic
def milestone_move(*, milestone: Milestone, new_date: date, reason: str, by=None) -> Milestone:
    """Move a milestone's date with a reason; the baseline stays and the move is recorded."""
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the date is moving (e.g. “deadline extended: awaiting CMFT data”)."})
    if milestone.start_date and new_date < milestone.start_date:
        raise ValidationError({"new_date": "The new date cannot be before the start of the milestone's date range."})
    if new_date == milestone.due_date:
        raise ValidationError({"new_date": "That is already the milestone's date."})
    MilestoneDateChange.objects.create(
        milestone=milestone, old_date=milestone.due_date, new_date=new_date, reason=reason.strip(), changed_by=by
    )
    milestone.due_date = new_date
    milestone.version += 1
    return audited_save(milestone, by=by, reason=reason.strip())


@transaction.atomic
def milestone_complete(*, milestone: Milestone, completed_on: date, by=None, today: date | None = None) -> Milestone:
    """Mark a milestone complete on a date that is not in the future."""
    from django.utils import timezone

    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if completed_on > (today or timezone.localdate()):
        raise ValidationError({"completed_on": "A completion date cannot be in the future."})
    milestone.status = MilestoneStatus.COMPLETE
    milestone.completed_on = completed_on
    milestone.version += 1
    return audited_save(milestone, by=by)
