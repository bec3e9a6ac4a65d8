"""Writes for the risk and issue register. Every re-score is kept; closing needs a reason."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.natural import natural_key
from core.services import audited_save, bump_version, check_version
from risks.models import (
    ActionStatus,
    BoardEscalation,
    Issue,
    IssueStatus,
    MitigatingAction,
    Risk,
    RiskAssessment,
    RiskCategory,
    RiskStatus,
)
from risks.permissions import may_hide_from_board_without_reason

RISK_EDITABLE_FIELDS = (
    "title",
    "description",
    "cause",
    "effect",
    "category",
    "owner",
    "owner_name",
    "next_review_date",
    "on_assurance_framework",
    "assurance_reference",
    "board_escalation",
    "board_escalation_reason",
)


def _check_matrix(**values) -> None:
    errors = {}
    for name, value in values.items():
        try:
            ok = 1 <= int(value) <= 5
        except (TypeError, ValueError):
            ok = False
        if not ok:
            errors[name] = "Choose a value from 1 (rare / negligible) to 5 (almost certain / catastrophic)."
    if errors:
        raise ValidationError(errors)


def _check_target(*, likelihood, consequence, target_likelihood, target_consequence, target_reason) -> None:
    if target_likelihood * target_consequence > likelihood * consequence and not (target_reason or "").strip():
        raise ValidationError(
            {
                "target_reason": "The target score is higher than the current score: say why (e.g. a new service carries more risk)."
            }
        )


def _check_scores(
    *, likelihood, consequence, target_likelihood, target_consequence, target_reason, check_target: bool = True
) -> None:
    """Every score in the 5×5 matrix; a target above the current score only with a reason."""
    _check_matrix(
        likelihood=likelihood,
        consequence=consequence,
        target_likelihood=target_likelihood,
        target_consequence=target_consequence,
    )
    if check_target:
        _check_target(
            likelihood=likelihood,
            consequence=consequence,
            target_likelihood=target_likelihood,
            target_consequence=target_consequence,
            target_reason=target_reason,
        )


def _check_dates(*, raised_on: date, next_review_date: date | None) -> None:
    if next_review_date and next_review_date < raised_on:
        raise ValidationError({"next_review_date": "The next review cannot be before the date the risk was raised."})


def _check_board_escalation(*, escalation: str, reason: str, by, programme, changed: bool = True) -> str:
    """A risk goes off the board's report ("never") only by the programme office or with a reason, which is kept
    (and audited) and shown. Returns the reason to store: none unless the risk is kept off the report."""
    if escalation != BoardEscalation.NEVER:
        return ""
    reason = (reason or "").strip()
    if changed and not reason and not may_hide_from_board_without_reason(by, programme):
        raise ValidationError(
            {
                "board_escalation_reason": "Say why this risk should not go to the board: only the programme office "
                "can take a risk off the board's report without a reason."
            }
        )
    return reason


def _check_schemes(programme, schemes) -> None:
    for scheme in schemes:
        if scheme.programme_id != programme.pk:
            raise ValidationError({"schemes": f"Scheme {scheme} belongs to another programme."})


@transaction.atomic
def risk_create(
    *,
    programme,
    title: str,
    description: str,
    raised_on: date,
    likelihood: int,
    consequence: int,
    target_likelihood: int,
    target_consequence: int,
    target_reason: str = "",
    schemes=(),
    cause: str = "",
    effect: str = "",
    category: str = RiskCategory.DELIVERY,
    owner=None,
    owner_name: str = "",
    next_review_date: date | None = None,
    on_assurance_framework: bool = False,
    assurance_reference: str = "",
    board_escalation: str = BoardEscalation.AUTO,
    board_escalation_reason: str = "",
    demo_values: bool = False,
    by=None,
) -> Risk:
    """Add a risk scored on the 5×5 matrix; its first assessment is the initial score."""
    _check_scores(
        likelihood=likelihood,
        consequence=consequence,
        target_likelihood=target_likelihood,
        target_consequence=target_consequence,
        target_reason=target_reason,
    )
    _check_dates(raised_on=raised_on, next_review_date=next_review_date)
    if not (title or "").strip() or not (description or "").strip():
        raise ValidationError({"title": "Give the risk a title and a description."})
    if on_assurance_framework and not assurance_reference.strip():
        raise ValidationError({"assurance_reference": "Give the assurance framework reference."})
    _check_schemes(programme, schemes)
    board_escalation_reason = _check_board_escalation(
        escalation=board_escalation, reason=board_escalation_reason, by=by, programme=programme
    )
    risk = audited_save(
        Risk(
            programme=programme,
            title=title.strip(),
            description=description.strip(),
            cause=cause,
            effect=effect,
            category=category,
            raised_on=raised_on,
            likelihood=likelihood,
            consequence=consequence,
            target_likelihood=target_likelihood,
            target_consequence=target_consequence,
            target_reason=target_reason.strip(),
            owner=owner,
            owner_name=owner_name,
            next_review_date=next_review_date,
            on_assurance_framework=on_assurance_framework,
            assurance_reference=assurance_reference.strip(),
            board_escalation=board_escalation,
            board_escalation_reason=board_escalation_reason,
            demo_values=demo_values,
        ),
        by=by,
    )
    risk.schemes.set(schemes)
    RiskAssessment.objects.create(
        risk=risk,
        assessed_on=raised_on,
        likelihood=likelihood,
        consequence=consequence,
        note="Initial score",
        assessed_by=by,
    )
    return risk


@dataclass
class NewRisk:
    """A risk to add as loaded from a programme's workbook: only the title, its schemes and the scores are needed;
    the target is the current score unless given, and it is raised today unless a date is given."""

    programme: Any
    title: str
    likelihood: int
    consequence: int
    schemes: list = field(default_factory=list)
    description: str = ""
    category: str = RiskCategory.DELIVERY
    owner_name: str = ""
    raised_on: date | None = None
    next_review_date: date | None = None
    target_likelihood: int | None = None
    target_consequence: int | None = None
    target_reason: str = ""


def risk_check_new(item: NewRisk, *, today: date) -> None:
    """The rules of risk_create for a loaded risk, with no query: a title, scores in the 5×5 matrix, a target above
    the score only with a reason, review after raising, schemes of the risk's programme."""
    if not (item.title or "").strip():
        raise ValidationError({"title": "Give the risk a title."})
    _check_scores(
        likelihood=item.likelihood,
        consequence=item.consequence,
        target_likelihood=item.likelihood if item.target_likelihood is None else item.target_likelihood,
        target_consequence=item.consequence if item.target_consequence is None else item.target_consequence,
        target_reason=item.target_reason,
    )
    if item.category not in RiskCategory.values:
        raise ValidationError({"category": f"Choose one of: {', '.join(RiskCategory.labels)}."})
    _check_dates(raised_on=item.raised_on or today, next_review_date=item.next_review_date)
    _check_schemes(item.programme, item.schemes)


