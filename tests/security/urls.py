"""Every URL pattern of the project, and how to fill its arguments for a viewer (tests/security/world.py)."""

import re
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

from tremplin.accounts.enums import Role

from .world import ANONYMOUS, own_objects, reset_uid_token

ADMIN_PREFIX = "admin/"


@dataclass(frozen=True)
class Pattern:
    route: str  # the whole route, as written in the urls.py files ("personnes/<int:pk>/")
    name: str | None  # "beneficiaries:detail"
    lookup: object  # the URLPattern


def _route_text(pattern) -> str:
    return str(pattern.pattern)


def all_patterns(patterns=None, prefix: str = "", namespace: str | None = None) -> list[Pattern]:
    """Walk django.urls.get_resolver().url_patterns recursively (includes, the API, the admin)."""
    found = []
    for item in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(item, URLResolver):
            inner = namespace
            if item.namespace:
                inner = f"{namespace}:{item.namespace}" if namespace else item.namespace
            found += all_patterns(item.url_patterns, prefix + _route_text(item), inner)
        elif isinstance(item, URLPattern):
            name = f"{namespace}:{item.name}" if namespace and item.name else item.name
            found.append(Pattern(prefix + _route_text(item), name, item))
    return found


# --- arguments ----------------------------------------------------------------------------------------------------

ARGUMENT = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _scenario(world, viewer):
    return world.scenarios.get(viewer, world.scenarios["default"])


def _share(world, viewer):
    return world.shares.get(viewer, world.shares["default"])


def _received(world, viewer, objects):
    """A referral the viewer's side receives: partner staff answer those sent to their organisation's place."""
    if viewer == Role.PARTNER_STAFF and objects is own_objects(world, viewer):
        return world.poste.referral
    return objects.referral


def _user_of(world, viewer, objects):
    """A mediator of the viewer's organisation (the other organisation's one for the `other` variant)."""
    return objects.mediator


