"""The real thing: a Celery worker on the local Redis and PostgreSQL builds the demo's Q1 2015/16 return."""

import time

import pytest
from kombu import pools

from core.models import JobState
from returns.models import QuarterlyReturn
from returns.tasks import build_quarterly_return
from schemes.models import Programme
from tests.factories.jobs import return_job
from tests.returns.helpers import find_row, validation_for, workbook


@pytest.fixture
def queue(real_worker):
    """The real worker's queue, with kombu's shared connection pools fresh before and after.

    tests/conftest.py's switch_broker force-closes the app's pool, but kombu keeps that closed pool in its
    global registry, so a second worker test in the same session would publish on a closed pool.
    """
    pools.reset()
    yield real_worker
    pools.reset()


@pytest.mark.worker
def test_a_real_worker_builds_the_return_and_the_workbook_reads_back(queue, demo):
    programme = Programme.objects.get(slug="trafford-bcf-2015-16")
    job = return_job(programme=programme, quarter="2015-16-Q1")
    build_quarterly_return.apply_async(args=[job.pk], queue=queue)
    # A second build of the quarter (another job): still one draft, built twice.
    again = return_job(programme=programme, quarter="2015-16-Q1")
    build_quarterly_return.apply_async(args=[again.pk], queue=queue)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if (
            job.state in (JobState.DONE, JobState.FAILED)
            and QuarterlyReturn.objects.filter(built_at__isnull=False, version__gte=3).exists()
        ):
            break
        time.sleep(0.5)
    assert (job.state, job.error) == (JobState.DONE, "")
    draft = QuarterlyReturn.objects.get(programme=programme, quarter="2015-16-Q1")
    assert draft.version >= 3  # built by both deliveries, one draft
    ws = workbook(draft.workbook)["National Conditions"]
    row = find_row(ws, 1, "3)")
    assert ws.cell(row, 3).value == "No - In Progress"
    assert validation_for(ws, f"C{row}").formula1 == '"Yes,No,No - In Progress"'
    assert [ws.cell(find_row(ws, 1, n), 3).value for n in ("1)", "2)", "i)", "ii)", "iii)", "5)", "6)")] == [
        "Yes",
        "Yes",
        "No - In Progress",
        "Yes",
        "Yes",
        "No - In Progress",
        "Yes",
    ]