@transaction.atomic
def risks_create_bulk(*, items: list[NewRisk], by=None, today: date | None = None) -> list[Risk]:
    """Add many risks in a fixed number of queries, audited, each checked by risk_check_new; the first assessment of
    each is its initial score, as risk_create records it."""
    today = today or timezone.localdate()
    risks = []
    for item in items:
        risk_check_new(item, today=today)
        risk = Risk(
            programme=item.programme,
            title=item.title.strip(),
            description=(item.description or "").strip(),
            category=item.category,
            owner_name=(item.owner_name or "").strip(),
            raised_on=item.raised_on or today,
            next_review_date=item.next_review_date,
            likelihood=int(item.likelihood),
            consequence=int(item.consequence),
            target_likelihood=int(item.likelihood if item.target_likelihood is None else item.target_likelihood),
            target_consequence=int(item.consequence if item.target_consequence is None else item.target_consequence),
            target_reason=(item.target_reason or "").strip(),
        )
        risk.full_clean(exclude=["programme"], validate_unique=False, validate_constraints=False)
        risks.append(risk)
    saved = bulk_create_with_history(risks, Risk, batch_size=500, default_user=by)
    links = Risk.schemes.through
    links.objects.bulk_create(
        [
            links(risk_id=risk.pk, scheme_id=scheme.pk)
            for risk, item in zip(saved, items, strict=True)
            for scheme in {s.pk: s for s in item.schemes}.values()
        ],
        batch_size=500,
    )
    RiskAssessment.objects.bulk_create(
        [
            RiskAssessment(
                risk=risk,
                assessed_on=risk.raised_on,
                likelihood=risk.likelihood,
                consequence=risk.consequence,
                note="Initial score",
                assessed_by=by,
            )
            for risk in saved
        ],
        batch_size=500,
    )
    return saved


