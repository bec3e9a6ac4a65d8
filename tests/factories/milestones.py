import datetime

import factory

from milestones.models import Milestone


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    scheme = factory.SubFactory("tests.factories.schemes.SchemeFactory")
    description = factory.Sequence(lambda n: f"Milestone {n}")
    baseline_date = datetime.date(2015, 6, 30)
    due_date = factory.SelfAttribute("baseline_date")
