import os
import shutil

import pytest

from accounts.roles import Role
from tests.factories.accounts import UserFactory

ROLE_USERS = {
    "pmo": Role.PROGRAMME_OFFICE,
    "lead": Role.PROJECT_LEAD,
    "steering": Role.STEERING_GROUP,
    "secretary": Role.BOARD_SECRETARY,
    "finance": Role.FINANCE_OFFICER,
}


@pytest.fixture
def make_user(db):
    def _make(*roles, **kwargs):
        return UserFactory(roles=list(roles), **kwargs)

    return _make


@pytest.fixture
def pmo_user(make_user):
    return make_user(Role.PROGRAMME_OFFICE)


@pytest.fixture
def demo(db):
    """The full Trafford demo data, loaded through the services as `make run` does."""
    from demo.services import demo_load

    return demo_load(password="demo-pass-for-tests")


@pytest.fixture
def demo_client(client, demo):
    """A Django test client signed in as one of the demo users: demo_client('lead')."""
    from accounts.models import User

    def _login(username):
        client.force_login(User.objects.get(username=username))
        return client

    return _login


def requirement(env_var: str, reason: str):
    """Skip with a clear reason locally, but fail where CI says the thing must be there."""
    if os.environ.get(env_var):
        pytest.fail(f"{reason} ({env_var} is set, so this must not be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if not path:
        requirement(
            "E2E_REQUIRED", "Debian's chromium is not installed: browser journeys skipped (apt-get install chromium)"
        )
    return path
