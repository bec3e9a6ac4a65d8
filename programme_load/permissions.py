"""Who may load a programme from one workbook. Every view of this app asks here, nowhere else.

One function decides (`can_load_programme`: the programme office of that programme); the programme itself comes from
schemes.permissions.programme_get, like every other page's.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import Role, has_role
from programme_load.models import WorkbookUpload
from schemes.models import Programme
from schemes.permissions import programme_get


def can_load_programme(user, programme: Programme) -> bool:
    """The programme office of the programme loads its workbook; nobody else."""
    return has_role(user, Role.PROGRAMME_OFFICE, programme=programme)


def programme_get_for_load(*, user, slug: str) -> Programme:
    """The programme, for someone who may load its workbook: 403 for an account with no role, 404 if it does not
    exist or is another partnership's (schemes' programme_get, the one home), 403 for other roles."""
    programme = programme_get(user=user, slug=slug)
    if not can_load_programme(user, programme):
        raise PermissionDenied("Only the programme office can load a programme's workbook.")
    return programme


def upload_get_for_load(*, user, slug: str, pk: int) -> WorkbookUpload:
    """A checked upload of the programme by this person; anyone else's (or a missing one) is the same 404."""
    programme = programme_get_for_load(user=user, slug=slug)
    upload = WorkbookUpload.objects.filter(pk=pk, programme=programme, uploaded_by_id=user.pk).first()
    if upload is None:
        raise Http404("No such upload.")
    return upload
