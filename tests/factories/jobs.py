"""Background jobs (core.models.BackgroundJob) of each kind, as the apps record them."""

from core.models import BackgroundJob


def report_job(*, period, by=None, issue: dict | None = None, **fields) -> BackgroundJob:
    """A highlight report job for `period` (a draft, or an issue with `issue`), not queued."""
    return BackgroundJob.objects.create(
        kind="highlight_report",
        programme=period.programme,
        subject=period.code,
        params={"period": period.pk, "issue": issue},
        requested_by=by,
        **fields,
    )


def return_job(*, programme, quarter: str, by=None, **fields) -> BackgroundJob:
    """A quarterly return build job for `quarter`, not queued."""
    return BackgroundJob.objects.create(
        kind="quarterly_return", programme=programme, subject=quarter, requested_by=by, **fields
    )
