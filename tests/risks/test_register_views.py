import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from risks import services
from risks.models import Risk
from schemes.models import Scheme
from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory

SLUG = "trafford-bcf-2015-16"


def _make_risks(programme, n, schemes=()):
    for i in range(n):
        risk = services.risk_create(
            programme=programme,
            title=f"Risk {i}",
            description="d",
            raised_on=dt.date(2015, 4, 1),
            likelihood=1 + i % 5,
            consequence=1 + (i // 5) % 5,
            target_likelihood=1,
            target_consequence=1,
            schemes=list(schemes),
        )
        services.mitigating_action_add(risk=risk, action="act", due_date=dt.date(2015, 6, 1))


def test_heat_map_counts_open_risks_and_a_cell_filters_the_register(demo_client, demo):
    client = demo_client("steering")
    response = client.get(reverse("risks:register"))
    cells = {
        (c["likelihood"], c["consequence"]): c["count"]
        for row in response.context["heat_map"]["rows"]
        for c in row["cells"]
    }
    assert cells[(4, 3)] == 1 and cells[(3, 3)] == 1 and sum(cells.values()) == 2
    response = client.get(reverse("risks:register"), {"programme": SLUG, "likelihood": 4, "consequence": 3})
    assert [r.title for r in response.context["risks"]] == ["IT access to both systems for integrated working"]
    assert response.context["heat_map"]["total"] == 2  # the map still shows every cell


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"grade": "high"}, 2),
        ({"grade": "low"}, 0),
        ({"status": "closed"}, 0),
        ({"on_assurance_framework": "true"}, 0),
        ({"review_overdue": "true"}, 2),
    ],
)
def test_register_filters(demo_client, demo, params, expected):
    response = demo_client("steering").get(reverse("risks:register"), {"programme": SLUG, **params})
    assert len(response.context["risks"]) == expected


def test_register_filter_by_scheme(demo_client, demo):
    scheme = Scheme.objects.get(programme__slug=SLUG, ref="5.7")
    other = Scheme.objects.get(programme__slug=SLUG, ref="5.1")
    client = demo_client("steering")
    assert len(client.get(reverse("risks:register"), {"programme": SLUG, "scheme": scheme.pk}).context["risks"]) == 2
    assert len(client.get(reverse("risks:register"), {"programme": SLUG, "scheme": other.pk}).context["risks"]) == 0


def test_register_and_heat_map_query_count_does_not_grow_with_risks(client, make_user):
    """Prevents N+1 on schemes, actions, assessments and owners per risk, and per heat-map cell."""
    programme = ProgrammeFactory()
    ReportingPeriodFactory(programme=programme)
    scheme = SchemeFactory(programme=programme)
    client.force_login(make_user(Role.STEERING_GROUP))
    url = reverse("risks:register") + f"?programme={programme.slug}"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _make_risks(programme, 3, [scheme])
    client.get(url)  # the first visit remembers the programme picked in the session (a one-off write)
    few = count()
    _make_risks(programme, 40, [scheme])
    assert count() == few


def test_lead_edits_only_risks_on_schemes_they_lead(demo_client, demo):
    risk = Risk.objects.get(title__startswith="IT access")  # on 5.7, which `lead` does not lead
    lead = demo_client("lead")
    assert lead.post(reverse("risks:rescore", args=[risk.pk]), {"likelihood": 1, "consequence": 1}).status_code == 403
    assert lead.get(reverse("risks:edit", args=[risk.pk])).status_code == 403
    assert demo_client("steering").get(reverse("risks:create")).status_code == 403
    lead = demo_client("lead")  # the fixture signs one client in as each user in turn
    nursing = Scheme.objects.get(programme__slug=SLUG, ref="5.1")
    scheme_53 = Scheme.objects.get(programme__slug=SLUG, ref="5.3")
    form = {
        "title": "District nurse vacancies",
        "description": "Vacancies delay the new model",
        "category": "workforce",
        "raised_on": "2015-06-01",
        "likelihood": 3,
        "consequence": 4,
        "target_likelihood": 2,
        "target_consequence": 3,
        "board_escalation": "auto",
        "schemes": [scheme_53.pk],
    }
    response = lead.post(reverse("risks:create") + f"?programme={SLUG}", form)
    assert response.status_code == 200 and "Link the risk to a scheme you lead" in response.content.decode()
    form["schemes"] = [nursing.pk]
    response = lead.post(reverse("risks:create") + f"?programme={SLUG}", form)
    assert response.status_code == 302
    created = Risk.objects.get(title="District nurse vacancies")
    assert created.score == 12 and created.assessments.count() == 1


def test_rescore_through_the_page_shows_in_history_and_trend(demo_client, demo):
    risk = Risk.objects.get(title__startswith="IT access")
    pmo = demo_client("pmo")
    data = {
        "assessed_on": "2015-07-01",
        "likelihood": 2,
        "consequence": 3,
        "target_likelihood": 2,
        "target_consequence": 3,
        "note": "IT access granted for the West team",
        "version": risk.version,
    }
    assert pmo.post(reverse("risks:rescore", args=[risk.pk]), data).status_code == 302
    html = pmo.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert "12 → 6 → 6" in html
    assert "IT access granted for the West team" in html
    assert "<strong>Likelihood</strong>: 4 → 2" in html
    # Same form again: stale.
    pmo.post(reverse("risks:rescore", args=[risk.pk]), data)
    risk.refresh_from_db()
    assert risk.assessments.count() == 2


def test_bad_input_on_the_risk_form_is_shown_on_its_field(demo_client, demo):
    pmo = demo_client("pmo")
    form = {
        "title": "x",
        "description": "y",
        "category": "delivery",
        "raised_on": "2015-06-01",
        "next_review_date": "2015-05-01",
        "likelihood": 3,
        "consequence": 3,
        "target_likelihood": 4,
        "target_consequence": 4,
        "board_escalation": "auto",
    }
    response = pmo.post(reverse("risks:create") + f"?programme={SLUG}", form)
    errors = response.context["form"].errors
    assert "next_review_date" in errors or "target_reason" in errors
    form["next_review_date"] = ""
    errors = pmo.post(reverse("risks:create") + f"?programme={SLUG}", form).context["form"].errors
    assert "target_reason" in errors
    form["likelihood"] = 7
    errors = pmo.post(reverse("risks:create") + f"?programme={SLUG}", form).context["form"].errors
    assert "likelihood" in errors
    assert not Risk.objects.filter(title="x").exists()


def test_scheme_page_lists_its_risks(demo_client, demo):
    scheme = Scheme.objects.get(programme__slug=SLUG, ref="5.7")
    html = demo_client("secretary").get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "IT access to both systems for integrated working" in html and "12 High" in html
