import pytest

from accounts.models import User
from schemes.models import Programme

PROGRAMME = "trafford-bcf-2015-16"


@pytest.fixture
def programme(demo):
    return Programme.objects.get(slug=PROGRAMME)


@pytest.fixture
def pmo(demo):
    return User.objects.get(username="pmo")
