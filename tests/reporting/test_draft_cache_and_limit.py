"""Draft PDFs (issue 15.9, 16.4): an unchanged programme's draft comes back from the cache instead of being laid
out again, and each person may ask for only so many drafts a minute (429 with a message in words)."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from reporting import highlight
from schemes.models import CommentKind
from schemes.services import progress_comment_add
from tests.reporting.conftest import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def layouts(monkeypatch):
    """How many times a report is laid out (the real renderer, counted)."""
    calls = []
    real = highlight.highlight_report_render

    def counted(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(highlight, "highlight_report_render", counted)
    return calls


def test_an_unchanged_programmes_draft_is_laid_out_once_and_a_change_lays_it_out_again(small, layouts, pmo_user):
    programme, p1, _ = small
    first = highlight.highlight_report_draft(programme=programme, period=p1)
    again = highlight.highlight_report_draft(programme=programme, period=p1)
    assert len(layouts) == 1
    assert again.pdf == first.pdf and again.pages == first.pages
    progress_comment_add(
        scheme=programme.schemes.order_by("ref").first(),
        period=p1,
        date=p1.start_date,
        text="Written after the first draft",
        kind=CommentKind.HIGHLIGHT,
        by=pmo_user,
    )
    changed = highlight.highlight_report_draft(programme=programme, period=p1)
    assert len(layouts) == 2
    assert "Written after the first draft" in pdf_text(changed.pdf)
    assert "Written after the first draft" not in pdf_text(first.pdf)


def test_the_cache_key_is_the_datas_hash_the_status_and_the_layout(small):
    programme, p1, p2 = small
    from reporting.selectors import highlight_snapshot

    one = highlight_snapshot(programme=programme, period=p1)
    same_day_later = {**one, "taken_at": one["taken_at"][:10] + "T23:59:59+00:00"}
    assert highlight.draft_cache_key(one) == highlight.draft_cache_key(same_day_later)
    next_day = {**one, "taken_at": "2099-01-01T00:00:00+00:00"}  # "Data as at" prints another date
    assert highlight.draft_cache_key(one) != highlight.draft_cache_key(next_day)
    assert highlight.draft_cache_key(one) != highlight.draft_cache_key(
        highlight_snapshot(programme=programme, period=p2)
    )
    key = highlight.draft_cache_key(one)
    assert ":DRAFT:" in key and key.endswith(highlight.layout_fingerprint()[:16])


def test_a_person_asking_for_too_many_drafts_in_a_minute_gets_429_and_others_do_not(small, client, make_user, settings):
    """The attack: one signed-in reader asks for draft after draft (2-14 s of CPU each). Before the limit every
    request was laid out; now the one over the limit is refused with a page that says why."""
    settings.HIGHLIGHT_REPORT_DRAFT_RATE = "3/m"
    programme, p1, _ = small
    url = reverse("reporting:draft", args=[p1.pk])
    reader, other = make_user(Role.STEERING_GROUP), make_user(Role.STEERING_GROUP)
    client.force_login(reader)
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many drafts in a minute" in page and "Wait a minute" in page and "3 a minute" in page
    # Building the draft in the background counts too.
    assert client.post(reverse("reporting:draft_build", args=[p1.pk])).status_code == 429
    client.force_login(other)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_with_the_cache_unreachable_a_draft_is_still_laid_out_and_served(small, client, make_user, settings, caplog):
    # Redis (the shared cache in production) stopped: a closed loopback port stands in for it.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    programme, p1, _ = small
    client.force_login(make_user(Role.STEERING_GROUP))
    response = client.get(reverse("reporting:draft", args=[p1.pk]))
    assert response.status_code == 200 and "DRAFT" in pdf_text(response.content)
    assert "Draft rate limit not checked" in caplog.text and "Draft cache not read" in caplog.text


def test_a_funds_appendix_pdfs_count_against_the_same_limit(small, client, make_user, settings):
    """Appendix 1 and the budget monitoring appendix are laid out on request too: before the limit covered them, a
    reader refused a draft could ask for appendix after appendix."""
    from tests.factories.finance import FundFactory

    settings.HIGHLIGHT_REPORT_DRAFT_RATE = "2/m"
    programme, p1, _ = small
    fund = FundFactory(programme=programme)
    client.force_login(make_user(Role.STEERING_GROUP, roles__programmes=[programme]))
    appendix_1 = reverse("reporting:finance_appendix", args=[fund.slug])
    monitoring = reverse("reporting:budget_monitoring", args=[fund.slug])
    assert [client.get(appendix_1).status_code, client.get(monitoring).status_code] == [200, 200]
    for url in (appendix_1, monitoring, reverse("reporting:draft", args=[p1.pk])):
        refused = client.get(url)
        assert refused.status_code == 429, url
        assert "Too many drafts in a minute" in refused.content.decode()
