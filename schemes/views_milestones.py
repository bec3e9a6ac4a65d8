"""The scheme page's in-place milestone actions: complete, move, RAG, add. Each re-renders the workspace."""

from django.views.decorators.http import require_POST

from core.forms import run_action
from milestones import services
from milestones.forms import MilestoneAddForm, MilestoneCompleteForm, MilestoneMoveForm, MilestoneRagForm
from schemes.permissions import milestone_get_for_edit, scheme_get_for_edit
from schemes.views import period_from_request, render_workspace


@require_POST
def milestone_complete(request, pk: int):
    milestone = milestone_get_for_edit(user=request.user, pk=pk)
    period = period_from_request(request, milestone.scheme)
    result = run_action(
        f"complete-{pk}",
        MilestoneCompleteForm(request.POST),
        lambda d: services.milestone_complete(
            milestone=milestone,
            completed_on=d["completed_on"],
            by=request.user,
            expected_version=d["version"],
            within=period,
        ),
        f"Marked complete: {milestone}.",
    )
    return render_workspace(request, milestone.scheme, period, result)


@require_POST
def milestone_move(request, pk: int):
    milestone = milestone_get_for_edit(user=request.user, pk=pk)
    result = run_action(
        f"move-{pk}",
        MilestoneMoveForm(request.POST),
        lambda d: services.milestone_move(
            milestone=milestone,
            new_date=d["new_date"],
            reason=d["reason"],
            by=request.user,
            expected_version=d["version"],
        ),
        f"Date moved: {milestone}.",
    )
    return render_workspace(request, milestone.scheme, period_from_request(request, milestone.scheme), result)


@require_POST
def milestone_rag(request, pk: int):
    milestone = milestone_get_for_edit(user=request.user, pk=pk)
    result = run_action(
        f"rag-{pk}",
        MilestoneRagForm(request.POST),
        lambda d: services.milestone_set_rag(
            milestone=milestone, rag=d["rag"], reason=d["reason"], by=request.user, expected_version=d["version"]
        ),
        f"RAG saved: {milestone}.",
    )
    return render_workspace(request, milestone.scheme, period_from_request(request, milestone.scheme), result)


@require_POST
def milestone_add(request, scheme_pk: int):
    scheme = scheme_get_for_edit(user=request.user, pk=scheme_pk)
    result = run_action(
        "add-milestone",
        MilestoneAddForm(request.POST),
        lambda d: services.milestone_create(
            scheme=scheme,
            phase=d["phase"],
            description=d["description"],
            start_date=d["start_date"],
            due_date=d["due_date"],
            by=request.user,
        ),
        "Milestone added to the plan.",
    )
    return render_workspace(request, scheme, period_from_request(request, scheme), result)