def route_arguments(world, route: str, viewer: str, objects) -> dict | None:
    """The arguments of `route` for `viewer`, with `objects` (own_objects, or world.other); None: no arguments known."""
    user = world.viewers.get(viewer)
    o = objects
    table = {
        # accounts
        "compte/mot-de-passe/nouveau/<uidb64>/<token>/": lambda: reset_uid_token(user or world.users.mediator),
        # territories
        "territoires/region/<str:code>/": lambda: {"code": "53"},
        "territoires/departement/<str:code>/": lambda: {"code": "22"},
        "territoires/commune/<str:code_insee>/": lambda: {"code_insee": "22113"},
        "territoires/contours/<str:level>.geojson": lambda: {"level": "departements"},
        "territoires/indicateurs/<slug:code>/score/": lambda: {"code": world.indicator.code},
        # people and diagnostics
        "personnes/<int:pk>/": lambda: {"pk": o.person.pk},
        "personnes/<int:pk>/modifier/": lambda: {"pk": o.person.pk},
        "personnes/<int:pk>/historique/": lambda: {"pk": o.person.pk},
        "personnes/<int:pk>/consentement/": lambda: {"pk": o.person.pk},
        "personnes/<int:pk>/fusionner/<int:other>/": lambda: {"pk": o.person.pk, "other": o.twin.pk},
        "personnes/<int:pk>/supprimer/": lambda: {"pk": o.person.pk},
        "personnes/<int:pk>/donnees.json": lambda: {"pk": o.person.pk},
        "personnes/<int:pk>/donnees.pdf": lambda: {"pk": o.person.pk},
        "diagnostic/reperage/<int:pk>/": lambda: {"pk": o.screening.pk},
        "diagnostic/personne/<int:person_pk>/nouveau/": lambda: {"person_pk": o.person.pk},
        "diagnostic/<int:pk>/": lambda: {"pk": o.diagnostic.pk},
        "diagnostic/<int:pk>/synthese.pdf": lambda: {"pk": o.diagnostic.pk},
        # planning
        **{
            f"planification/<int:pk>/{tail}": (lambda: {"pk": _scenario(world, viewer).pk})
            for tail in ("", "etat.json", "courbe/", "export.csv", "export.geojson", "communes.csv")
        },
        # workshops
        "ateliers/catalogue/<int:pk>/modifier/": lambda: {"pk": world.programme.pk},
        **{
            f"ateliers/seances/<int:pk>/{tail}": (lambda: {"pk": o.session.pk})
            for tail in ("", "modifier/", "annuler/", "participants.csv")
        },
        "ateliers/seances/<int:pk>/presences/": lambda: {"pk": o.past_session.pk},
        "ateliers/seances/<int:pk>/feuille-de-presence.pdf": lambda: {"pk": o.past_session.pk},
        "ateliers/inscriptions/<int:pk>/annuler/": lambda: {"pk": o.registration.pk},
        "ateliers/inscriptions/<int:pk>/confirmer/": lambda: {"pk": o.registration.pk},
        "ateliers/inscriptions/<int:pk>/attestation.pdf": lambda: {"pk": o.attended.pk},
        "ateliers/personne/<int:pk>/": lambda: {"pk": o.person.pk},
        "ateliers/personne/<int:pk>/inscrire/<int:session_pk>/": lambda: {
            "pk": o.person.pk,
            "session_pk": o.session.pk,
        },
        "ateliers/agenda/<uuid:token>.ics": lambda: {
            "token": world.feeds.get(getattr(user, "pk", None), world.feeds[world.users.mediator.pk]).token
        },
        "ateliers/lieu/<int:site_id>/": lambda: {"site_id": o.site.pk},
        "ateliers/inscription/<uuid:token>/": lambda: {"token": o.registration.token},
        # messages
        "messages/<int:pk>/courrier.pdf": lambda: {"pk": o.letter.pk},
        "messages/<int:pk>/renvoyer/": lambda: {"pk": o.failed.pk},
        # mandates
        "mandats/nouveau/<int:person_pk>/": lambda: {"person_pk": o.person.pk},
        "mandats/nouveau/<int:person_pk>/piece-d-identite/": lambda: {"person_pk": o.person.pk},
        "mandats/<int:pk>/": lambda: {"pk": o.mandate.pk},
        "mandats/<int:pk>/mandat.pdf": lambda: {"pk": o.mandate.pk},
        "mandats/<int:pk>/signature/": lambda: {"pk": o.awaiting.pk},
        "mandats/<int:pk>/abandonner/": lambda: {"pk": o.awaiting.pk},
        "mandats/<int:pk>/revoquer/": lambda: {"pk": o.mandate.pk},
        "mandats/<int:pk>/autorisations/<int:authorisation_pk>/revoquer/": lambda: {
            "pk": o.mandate.pk,
            "authorisation_pk": o.authorisation.pk,
        },
        "mandats/<int:pk>/recu-de-revocation.pdf": lambda: {"pk": o.revoked.pk},
        "mandats/<int:pk>/transferer/": lambda: {"pk": o.mandate.pk},
        "mandats/<int:pk>/demarche/": lambda: {"pk": o.mandate.pk},
        "mandats/franceconnect/personne/<int:pk>/": lambda: {"pk": o.person.pk},
        **{
            f"mandats/habilitations/<int:user_id>/{tail}": (lambda: {"user_id": _user_of(world, viewer, o).pk})
            for tail in ("", "demander/", "formation/", "habiliter/", "suspendre/", "reverifier/", "retirer/")
        },
        "verifier-un-mandat/<str:code>/": lambda: {"code": o.mandate.verification_code},
        # places and referrals
        "lieux/<int:pk>/": lambda: {"pk": o.own_place.pk},
        "lieux/<int:pk>/modifier/": lambda: {"pk": o.own_place.pk},
        "orientations/nouvelle/": lambda: {"_query": f"?personne={o.person.pk}"},
        "orientations/<int:pk>/": lambda: {"pk": o.referral.pk},
        "orientations/<int:pk>/fiche.pdf": lambda: {"pk": o.referral.pk},
        "orientations/<int:pk>/repondre/": lambda: {"pk": _received(world, viewer, o).pk},
        "orientations/<int:pk>/annuler/": lambda: {"pk": o.referral.pk},
        "orientations/lien/<str:token>/": lambda: {"token": o.referral_token},
        # activities
        "activites/seance/<int:session_id>/": lambda: {"session_id": o.past_session.pk},
        "activites/<int:pk>/": lambda: {"pk": o.activity.pk},
        "activites/<int:pk>/modifier/": lambda: {"pk": o.activity.pk},
        "activites/<int:pk>/supprimer/": lambda: {"pk": o.activity.pk},
        # reporting
        "pilotage/departement/<str:code>/": lambda: {"code": "22"},
        "pilotage/lieu/<int:site_id>/": lambda: {"site_id": o.site.pk},
        "pilotage/mediateur/<int:user_id>/": lambda: {"user_id": o.dashboard_mediator.pk},
        "pilotage/equipe/<int:team_id>/": lambda: {
            "team_id": (world.team if o is not world.other else world.other_team).pk
        },
        "pilotage/organisation/<int:organisation_id>/": lambda: {"organisation_id": o.organisation.pk},
        "pilotage/partages/<int:link_id>/revoquer/": lambda: {"link_id": _share(world, viewer).pk},
        **{
            f"pilotage/objectifs/<int:pk>/{tail}": (lambda: {"pk": world.objective.pk})
            for tail in ("", "modifier/", "supprimer/")
        },
        "pilotage/objectifs/equipes/<int:pk>/": lambda: {"pk": world.team.pk},
        "pilotage/objectifs/equipes/membres/<int:pk>/depart/": lambda: {"pk": world.member.pk},
        "statistiques/partage/<str:token>/": lambda: {"token": world.shares["default"].token},
        # API
        "api/v1/sessions/<session_id>": lambda: {"session_id": o.session.pk},
        "api/v1/sessions/<session_id>/registrations": lambda: {"session_id": o.session.pk},
        "api/v1/registrations/<registration_id>": lambda: {"registration_id": o.registration.pk},
    }
    make = table.get(route)
    return make() if make else None


