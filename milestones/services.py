"""Writes for milestones. A milestone's baseline never moves; each move of its date is recorded with a reason."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.rag import RAG
from core.services import audited_save, bump_version, check_version
from milestones.models import Milestone, MilestoneDateChange, MilestoneStatus
from milestones.rag_rules import suggest_milestone_rag


def _locked(milestone: Milestone, expected_version: int | None) -> Milestone:
    locked = Milestone.objects.select_for_update().select_related("scheme__programme").get(pk=milestone.pk)
    check_version(locked, expected_version)
    return locked


def _refuse_closed_period(milestone: Milestone, day: date, what: str) -> None:
    """Dates inside a closed reporting period were reported to the board: they cannot change now."""
    closed = milestone.scheme.programme.periods.containing(day).filter(is_closed=True).first()
    if closed:
        raise ValidationError(
            {what: f"{day:%d/%m/%Y} is in the closed reporting period {closed}: it can no longer change."}
        )


@transaction.atomic
def milestone_create(
    *,
    scheme,
    description: str,
    due_date: date,
    phase: str = "",
    start_date: date | None = None,
    baseline_date: date | None = None,
    order: int | None = None,
    source_note: str = "",
    by=None,
) -> Milestone:
    """Add a milestone to a scheme's plan; its baseline is the date first planned (the due date unless given)."""
    if not (description or "").strip():
        raise ValidationError({"description": "Describe the milestone."})
    if start_date and start_date > due_date:
        raise ValidationError({"due_date": "The end of the date range cannot be before its start."})
    if order is None:
        order = scheme.milestones.count()
    return audited_save(
        Milestone(
            scheme=scheme,
            phase=(phase or "").strip(),
            description=description.strip(),
            start_date=start_date,
            baseline_date=baseline_date or due_date,
            due_date=due_date,
            order=order,
            source_note=(source_note or "").strip(),
        ),
        by=by,
    )


CLOSE_OUTCOMES: dict[str, str] = {
    MilestoneStatus.CANCELLED: "cancelled",
    MilestoneStatus.REJECTED: "rejected",
    MilestoneStatus.WITHDRAWN: "withdrawn",
}


@transaction.atomic
def milestone_close(
    *, milestone: Milestone, outcome: str, reason: str, by=None, expected_version: int | None = None
) -> Milestone:
    """Close a milestone that will not be completed: cancelled, or a gate the body rejected or the scheme withdrew.

    It then counts as neither complete nor overdue, and shows its outcome; the reason is kept in its history."""
    milestone = _locked(milestone, expected_version)
    if outcome not in CLOSE_OUTCOMES:
        raise ValidationError({"outcome": "Choose cancelled, rejected or withdrawn."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Say why the milestone was {CLOSE_OUTCOMES[outcome]}."})
    if milestone.is_complete:
        raise ValidationError({"outcome": "This milestone is complete: reopen it first if it was not done."})
    if milestone.is_closed:
        raise ValidationError({"outcome": f"Already {milestone.get_status_display().lower()}."})
    milestone.status = outcome
    milestone.rag = ""
    bump_version(milestone)
    return audited_save(milestone, by=by, reason=reason)


@transaction.atomic
def milestone_update(
    *,
    milestone: Milestone,
    description: str,
    phase: str = "",
    start_date: date | None = None,
    by=None,
    expected_version: int | None = None,
) -> Milestone:
    """Change a milestone's wording, phase or range start (dates move only through milestone_move)."""
    milestone = _locked(milestone, expected_version)
    if not (description or "").strip():
        raise ValidationError({"description": "Describe the milestone."})
    if start_date and start_date > milestone.due_date:
        raise ValidationError({"start_date": "The start of the date range cannot be after the milestone's date."})
    new = {"description": description.strip(), "phase": (phase or "").strip(), "start_date": start_date}
    if all(getattr(milestone, k) == v for k, v in new.items()):
        return milestone
    for key, value in new.items():
        setattr(milestone, key, value)
    bump_version(milestone)
    return audited_save(milestone, by=by)


@transaction.atomic
def milestone_move(
    *, milestone: Milestone, new_date: date, reason: str, by=None, expected_version: int | None = None
) -> Milestone:
    """Move a milestone's date with a reason; the baseline stays, and the move is recorded."""
    milestone = _locked(milestone, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the date is moving (e.g. “deadline extended: awaiting CMFT data”)."})
    if milestone.is_complete:
        raise ValidationError({"new_date": "This milestone is complete: its date no longer moves."})
    if milestone.start_date and new_date < milestone.start_date:
        raise ValidationError({"new_date": "The new date cannot be before the start of the milestone's date range."})
    if new_date == milestone.due_date:
        raise ValidationError({"new_date": "That is already the milestone's date."})
    MilestoneDateChange.objects.create(
        milestone=milestone, old_date=milestone.due_date, new_date=new_date, reason=reason, changed_by=by
    )
    milestone.due_date = new_date
    bump_version(milestone)
    return audited_save(milestone, by=by, reason=reason)


@transaction.atomic
def milestone_complete(
    *,
    milestone: Milestone,
    completed_on: date,
    by=None,
    expected_version: int | None = None,
    today: date | None = None,
) -> Milestone:
    """Mark a milestone complete on a date that is not in the future and not in a closed period."""
    milestone = _locked(milestone, expected_version)
    if completed_on > (today or timezone.localdate()):
        raise ValidationError({"completed_on": "A completion date cannot be in the future."})
    if milestone.is_complete:
        raise ValidationError({"completed_on": f"Already completed on {milestone.completed_on:%d/%m/%Y}."})
    _refuse_closed_period(milestone, completed_on, "completed_on")
    milestone.status = MilestoneStatus.COMPLETE
    milestone.completed_on = completed_on
    bump_version(milestone)
    return audited_save(milestone, by=by)


@transaction.atomic
def milestone_reopen(*, milestone: Milestone, reason: str, by=None, expected_version: int | None = None) -> Milestone:
    """Undo a completion recorded by mistake, with a reason."""
    milestone = _locked(milestone, expected_version)
    if not milestone.is_complete:
        raise ValidationError("This milestone is not complete.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the milestone is not complete after all."})
    if milestone.completed_on is not None:
        _refuse_closed_period(milestone, milestone.completed_on, "completed_on")
    milestone.status = MilestoneStatus.IN_PROGRESS
    milestone.completed_on = None
    bump_version(milestone)
    return audited_save(milestone, by=by, reason=reason.strip())


@transaction.atomic
def milestone_set_rag(
    *, milestone: Milestone, rag: str, reason: str = "", by=None, expected_version: int | None = None
) -> Milestone:
    """Set a milestone's RAG. A RAG other than the rules' suggestion needs a written reason; blank clears it."""
    milestone = _locked(milestone, expected_version)
    if rag and rag not in RAG.values:
        raise ValidationError({"rag": "Choose Red, Amber, Green or Complete."})
    suggested = suggest_milestone_rag(milestone, as_of=timezone.localdate())
    reason = (reason or "").strip()
    if rag and rag != (suggested or "") and not reason:
        label = RAG(suggested).label if suggested else "no RAG"
        raise ValidationError({"reason": f"The rules suggest {label}: say why you are choosing {RAG(rag).label}."})
    milestone.rag = rag
    milestone.rag_reason = reason if rag else ""
    bump_version(milestone)
    return audited_save(milestone, by=by, reason=reason)
