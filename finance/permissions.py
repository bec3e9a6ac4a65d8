"""Who may see and change money. Every finance view and import asks here.

Anyone with a programme role reads funds; only the finance officer and the programme office change them.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import Role, has_role
from finance.models import Allocation, Decision, Fund, Movement
from schemes.permissions import require_programme_reader


def can_manage_money(user) -> bool:
    return has_role(user, Role.FINANCE_OFFICER, Role.PROGRAMME_OFFICE)


def require_money_manager(user) -> None:
    require_programme_reader(user)
    if not can_manage_money(user):
        raise PermissionDenied("Only the finance officer and the programme office can change funds and allocations.")


def _get(model, user, manage: bool, **lookup):
    (require_money_manager if manage else require_programme_reader)(user)
    try:
        return model.objects.get(**lookup)
    except model.DoesNotExist:
        raise Http404(f"No such {model._meta.verbose_name}.") from None


def fund_get(*, user, slug: str, manage: bool = False) -> Fund:
    return _get(Fund, user, manage, slug=slug)


def allocation_get(*, user, pk: int, manage: bool = False) -> Allocation:
    return _get(Allocation, user, manage, pk=pk)


def decision_get(*, user, pk: int, manage: bool = False) -> Decision:
    return _get(Decision, user, manage, pk=pk)


def movement_get(*, user, pk: int, manage: bool = False) -> Movement:
    return _get(Movement, user, manage, pk=pk)