def _admin_models() -> dict:
    from django.contrib import admin

    return {(model._meta.app_label, model._meta.model_name): model for model in admin.site._registry}


def admin_arguments(world, route: str) -> dict | None:
    """Admin URLs: an existing object of the model when there is one (0 otherwise), the accounts app index."""
    if "(?P<app_label>" in route:
        return {"app_label": "accounts"}
    if "(?P<url>" in route:
        return {"url": "page-inconnue/"}
    match = None if route.startswith("admin/r/") else re.match(r"admin/(?P<app>[^/]+)/(?P<model>[^/]+)/", route)
    arguments = {}
    for argument in ARGUMENT.finditer(route):
        name = argument.group("name")
        if name == "content_type_id":
            arguments[name] = ContentType.objects.get_for_model(type(world.users.mediator)).pk
        elif name == "object_id" and not match:  # view_on_site
            arguments[name] = world.users.mediator.pk
        elif name in ("object_id", "id", "pk"):
            model = _admin_models()[(match["app"], match["model"])]
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            if match["app"] == "accounts" and match["model"] == "user":
                first = world.users.mediator.pk
            arguments[name] = first if first is not None else 0
    return arguments


def fill(route: str, arguments: dict) -> str:
    """The URL of `route` with its arguments (works for the patterns without a name too)."""
    if route.startswith(ADMIN_PREFIX) and "(?P<" in route:
        if "(?P<app_label>" in route:
            return f"/admin/{arguments['app_label']}/"
        return f"/admin/{arguments['url']}"

    def value(match):
        return str(arguments[match.group("name")])

    return "/" + ARGUMENT.sub(value, route) + arguments.get("_query", "")


def url_for(world, pattern: Pattern, viewer: str, objects) -> str | None:
    """The URL to request, or None when the route has arguments this module does not know how to fill."""
    if pattern.route.startswith(ADMIN_PREFIX):
        return fill(pattern.route, admin_arguments(world, pattern.route))
    arguments = route_arguments(world, pattern.route, viewer, objects)
    if arguments is None and not ARGUMENT.search(pattern.route):
        arguments = {}  # a route without arguments
    return None if arguments is None else fill(pattern.route, arguments)


__all__ = ["ANONYMOUS", "all_patterns", "url_for"]
