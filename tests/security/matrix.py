# ruff: noqa: E501 (one line per URL: the table reads better unwrapped)
"""The expected answers of every URL pattern (tests/security/test_authorisation_matrix.py).

One entry per route, as written in the urls.py files, with one answer per viewer, in this order:

    anonyme  pilote_national  coordinateur  mediateur  guichetier  partenaire  administrateur

Answers: `ok` (2xx, or a redirect that is the page's normal flow), `login` (to the sign-in page), `admin-login` (to the
admin's), `403`, `404`, `401` and `405` (the API without a key, a method the URL does not accept), `2fa` (to the
second factor pages). `other=True`: the URL carries a person's data; with the objects of another organisation it must
answer 404 to every signed-in viewer (a refusal before any lookup, 403 or login, stays what it is); `other="…"`: the
answers with another organisation's object where they are not 404 (pages by territory showing that organisation's
people masked, tests/www/test_person_data_read_path.py).
`change="post"` (or "delete"): the view changes something; the viewers refused on GET are refused that too, with
an empty body. `post="…"`: the answers to that change, for the views that take POST only (GET: 405).

The admin: ADMIN_MODELS has one entry per registered model (the prefix of its URLs): the answers of its changelist;
its other pages (add, change, history, delete) are refused to the same viewers and open for the others (or refused
by the model's own rules), without an error.
"""

from dataclasses import dataclass, field

OK = "ok"
LOGIN = "login"
ADMIN_LOGIN = "admin-login"
SECOND_FACTOR = "2fa"
FORBIDDEN = "403"
NOT_FOUND = "404"
UNAUTHORIZED = "401"
NOT_ALLOWED = "405"
REFUSED = frozenset({LOGIN, ADMIN_LOGIN, FORBIDDEN, NOT_FOUND, UNAUTHORIZED, NOT_ALLOWED})
ADMIN_APP_INDEX = "admin/<app_label>/"  # the index of one app of the admin (a regular expression listing them)
VIEWERS = ("anonyme", "pilote_national", "coordinateur", "mediateur", "guichetier", "partenaire", "administrateur")


@dataclass(frozen=True)
class Entry:
    answers: dict = field(default_factory=dict)  # viewer → answer to GET
    change: str | None = None  # the method that changes something ("post", "delete")
    post: dict | None = None  # viewer → answer to that change, when GET says nothing of it (a view for POST only)
    other: bool = False
    other_answers: dict | None = None  # viewer → answer with another organisation's object, when not 404


def _row(answers: str) -> dict:
    values = answers.split()
    assert len(values) == len(VIEWERS), answers
    return dict(zip(VIEWERS, values, strict=True))


def e(answers: str, *, change: str | None = None, post: str | None = None, other: bool | str = False) -> Entry:
    """`e("login ok ok ok 403 403 ok")`: the answers in the order of VIEWERS; `post`: those of the change, for the
    views that answer 405 to GET (only the refusals are sent: an allowed viewer's change is left to the view's tests)."""
    if post is not None:
        change = change or "post"
    other_answers = _row(other) if isinstance(other, str) else None
    post_answers = None if post is None else _row(post)
    return Entry(_row(answers), change=change, post=post_answers, other=bool(other), other_answers=other_answers)


