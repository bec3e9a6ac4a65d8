"""WhiteNoise for the tests: the same middleware, with the static files listed once per test process.

With WHITENOISE_USE_FINDERS (static/ served without collectstatic) WhiteNoise lists and stats every static file
of every app each time the middleware is built, and Django's test client builds it afresh for every test: about
7 ms of CPU a test when measured alone (a few seconds over the suite). The files do not change during a run, so
the first listing is kept and reused while the settings it depends on are the same.
"""

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware

_listings: dict[tuple, dict] = {}


class ListedOnceWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    def add_files_from_finders(self):
        key = (
            self.static_prefix,
            self.max_age,
            self.allow_all_origins,
            self.charset,
            self.index_file,
            self.add_headers_function,
            tuple(map(str, settings.STATICFILES_DIRS)),
            tuple(settings.INSTALLED_APPS),
        )
        if key not in _listings:
            before = dict(self.files)
            super().add_files_from_finders()
            _listings[key] = {url: found for url, found in self.files.items() if before.get(url) is not found}
        self.files.update(_listings[key])
