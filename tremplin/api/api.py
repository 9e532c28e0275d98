"""The Tremplin API, version 1 (django-ninja, OpenAPI at /api/v1/docs). Staff keys only."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from .auth import ApiKey
from .errors import pydantic_errors
from .workshops import router as workshops_router

api = NinjaAPI(
    title="API Tremplin",
    version="1",
    description="Séances d'ateliers et inscriptions, lieux de médiation, statistiques (/stats/summary) et activités "
    "(/activities, pagination par curseur), pour les outils des partenaires et des financeurs. "
    "Authentification : en-tête `Authorization: Bearer <clé>` (clé créée par `manage.py create_api_token`).",
    auth=ApiKey(),
    urls_namespace="api",
)
api.add_router("/", workshops_router)
api.add_router("/", "tremplin.api.places.router")
api.add_router("/", "tremplin.api.stats.router")
api.add_router("/", "tremplin.api.activities.router")


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc):
    return api.create_response(
        request, {"detail": "Données invalides.", "errors": pydantic_errors(exc.errors)}, status=422
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(request, {"detail": "Clé d'API manquante, invalide ou révoquée."}, status=401)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Introuvable."}, status=404)
