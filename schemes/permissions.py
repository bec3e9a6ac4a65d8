"""Who may see and change schemes. Every scheme view and service asks here, nowhere else."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from accounts.roles import Role, has_role, user_roles
from milestones.models import Milestone
from schemes.models import Scheme


def can_view_programme_data(user) -> bool:
    """Anyone holding one of the five roles reads programme data; an account with no role sees nothing."""
    return bool(user_roles(user))


def can_edit_scheme(user, scheme: Scheme) -> bool:
    """The programme office edits every scheme; a project lead edits only the schemes they lead now."""
    if has_role(user, Role.PROGRAMME_OFFICE):
        return True
    if not has_role(user, Role.PROJECT_LEAD):
        return False
    today = timezone.localdate()
    return any(lead.user_id == user.pk and lead.is_current(today) for lead in scheme.leads.all())


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