# fmt: off
MATRIX = {
    # --- /
    "": e("ok ok ok ok ok ok ok"),
    # --- /ateliers-pres-de-chez-moi/
    "ateliers-pres-de-chez-moi/": e("ok ok ok ok ok ok ok"),
    # --- /compte/
    "compte/connexion/": e("ok ok ok ok ok ok ok"),
    "compte/deconnexion/": e("405 405 405 405 405 405 405"),
    "compte/mot-de-passe/oublie/": e("ok ok ok ok ok ok ok"),
    "compte/mot-de-passe/oublie/envoye/": e("ok ok ok ok ok ok ok"),
    "compte/mot-de-passe/nouveau/<uidb64>/<token>/": e("ok ok ok ok ok ok ok"),
    "compte/mot-de-passe/nouveau/termine/": e("ok ok ok ok ok ok ok"),
    "compte/mot-de-passe/modifier/": e("login ok ok ok ok ok ok", change="post"),
    "compte/securite/": e("login ok ok ok ok ok ok"),
    "compte/securite/activer/": e("login ok ok ok ok ok ok", change="post"),
    "compte/securite/desactiver/": e("login ok ok ok ok ok ok", change="post"),
    "compte/securite/codes-de-secours/": e("login ok ok ok ok ok ok", change="post"),
    "compte/verification/": e("login ok ok ok ok ok ok"),
    "compte/verification/confirmer/": e("login ok ok ok ok ok ok"),
    # --- /territoires/
    "territoires/": e("login ok ok ok ok ok ok"),
    "territoires/region/<str:code>/": e("login ok ok ok ok ok ok"),
    "territoires/departement/<str:code>/": e("login ok ok ok ok ok ok"),
    "territoires/commune/<str:code_insee>/": e("login ok ok ok ok ok ok"),
    "territoires/contours/<str:level>.geojson": e("login ok ok ok ok ok ok"),
    "territoires/methode/": e("login ok ok ok ok ok ok"),
    "territoires/indicateurs/": e("login ok ok ok ok ok ok"),
    "territoires/indicateurs/import/": e("login 405 405 405 405 405 405", change="post", post="login ok 403 403 403 403 ok"),
    "territoires/indicateurs/<slug:code>/score/": e("login 405 405 405 405 405 405", change="post", post="login ok 403 403 403 403 ok"),
    # --- /recherche/
    "recherche/": e("login ok ok ok ok ok ok"),
    # --- /personnes/
    "personnes/": e("login ok ok ok ok ok ok"),
    "personnes/nouvelle/": e("login 403 ok ok ok ok 403", change="post"),
    "personnes/<int:pk>/": e("login ok ok ok ok ok 404", other=True),
    "personnes/<int:pk>/modifier/": e("login 403 ok ok ok ok 403", change="post", other=True),
    "personnes/<int:pk>/historique/": e("login ok ok ok ok ok 404", other=True),
    "personnes/<int:pk>/consentement/": e("login 405 405 405 405 405 405", change="post", other=True, post="login 403 ok ok ok ok 403"),
    "personnes/<int:pk>/fusionner/<int:other>/": e("login 403 ok ok ok ok 403", change="post", other=True),
    "personnes/<int:pk>/supprimer/": e("login 403 ok ok ok ok 403", change="post", other=True),
    "personnes/<int:pk>/donnees.json": e("login 403 ok ok ok ok 403", other=True),
    "personnes/<int:pk>/donnees.pdf": e("login 403 ok ok ok ok 403", other=True),
    # --- /diagnostic/
    "diagnostic/reperage/": e("login 403 ok ok ok ok 403", change="post"),
    "diagnostic/reperage/<int:pk>/": e("login ok ok ok ok ok 404", other=True),
    "diagnostic/personne/<int:person_pk>/nouveau/": e("login 403 ok ok 403 ok 403", change="post", other=True),
    "diagnostic/<int:pk>/": e("login ok ok ok ok ok 404", other=True),
    "diagnostic/<int:pk>/synthese.pdf": e("login ok ok ok ok ok 404", other=True),
    # --- /planification/
    "planification/": e("login ok ok 403 403 403 ok", change="post"),
    "planification/comparer/": e("login ok ok 403 403 403 ok"),
    "planification/<int:pk>/": e("login ok ok 403 403 403 ok"),
    "planification/<int:pk>/etat.json": e("login ok ok 403 403 403 ok"),
    "planification/<int:pk>/courbe/": e("login 405 405 405 405 405 405", change="post", post="login ok ok 403 403 403 ok"),
    "planification/<int:pk>/export.csv": e("login 404 404 403 403 403 404"),
    "planification/<int:pk>/export.geojson": e("login 404 404 403 403 403 404"),
    "planification/<int:pk>/communes.csv": e("login 404 404 403 403 403 404"),
    # --- /ateliers/
    "ateliers/": e("login ok ok ok ok ok ok"),
    "ateliers/catalogue/": e("login ok ok ok ok ok ok"),
    "ateliers/catalogue/nouveau/": e("login ok ok ok 403 403 403", change="post"),
    "ateliers/catalogue/<int:pk>/modifier/": e("login ok ok ok 403 403 403", change="post"),
    "ateliers/seances/nouvelle/": e("login ok ok ok 403 ok ok", change="post"),
    "ateliers/seances/<int:pk>/": e("login ok ok ok ok ok ok"),
    "ateliers/seances/<int:pk>/modifier/": e("login ok ok ok 403 ok ok", change="post"),
    "ateliers/seances/<int:pk>/annuler/": e("login ok ok ok 403 ok ok", change="post"),
    "ateliers/seances/<int:pk>/presences/": e("login ok ok ok 403 ok ok", change="post", other="login ok ok 404 403 404 ok"),
    "ateliers/seances/<int:pk>/feuille-de-presence.pdf": e("login ok ok ok ok ok ok", other="login ok ok 404 404 404 ok"),
    "ateliers/seances/<int:pk>/participants.csv": e("login ok ok ok ok ok ok", other="login ok ok 404 404 404 ok"),
    "ateliers/inscriptions/<int:pk>/annuler/": e("login ok ok ok ok ok ok", change="post", other="login ok ok 404 404 404 ok"),
    "ateliers/inscriptions/<int:pk>/confirmer/": e("login 405 405 405 405 405 405", change="post", post="login ok ok ok ok ok ok"),  # another organisation's too, by territory (people masked)
    "ateliers/inscriptions/<int:pk>/attestation.pdf": e("login ok ok ok ok ok 403", other="login 403 403 404 404 404 403"),
    "ateliers/personne/<int:pk>/": e("login ok ok ok ok ok 404", other=True),
    "ateliers/personne/<int:pk>/inscrire/<int:session_pk>/": e("login 405 405 405 405 405 405", change="post", other=True, post="login 403 ok ok ok ok 403"),
    "ateliers/agenda/": e("login ok ok ok ok ok ok"),
    "ateliers/agenda/adresse/": e("login 405 405 405 405 405 405", change="post", post="login ok ok ok ok ok ok"),
    "ateliers/agenda/<uuid:token>.ics": e("ok ok ok ok ok ok ok"),
    "ateliers/statistiques/": e("login ok ok ok 403 ok ok"),
    "ateliers/lieu/<int:site_id>/": e("ok ok ok ok ok ok ok"),
    "ateliers/inscription/<uuid:token>/": e("ok ok ok ok ok ok ok"),
    # --- /messages/
    "messages/": e("login ok ok ok 403 403 ok"),
    "messages/a-appeler/": e("login ok ok ok 403 403 ok"),
    "messages/a-appeler/appels-faits/": e("login 405 405 405 405 405 405", change="post", post="login ok ok ok 403 403 ok"),
    "messages/courriers/": e("login ok ok ok 403 403 ok"),
    "messages/courriers/lot.pdf": e("login ok ok ok 403 403 ok"),
    "messages/courriers/imprimes/": e("login 405 405 405 405 405 405", change="post", post="login ok ok ok 403 403 ok"),
    "messages/<int:pk>/courrier.pdf": e("login 404 404 404 403 403 404", other=True),
    "messages/echecs/": e("login ok ok ok 403 403 ok"),
    "messages/<int:pk>/renvoyer/": e("login 405 405 405 405 405 405", change="post", post="login ok ok ok 403 403 ok"),  # another organisation's too, by territory (people masked)
    # --- /mandats/
    "mandats/": e("login ok ok ok ok ok ok"),
    "mandats/nouveau/<int:person_pk>/": e("login ok ok ok ok ok 404", change="post", other=True),
    "mandats/nouveau/<int:person_pk>/piece-d-identite/": e("login 405 405 405 405 405 405", change="post", other=True, post="login ok ok ok ok ok ok"),
    "mandats/<int:pk>/": e("login ok ok ok ok ok 404", other=True),
    "mandats/<int:pk>/mandat.pdf": e("login ok ok ok ok ok 404", other=True),
    "mandats/<int:pk>/signature/": e("login ok ok ok ok ok 404", change="post", other=True),
    "mandats/<int:pk>/abandonner/": e("login 405 405 405 405 405 405", change="post", other=True, post="login ok ok ok ok ok ok"),
    "mandats/<int:pk>/revoquer/": e("login 405 405 405 405 405 405", change="post", other=True, post="login ok ok ok ok ok ok"),
    "mandats/<int:pk>/autorisations/<int:authorisation_pk>/revoquer/": e("login 405 405 405 405 405 405", change="post", other=True, post="login ok ok ok ok ok ok"),
    "mandats/<int:pk>/recu-de-revocation.pdf": e("login 404 404 404 404 404 404", other=True),
    "mandats/<int:pk>/transferer/": e("login ok ok ok ok ok 404", change="post", other=True),
    "mandats/<int:pk>/demarche/": e("login ok ok ok ok ok 404", change="post", other=True),
    "mandats/franceconnect/personne/<int:pk>/": e("login 405 405 405 405 405 405", change="post", other=True, post="login ok ok ok ok ok ok"),
    "mandats/franceconnect/retour/": e("login 400 400 400 400 400 400"),
    "mandats/habilitations/": e("login ok ok 403 403 403 ok"),
    "mandats/habilitations/mon-habilitation/": e("login 403 403 ok 403 ok 403"),
    "mandats/habilitations/<int:user_id>/": e("login ok ok 403 403 403 404", other=True),
    "mandats/habilitations/<int:user_id>/demander/": e("login 405 405 405 405 405 405", change="post", post="login ok ok 403 403 403 404"),
    "mandats/habilitations/<int:user_id>/formation/": e("login 405 405 405 405 405 405", change="post", post="login ok ok 403 403 403 404"),
    "mandats/habilitations/<int:user_id>/habiliter/": e("login 405 405 405 405 405 405", change="post", post="login ok ok 403 403 403 404"),
    "mandats/habilitations/<int:user_id>/suspendre/": e("login 405 405 405 405 405 405", change="post", post="login ok ok 403 403 403 404"),
    "mandats/habilitations/<int:user_id>/reverifier/": e("login 405 405 405 405 405 405", change="post", post="login ok ok 403 403 403 404"),
    "mandats/habilitations/<int:user_id>/retirer/": e("login 405 405 405 405 405 405", change="post", post="login ok ok 403 403 403 404"),
    "mandats/journal/": e("login ok 403 403 403 403 ok"),
    # --- /lieux/
    "lieux/": e("ok ok ok ok ok ok ok"),
    "lieux/mes-lieux/": e("login ok ok ok ok ok ok"),
    "lieux/<int:pk>/": e("ok ok ok ok ok ok ok"),
    "lieux/<int:pk>/modifier/": e("login 404 404 404 404 ok 404", change="post"),
    # --- /orientations/
    "orientations/": e("login ok ok ok ok ok ok"),
    "orientations/nouvelle/": e("login 404 ok ok ok ok 404", change="post"),
    "orientations/statistiques/": e("login ok ok 403 403 403 403"),
    "orientations/<int:pk>/": e("login ok ok ok ok ok 404", other=True),
    "orientations/<int:pk>/fiche.pdf": e("login ok ok ok ok ok 404", other=True),
    "orientations/<int:pk>/repondre/": e("login 405 405 405 405 405 405", change="post", other=True, post="login 404 404 404 404 ok 404"),
    "orientations/<int:pk>/annuler/": e("login 405 405 405 405 405 405", change="post", other=True, post="login 404 ok ok ok ok 404"),
    "orientations/lien/<str:token>/": e("ok ok ok ok ok ok ok"),
    # --- /activites/
    "activites/": e("login ok ok ok ok ok ok"),
    "activites/nouveau/": e("login 403 ok ok 403 ok 403", change="post"),
    "activites/atelier/nouveau/": e("login 403 ok ok 403 ok 403", change="post"),
    "activites/seance/<int:session_id>/": e("login ok ok ok 403 ok ok", change="post", other="login ok ok 404 404 404 ok"),
    "activites/<int:pk>/": e("login ok ok ok 404 ok ok", other="login ok ok 404 404 404 ok"),
    "activites/<int:pk>/modifier/": e("login 403 ok ok 404 ok 403", change="post", other="login 403 403 404 404 404 403"),
    "activites/<int:pk>/supprimer/": e("login 403 ok ok 404 ok 403", change="post", other="login 403 403 404 404 404 403"),
    "activites/export.csv": e("login ok ok ok ok ok ok"),
    "activites/export.xlsx": e("login ok ok ok ok ok ok"),
    "activites/importer/": e("login 403 ok ok 403 ok 403", change="post"),
    # --- /pilotage/
    "pilotage/": e("login ok ok ok ok ok ok"),
    "pilotage/departement/<str:code>/": e("login ok ok ok ok ok ok"),
    "pilotage/lieu/<int:site_id>/": e("login ok ok ok ok ok ok"),
    "pilotage/mediateur/<int:user_id>/": e("login ok ok ok 404 ok ok", other="login ok ok 404 404 404 ok"),
    "pilotage/equipe/<int:team_id>/": e("login ok ok 403 403 403 ok", other="login ok 403 403 403 403 ok"),
    "pilotage/organisation/<int:organisation_id>/": e("login ok ok ok ok ok ok"),
    "pilotage/partages/": e("login ok ok 403 403 403 ok"),
    "pilotage/partages/nouveau/": e("login 405 405 405 405 405 405", change="post", post="login ok ok 403 403 403 ok"),
    "pilotage/partages/<int:link_id>/revoquer/": e("login 405 405 405 405 405 405", change="post", post="login ok ok 403 403 403 ok"),
    "pilotage/export.csv": e("login ok ok ok ok ok ok"),
    "pilotage/export.xlsx": e("login ok ok ok ok ok ok"),
    "pilotage/rapport.pdf": e("login ok ok ok ok ok ok"),
    "pilotage/donnees-ouvertes.csv": e("login ok ok ok ok ok ok"),
    "pilotage/objectifs/": e("login ok ok ok ok ok ok"),
    "pilotage/objectifs/nouveau/": e("login ok ok 403 403 403 ok", change="post"),
    "pilotage/objectifs/<int:pk>/": e("login ok ok 404 404 404 ok"),
    "pilotage/objectifs/<int:pk>/modifier/": e("login ok ok 404 404 404 ok", change="post"),
    "pilotage/objectifs/<int:pk>/supprimer/": e("login ok ok 404 404 404 ok", change="post"),
    "pilotage/objectifs/equipes/": e("login ok ok ok 403 403 ok", change="post"),
    "pilotage/objectifs/equipes/<int:pk>/": e("login ok ok ok 404 404 ok", change="post"),
    "pilotage/objectifs/equipes/membres/<int:pk>/depart/": e("login 405 405 405 405 405 405", change="post", post="login ok ok 403 404 404 ok"),
    # --- /statistiques/
    "statistiques/": e("ok ok ok ok ok ok ok"),
    "statistiques/partage/<str:token>/": e("ok ok ok ok ok ok ok"),
    "statistiques/contours/departements.geojson": e("ok ok ok ok ok ok ok"),
    # --- /verifier-un-mandat/
    "verifier-un-mandat/": e("ok ok ok ok ok ok ok"),
    "verifier-un-mandat/<str:code>/": e("ok ok ok ok ok ok ok"),
    # --- /api/
    "api/v1/openapi.json": e("ok ok ok ok ok ok ok"),
    "api/v1/docs": e("ok ok ok ok ok ok ok"),
    "api/v1/sessions": e("401 ok ok ok ok ok ok"),
    "api/v1/sessions/<session_id>": e("401 ok ok ok ok ok ok"),
    "api/v1/sessions/<session_id>/registrations": e("405 405 405 405 405 405 405", change="post", post="401 403 ok ok ok ok 403"),
    "api/v1/registrations/<registration_id>": e("405 405 405 405 405 405 405", change="delete", post="401 ok ok ok ok ok ok"),
    "api/v1/health": e("ok ok ok ok ok ok ok"),
    "api/v1/places": e("422 422 422 422 422 422 422"),
    "api/v1/stats/summary": e("401 ok ok ok ok ok ok"),
    "api/v1/activities": e("401 ok ok ok ok ok ok"),
    "api/v1/": e("404 404 404 404 404 404 404"),
    # --- /admin/
    "admin/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/login/": e("ok ok ok ok ok ok ok"),
    "admin/logout/": e("ok 405 ok ok ok ok 405"),
    "admin/password_change/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/password_change/done/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/autocomplete/": e("admin-login 403 admin-login admin-login admin-login admin-login 403"),
    "admin/jsi18n/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/r/<path:content_type_id>/<path:object_id>/": e("admin-login 404 admin-login admin-login admin-login admin-login 404"),
    "admin/<app_label>/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/(?P<url>.*)$": e("admin-login 404 admin-login admin-login admin-login admin-login 404"),
}

