"""Who may see and change money. Every finance view and import asks here.

Anyone with a programme role reads funds; only the finance officer and the programme office change them.
Separation of duties: a decision is proposed by one person and approved by another (never its proposer, whatever
their role, a superuser included); its finance clearance is given in the app by a finance officer who did not
propose it. The rules about the people on a decision are in finance.services; the roles are here.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import Role, has_role, user_programme_ids
from finance.models import Allocation, Decision, Fund, Movement
from schemes.permissions import programme_can_set_up, programme_get_for_setup, require_programme_reader


def can_manage_money(user, programme=None) -> bool:
    return has_role(user, Role.FINANCE_OFFICER, Role.PROGRAMME_OFFICE, programme=programme)


def can_give_finance_clearance(user, programme=None) -> bool:
    """Finance clearance is a finance officer's action (not the programme office's, not typed initials)."""
    return has_role(user, Role.FINANCE_OFFICER, programme=programme)


def require_money_manager(user, programme=None) -> None:
    require_programme_reader(user)
    if not can_manage_money(user, programme):
        raise PermissionDenied("Only the finance officer and the programme office can change funds and allocations.")


def fund_list_for(user):
    """The funds of the programmes the user holds a role on."""
    return Fund.objects.filter(programme_id__in=user_programme_ids(user))


def _get(model, user, manage: bool, fund_path: str, **lookup):
    """The object if it is money of a programme the user holds a role on (else the same 404 as a missing one), and,
    for `manage`, if they are its programme's finance officer or programme office (else 403)."""
    (require_money_manager if manage else require_programme_reader)(user)
    found = (
        model.objects.select_related(f"{fund_path}programme")
        .filter(**{f"{fund_path}programme_id__in": user_programme_ids(user)}, **lookup)
        .first()
    )
    if found is None:
        raise Http404(f"No such {model._meta.verbose_name}.")
    if manage:
        require_money_manager(user, programme_of(found))
    return found


def programme_of(obj) -> int:
    """The programme (id) a fund, allocation, decision or movement belongs to."""
    return obj.programme_id if isinstance(obj, Fund) else obj.fund.programme_id


def fund_get(*, user, slug: str, manage: bool = False) -> Fund:
    return _get(Fund, user, manage, "", slug=slug)


def allocation_get(*, user, pk: int, manage: bool = False) -> Allocation:
    return _get(Allocation, user, manage, "fund__", pk=pk)


def decision_get(*, user, pk: int, manage: bool = False) -> Decision:
    return _get(Decision, user, manage, "fund__", pk=pk)


def movement_get(*, user, pk: int, manage: bool = False) -> Movement:
    return _get(Movement, user, manage, "fund__", pk=pk)


def decision_get_for_clearance(*, user, pk: int) -> Decision:
    """The decision, for a finance officer to clear: 404 when missing, 403 with the reason for anyone else."""
    decision = decision_get(user=user, pk=pk)
    if not can_give_finance_clearance(user, decision.fund.programme_id):
        raise PermissionDenied("Finance clearance is given by a finance officer, signed in as themselves.")
    return decision


# --- Setting up a programme's money (issue 17) -----------------------------------------------------------------
# One rule for every money set-up page, the same as the programme's other set-up pages: schemes.permissions.


def setup_programme_get(*, user, slug: str):
    """The programme whose money is being set up, for its programme office (403 other roles, 404 missing)."""
    return programme_get_for_setup(user=user, slug=slug)


def setup_check(user) -> None:
    """Financial years are shared by every programme: any programme office adds them."""
    if not programme_can_set_up(user):
        raise PermissionDenied("Only the programme office can set up financial years and funds.")


def fund_get_for_setup(*, user, slug: str) -> Fund:
    """A fund, for the programme office of its programme to set up (403 other roles; 404 missing or not theirs)."""
    setup_check(user)
    fund = Fund.objects.select_related("programme").filter(slug=slug).first()
    if fund is None or not programme_can_set_up(user, fund.programme):
        raise Http404("No such fund.")
    return fund
