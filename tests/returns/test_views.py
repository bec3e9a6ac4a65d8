"""The return pages in the browser: who sees what, build now (and when the queue is down), the job's progress,
editing, sign-off and downloads."""

import hashlib

import pytest
from django.urls import reverse

from core.models import BackgroundJob, JobState
from returns import services
from returns.models import QuarterlyReturn
from returns.tasks import build_quarterly_return
from tests.factories.jobs import return_job
from tests.factories.returns import return_complete
from tests.returns.helpers import workbook

Q1 = "2015-16-Q1"


def detail(programme):
    return reverse("returns:detail", args=[programme.slug, Q1])


@pytest.fixture
def signed(programme, pmo):
    draft = return_complete(services.quarterly_return_build(programme=programme, quarter=Q1, by=pmo), by=pmo)
    return services.quarterly_return_sign_off(
        quarterly_return=draft, on_behalf_of="Trafford Health and Wellbeing Board", by=pmo
    )


def test_project_leads_get_403_on_every_return_page(demo_client, programme, signed):
    client = demo_client("lead")
    answer = signed.answers.first()
    job = return_job(programme=programme, quarter=Q1)
    for url in (
        reverse("returns:list"),
        detail(programme),
        reverse("returns:download", args=[programme.slug, Q1, 1]),
        reverse("returns:answer", args=[answer.pk]),
        reverse("returns:job", args=[job.pk]),
    ):
        assert client.get(url).status_code == 403, url
    for name in ("build", "sign_off", "correct"):
        assert client.post(reverse(f"returns:{name}", args=[programme.slug, Q1])).status_code == 403, name
    assert QuarterlyReturn.objects.count() == 1


