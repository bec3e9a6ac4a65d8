"""Risks, issues and mitigating actions, made through the risk services (so the first assessment is recorded)."""

import datetime

import factory

from risks import services as risk_services
from risks.models import Issue, MitigatingAction, Risk
from tests.factories.schemes import ProgrammeFactory


class RiskFactory(factory.django.DjangoModelFactory):
    """A risk on one scheme of a programme: RiskFactory(schemes=[scheme]) or RiskFactory(programme=...)."""

    class Meta:
        model = Risk

    programme = None  # the first scheme's programme, or a new one
    schemes = ()
    title = factory.Sequence(lambda n: f"Risk {n}")
    description = "A risk for a test"
    raised_on = datetime.date(2015, 6, 1)
    likelihood = 3
    consequence = 3
    target_likelihood = 2
    target_consequence = 2

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs["programme"] is None:
            schemes = list(kwargs["schemes"])
            kwargs["programme"] = schemes[0].programme if schemes else ProgrammeFactory()
        return risk_services.risk_create(**kwargs)


class MitigatingActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MitigatingAction

    risk = factory.SubFactory(RiskFactory)
    action = factory.Sequence(lambda n: f"Action {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return risk_services.mitigating_action_add(**kwargs)


def issue_from_risk(risk: Risk | None = None, *, impact: str = "It happened", **risk_fields) -> Issue:
    """An issue as the register makes one: a risk that happened, converted."""
    return risk_services.risk_convert_to_issue(risk=risk or RiskFactory(**risk_fields), impact=impact)
