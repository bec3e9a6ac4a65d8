import datetime

import factory

from schemes.models import Programme, ReportingPeriod, Scheme, SchemeLead, Workstream


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    slug = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Programme {n}")
    start_date = datetime.date(2015, 4, 1)
    end_date = datetime.date(2016, 3, 31)


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
