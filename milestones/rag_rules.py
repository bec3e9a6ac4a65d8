"""The documented rules by which the app SUGGESTS a RAG. People may choose another, with a reason.

Milestone, as at a date (normally the end of the reporting period):
  1. completed on or before that date           -> Blue (complete)
  2. closed without completion (cancelled, or a gate rejected or withdrawn) -> no RAG
  3. overdue as at that date (Milestone.is_overdue) -> Red
  4. not complete and its date moved past the baseline ("deadline extended") -> Amber
  5. otherwise                                  -> Green

Scheme, as at a date, from its milestones (closed ones ignored):
  1. no milestones                              -> no suggestion
  2. every milestone complete                   -> Blue (complete)
  3. any milestone Red                          -> Red
  4. any milestone Amber                        -> Amber
  5. otherwise                                  -> Green
"""

from collections.abc import Iterable
from datetime import date

from core.rag import RAG
from milestones.models import CLOSED_STATUSES, MilestoneStatus


def suggest_milestone_rag(milestone, *, as_of: date) -> RAG | None:
    """Suggested RAG of one milestone as at `as_of` (rules above)."""
    # A milestone finished after `as_of` was still open on that date, so history is judged as it stood.
    if milestone.status == MilestoneStatus.COMPLETE and milestone.completed_on <= as_of:
        return RAG.BLUE
    if milestone.status in CLOSED_STATUSES:
        return None
    if milestone.is_overdue(as_of):
        return RAG.RED
    if milestone.is_extended:
        return RAG.AMBER
    return RAG.GREEN


def suggest_scheme_rag(milestones: Iterable, *, as_of: date) -> RAG | None:
    """Suggested overall project status RAG from a scheme's milestones as at `as_of` (rules above)."""
    rags = [r for r in (suggest_milestone_rag(m, as_of=as_of) for m in milestones) if r is not None]
    if not rags:
        return None
    if all(r == RAG.BLUE for r in rags):
        return RAG.BLUE
    for worst in (RAG.RED, RAG.AMBER):
        if worst in rags:
            return worst
    return RAG.GREEN
