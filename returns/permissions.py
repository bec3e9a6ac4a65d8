"""Who may see and change NHS England returns. Every returns view asks here.

The programme office builds, edits, signs off and corrects returns and sees drafts. The board secretary, the
steering group and the finance officer read and download signed-off returns. Project leads have no access.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.roles import Role, has_role, user_programme_ids
from core.models import BackgroundJob
from core.quarters import Quarter, quarter_parse
from returns.models import QuarterlyReturn, ReturnAnswer, ReturnStatus
from schemes.models import Programme
from schemes.permissions import programme_get, require_programme_reader

READER_ROLES = (Role.PROGRAMME_OFFICE, Role.BOARD_SECRETARY, Role.STEERING_GROUP, Role.FINANCE_OFFICER)


def can_read_returns(user, programme=None) -> bool:
    return has_role(user, *READER_ROLES, programme=programme)


def can_manage_returns(user, programme=None) -> bool:
    return has_role(user, Role.PROGRAMME_OFFICE, programme=programme)


def require_return_reader(user, programme=None) -> None:
    require_programme_reader(user)
    if not can_read_returns(user, programme):
        raise PermissionDenied(
            "NHS England returns are for the programme office, the board secretary, the steering group and the "
            "finance officer."
        )


def require_return_manager(user, programme=None) -> None:
    require_return_reader(user, programme)
    if not can_manage_returns(user, programme):
        raise PermissionDenied("Only the programme office builds, changes and signs off NHS England returns.")


def return_quarter_get(*, user, slug: str, quarter: str, manage: bool = False) -> tuple[Programme, Quarter]:
    """The programme and quarter named in the address, if the user may read (or `manage`) its returns."""
    check = require_return_manager if manage else require_return_reader
    check(user)
    programme = programme_get(user=user, slug=slug)  # another partnership's: the same 404 as a wrong slug
    check(user, programme)
    try:
        return programme, quarter_parse(quarter)
    except ValidationError:
        raise Http404(f"“{quarter}” is not a quarter: write it like 2015-16-Q1.") from None


def return_version_get(*, user, programme: Programme, quarter: Quarter, revision: int) -> QuarterlyReturn:
    """One version of a return: a signed-off one for any reader, a draft for the programme office only."""
    require_return_reader(user, programme)
    found = (
        QuarterlyReturn.objects.filter(programme=programme, quarter=quarter.code, revision=revision)
        .select_related("programme", "signed_off_by")
        .first()
    )
    if found is None:
        raise Http404("No such version of the return.")
    if found.status != ReturnStatus.SIGNED_OFF and not can_manage_returns(user, programme):
        raise PermissionDenied("Drafts are for the programme office; signed-off returns can be downloaded.")
    return found


def answer_get_for_edit(*, user, pk: int) -> ReturnAnswer:
    require_return_manager(user)
    answer = (
        ReturnAnswer.objects.select_related("quarterly_return__programme")
        .filter(pk=pk, quarterly_return__programme_id__in=user_programme_ids(user))
        .first()
    )
    if answer is None:
        raise Http404("No such answer.")
    require_return_manager(user, answer.quarterly_return.programme_id)
    return answer


def job_get(*, user, pk: int) -> BackgroundJob:
    """A return build's job, for the programme office; any other kind of job is as missing as a wrong number."""
    require_return_manager(user)
    job = (
        BackgroundJob.objects.select_related("programme", "requested_by")
        .defer("file", "payload")
        .filter(pk=pk, kind="quarterly_return", programme_id__in=user_programme_ids(user))
        .first()
    )
    if job is None:
        raise Http404("No such job.")
    require_return_manager(user, job.programme_id)
    return job
