"""Rate limits of the API, counted by django-ratelimit in the shared cache (every server process sees the same
count, as for the web pages' limits in tremplin.www.ratelimits).

- with a valid key: TREMPLIN_API_RATE requests per key (not per address: a partner tool behind several addresses
  has one allowance, two tools of one office have one each);
- without a key (the directory of places, the OpenAPI document and its docs page), and for each refused key:
  TREMPLIN_API_PUBLIC_RATE requests per client address (tremplin.www.proxy.client_address, behind our proxies).

Beyond it: 429, {"detail": "Trop de requêtes…"} in French and `Retry-After` (seconds until the window ends).
`GET /api/v1/health` is not limited: it touches neither the database nor the cache (the benchmarks' anchor).
"""

import functools

from django.conf import settings
from django.http import JsonResponse
from django_ratelimit.core import get_usage
from ninja.throttling import BaseThrottle

DEFAULT_RETRY_AFTER = 60  # when the cache could not count (django-ratelimit then limits)


def message(seconds: int) -> str:
    unit = "seconde" if seconds <= 1 else "secondes"
    return f"Trop de requêtes : réessayez dans {seconds} {unit}."


def _token_key(group, request) -> str:
    return str(request.api_token_id)


def retry_after(request, *, group: str, key, rate: str) -> int | None:
    """Count this request; the seconds to wait if it is over the limit, else None. An empty rate: no limit."""
    if not rate:
        return None
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, usage["time_left"]) if usage["time_left"] > 0 else DEFAULT_RETRY_AFTER


def key_retry_after(request) -> int | None:
    return retry_after(request, group="api-key", key=_token_key, rate=settings.TREMPLIN_API_RATE)


def public_retry_after(request, group: str = "api-public") -> int | None:
    return retry_after(request, group=group, key="ip", rate=settings.TREMPLIN_API_PUBLIC_RATE)


def limited_response(seconds: int) -> JsonResponse:
    response = JsonResponse({"detail": message(seconds)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class ApiRateLimit(BaseThrottle):
    """ninja's throttle hook (run after authentication): per key when the request has one, else per address.
    The wait is kept on the request for the 429 handler (tremplin.api.api), this object being shared by threads."""

    def allow_request(self, request) -> bool:
        if getattr(request, "api_token_id", None) is not None:
            seconds = key_retry_after(request)
        else:
            seconds = public_retry_after(request)
        if seconds is None:
            return True
        request.api_retry_after = seconds
        return False


def public_rate_limited(view):
    """For the views that are not ninja operations (the OpenAPI document, the docs page): per client address."""

    @functools.wraps(view)
    def limited(request, *args, **kwargs):
        seconds = public_retry_after(request)
        if seconds is not None:
            return limited_response(seconds)
        return view(request, *args, **kwargs)

    return limited