ADMIN_MODELS = {
    "admin/auth/group/": e("admin-login 403 admin-login admin-login admin-login admin-login ok"),
    "admin/dsfr/dsfrconfig/": e("admin-login 403 admin-login admin-login admin-login admin-login ok"),
    "admin/axes/accessattempt/": e("admin-login 403 admin-login admin-login admin-login admin-login ok"),
    "admin/axes/accesslog/": e("admin-login 403 admin-login admin-login admin-login admin-login ok"),
    "admin/axes/accessfailurelog/": e("admin-login 403 admin-login admin-login admin-login admin-login ok"),
    "admin/django_tasks_database/dbtaskresult/": e("admin-login 403 admin-login admin-login admin-login admin-login ok"),
    "admin/accounts/user/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/accounts/securityevent/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/accounts/apitoken/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/otp_totp/totpdevice/": e("admin-login 403 admin-login admin-login admin-login admin-login ok"),
    "admin/territories/region/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/territories/departement/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/territories/epci/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/territories/commune/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/territories/formercommune/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/territories/qpv/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/network/organisation/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/network/site/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/notifications/notification/": e("admin-login 403 admin-login admin-login admin-login admin-login ok"),
    "admin/opendata/referenceimport/": e("admin-login ok admin-login admin-login admin-login admin-login ok"),
    "admin/privacy/retentionrun/": e("admin-login 403 admin-login admin-login admin-login admin-login ok"),
}
# fmt: on
