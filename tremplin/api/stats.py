"""Statistics for funders' and partners' tools: `GET /api/v1/stats/summary?departement=22&from=2023-01-01&…`.

The dashboards' filter set (tremplin.reporting.filters: the same parameter names, the same French messages) and
their figures (tremplin.reporting.stats.summary, scoped by the key's user): what the page shows, the API answers.
A filter outside the user's scope answers 403 with the reason; an unreadable parameter 422 (the page would leave it
out and say so, the API refuses rather than answer another question than the one asked)."""

from django.http import JsonResponse
from ninja import Field, Query, Router, Schema

from tremplin.reporting import stats
from tremplin.reporting.exports import METHOD
from tremplin.reporting.filters import StatsFilters

from .errors import KEY_ERRORS, Errors, Message

router = Router(tags=["statistiques"])


class DepartementOut(Schema):
    personnes_identifiees: int
    activites: int


class TrendPoint(Schema):
    mois: str = Field(description="Premier jour du mois (AAAA-MM-JJ).")
    personnes_identifiees: int
    activites: int


class SiteCount(Schema):
    id: int
    nom: str
    activites: int


class SummaryOut(Schema):
    unique_beneficiaries: int = Field(description="Personnes identifiées différentes accompagnées (une fois chacune).")
    anonymous_accompaniments: int = Field(
        description="Personnes venues sans fiche, à chaque venue (jamais ajoutées aux personnes identifiées)."
    )
    activities: int = Field(description="Activités de tous types.")
    accompaniments: int = Field(description="Accompagnements (individuels, collectifs, diagnostics, démarches).")
    by_type: dict[str, int] = Field(description="Activités par type (codes de tremplin.activities.enums.Kind).")
    by_theme: dict[str, int] = Field(description="Activités par thématique (codes La Coop).")
    by_channel: dict[str, int] = Field(description="Activités par canal (codes La Coop).")
    by_duration_band: dict[str, int]
    by_territory_type: dict[str, int] = Field(description="Activités par type de territoire : qpv, rural, urbain.")
    by_age_band: dict[str, int] = Field(description="Personnes identifiées par tranche d'âge (codes La Coop).")
    by_gender: dict[str, int]
    by_status: dict[str, int]
    anonymous_by_age_band: dict[str, int]
    anonymous_by_gender: dict[str, int]
    anonymous_by_status: dict[str, int]
    by_departement: dict[str, DepartementOut] = Field(
        description="Par département (code INSEE) ; une personne vue dans deux départements compte dans chacun."
    )
    trend: list[TrendPoint] = Field(description="Les 12 mois finissant à la fin de la période (ou aujourd'hui).")
    top_sites: list[SiteCount]
    filters: dict[str, str] = Field(description="Les filtres appliqués, avec les noms des paramètres.")
    method: str = Field(description="Comment les personnes sont comptées.")


def summary_out(viewer, filters: StatsFilters) -> dict:
    figures = stats.summary(viewer, filters)
    return {
        "unique_beneficiaries": figures.unique_beneficiaries,
        "anonymous_accompaniments": figures.anonymous_accompaniments,
        "activities": figures.activities,
        "accompaniments": figures.accompaniments,
        "by_type": figures.by_type,
        "by_theme": figures.by_theme,
        "by_channel": figures.by_channel,
        "by_duration_band": figures.by_duration_band,
        "by_territory_type": figures.by_territory_type,
        "by_age_band": figures.by_age_band,
        "by_gender": figures.by_gender,
        "by_status": figures.by_status,
        "anonymous_by_age_band": figures.anonymous_by_age_band,
        "anonymous_by_gender": figures.anonymous_by_gender,
        "anonymous_by_status": figures.anonymous_by_status,
        "by_departement": {
            code: {"personnes_identifiees": people, "activites": activities}
            for code, (people, activities) in stats.by_departement(viewer, filters).items()
        },
        "trend": [
            {"mois": month.isoformat(), "personnes_identifiees": people, "activites": activities}
            for month, people, activities in figures.trend
        ],
        "top_sites": [{"id": pk, "nom": name, "activites": count} for pk, name, count in figures.top_sites],
        "filters": filters.as_params(),
        "method": METHOD,
    }


def _dated(param):
    """A date parameter: documented as such (format date), read by StatsFilters with its French messages."""
    param.json_schema_extra.update(format="date")
    return param


DATE_FROM = _dated(Query(None, alias="from", description="Début de la période, AAAA-MM-JJ (inclus)."))
DATE_TO = _dated(Query(None, alias="to", description="Fin de la période, AAAA-MM-JJ (incluse)."))


@router.get(
    "/stats/summary",
    response={200: SummaryOut, 403: Message, 422: Errors, **KEY_ERRORS},
    summary="Chiffres d'un tableau de bord (mêmes filtres que la page)",
)
def stats_summary(
    request,
    date_from: str | None = DATE_FROM,
    date_to: str | None = DATE_TO,
    departement: str | None = Query(None, description="Code INSEE du département, par exemple 22 ou 2A."),
    organisation: str | None = Query(None, description="Identifiant de l'organisation."),
    site: str | None = Query(None, description="Identifiant du lieu."),
    mediateur: str | None = Query(None, description="Identifiant du médiateur."),
    equipe: str | None = Query(None, description="Identifiant de l'équipe d'un coordinateur."),
    theme: str | None = Query(None, description="Code d'une thématique La Coop (ou d'une démarche)."),
    type: str | None = Query(None, description="Type d'activité : individuel, collectif, diagnostic…"),  # noqa: A002
):
    """The figures of the dashboard with these filters, in the key's user's scope (a coordinator: their
    départements; a partner: their organisations; a mediator: their own activities)."""
    filters, errors = StatsFilters.from_params(request.GET)
    if errors:
        return JsonResponse(
            {"detail": "Paramètres invalides.", "errors": {name: [message] for name, message in errors.items()}},
            status=422,
        )
    refusal = stats.scope_error(request.auth, filters)
    if refusal:
        return JsonResponse({"detail": refusal}, status=403)
    return summary_out(request.auth, filters)
