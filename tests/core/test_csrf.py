import pytest
from django.test import Client
from django.urls import reverse

from schemes.models import ReportingPeriod, Scheme


@pytest.mark.django_db
def test_state_changing_posts_need_the_csrf_token(demo):
    from accounts.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="lead"))
    nursing = Scheme.objects.get(ref="5.1")
    period = ReportingPeriod.objects.get(code="2015-16-P2")
    url = reverse("schemes:comment_add", args=[nursing.pk, period.code])
    data = {"date": "2015-07-01", "kind": "general", "text": "forged"}
    assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    # The page hands htmx the token in a header, as the browser would send it.
    page = client.get(reverse("schemes:detail", args=[nursing.pk])).content.decode()
    token = page.split('hx-headers=\'{"X-CSRFToken": "')[1].split('"')[0]
    assert client.post(url, data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token).status_code == 200
    assert nursing.comments.filter(text="forged").count() == 1
