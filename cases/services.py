"""Writes for business cases: drafting, costing, deciding, and linking risks and metrics. Views, the demo and tests
all call these. Every write is validated whole before anything is saved, and audited (who, and why)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import (
    BenefitLine,
    BenefitShare,
    BusinessCase,
    CaseStatus,
    InvestmentKind,
    InvestmentLine,
    Scenario,
)
from cases.permissions import can_set_unit_costs, decision_refusal
from core.services import audited_save, bump_version, check_version
from metrics.models import Metric
from risks.models import Risk
from schemes.models import Approval, ApprovalOutcome, Programme, Scheme

HUNDRED = Decimal("100")
BASELINE_NAME = "Baseline"


def _decimal(value, *, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "").replace("£", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label} must be a number."}) from None
    if not number.is_finite():
        raise ValidationError({field: f"{label} must be a number."})
    return number


def _not_negative(value, *, field: str, label: str) -> Decimal:
    number = _decimal(value, field=field, label=label)
    if number < 0:
        raise ValidationError(
            {field: f"{label} cannot be negative (it is {value}): enter the amount avoided or spent."}
        )
    return number


def _months(value) -> int:
    try:
        months = int(value)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= 12 or str(months) != str(value).strip():
        raise ValidationError(
            {"first_year_months": f"A part year is 1 to 12 months, not {value}: 7 for a start in September."}
        )
    return months


def _years(case: BusinessCase, first_year, last_year) -> tuple[int, int | None]:
    first = int(first_year)
    last = int(last_year) if last_year not in (None, "") else None
    end = case.first_year + case.years - 1
    if not case.first_year <= first <= end:
        raise ValidationError(
            {"first_year": f"The case covers {case.first_year} to {end}: start the line in one of those years."}
        )
    if last is not None and last < first:
        raise ValidationError({"last_year": "A line cannot end before it starts."})
    return first, last


def _require_draft(case: BusinessCase) -> None:
    if not case.is_draft:
        raise ValidationError(f"This business case is {case.get_status_display().lower()}: it can no longer change.")


def _locked_case(case: BusinessCase, expected_version: int | None = None) -> BusinessCase:
    locked = BusinessCase.objects.select_for_update(of=("self",)).select_related("scheme", "programme").get(pk=case.pk)
    check_version(locked, expected_version)
    return locked


def _changed(instance, *, by, reason: str = ""):
    """Save a change to a case or a line: a new version (so a form opened before it is refused as stale) and an
    audit entry with who and why."""
    bump_version(instance)
    return audited_save(instance, by=by, reason=reason)


# --- Cases and scenarios ---------------------------------------------------------------------------------------


@transaction.atomic
def business_case_create(
    *,
    programme: Programme,
    title: str,
    first_year: int,
    years: int = 3,
    scheme: Scheme | None = None,
    summary: str = "",
    source_note: str = "",
    is_demo: bool = False,
    baseline_name: str = BASELINE_NAME,
    by=None,
) -> BusinessCase:
    """Start an outline business case for a scheme (or a proposal with no scheme yet), with its baseline scenario."""
    if scheme is not None and scheme.programme_id != programme.pk:
        raise ValidationError({"scheme": "That scheme belongs to another programme."})
    if not (title or "").strip():
        raise ValidationError({"title": "Give the business case a title."})
    if not 1 <= int(years) <= 15:
        raise ValidationError({"years": "A case covers 1 to 15 financial years."})
    case = audited_save(
        BusinessCase(
            programme=programme,
            scheme=scheme,
            title=title.strip(),
            summary=summary,
            first_year=int(first_year),
            years=int(years),
            source_note=source_note,
            is_demo=is_demo,
            proposed_by=by,
        ),
        by=by,
        reason="Outline business case started",
    )
    audited_save(Scenario(case=case, name=baseline_name, is_baseline=True), by=by)
    return case


CASE_EDITABLE_FIELDS = ("title", "summary", "source_note", "years")


@transaction.atomic
def business_case_update(*, case: BusinessCase, by=None, expected_version: int | None = None, **fields) -> BusinessCase:
    """Change a draft case's words or length; a stale edit is refused."""
    unknown = set(fields) - set(CASE_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    case = _locked_case(case, expected_version)
    _require_draft(case)
    changed = {k: v for k, v in fields.items() if getattr(case, k) != v}
    if not changed:
        return case
    for key, value in changed.items():
        setattr(case, key, value)
    return _changed(case, by=by)


@transaction.atomic
def business_case_make_full(*, case: BusinessCase, by=None, expected_version: int | None = None) -> BusinessCase:
    """An outline case becomes a full business case (still a draft, for the gate's decision)."""
    case = _locked_case(case, expected_version)
    if case.status != CaseStatus.OUTLINE:
        raise ValidationError("Only an outline business case becomes a full one.")
    case.status = CaseStatus.FULL
    return _changed(case, by=by, reason="Full business case")


@transaction.atomic
def business_case_decide(
    *, case: BusinessCase, decision: Approval | None, by, expected_version: int | None = None
) -> BusinessCase:
    """Approve or reject a draft case by a body's recorded decision on its scheme's paper (schemes.Approval).

    The case follows the decision's outcome; it is recorded by the programme office and never by its proposer or
    its scheme's lead. A case with no decision, or a decision still pending, is not approved.
    """
    case = _locked_case(case, expected_version)
    _require_draft(case)
    refusal = decision_refusal(by, case)
    if refusal:
        raise ValidationError({"decision": refusal})
    if decision is None:
        raise ValidationError(
            {
                "decision": "Choose the body's decision (TSG, CC&FC...) that approved or rejected this case: a case is "
                "approved or rejected only by a recorded decision."
            }
        )
    if case.scheme_id is None:
        raise ValidationError(
            {
                "decision": "This proposal is not yet a scheme: record it as a scheme (to scope) and its paper's "
                "decision first."
            }
        )
    decision = Approval.objects.get(pk=decision.pk)
    if decision.scheme_id != case.scheme_id:
        raise ValidationError({"decision": "That decision is about another scheme's paper."})
    outcomes = {ApprovalOutcome.APPROVED: CaseStatus.APPROVED, ApprovalOutcome.REJECTED: CaseStatus.REJECTED}
    if decision.outcome not in outcomes:
        raise ValidationError(
            {
                "decision": f"The body's decision on “{decision.item}” is {decision.get_outcome_display().lower()}: a "
                "case is approved or rejected only by an approved or rejected decision."
            }
        )
    case.status = outcomes[ApprovalOutcome(decision.outcome)]
    case.decision = decision
    case.decided_by = by
    case.decided_at = timezone.now()
    return _changed(case, by=by, reason=f"{case.get_status_display()} by {decision} ({decision.body})")


@transaction.atomic
def scenario_add(
    *, case: BusinessCase, name: str, description: str = "", copy_from: Scenario | None = None, by=None
) -> Scenario:
    """Add a scenario to a draft case; from another scenario, its lines are copied to be varied."""
    case = _locked_case(case)
    _require_draft(case)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the scenario, e.g. “15-day process”."})
    if case.scenarios.filter(name=name).exists():
        raise ValidationError({"name": f"The case already has a scenario called “{name}”."})
    if copy_from is not None and copy_from.case_id != case.pk:
        raise ValidationError({"copy_from": "That scenario belongs to another case."})
    order = case.scenarios.count()
    scenario = audited_save(Scenario(case=case, name=name, description=description, order=order), by=by)
    if copy_from is not None:
        for line in copy_from.investments.all():
            line.pk = None
            line.scenario = scenario
            line.version = 1
            audited_save(line, by=by, reason=f"Copied from {copy_from}")
        for benefit in copy_from.benefits.prefetch_related("shares"):
            shares = list(benefit.shares.all())
            benefit.pk = None
            benefit.scenario = scenario
            benefit.version = 1
            audited_save(benefit, by=by, reason=f"Copied from {copy_from}")
            for share in shares:
                audited_save(BenefitShare(benefit=benefit, partner=share.partner, percent=share.percent), by=by)
    return scenario


# --- Lines -------------------------------------------------------------------------------------------------------


@transaction.atomic
def investment_line_add(
    *,
    scenario: Scenario,
    description: str,
    amount,
    first_year: int,
    kind: str = InvestmentKind.RECURRENT,
    last_year: int | None = None,
    first_year_months=12,
    reason: str = "",
    by=None,
) -> InvestmentLine:
    """Add investment to a draft case's scenario: a one-off sum, or a recurrent yearly cost with a part first year."""
    case = _locked_case(scenario.case)
    _require_draft(case)
    if kind not in InvestmentKind.values:
        raise ValidationError({"kind": "Choose one-off or recurrent."})
    amount = _not_negative(amount, field="amount", label="The investment")
    months = _months(first_year_months)
    first, last = _years(case, first_year, last_year)
    if not (description or "").strip():
        raise ValidationError({"description": "Describe the investment, e.g. “Integrated care coordination team”."})
    return audited_save(
        InvestmentLine(
            scenario=scenario,
            description=description.strip(),
            kind=kind,
            amount=amount,
            first_year=first,
            last_year=last,
            first_year_months=months,
            reason=reason,
            order=scenario.investments.count(),
        ),
        by=by,
        reason=reason,
    )


INVESTMENT_FIELDS = ("description", "kind", "amount", "first_year", "last_year", "first_year_months")


@transaction.atomic
def investment_line_update(
    *, line: InvestmentLine, reason: str, by=None, expected_version: int | None = None, **fields
) -> InvestmentLine:
    """Change an investment line of a draft case, saying why (kept with the change)."""
    unknown = set(fields) - set(INVESTMENT_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    line = InvestmentLine.objects.select_for_update(of=("self",)).select_related("scenario__case").get(pk=line.pk)
    check_version(line, expected_version)
    case = line.scenario.case
    _require_draft(case)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the figure changes: it is kept with the change."})
    if "amount" in fields:
        fields["amount"] = _not_negative(fields["amount"], field="amount", label="The investment")
    if "first_year_months" in fields:
        fields["first_year_months"] = _months(fields["first_year_months"])
    first, last = _years(case, fields.get("first_year", line.first_year), fields.get("last_year", line.last_year))
    fields["first_year"], fields["last_year"] = first, last
    for key, value in fields.items():
        setattr(line, key, value)
    line.reason = reason.strip()
    return _changed(line, by=by, reason=reason.strip())


def _shares_check(shares) -> list[tuple[str, Decimal]]:
    cleaned: list[tuple[str, Decimal]] = []
    for partner, percent in shares:
        name = (partner or "").strip()
        if not name:
            raise ValidationError({"shares": "Name the commissioner or partner of each share."})
        value = _decimal(percent, field="shares", label=f"{name}'s share")
        if value <= 0 or value > 100:
            raise ValidationError({"shares": f"{name}'s share must be more than 0% and at most 100%."})
        if any(existing == name for existing, _ in cleaned):
            raise ValidationError({"shares": f"{name} is named twice."})
        cleaned.append((name, value))
    total = sum((value for _, value in cleaned), Decimal("0"))
    if cleaned and total != HUNDRED:
        listed = ", ".join(f"{name} {value.normalize():f}%" for name, value in cleaned)
        raise ValidationError({"shares": f"The shares add up to {total.normalize():f}%, not 100% ({listed})."})
    return cleaned


@transaction.atomic
def benefit_line_add(
    *,
    scenario: Scenario,
    description: str,
    activity,
    activity_unit: str,
    unit_cost,
    unit_cost_source: str,
    first_year: int,
    cashable: bool = True,
    last_year: int | None = None,
    first_year_months=12,
    shares=(),
    reason: str = "",
    by=None,
) -> BenefitLine:
    """Add a benefit to a draft case's scenario: activity avoided a year × unit cost, with the unit cost's source
    and the share per commissioner or partner (adding up to 100%)."""
    case = _locked_case(scenario.case)
    _require_draft(case)
    activity = _not_negative(activity, field="activity", label="The activity avoided")
    unit_cost = _not_negative(unit_cost, field="unit_cost", label="The unit cost")
    months = _months(first_year_months)
    first, last = _years(case, first_year, last_year)
    cleaned = _shares_check(shares)
    if not (description or "").strip():
        raise ValidationError({"description": "Describe the benefit, e.g. “Bed days saved by a 19-day process”."})
    if not (activity_unit or "").strip():
        raise ValidationError({"activity_unit": "Say what is counted, e.g. bed days or admissions."})
    if not (unit_cost_source or "").strip():
        raise ValidationError({"unit_cost_source": "Say where the unit cost comes from, e.g. “NICE estimate”."})
    line = audited_save(
        BenefitLine(
            scenario=scenario,
            description=description.strip(),
            activity=activity,
            activity_unit=activity_unit.strip(),
            unit_cost=unit_cost,
            unit_cost_source=unit_cost_source.strip(),
            cashable=cashable,
            first_year=first,
            last_year=last,
            first_year_months=months,
            reason=reason,
            order=scenario.benefits.count(),
        ),
        by=by,
        reason=reason,
    )
    for partner, percent in cleaned:
        audited_save(BenefitShare(benefit=line, partner=partner, percent=percent), by=by)
    return line


BENEFIT_FIELDS = (
    "description",
    "activity",
    "activity_unit",
    "cashable",
    "first_year",
    "last_year",
    "first_year_months",
)


def _locked_benefit(line: BenefitLine, expected_version: int | None) -> BenefitLine:
    locked = (
        BenefitLine.objects.select_for_update(of=("self",)).select_related("scenario__case__scheme").get(pk=line.pk)
    )
    check_version(locked, expected_version)
    return locked


@transaction.atomic
def benefit_line_update(
    *, line: BenefitLine, reason: str, by=None, expected_version: int | None = None, **fields
) -> BenefitLine:
    """Change a draft case's benefit line (not its unit cost: a finance officer sets that), saying why."""
    unknown = set(fields) - set(BENEFIT_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    line = _locked_benefit(line, expected_version)
    case = line.scenario.case
    _require_draft(case)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the figure changes: it is kept with the change."})
    if "activity" in fields:
        fields["activity"] = _not_negative(fields["activity"], field="activity", label="The activity avoided")
    if "first_year_months" in fields:
        fields["first_year_months"] = _months(fields["first_year_months"])
    first, last = _years(case, fields.get("first_year", line.first_year), fields.get("last_year", line.last_year))
    fields["first_year"], fields["last_year"] = first, last
    for key, value in fields.items():
        setattr(line, key, value)
    line.reason = reason.strip()
    return _changed(line, by=by, reason=reason.strip())


@transaction.atomic
def benefit_unit_cost_set(
    *, line: BenefitLine, unit_cost, source: str, reason: str, by, expected_version: int | None = None
) -> BenefitLine:
    """A finance officer sets a benefit line's unit cost and its source while the case is a draft, saying why."""
    line = _locked_benefit(line, expected_version)
    case = line.scenario.case
    _require_draft(case)
    if not can_set_unit_costs(by, case):
        raise ValidationError({"unit_cost": "Unit costs are set by a finance officer."})
    unit_cost = _not_negative(unit_cost, field="unit_cost", label="The unit cost")
    if not (source or "").strip():
        raise ValidationError({"unit_cost_source": "Say where the unit cost comes from, e.g. “NICE estimate”."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the unit cost is set to this: it is kept with the change."})
    line.unit_cost, line.unit_cost_source, line.reason = unit_cost, source.strip(), reason.strip()
    return _changed(line, by=by, reason=f"Unit cost set: {reason.strip()}")


@transaction.atomic
def benefit_shares_set(*, line: BenefitLine, shares, by=None, expected_version: int | None = None) -> BenefitLine:
    """Replace a draft case's benefit shares per commissioner or partner; together they make 100%."""
    line = _locked_benefit(line, expected_version)
    _require_draft(line.scenario.case)
    cleaned = _shares_check(shares)
    for share in line.shares.all():
        share._history_user = by  # type: ignore[attr-defined]  # the audit entry of the removal names who
        share.delete()
    for partner, percent in cleaned:
        audited_save(BenefitShare(benefit=line, partner=partner, percent=percent), by=by)
    listed = ", ".join(f"{partner} {percent.normalize():f}%" for partner, percent in cleaned)
    return _changed(line, by=by, reason=f"Shares set: {listed}")


@transaction.atomic
def benefit_line_measure(
    *, line: BenefitLine, metric: Metric, baseline, by=None, expected_version: int | None = None
) -> BenefitLine:
    """Say which metric or KPI counts a benefit's activity, and its level before the change per metric period.

    Realised benefit is (baseline − actual) × unit cost, so a line is measured only with a baseline.
    """
    line = _locked_benefit(line, expected_version)
    case = line.scenario.case
    if metric.programme_id != case.programme_id:
        raise ValidationError({"metric": "That metric belongs to another programme."})
    if baseline in (None, ""):
        if metric.baseline_value is None:
            raise ValidationError(
                {
                    "baseline": f"Give the baseline: the level of “{metric}” before the change, per period it is "
                    "recorded in. A realised benefit cannot be worked out without one."
                }
            )
        baseline = metric.baseline_value
    line.metric = metric
    line.baseline = _not_negative(baseline, field="baseline", label="The baseline")
    return _changed(line, by=by, reason=f"Measured by {metric}")


# --- Risks of investment -------------------------------------------------------------------------------------------


@transaction.atomic
def case_risk_link(*, case: BusinessCase, risk: Risk, by=None) -> BusinessCase:
    """Link a risk of investment (a risk in the programme's register, with its mitigation) to the case."""
    if risk.programme_id != case.programme_id:
        raise ValidationError({"risk": "That risk is on another programme's register."})
    case = _locked_case(case)
    if case.risks.filter(pk=risk.pk).exists():
        return case
    case.risks.add(risk)
    # The link itself is not a field the history keeps, so the case's history says who linked which risk.
    return _changed(case, by=by, reason=f"Risk of investment linked: {risk.title}")
