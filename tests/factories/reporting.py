"""Report jobs as the progress page sees them (issued reports are made by highlight_report_issue: a real PDF)."""

import factory

from core.models import BackgroundJob, JobState


class ReportJobFactory(factory.django.DjangoModelFactory):
    """A background highlight report job (core.models.BackgroundJob) for a period, asked for by a user; a draft,
    state QUEUED unless given."""

    class Meta:
        model = BackgroundJob

    class Params:
        period = factory.SubFactory("tests.factories.schemes.ReportingPeriodFactory")

    kind = "highlight_report"
    programme = factory.SelfAttribute("period.programme")
    subject = factory.SelfAttribute("period.code")
    params = factory.LazyAttribute(lambda job: {"period": job.period.pk, "issue": None})
    requested_by = factory.SubFactory("tests.factories.accounts.UserFactory")
    state = JobState.QUEUED
