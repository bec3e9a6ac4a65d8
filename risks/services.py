"""Writes for the risk register."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from core.services import audited_save
from risks.models import MitigatingAction, Risk


def _check_matrix(**values: int) -> None:
    errors = {name: "Choose a value from 1 to 5." for name, value in values.items() if not 1 <= int(value) <= 5}
    if errors:
        raise ValidationError(errors)


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
    schemes=(),
    owner=None,
    owner_name: str = "",
    on_assurance_framework: bool = False,
    assurance_reference: str = "",
    escalated_to_board: bool = False,
    demo_values: bool = False,
    by=None,
) -> Risk:
    """Add a risk scored on the 5×5 matrix; its target cannot be worse than its current score."""
    _check_matrix(
        likelihood=likelihood,
        consequence=consequence,
        target_likelihood=target_likelihood,
        target_consequence=target_consequence,
    )
    if target_likelihood * target_consequence > likelihood * consequence:
        raise ValidationError({"target_likelihood": "The target score cannot be higher than the current score."})
    for scheme in schemes:
        if scheme.programme_id != programme.pk:
            raise ValidationError({"schemes": f"Scheme {scheme} belongs to another programme."})
    risk = audited_save(
        Risk(
            programme=programme,
            title=title.strip(),
            description=description.strip(),
            raised_on=raised_on,
            likelihood=likelihood,
            consequence=consequence,
            target_likelihood=target_likelihood,
            target_consequence=target_consequence,
            owner=owner,
            owner_name=owner_name,
            on_assurance_framework=on_assurance_framework,
            assurance_reference=assurance_reference,
            escalated_to_board=escalated_to_board,
            demo_values=demo_values,
        ),
        by=by,
    )
    risk.schemes.set(schemes)
    return risk


@transaction.atomic
def mitigating_action_add(
    *, risk: Risk, action: str, owner_name: str = "", due_date: date | None = None, by=None
) -> MitigatingAction:
    """Add a mitigating action to a risk."""
    if not action.strip():
        raise ValidationError({"action": "Describe the action."})
    return audited_save(
        MitigatingAction(risk=risk, action=action.strip(), owner_name=owner_name, due_date=due_date), by=by
    )
