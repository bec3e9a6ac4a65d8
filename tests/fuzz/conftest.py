# The objects the permission matrix reaches every URL with: the fuzz test posts to the same URLs.
from tests.security.conftest import objects  # noqa: F401
