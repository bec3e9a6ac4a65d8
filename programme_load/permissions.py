"""Who may load a programme from one workbook. Every view of this app asks here, nowhere else.

One function decides (`can_load_programme`): roles are global today; when roles become per programme, this is the
one place that changes.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import Role, has_role, user_roles
from programme_load.models import WorkbookUpload
from schemes.models import Programme


def can_load_programme(user, programme: Programme) -> bool:
    """The programme office of the programme loads its workbook; nobody else."""
    return has_role(user, Role.PROGRAMME_OFFICE, programme=programme)


def programme_get_for_load(*, user, slug: str) -> Programme:
    """The programme, for someone who may load its workbook: 404 if it does not exist, 403 otherwise."""
    if not user_roles(user):
        raise PermissionDenied("Your account has no role in a programme. Ask the programme office for access.")
    programme = Programme.objects.filter(slug=slug).first()
    # Another partnership's programme is as missing as a wrong slug (issue 17).
    if programme is None or not user_roles(user, programme):
        raise Http404("No such programme.")
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
