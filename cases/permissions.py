"""Who may see, draft, cost and decide business cases. Every cases view and service asks here, nowhere else.

Roles are held per programme (memberships): every check is made on the case's own programme, and another
partnership's case answers 404 like a missing one.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import Role, has_role
from cases.models import BenefitLine, BusinessCase, InvestmentLine, Scenario
from schemes.models import Programme, Scheme
from schemes.permissions import can_edit_scheme, leads_scheme_now, require_programme_reader

NOT_YOURS = "Only the scheme's project lead or the programme office can change this business case while it is a draft."


def can_view_cases(user, programme=None) -> bool:
    """Anyone with a role in the programme reads its business cases (as every other programme page)."""
    return has_role(user, *Role, programme=programme)


def can_propose_case(user, *, programme: Programme, scheme: Scheme | None) -> bool:
    """A case for a scheme is started by whoever may change the scheme; a proposal with no scheme yet by the
    programme office or a project lead."""
    if scheme is not None:
        return can_edit_scheme(user, scheme)
    return has_role(user, Role.PROGRAMME_OFFICE, Role.PROJECT_LEAD, programme=programme)


def can_edit_case(user, case: BusinessCase) -> bool:
    """While a case is a draft (outline or full) the programme office and the scheme's current lead change it;
    a proposal with no scheme is changed by the person who proposed it and the programme office."""
    if not case.is_draft:
        return False
    if has_role(user, Role.PROGRAMME_OFFICE, programme=case.programme_id):
        return True
    if not has_role(user, Role.PROJECT_LEAD, programme=case.programme_id):
        return False
    if case.scheme is not None:
        return leads_scheme_now(user, case.scheme)
    return user is not None and case.proposed_by_id == getattr(user, "pk", None)


def can_set_unit_costs(user, case: BusinessCase) -> bool:
    """Finance officers set (and change) the unit costs of a draft case; whoever drafts a line proposes one."""
    return case.is_draft and has_role(user, Role.FINANCE_OFFICER, programme=case.programme_id)


def decision_refusal(user, case: BusinessCase) -> str | None:
    """Why this user may not approve or reject the case, or None when they may: the programme office decides,
    never the person who proposed the case nor anyone who leads its scheme."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "A business case is approved by a named person in the programme office."
    if not has_role(user, Role.PROGRAMME_OFFICE, programme=case.programme_id):
        return "Only the programme office approves or rejects a business case."
    if case.proposed_by_id == user.pk:
        return "You proposed this business case, so someone else in the programme office must approve it."
    if case.scheme is not None and leads_scheme_now(user, case.scheme):
        return "You lead this scheme, so someone else in the programme office must approve its business case."
    return None


def can_decide_case(user, case: BusinessCase) -> bool:
    return case.is_draft and decision_refusal(user, case) is None


def can_link_risks(user, case: BusinessCase) -> bool:
    """Risks of investment are linked by whoever may change the case, and by the programme office at any time."""
    return can_edit_case(user, case) or has_role(user, Role.PROGRAMME_OFFICE, programme=case.programme_id)


def can_record_realisation(user, case: BusinessCase) -> bool:
    """Which metric measures a benefit, and its baseline, is set by the programme office or a finance officer."""
    return has_role(user, Role.PROGRAMME_OFFICE, Role.FINANCE_OFFICER, programme=case.programme_id)


def case_get_for_risk_link(*, user, pk: int) -> BusinessCase:
    case = case_get_for_view(user=user, pk=pk)
    if not can_link_risks(user, case):
        raise PermissionDenied("Only the case's editors or the programme office link its risks.")
    return case


# --- Getters: 404 for missing, 403 (with the reason) for not allowed ---------------------------------------------


def require_case_reader(user) -> None:
    require_programme_reader(user)


def require_case_proposer(user, *, programme: Programme, scheme: Scheme | None) -> None:
    require_case_reader(user)
    if not can_propose_case(user, programme=programme, scheme=scheme):
        raise PermissionDenied("Only the scheme's project lead or the programme office can start its business case.")


def _case(pk: int) -> BusinessCase:
    case = BusinessCase.objects.select_related("programme", "scheme", "decision").filter(pk=pk).first()
    if case is None:
        raise Http404("No such business case.")
    return case


def case_get_for_view(*, user, pk: int) -> BusinessCase:
    require_case_reader(user)
    case = _case(pk)
    # Another partnership's case is as missing as one that does not exist (issue 17).
    if not can_view_cases(user, case.programme_id):
        raise Http404("No such business case.")
    return case


def case_get_for_edit(*, user, pk: int) -> BusinessCase:
    case = case_get_for_view(user=user, pk=pk)
    if not can_edit_case(user, case):
        if not case.is_draft:
            raise PermissionDenied("This business case has been decided: it can no longer change.")
        raise PermissionDenied(NOT_YOURS)
    return case


def case_get_for_decision(*, user, pk: int) -> BusinessCase:
    case = case_get_for_view(user=user, pk=pk)
    refusal = decision_refusal(user, case)
    if refusal:
        raise PermissionDenied(refusal)
    return case


def case_get_for_unit_costs(*, user, pk: int) -> BusinessCase:
    case = case_get_for_view(user=user, pk=pk)
    if not can_set_unit_costs(user, case):
        raise PermissionDenied("Unit costs are set by a finance officer while the case is a draft.")
    return case


def case_get_for_measure(*, user, pk: int) -> BusinessCase:
    case = case_get_for_view(user=user, pk=pk)
    if not can_record_realisation(user, case):
        raise PermissionDenied("The programme office or a finance officer says how a benefit is measured.")
    return case


def _part_get(model, *, pk: int, case_path: str, case_getter, user, missing: str):
    """A scenario or a line, for whoever `case_getter` lets at its case: the same 404 when it is missing or its
    case is not theirs, the case's 403 (with the reason) when they may read it but not do this."""
    case_id = model.objects.filter(pk=pk).values_list(f"{case_path}_id", flat=True).first()
    if case_id is None:
        raise Http404(missing)
    case_getter(user=user, pk=case_id)
    return model.objects.select_related(f"{case_path}__programme", f"{case_path}__scheme").get(pk=pk)


def scenario_get_for_edit(*, user, pk: int) -> Scenario:
    return _part_get(
        Scenario, pk=pk, case_path="case", case_getter=case_get_for_edit, user=user, missing="No such scenario."
    )


def benefit_line_get(*, user, pk: int, unit_costs: bool = False) -> BenefitLine:
    """A benefit line for its case's editor, or (unit_costs=True) for a finance officer setting its unit cost."""
    getter = case_get_for_unit_costs if unit_costs else case_get_for_edit
    return _part_get(
        BenefitLine, pk=pk, case_path="scenario__case", case_getter=getter, user=user, missing="No such benefit line."
    )


def benefit_line_get_for_measure(*, user, pk: int) -> BenefitLine:
    return _part_get(
        BenefitLine,
        pk=pk,
        case_path="scenario__case",
        case_getter=case_get_for_measure,
        user=user,
        missing="No such benefit line.",
    )


def investment_line_get_for_edit(*, user, pk: int) -> InvestmentLine:
    return _part_get(
        InvestmentLine,
        pk=pk,
        case_path="scenario__case",
        case_getter=case_get_for_edit,
        user=user,
        missing="No such investment line.",
    )