def _locked(risk: Risk, expected_version) -> Risk:
    locked = Risk.objects.select_for_update().get(pk=risk.pk)
    check_version(locked, expected_version)
    return locked


@transaction.atomic
def risk_update(*, risk: Risk, by=None, expected_version: int | None = None, schemes=None, **fields) -> Risk:
    """Change a risk's description, owner, review date, assurance and board reporting (scores change by re-scoring).

    `schemes`, when given, is the whole new set of links: callers acting for a project lead work it out with
    risks.permissions.risk_schemes_for_edit, which keeps the links to schemes that lead does not lead.
    """
    unknown = set(fields) - set(RISK_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These risk fields cannot be changed here: {', '.join(sorted(unknown))}.")
    risk = _locked(risk, expected_version)
    _check_dates(raised_on=risk.raised_on, next_review_date=fields.get("next_review_date", risk.next_review_date))
    if (
        fields.get("on_assurance_framework", risk.on_assurance_framework)
        and not (fields.get("assurance_reference", risk.assurance_reference) or "").strip()
    ):
        raise ValidationError({"assurance_reference": "Give the assurance framework reference."})
    escalation = fields.get("board_escalation", risk.board_escalation)
    reason = fields.get("board_escalation_reason", risk.board_escalation_reason)
    fields["board_escalation_reason"] = _check_board_escalation(
        escalation=escalation,
        reason=reason,
        by=by,
        programme=risk.programme_id,
        changed=escalation != risk.board_escalation or (reason or "").strip() != risk.board_escalation_reason,
    )
    links = ""
    if schemes is not None:
        _check_schemes(risk.programme, schemes)
        before = sorted((s.ref or s.name for s in risk.schemes.all()), key=natural_key)
        after = sorted((s.ref or s.name for s in schemes), key=natural_key)
        if before != after:
            # The links are not a column, so the history row says what they were and became (its reason column
            # holds 100 characters).
            links = f"Schemes: {', '.join(before) or 'programme-level'} → {', '.join(after) or 'programme-level'}"
            links = links if len(links) <= 100 else links[:99] + "…"
        risk.schemes.set(schemes)
    changed = {k: v for k, v in fields.items() if getattr(risk, k) != v}
    if changed or links:
        for key, value in changed.items():
            setattr(risk, key, value)
        bump_version(risk)
        audited_save(risk, by=by, reason=links)
    return risk


@transaction.atomic
def risk_rescore(
    *,
    risk: Risk,
    likelihood: int,
    consequence: int,
    assessed_on: date | None = None,
    note: str = "",
    target_likelihood: int | None = None,
    target_consequence: int | None = None,
    target_reason: str | None = None,
    by=None,
    expected_version: int | None = None,
) -> Risk:
    """Re-score a risk (and optionally its target); the assessment is kept for the trend."""
    risk = _locked(risk, expected_version)
    if risk.status == RiskStatus.CLOSED:
        raise ValidationError("This risk is closed: reopen it before re-scoring.")
    # A target set above the score needs a reason; a risk that improves past its unchanged target does not.
    target_changed = (target_likelihood, target_consequence) not in (
        (None, None),
        (risk.target_likelihood, risk.target_consequence),
    )
    target_likelihood = risk.target_likelihood if target_likelihood is None else target_likelihood
    target_consequence = risk.target_consequence if target_consequence is None else target_consequence
    target_reason = risk.target_reason if target_reason is None else target_reason
    _check_scores(
        likelihood=likelihood,
        consequence=consequence,
        target_likelihood=target_likelihood,
        target_consequence=target_consequence,
        target_reason=target_reason,
        check_target=target_changed,
    )
    assessed_on = assessed_on or timezone.localdate()
    if assessed_on < risk.raised_on:
        raise ValidationError({"assessed_on": "A risk cannot be scored before it was raised."})
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": "An assessment date cannot be in the future."})
    RiskAssessment.objects.create(
        risk=risk,
        assessed_on=assessed_on,
        likelihood=likelihood,
        consequence=consequence,
        note=note.strip(),
        assessed_by=by,
    )
    risk.likelihood, risk.consequence = int(likelihood), int(consequence)
    risk.target_likelihood, risk.target_consequence = int(target_likelihood), int(target_consequence)
    risk.target_reason = (target_reason or "").strip()
    risk.demo_values = False
    bump_version(risk)
    return audited_save(risk, by=by, reason=note.strip() or "Re-scored")


@transaction.atomic
def risk_close(*, risk: Risk, reason: str, by=None, expected_version: int | None = None) -> Risk:
    """Close a risk with the reason it no longer applies."""
    risk = _locked(risk, expected_version)
    if risk.status == RiskStatus.CLOSED:
        raise ValidationError("This risk is already closed.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the risk is being closed."})
    risk.status, risk.closed_reason = RiskStatus.CLOSED, reason.strip()
    bump_version(risk)
    return audited_save(risk, by=by, reason=reason.strip())