@pytest.mark.parametrize("who", ["secretary", "steering", "finance"])
def test_readers_download_the_signed_off_workbook_byte_for_byte(demo_client, programme, signed, who):
    client = demo_client(who)
    page = client.get(detail(programme))
    assert page.status_code == 200
    assert signed.sha256 in page.content.decode()
    response = client.get(reverse("returns:download", args=[programme.slug, Q1, 1]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content == bytes(signed.workbook)
    assert hashlib.sha256(content).hexdigest() == signed.sha256
    assert response["Content-Disposition"] == f'attachment; filename="{programme.slug}-{Q1}-v1.xlsx"'


def test_readers_do_not_see_or_download_drafts(demo_client, programme, signed, pmo):
    services.quarterly_return_correct(programme=programme, quarter=Q1, reason="Restated", by=pmo)
    client = demo_client("secretary")
    assert client.get(reverse("returns:download", args=[programme.slug, Q1, 2])).status_code == 403
    page = client.get(detail(programme)).content.decode()
    assert "Version 1" in page and "Version 2" not in page
    assert "Sign off" not in page


def test_build_now_queues_the_job_and_the_page_shows_its_state(
    demo_client, programme, django_capture_on_commit_callbacks
):
    client = demo_client("pmo")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("returns:build", args=[programme.slug, Q1]))
    assert response.status_code == 302
    job = BackgroundJob.objects.get()
    assert job.state == JobState.DONE and job.result == {"quarterly_return": QuarterlyReturn.objects.get().pk}
    assert job.step == "Draft version 1 built"
    page = client.get(detail(programme)).content.decode()
    assert 'id="job-status"' in page and "Done: Draft version 1 built" in page
    # Issue 21 §7: no "Building…" banner beside a finished build; one action, which says what it does.
    assert "Building" not in page
    assert ">Build draft</button>" in page and "Build now" not in page and "Build here" not in page
    assert "fills in the quarter's NHS England workbook from the schemes, money and metrics recorded now" in page
    status = client.get(reverse("returns:job", args=[job.pk]))
    assert status.status_code == 200
    assert "hx-trigger" not in status.content.decode()  # finished: it stops polling


def test_a_queued_or_running_job_polls_every_two_seconds(demo_client, programme):
    job = return_job(programme=programme, quarter=Q1, state=JobState.RUNNING, step="Writing")
    html = demo_client("pmo").get(reverse("returns:job", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("returns:job", args=[job.pk])}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "Writing" in html


@pytest.mark.django_db(transaction=True)  # as in production: the job is published when its transaction commits
def test_with_the_queue_down_build_draft_builds_it_here_and_says_so(demo_client, programme):
    app = build_quarterly_return.app
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")  # a closed port
    client = demo_client("pmo")
    try:
        response = client.post(reverse("returns:build", args=[programme.slug, Q1]))
    finally:
        app.conf.update(**saved)
    assert response.status_code == 302
    assert QuarterlyReturn.objects.get().status == "draft"
    job = BackgroundJob.objects.get()
    assert (job.state, job.error, job.step) == (JobState.DONE, "", "Draft version 1 built")
    page = client.get(response.url).content.decode()
    assert "The job queue is unavailable, so the draft was built here: Draft version 1 built." in page
    assert "Done: Draft version 1 built" in page


def test_publishing_is_bounded_well_under_two_seconds(settings):
    assert settings.JOB_PUBLISH_TIMEOUT <= 1
    options = settings.JOB_PUBLISH_TRANSPORT_OPTIONS
    assert options["socket_connect_timeout"] <= 1 and options["socket_timeout"] <= 1 and options["max_retries"] == 0


def test_the_programme_office_edits_an_answer_in_the_browser(demo_client, programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter=Q1, by=pmo)
    answer = draft.answers.get(code="nc.3")
    client = demo_client("pmo")
    form = client.get(reverse("returns:answer", args=[answer.pk]))
    assert form.status_code == 200 and "No - In Progress" in form.content.decode()
    response = client.post(
        reverse("returns:answer", args=[answer.pk]),
        {
            "value": "No - In Progress",
            "commentary": "Weekend discharge team starts in July.",
            "version": answer.version,
        },
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.commentary == "Weekend discharge team starts in July." and answer.edited
    stale = client.post(reverse("returns:answer", args=[answer.pk]), {"value": "Yes", "commentary": "", "version": 1})
    assert stale.status_code == 400
    assert "Not saved: this record changed after you opened it" in stale.content.decode()
    answer.refresh_from_db()
    assert answer.value == "No - In Progress"


def test_sign_off_in_the_browser_is_refused_with_the_failed_checks_then_succeeds(demo_client, programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter=Q1, by=pmo)
    client = demo_client("pmo")
    url = reverse("returns:sign_off", args=[programme.slug, Q1])
    refused = client.post(url, {"on_behalf_of": "Trafford HWB", "version": draft.version}, follow=True)
    page = refused.content.decode()
    assert "Not signed off:" in page and "Cover: E-mail: Answer it." in page
    draft.refresh_from_db()
    assert draft.status == "draft"
    draft = return_complete(draft, by=pmo)
    done = client.post(url, {"on_behalf_of": "Trafford Health and Wellbeing Board", "version": draft.version})
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "signed_off" and draft.signed_off_by == pmo
    book = workbook(client.get(reverse("returns:download", args=[programme.slug, Q1, 1])).content, data_only=True)
    assert book["Checklist"]["B3"].value == "Complete Template"


def test_editing_a_signed_off_return_in_the_browser_is_refused(demo_client, programme, signed):
    answer = signed.answers.get(code="nc.1")
    response = demo_client("pmo").post(
        reverse("returns:answer", args=[answer.pk]), {"value": "No", "commentary": "x", "version": answer.version}
    )
    assert response.status_code == 400
    assert "is signed off and cannot change" in response.content.decode()
    answer.refresh_from_db()
    assert answer.value == "Yes"


def test_a_correction_is_started_in_the_browser_with_a_reason(demo_client, programme, signed):
    client = demo_client("pmo")
    url = reverse("returns:correct", args=[programme.slug, Q1])
    client.post(url, {"reason": ""})
    assert QuarterlyReturn.objects.count() == 1
    client.post(url, {"reason": "The CCG restated Q1 spend"})
    assert list(
        QuarterlyReturn.objects.order_by("revision").values_list("revision", "status", "correction_reason")
    ) == [
        (1, "signed_off", ""),
        (2, "draft", "The CCG restated Q1 spend"),
    ]


def test_the_list_shows_quarters_and_refuses_a_quarter_before_the_programme(demo_client, programme):
    client = demo_client("pmo")
    page = client.get(reverse("returns:list")).content.decode()
    assert "2015/16 Q1" in page and "2015/16 Q4" in page
    response = client.post(
        reverse("returns:build_form"), {"programme": programme.slug, "quarter": "2014-15-Q4"}, follow=True
    )
    assert "is before Trafford Better Care Fund 2015/16 starts on 01/04/2015" in response.content.decode()
    response = client.post(reverse("returns:build_form"), {"programme": programme.slug, "quarter": "Q9"}, follow=True)
    assert "“Q9” is not a quarter" in response.content.decode()
    assert not BackgroundJob.objects.exists() and not QuarterlyReturn.objects.exists()


def test_an_unknown_quarter_in_the_address_is_not_found(demo_client, programme):
    assert demo_client("pmo").get(reverse("returns:detail", args=[programme.slug, "2015-Q1"])).status_code == 404


def test_the_nav_shows_returns_to_readers_not_to_leads(demo_client):
    assert reverse("returns:list") in demo_client("steering").get(reverse("metrics:list")).content.decode()
    assert reverse("returns:list") not in demo_client("lead").get(reverse("metrics:list")).content.decode()


def test_a_signed_off_answer_opens_read_only_with_the_reason(demo_client, programme, signed):
    answer = signed.answers.get(code="nc.1")
    response = demo_client("pmo").get(reverse("returns:answer", args=[answer.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Version 1 of 2015-16-Q1 is signed off and cannot change: start a correction" in page
    assert ">Save</button>" not in page
    assert "disabled" in page


def test_build_now_on_a_signed_off_quarter_says_so_on_its_page(demo_client, programme, signed):
    response = demo_client("pmo").post(reverse("returns:build", args=[programme.slug, Q1]), follow=True)
    assert response.redirect_chain[-1][0] == detail(programme)
    assert "is signed off (version 1): to change it, start a correction" in response.content.decode()
    assert not BackgroundJob.objects.exists()


def test_a_signed_off_workbook_changed_outside_the_app_is_not_served(demo_client, programme, signed):
    client = demo_client("secretary")
    url = reverse("returns:download", args=[programme.slug, Q1, 1])
    assert client.get(url).status_code == 200
    QuarterlyReturn.objects.filter(pk=signed.pk).update(workbook=b"PK not the signed workbook")  # outside the app
    response = client.get(url)
    assert response.status_code == 409 and "no longer matches" in response.content.decode()
