"""Report jobs as the progress page sees them (issued reports are made by highlight_report_issue: a real PDF)."""

import factory

from reporting.models import JobState, ReportJob


class ReportJobFactory(factory.django.DjangoModelFactory):
    """A background highlight report job for a period, asked for by a user; state QUEUED unless given."""

    class Meta:
        model = ReportJob

    period = factory.SubFactory("tests.factories.schemes.ReportingPeriodFactory")
    programme = factory.SelfAttribute("period.programme")
    requested_by = factory.SubFactory("tests.factories.accounts.UserFactory")
    state = JobState.QUEUED
