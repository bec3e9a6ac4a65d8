"""Who may see and change schemes. Every scheme view and service asks here, nowhere else."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from accounts.roles import Role, has_role, user_roles
from milestones.models import Milestone
from schemes.models import Approval, Programme, Scheme


def can_view_programme_data(user) -> bool:
    """Anyone holding one of the roles reads programme data; an account with no role sees nothing."""
    return bool(user_roles(user))


def leads_scheme_now(user, scheme: Scheme) -> bool:
    """The user is one of the scheme's current leads (lead dates respected), whatever roles they hold."""
    if user is None or not getattr(user, "pk", None):
        return False
    today = timezone.localdate()
    return any(lead.user_id == user.pk and lead.is_current(today) for lead in scheme.leads.all())


def can_edit_scheme(user, scheme: Scheme) -> bool:
    """The programme office edits every scheme; a project lead edits only the schemes they lead now."""
    if has_role(user, Role.PROGRAMME_OFFICE):
        return True
    return has_role(user, Role.PROJECT_LEAD) and leads_scheme_now(user, scheme)


def can_manage_programme(user) -> bool:
    return has_role(user, Role.PROGRAMME_OFFICE)


def require_programme_reader(user) -> None:
    if not can_view_programme_data(user):
        raise PermissionDenied("Your account has no role in this programme. Ask the programme office for access.")


def scheme_get_for_view(*, user, pk: int) -> Scheme:
    """The scheme if the user may read it; 404 for a missing scheme, 403 for a user with no role."""
    require_programme_reader(user)
    try:
        return Scheme.objects.select_related("programme", "workstream").get(pk=pk)
    except Scheme.DoesNotExist:
        raise Http404("No such scheme.") from None


def scheme_get_for_edit(*, user, pk: int) -> Scheme:
    """The scheme if the user may change it; otherwise 403 (404 when it does not exist)."""
    scheme = scheme_get_for_view(user=user, pk=pk)
    if not can_edit_scheme(user, scheme):
        raise PermissionDenied("Only the scheme's project lead or the programme office can change this scheme.")
    return scheme


def can_import_spreadsheet(user) -> bool:
    """The programme office and project leads upload spreadsheets; the importer then limits a lead to their schemes."""
    return has_role(user, Role.PROGRAMME_OFFICE, Role.PROJECT_LEAD)


def require_spreadsheet_importer(user) -> None:
    require_programme_reader(user)
    if not can_import_spreadsheet(user):
        raise PermissionDenied("Only the programme office and project leads can upload schemes and milestones.")


def milestone_get_for_edit(*, user, pk: int) -> Milestone:
    """A milestone is changed by whoever may change its scheme: 404 when missing, 403 when not theirs."""
    milestone = Milestone.objects.filter(pk=pk).only("id", "scheme_id").first()
    if milestone is None:
        raise Http404("No such milestone.")
    scheme_get_for_edit(user=user, pk=milestone.scheme_id)
    return Milestone.objects.select_related("scheme__programme").get(pk=pk)


# --- Governance gates (TSG, CC&FC, PRAP) ---------------------------------------------------------------------
# A body's decision on a scheme's paper is recorded by the programme office or the governance secretary, and
# never by anyone who leads that scheme now, whatever else they are (a programme officer or a superuser who also
# leads it included): nobody marks their own homework. One governance secretary role serves every body; the roles
# become per-programme memberships later, and this is the one place that check will change.

GATE_KEEPERS = (Role.PROGRAMME_OFFICE, Role.GOVERNANCE_SECRETARY)


def gate_outcome_refusal(user, scheme: Scheme) -> str | None:
    """Why this user may not record a body's decision on this scheme's paper, or None when they may."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "A body's decision is recorded by a named person: sign in as the programme office or the governance secretary."
    if leads_scheme_now(user, scheme):
        return (
            "You lead this scheme, so you cannot record what TSG, CC&FC or PRAP decided on its papers: that is "
            "recorded by the programme office or the governance secretary. Record the paper as pending."
        )
    if not has_role(user, *GATE_KEEPERS):
        return (
            "A body's decision (approved, rejected, withdrawn, deferred) is recorded by the programme office or the "
            "governance secretary. Record the paper as pending."
        )
    return None


def can_record_gate_outcome(user, scheme: Scheme) -> bool:
    return gate_outcome_refusal(user, scheme) is None


def can_add_approval(user, scheme: Scheme) -> bool:
    """Papers going to a body are recorded by the scheme's lead, the programme office or the governance secretary."""
    return can_edit_scheme(user, scheme) or has_role(user, Role.GOVERNANCE_SECRETARY)


def scheme_get_for_approval_add(*, user, pk: int) -> Scheme:
    scheme = scheme_get_for_view(user=user, pk=pk)
    if not can_add_approval(user, scheme):
        raise PermissionDenied(
            "Papers to a body are recorded by the scheme's project lead, the programme office or the governance "
            "secretary."
        )
    return scheme


def approval_get_for_outcome(*, user, pk: int) -> Approval:
    """The approval if the user may record its body's decision: 404 when missing, 403 with the reason when not."""
    require_programme_reader(user)
    approval = Approval.objects.select_related("scheme__programme").filter(pk=pk).first()
    if approval is None:
        raise Http404("No such approval.")
    refusal = gate_outcome_refusal(user, approval.scheme)
    if refusal:
        raise PermissionDenied(refusal)
    return approval


# --- Setting up a programme (issue 17) ---------------------------------------------------------------------


def programme_can_set_up(user, programme=None) -> bool:
    """The one rule for every set-up page (the programme, its periods, workstreams, localities, money and people):
    the programme office. When roles become memberships per programme, this asks for the programme office *of this
    programme*, and every set-up page in schemes, finance and people follows."""
    return has_role(user, Role.PROGRAMME_OFFICE)


def programme_get_for_setup(*, user, slug: str):
    """The programme, for its programme office to set up: 403 for other roles; 404 when it does not exist (and, with
    memberships, when it is not theirs)."""
    if not programme_can_set_up(user):
        raise PermissionDenied("Only the programme office can set up a programme.")
    try:
        programme = Programme.objects.get(slug=slug)
    except Programme.DoesNotExist:
        raise Http404("No such programme.") from None
    if not programme_can_set_up(user, programme):
        raise Http404("No such programme.")
    return programme


def programme_part_get_for_setup(*, user, model, pk: int):
    """A workstream, locality, period or scheme of a programme, for its programme office (the same answers)."""
    if not programme_can_set_up(user):
        raise PermissionDenied("Only the programme office can set up a programme.")
    try:
        obj = model.objects.select_related("programme").get(pk=pk)
    except model.DoesNotExist:
        raise Http404("Not found.") from None
    if not programme_can_set_up(user, obj.programme):
        raise Http404("Not found.")
    return obj
