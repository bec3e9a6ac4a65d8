import threading
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections

from core import schedule

CHECK_EVERY_SECONDS = 60


class InProcessBeatMiddleware:
    """Under `make run` (settings.IN_PROCESS_BEAT, on when there is no Redis): at most once a minute, a request
    starts a background thread that runs whatever entry of the schedule is due (core.schedule). The request does
    not wait for it. Off in production and tests, where it is not even installed (MiddlewareNotUsed)."""

    def __init__(self, get_response):
        if not getattr(settings, "IN_PROCESS_BEAT", False):
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.checked = 0.0
        self.running = threading.Lock()

    def __call__(self, request):
        now = time.monotonic()
        if now - self.checked >= CHECK_EVERY_SECONDS and not self.running.locked():
            self.checked = now
            threading.Thread(target=self._run, name="in-process-beat", daemon=True).start()
        return self.get_response(request)

    def _run(self) -> None:
        with self.running:
            try:
                schedule.run_due()
            finally:
                connections.close_all()  # this thread's own database connections
