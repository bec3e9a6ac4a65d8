"""Closing a reporting period (issue 21 §8): programme-wide and for good, so it is on the Reporting periods page,
after a preview of what it locks; a preview changes nothing, and a stale confirmation is refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.exceptions import StaleEdit
from schemes import services
from schemes.models import SchemeStatus
from tests.factories.notifications import inbox_world, submitted_update
from tests.factories.schemes import SchemeFactory


@pytest.fixture
def world(db):
    w = inbox_world()
    services.scheme_period_update_approve(update=submitted_update(w), by=w["pmo"])
    w["waiting"] = SchemeFactory(programme=w["programme"], ref="5.2", name="Falls service")
    w["untouched"] = SchemeFactory(programme=w["programme"], ref="5.10", name="Carers")
    SchemeFactory(programme=w["programme"], ref="5.3", name="Closed one", status=SchemeStatus.CLOSED)
    return w


def test_the_preview_counts_by_status_and_names_the_schemes_not_approved(world):
    preview = services.reporting_period_close_preview(period=world["period"])
    assert preview["schemes"] == 3  # a closed scheme has nothing to lock
    assert dict(preview["counts"]) == {"Draft": 2, "Submitted": 0, "Returned for changes": 0, "Approved": 1}
    assert [str(s) for s in preview["not_approved"]] == ["5.2 Falls service", "5.10 Carers"]  # natural order
    assert (preview["comments"], preview["completions"]) == (1, 0)


def test_the_page_previews_then_closes_for_the_programme_office_only(client, world):
    url = reverse("setup:period_close", args=[world["period"].pk])
    client.force_login(world["lead"])
    assert client.get(url).status_code == 403
    client.force_login(world["other_pmo"])
    assert client.get(url).status_code == 404  # another partnership's period
    client.force_login(world["pmo"])
    periods = client.get(reverse("setup:periods", args=[world["programme"].slug])).content.decode()
    assert f'href="{url}"' in periods and "Edit dates" in periods
    page = client.get(url).content.decode()
    assert "2 schemes without an approved update" in page and "5.2 Falls service" in page
    assert "5.1 Community nursing" not in page.split("without an approved update")[1].split("</div>")[0]
    world["period"].refresh_from_db()
    assert not world["period"].is_closed
    response = client.post(url, {"version": world["period"].version})
    assert response.status_code == 302
    world["period"].refresh_from_db()
    assert world["period"].is_closed
    periods = client.get(reverse("setup:periods", args=[world["programme"].slug])).content.decode()
    assert f'href="{url}"' not in periods and "<td>Closed</td>" in periods


def test_a_stale_or_second_close_is_refused(world):
    period = world["period"]
    opened_at = period.version
    services.reporting_period_update(
        period=period, name="P1", board_date=dt.date(2015, 5, 27), steering_group_date=None, by=world["pmo2"]
    )
    with pytest.raises(StaleEdit):
        services.reporting_period_close(period=period, by=world["pmo"], expected_version=opened_at)
    services.reporting_period_close(period=period, by=world["pmo"])
    with pytest.raises(ValidationError, match="already closed"):
        services.reporting_period_close(period=period, by=world["pmo"])
