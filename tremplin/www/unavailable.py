"""The database cannot be reached (PostgreSQL restarting, a failover, the network cut): a French answer 503 with
Retry-After instead of a 500, and no traceback: the page 503.html, or {"detail": …} under /api/. The error is
logged; the following requests reconnect by themselves once the database is back (CONN_HEALTH_CHECKS in
tremplin/settings/base.py). tests/reliability/test_database_restart.py restarts PostgreSQL under load.

The view's errors come through process_exception. Those of the other middleware (the session read by the
second-factor check, the session saved after the view) are turned into a 500 by Django before they reach this
one: the signal got_request_exception marks the request, and the 500 is replaced here. Hence its place in
MIDDLEWARE: before the session, authentication and rate-limit middleware, after those that never query.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10
API_MESSAGE = "Service momentanément indisponible : réessayez dans quelques instants."
# If even the template cannot be read: the same words, without the DSFR.
BARE_PAGE = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Service momentanément indisponible — '
    "Tremplin</title></head><body><main><h1>Service momentanément indisponible</h1><p>Réessayez dans quelques "
    "instants.</p></main></body></html>"
)
_MARK = "_tremplin_database_unavailable"


def unavailable_response(request) -> HttpResponse:
    """The 503 of a request that could not reach the database. Rendered without the request: the base template's
    context processors read the session and the user, that is the database."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": API_MESSAGE}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        try:
            page = render_to_string("503.html")
        except Exception:  # noqa: BLE001 (the answer must stay a 503 whatever failed)
            logger.exception("Page 503 impossible à afficher")
            page = BARE_PAGE
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _log(request, error: Exception) -> None:
    logger.error(
        "Base de données injoignable (%s %s) : %s : %s",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip().replace("\n", " ")[:300],
    )


def _mark_request(sender, request=None, **kwargs) -> None:
    """got_request_exception, sent by Django inside its `except`: an unreachable database is noted on the request."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, UNAVAILABLE_ERRORS):
        setattr(request, _MARK, error)
        _log(request, error)


got_request_exception.connect(_mark_request, dispatch_uid="tremplin.www.unavailable")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, None) is not None:
            return unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE_ERRORS):
            _log(request, exception)
            return unavailable_response(request)
        return None
