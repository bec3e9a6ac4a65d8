"""Writes for milestones. A milestone's baseline never moves; each move of its date is recorded with a reason."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

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
    _check_new(description=description, start_date=start_date, due_date=due_date)
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


def _check_new(*, description: str, start_date: date | None, due_date: date) -> None:
    if not (description or "").strip():
        raise ValidationError({"description": "Describe the milestone."})
    if start_date and start_date > due_date:
        raise ValidationError({"due_date": "The end of the date range cannot be before its start."})


def _check_completion(*, completed_on: date, today: date, closed_periods) -> None:
    """Not a future date, and not inside a reporting period already reported (closed)."""
    if completed_on > today:
        raise ValidationError({"completed_on": "A completion date cannot be in the future."})
    for period in closed_periods:
        if period.contains(completed_on):
            raise ValidationError(
                {
                    "completed_on": f"{completed_on:%d/%m/%Y} is in the closed reporting period {period}: it can no longer change."
                }
            )


MOVE_REASON_NEEDED = "Say why the date is moving (e.g. “deadline extended: awaiting CMFT data”)."


@dataclass
class NewMilestone:
    """A milestone to add as loaded from a plan: first planned for `baseline_date`, now due on `due_date` (a
    difference needs its `reason`, kept as a recorded move), completed on `completed_on` if done."""

    scheme: Any
    description: str
    due_date: date
    baseline_date: date | None = None
    phase: str = ""
    start_date: date | None = None
    reason: str = ""
    completed_on: date | None = None
    order: int = 0


def milestone_check_new(item: NewMilestone, *, today: date, closed_periods=()) -> None:
    """Every rule for adding a milestone (milestone_create, milestone_move, milestone_complete), with no query:
    a description, an ordered range, a reason for a due date that differs from the baseline, and a completion date
    that is not in the future nor in a closed period."""
    _check_new(description=item.description, start_date=item.start_date, due_date=item.due_date)
    if item.baseline_date and item.baseline_date != item.due_date and not (item.reason or "").strip():
        raise ValidationError({"reason": MOVE_REASON_NEEDED})
    if item.completed_on:
        _check_completion(completed_on=item.completed_on, today=today, closed_periods=closed_periods)


_NOT_TYPED = [f.name for f in Milestone._meta.fields if f.name not in ("phase", "description")]


@transaction.atomic
def milestones_create_bulk(*, items: list[NewMilestone], by=None, today: date | None = None) -> list[Milestone]:
    """Add many milestones in a fixed number of queries, audited, each checked by milestone_check_new; a due date
    differing from its baseline is recorded as a move with its reason."""
    today = today or timezone.localdate()
    programmes = {item.scheme.programme_id: item.scheme.programme for item in items}
    closed = [p for programme in programmes.values() for p in programme.periods.filter(is_closed=True)]
    milestones = []
    for item in items:
        milestone_check_new(
            item, today=today, closed_periods=[p for p in closed if p.programme_id == item.scheme.programme_id]
        )
        complete = item.completed_on is not None
        milestone = Milestone(
            scheme=item.scheme,
            phase=(item.phase or "").strip(),
            description=item.description.strip(),
            start_date=item.start_date,
            baseline_date=item.baseline_date or item.due_date,
            due_date=item.due_date,
            completed_on=item.completed_on,
            status=MilestoneStatus.COMPLETE if complete else MilestoneStatus.NOT_STARTED,
            order=item.order,
        )
        # Only the typed text can break a field's rule (length, blank): the dates, status and order are set here
        # from checked values. Cleaning every field of 10,000 milestones was a tenth of a workbook load's time.
        milestone.clean_fields(exclude=_NOT_TYPED)
        milestones.append(milestone)
    saved = bulk_create_with_history(milestones, Milestone, batch_size=500, default_user=by)
    MilestoneDateChange.objects.bulk_create(
        [
            MilestoneDateChange(
                milestone=milestone,
                old_date=milestone.baseline_date,
                new_date=milestone.due_date,
                reason=item.reason.strip(),
                changed_by=by,
            )
            for milestone, item in zip(saved, items, strict=True)
            if milestone.baseline_date != milestone.due_date
        ],
        batch_size=500,
    )
    return saved


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
        raise ValidationError({"reason": MOVE_REASON_NEEDED})
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
    within=None,
) -> Milestone:
    """Mark a milestone complete on a date that is not in the future and not in a closed period; when it is done
    from a reporting period's page (`within`: anything with `contains(date)` and `outside_message(what)`), the
    date must fall in that period, so a late record cannot land in a period nobody is looking at."""
    milestone = _locked(milestone, expected_version)
    _check_completion(completed_on=completed_on, today=today or timezone.localdate(), closed_periods=())
    if within is not None and not within.contains(completed_on):
        raise ValidationError({"completed_on": within.outside_message("The completion date")})
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
