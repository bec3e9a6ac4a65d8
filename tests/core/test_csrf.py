import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from tests.factories.schemes import ReportingPeriodFactory, SchemeLeadFactory


@pytest.mark.django_db
def test_state_changing_posts_need_the_csrf_token():
    # One scheme, its lead and an open period are all the check needs (not the whole demo).
    lead = SchemeLeadFactory(user__roles=[Role.PROJECT_LEAD])
    scheme, period = lead.scheme, ReportingPeriodFactory(programme=lead.scheme.programme)
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead.user)
    url = reverse("schemes:comment_add", args=[scheme.pk, period.code])
    data = {"date": "2015-04-01", "kind": "general", "text": "forged"}
    assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    # The page hands htmx the token in a header, as the browser would send it.
    page = client.get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    token = page.split('hx-headers=\'{"X-CSRFToken": "')[1].split('"')[0]
    assert client.post(url, data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token).status_code == 200
    assert scheme.comments.filter(text="forged").count() == 1
