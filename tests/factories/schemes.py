import datetime

import factory

from accounts.models import User
from schemes.models import Programme, ReportingPeriod, Scheme, SchemeLead, Workstream
from tests.factories.accounts import FLOATING, PartnershipFactory, memberships_grant


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Programme {n}")
    partnership = factory.SubFactory(PartnershipFactory)
    start_date = datetime.date(2015, 4, 1)
    end_date = datetime.date(2016, 3, 31)

    @factory.post_generation
    def floating_roles(self, create, extracted, **kwargs):
        """Test users made with roles and no programme hold them here too (tests/factories/accounts.py)."""
        for user in User.objects.filter(pk__in=list(FLOATING)):
            memberships_grant(user, FLOATING[user.pk], [self])


class WorkstreamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workstream

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Workstream {n}")


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"p{n}")
    name = "Period"
    start_date = datetime.date(2015, 3, 18)
    end_date = datetime.date(2015, 5, 20)


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme

    programme = factory.SubFactory(ProgrammeFactory)
    ref = factory.Sequence(lambda n: f"9.{n}")
    name = factory.Sequence(lambda n: f"Scheme {n}")


class SchemeLeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemeLead

    scheme = factory.SubFactory(SchemeFactory)
    user = factory.SubFactory("tests.factories.accounts.UserFactory")
