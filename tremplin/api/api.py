"""The Tremplin API, version 1 (django-ninja): OpenAPI document at /api/v1/openapi.json, browsable docs (Swagger UI
served from our own static files, allowed by the Content-Security-Policy) at /api/v1/docs.

Every operation but the directory of places and the health check needs a key; every one is rate-limited
(tremplin.api.ratelimits) and documents each answer it may give, errors included (tests/api/test_schemathesis.py
checks the document against the application)."""

from django.conf import settings
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from . import ratelimits
from .auth import REFUSED, ApiKey
from .errors import in_parameters, pydantic_errors
from .workshops import router as workshops_router

api = NinjaAPI(
    title="API Tremplin",
    version="1",
    description="Séances d'ateliers et inscriptions, lieux de médiation, statistiques (/stats/summary) et activités "
    "(/activities, pagination par curseur), pour les outils des partenaires et des financeurs.\n\n"
    "**Authentification** : en-tête `Authorization: Bearer <clé>`. Une clé est personnelle (elle voit ce que son "
    "compte voit dans les pages, ni plus ni moins), créée par `manage.py create_api_token --email … [--days N]`, "
    f"valable {settings.TREMPLIN_API_TOKEN_DAYS} jours par défaut, révocable dans l'administration ; une clé "
    "inconnue, révoquée ou expirée reçoit 401.\n\n"
    f"**Limites** (requêtes/période : s, m, h, d) : {settings.TREMPLIN_API_RATE or 'aucune'} par clé, "
    f"{settings.TREMPLIN_API_PUBLIC_RATE or 'aucune'} par adresse sans clé ("
    "réglages TREMPLIN_API_RATE et TREMPLIN_API_PUBLIC_RATE) ; au-delà, 429 avec l'en-tête `Retry-After` "
    "(secondes).\n\n"
    'Erreurs : un corps JSON `{"detail": …}` en français, et `errors` (messages par champ) pour les 422.',
    auth=ApiKey(),
    throttle=ratelimits.ApiRateLimit(),
    docs_decorator=ratelimits.public_rate_limited,
    urls_namespace="api",
)
api.add_router("/", workshops_router)
api.add_router("/", "tremplin.api.places.router")
api.add_router("/", "tremplin.api.stats.router")
api.add_router("/", "tremplin.api.activities.router")


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc):
    detail = "Paramètres invalides." if in_parameters(exc.errors) else "Données invalides."
    return api.create_response(request, {"detail": detail, "errors": pydantic_errors(exc.errors)}, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    detail = getattr(exc, "message", "") if exc.__class__ is not AuthenticationError else REFUSED
    response = api.create_response(request, {"detail": detail or REFUSED}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(Throttled)
def throttled(request, exc):
    seconds = getattr(request, "api_retry_after", None) or exc.wait or ratelimits.DEFAULT_RETRY_AFTER
    response = api.create_response(request, {"detail": ratelimits.message(int(seconds))}, status=429)
    response["Retry-After"] = str(int(seconds))
    return response


@api.exception_handler(HttpError)
def http_error(request, exc):
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Introuvable."}, status=404)
