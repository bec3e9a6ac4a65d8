"""Who may see and change risks: the programme office all; a project lead the risks of schemes they lead now."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from accounts.roles import Role, has_role
from risks.models import Issue, Risk
from schemes.permissions import require_programme_reader


def _leads_any(user, schemes) -> bool:
    today = timezone.localdate()
    return any(lead.user_id == user.pk and lead.is_current(today) for scheme in schemes for lead in scheme.leads.all())


def can_edit_risk(user, risk: Risk | Issue) -> bool:
    """Programme office: every risk. Project lead: risks linked to a scheme they lead (not programme-level ones)."""
    if has_role(user, Role.PROGRAMME_OFFICE):
        return True
    return has_role(user, Role.PROJECT_LEAD) and _leads_any(user, risk.schemes.prefetch_related("leads"))


def may_raise_risks(user) -> bool:
    """Who sees the "Raise a risk" button; which schemes they may link is checked by can_raise_risk."""
    return has_role(user, Role.PROGRAMME_OFFICE, Role.PROJECT_LEAD)


def can_raise_risk(user, schemes) -> bool:
    if has_role(user, Role.PROGRAMME_OFFICE):
        return True
    return has_role(user, Role.PROJECT_LEAD) and bool(schemes) and all(_leads_any(user, [s]) for s in schemes)


def risk_get_for_view(*, user, pk: int) -> Risk:
    require_programme_reader(user)
    risk = Risk.objects.select_related("programme", "owner").filter(pk=pk).first()
    if risk is None:
        raise Http404("No such risk.")
    return risk


def risk_get_for_edit(*, user, pk: int) -> Risk:
    risk = risk_get_for_view(user=user, pk=pk)
    if not can_edit_risk(user, risk):
        raise PermissionDenied("Only the programme office or the lead of a linked scheme can change this risk.")
    return risk


def issue_get_for_view(*, user, pk: int) -> Issue:
    require_programme_reader(user)
    issue = Issue.objects.select_related("programme", "from_risk").filter(pk=pk).first()
    if issue is None:
        raise Http404("No such issue.")
    return issue


def issue_get_for_edit(*, user, pk: int) -> Issue:
    issue = issue_get_for_view(user=user, pk=pk)
    if not can_edit_risk(user, issue):
        raise PermissionDenied("Only the programme office or the lead of a linked scheme can change this issue.")
    return issue
