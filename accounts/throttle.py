"""Sign-in throttling that an attacker cannot turn against the people they name.

django-axes records every failed sign-in (one row per username, address and browser). We count them two
ways (AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]), each with its own rule:

- **this username from this address**: after SIGN_IN_PAIR_FREE_FAILURES failures, each further try waits
  1, 2, 4, 8... minutes after the last failure, up to SIGN_IN_PAIR_MAX_DELAY. The same username from any
  other address is not slowed at all, so typing a victim's username elsewhere cannot keep them out.
- **this address, whatever the username** (password spraying): after SIGN_IN_ADDRESS_FREE_FAILURES, the
  address waits the same growing delays, up to SIGN_IN_ADDRESS_MAX_DELAY.

Failures are forgotten AXES_COOLOFF_TIME after the last one. A successful sign-in clears that username's
failures from that address only (never the address's spraying count). A try refused while waiting is not
counted, so the owner trying again does not make their own wait longer.

The client's address: with TRUSTED_PROXY_COUNT proxies in front, each appends the address it saw to
X-Forwarded-For, so the client is the TRUSTED_PROXY_COUNT-th entry from the right; anything further left
was written by the client and is ignored. (django-ipware's proxy count expects the proxies' own addresses
in the header, which nginx and Caddy do not write, and then finds no address at all.)
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render

from accounts.models import User
from accounts.services import security_event_record

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wait:
    """Signing in is paused for `scope` until `until`."""

    scope: str  # "pair": this username from this address; "address": this address
    until: datetime
    failures: int

    def minutes_left(self, now: datetime) -> int:
        return max(1, -int(-(self.until - now).total_seconds() // 60))


def growing_delay(failures: int, *, free: int, maximum: timedelta) -> timedelta:
    """No wait for the first `free` failures; then 1, 2, 4... minutes, at most `maximum`."""
    if failures < free:
        return timedelta(0)
    doublings = min(failures - free, 20)
    return min(timedelta(minutes=2**doublings), maximum)


class SignInThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler with a growing delay per username-and-address and per address."""

    def _counts(self, request, credentials) -> list[tuple[str, int, datetime | None]]:
        pair, address = self.get_user_attempts(request, credentials)  # in AXES_LOCKOUT_PARAMETERS' order
        result = []
        for scope, attempts in (("pair", pair), ("address", address)):
            totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            result.append((scope, totals["failures"] or 0, totals["last"]))
        return result

    def wait(self, request, credentials=None) -> Wait | None:
        """The longest wait that applies to this sign-in now, or None."""
        now = request.axes_attempt_time
        rules = {
            "pair": (settings.SIGN_IN_PAIR_FREE_FAILURES, settings.SIGN_IN_PAIR_MAX_DELAY),
            "address": (settings.SIGN_IN_ADDRESS_FREE_FAILURES, settings.SIGN_IN_ADDRESS_MAX_DELAY),
        }
        longest = None
        for scope, failures, last in self._counts(request, credentials):
            free, maximum = rules[scope]
            delay = growing_delay(failures, free=free, maximum=maximum)
            if last is None or not delay:
                continue
            until = last + delay
            if until > now and (longest is None or until > longest.until):
                longest = Wait(scope=scope, until=until, failures=failures)
        return longest

    def is_locked(self, request, credentials=None) -> bool:
        wait = self.wait(request, credentials)
        request.sign_in_wait = wait
        return wait is not None

    def get_failures(self, request, credentials=None) -> int:
        # Only read by axes to decide a lock-out after a failure, against AXES_FAILURE_LIMIT (1): report 1
        # exactly when a wait now applies, so that decision is ours (is_locked), not a single global count.
        return 1 if self.is_locked(request, credentials) else 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        already = getattr(request, "axes_locked_out", False) if request is not None else False
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and request.axes_locked_out and not already:
            wait = getattr(request, "sign_in_wait", None)
            if wait is not None:
                _record_lock_out(request, get_client_username(request, credentials), wait)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful sign-in: forget this username's failures from this address, and nothing else
        (the address's spraying count stays, or one good account would wipe it)."""
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count


def _record_lock_out(request, username: str | None, wait: Wait) -> None:
    minutes = wait.minutes_left(request.axes_attempt_time)
    where = "this username from this address" if wait.scope == "pair" else "every username from this address"
    security_event_record(
        kind="locked_out",
        request=request,
        subject=User.objects.filter(username=username).first() if username else None,
        username=username or "",
        detail=f"{wait.failures} failures: {where} paused for {minutes} minute{'s' if minutes != 1 else ''}",
    )


def lockout_response(request, original_response=None, credentials=None):
    """The page shown while signing in is paused (AXES_LOCKOUT_CALLABLE): 429 with how long and why."""
    wait = getattr(request, "sign_in_wait", None)
    if wait is None:  # axes decided without us (should not happen): say so plainly
        AxesProxyHandler.get_implementation().is_locked(request, credentials)
        wait = getattr(request, "sign_in_wait", None)
    minutes = wait.minutes_left(request.axes_attempt_time) if wait else 1
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "scope": wait.scope if wait else "pair"},
        status=429,
    )
