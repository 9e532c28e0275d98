"""The address of the person at the other end of a request, the one rate limits and the login lockout count by.

Without a reverse proxy (TREMPLIN_TRUSTED_PROXY_COUNT=0, the default), it is the address of the connection
(REMOTE_ADDR) and X-Forwarded-For is ignored: anybody can write that header. Behind N proxies of ours, each
appends the address it received the request from to X-Forwarded-For, so the Nth address from the right is the
one our first proxy saw, and whatever the client wrote itself stays on the left where it is never read.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The client's IP address: REMOTE_ADDR, or the address our trusted proxies received the request from."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TREMPLIN_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote  # not through a proxy at all (the application port reached directly)
    # Fewer addresses than proxies: it came in through the inner ones only, the leftmost was written by one of them.
    candidate = forwarded[max(len(forwarded) - count, 0)]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
