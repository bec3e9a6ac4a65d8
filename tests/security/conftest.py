"""The objects the security tests reach every URL with (tests/security/objects.py)."""

import pytest

from tests.security.objects import security_objects_build


@pytest.fixture
def objects(demo, settings, _shared_layers):
    """Built once per test database over the shared demo, each test in its own transaction over them."""
    # Every highlight report goes to the background, so walking every URL as every role renders no PDF in the
    # request (the draft answers with a redirect to build it); one report is issued for the issued-report URLs.
    settings.HIGHLIGHT_REPORT_BACKGROUND_SCHEMES = 0
    built = _shared_layers.value("objects")
    return built if built is not None else security_objects_build()
