"""The one check of every `next` address a request carries: only pages of this site are followed (no open redirect)."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request) -> str:
    """The `next` parameter (POST, then GET) when it points to this site, else an empty string.

    Refused: another host (`https://evil.example/`), a scheme-relative address (`//evil.example`), a
    backslash that browsers read as a slash (`/\\evil.example`), `http://` on a site served over HTTPS."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def next_or(request, default, *args) -> str:
    """Where to go after a form: the safe `next` parameter, else `default` (a URL or a URL name with `args`)."""
    return safe_next(request) or resolve_url(default, *args)