@transaction.atomic
def risk_reopen(*, risk: Risk, reason: str, by=None, expected_version: int | None = None) -> Risk:
    risk = _locked(risk, expected_version)
    if risk.status != RiskStatus.CLOSED or hasattr(risk, "became_issue"):
        raise ValidationError("Only a closed risk that has not become an issue can be reopened.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the risk is being reopened."})
    risk.status, risk.closed_reason = RiskStatus.OPEN, ""
    bump_version(risk)
    return audited_save(risk, by=by, reason=reason.strip())


@transaction.atomic
def risk_convert_to_issue(
    *, risk: Risk, impact: str, raised_on: date | None = None, by=None, expected_version: int | None = None
) -> Issue:
    """The risk has happened: open an issue that keeps the risk (closed, with its history) and its actions."""
    risk = _locked(risk, expected_version)
    if hasattr(risk, "became_issue"):
        raise ValidationError("This risk has already become an issue.")
    if not (impact or "").strip():
        raise ValidationError({"impact": "Describe the impact now that it has happened."})
    issue = audited_save(
        Issue(
            programme=risk.programme,
            from_risk=risk,
            title=risk.title,
            description=risk.description,
            impact=impact.strip(),
            owner=risk.owner,
            owner_name=risk.owner_name,
            raised_on=raised_on or timezone.localdate(),
        ),
        by=by,
    )
    issue.schemes.set(risk.schemes.all())
    for action in risk.actions.all():
        action.issue = issue
        audited_save(action, by=by, reason="Carried over to the issue")
    if risk.status == RiskStatus.OPEN:
        risk.status, risk.closed_reason = RiskStatus.CLOSED, f"Became an issue on {issue.raised_on:%d/%m/%Y}"
        bump_version(risk)
        audited_save(risk, by=by, reason="Became an issue")
    return issue


@transaction.atomic
def issue_resolve(*, issue: Issue, by=None, expected_version: int | None = None) -> Issue:
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    check_version(issue, expected_version)
    if issue.status == IssueStatus.RESOLVED:
        raise ValidationError("This issue is already resolved.")
    issue.status = IssueStatus.RESOLVED
    bump_version(issue)
    return audited_save(issue, by=by, reason="Resolved")


@transaction.atomic
def mitigating_action_add(
    *,
    action: str,
    risk: Risk | None = None,
    issue: Issue | None = None,
    owner_name: str = "",
    due_date: date | None = None,
    by=None,
) -> MitigatingAction:
    """Add an action to a risk or an issue."""
    if risk is None and issue is None:
        raise ValidationError("An action belongs to a risk or an issue.")
    if not (action or "").strip():
        raise ValidationError({"action": "Describe the action."})
    return audited_save(
        MitigatingAction(risk=risk, issue=issue, action=action.strip(), owner_name=owner_name, due_date=due_date), by=by
    )


@transaction.atomic
def mitigating_action_set_status(*, action: MitigatingAction, status: str, by=None) -> MitigatingAction:
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose not started, in progress or done."})
    action = MitigatingAction.objects.select_for_update().get(pk=action.pk)
    action.status = status
    return audited_save(action, by=by)
