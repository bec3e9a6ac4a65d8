"""Who may see and change risks: the programme office all; a project lead the risks of schemes they lead now.

A risk can be shared by schemes with different leads. A lead's edit changes only the links to schemes they lead:
links to the others are kept. Only the programme office takes a risk off the board's report without a reason.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.roles import Role, has_role, user_programme_ids
from risks.models import Issue, Risk
from schemes.permissions import require_programme_reader


def _leads_any(user, schemes) -> bool:
    today = timezone.localdate()
    return any(lead.user_id == user.pk and lead.is_current(today) for scheme in schemes for lead in scheme.leads.all())


def can_edit_risk(user, risk: Risk | Issue) -> bool:
    """Programme office: every risk. Project lead: risks linked to a scheme they lead (not programme-level ones)."""
    if has_role(user, Role.PROGRAMME_OFFICE, programme=risk.programme_id):
        return True
    return has_role(user, Role.PROJECT_LEAD, programme=risk.programme_id) and _leads_any(
        user, risk.schemes.prefetch_related("leads")
    )


def may_hide_from_board_without_reason(user, programme=None) -> bool:
    """The programme office may set a risk to "never report to the board" without a reason; anyone else gives one."""
    return has_role(user, Role.PROGRAMME_OFFICE, programme=programme)


def schemes_kept_for(user, risk: Risk) -> list:
    """The risk's links this user may not change (schemes they do not lead): their edit keeps them."""
    if has_role(user, Role.PROGRAMME_OFFICE, programme=risk.programme_id):
        return []
    return [s for s in risk.schemes.prefetch_related("leads").order_by("ref") if not _leads_any(user, [s])]


def risk_schemes_for_edit(user, risk: Risk, wanted) -> list:
    """The schemes the risk is linked to after this user's edit: the programme office sets them; a lead adds or
    removes only schemes they lead, and every link to a scheme they do not lead is kept. Refuses (on the field)
    a scheme they do not lead that is not already linked, and a lead's edit that would leave no scheme."""
    wanted = list(wanted)
    if has_role(user, Role.PROGRAMME_OFFICE, programme=risk.programme_id):
        return wanted
    current = list(risk.schemes.prefetch_related("leads"))
    kept = [s for s in current if not _leads_any(user, [s])]
    current_ids = {s.pk for s in current}
    not_theirs = [s for s in wanted if s.pk not in current_ids and not _leads_any(user, [s])]
    if not_theirs:
        refs = ", ".join(s.ref or s.name for s in not_theirs)
        raise ValidationError(
            {
                "schemes": f"You can only link or unlink schemes you lead: {refs} is not yours to add. Ask its lead "
                "or the programme office."
            }
        )
    theirs = [s for s in wanted if _leads_any(user, [s])]
    result = kept + [s for s in theirs if s.pk not in {k.pk for k in kept}]
    if not result:
        raise ValidationError(
            {"schemes": "Keep the risk linked to a scheme: programme-level risks are the programme office's."}
        )
    return result


def may_raise_risks(user, programme=None) -> bool:
    """Who sees the "Raise a risk" button; which schemes they may link is checked by can_raise_risk."""
    return has_role(user, Role.PROGRAMME_OFFICE, Role.PROJECT_LEAD, programme=programme)


def can_raise_risk(user, schemes, programme) -> bool:
    if has_role(user, Role.PROGRAMME_OFFICE, programme=programme):
        return True
    return (
        has_role(user, Role.PROJECT_LEAD, programme=programme)
        and bool(schemes)
        and all(_leads_any(user, [s]) for s in schemes)
    )


def risk_get_for_view(*, user, pk: int) -> Risk:
    require_programme_reader(user)
    risk = (
        Risk.objects.select_related("programme", "owner")
        .filter(pk=pk, programme_id__in=user_programme_ids(user))
        .first()
    )
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
    issue = (
        Issue.objects.select_related("programme", "from_risk")
        .filter(pk=pk, programme_id__in=user_programme_ids(user))
        .first()
    )
    if issue is None:
        raise Http404("No such issue.")
    return issue


def issue_get_for_edit(*, user, pk: int) -> Issue:
    issue = issue_get_for_view(user=user, pk=pk)
    if not can_edit_risk(user, issue):
        raise PermissionDenied("Only the programme office or the lead of a linked scheme can change this issue.")
    return issue
