"""The address of the person making a request, behind TRUSTED_PROXY_COUNT proxies.

Each proxy appends the address it saw to X-Forwarded-For, so the client is the TRUSTED_PROXY_COUNT-th entry from
the right; anything further left was written by the client and is ignored. (django-ipware's proxy count expects
the proxies' own addresses in the header, which nginx and Caddy do not write, and then finds no address at all.)
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The address of the person making the request, as the trusted proxies saw it (AXES_CLIENT_IP_CALLABLE)."""
    meta = request.META
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            candidate = _valid(hops[-count])
            if candidate:
                return candidate
        # Not through all the proxies (e.g. a health check from inside the network): the peer itself.
    return _valid(meta.get("REMOTE_ADDR", ""))


def _valid(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
