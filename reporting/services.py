"""Writes for what the programme reports to others (NHS England return answers)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from core.services import audited_save
from reporting.models import ConditionAnswer, NationalConditionAnswer


@transaction.atomic
def national_condition_answer_record(
    *,
    programme,
    quarter: str,
    code: str,
    text: str,
    answer: str = "",
    parent_code: str = "",
    commentary: str = "",
    order: int = 0,
    by=None,
) -> NationalConditionAnswer:
    """Record a programme's answer to one national condition for a quarter (Yes / No / No - In Progress)."""
    if answer and answer not in ConditionAnswer.values:
        raise ValidationError({"answer": "Answer Yes, No or No - In Progress."})
    return audited_save(
        NationalConditionAnswer(
            programme=programme,
            quarter=quarter,
            code=code,
            parent_code=parent_code,
            text=text,
            answer=answer,
            commentary=commentary,
            order=order,
        ),
        by=by,
    )
