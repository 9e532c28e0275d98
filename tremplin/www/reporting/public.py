"""Pages without login: the public national statistics (cached one hour) and the read-only share links of a
dashboard view. Aggregates only, never a name; every figure from 1 to 4 is hidden, and one more where it could be
recomputed from a total (tremplin.reporting.suppression)."""

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tremplin.accounts.enums import Role
from tremplin.ops.routers import replica_view
from tremplin.reporting import stats
from tremplin.reporting.filters import StatsFilters
from tremplin.reporting.models import ShareLink
from tremplin.reporting.suppression import THRESHOLD, method
from tremplin.territories.enums import OutlineLevel
from tremplin.territories.selectors import outline_geojson, outlines_state

from . import figures as dashboard_figures
from .dashboards import collect, departement_names, public_contours_url

CACHE_KEY = "public_stats:national:v1"
CACHE_SECONDS = 60 * 60
EMPTY_COLLECTION = b'{"type": "FeatureCollection", "features": []}'


class NationalScope:
    """The viewer of published figures: the whole programme, as a national manager sees it (aggregates only)."""

    pk = None
    is_authenticated = True
    is_active = True
    is_national = True
    role = Role.NATIONAL_MANAGER


def _national_page_data() -> dict:
    viewer, filters = NationalScope(), StatsFilters()
    outlines = outlines_state()
    choropleth = dashboard_figures.choropleth(
        stats.by_departement(viewer, filters),
        departement_names(),
        contours_url=public_contours_url(outlines),
        threshold=THRESHOLD,
    )
    choropleth["outlines"] = outlines
    return {
        "figures": dashboard_figures.dashboard(stats.summary(viewer, filters), threshold=THRESHOLD),
        "choropleth": choropleth,
        "computed_at": timezone.now(),
    }


@require_GET
@replica_view
def national(request):
    data = cache.get(CACHE_KEY)
    if data is None:
        data = _national_page_data()
        cache.set(CACHE_KEY, data, CACHE_SECONDS)
    figures = data["figures"]
    context = {
        "title": "Statistiques nationales de la médiation numérique",
        "breadcrumb": [("Accueil", reverse("home:index")), ("Statistiques nationales", None)],
        "figures": figures,
        "theme_chart": next(chart for chart in figures.charts if chart.id == "thematiques"),
        "choropleth": data["choropleth"],
        "computed_at": data["computed_at"],
        "suppression_method": method(),
    }
    return render(request, "reporting/public_stats.html", context)


@require_GET
@replica_view
def share(request, token):
    link = ShareLink.objects.select_related("created_by").filter(token=token).first()
    now = timezone.now()
    viewer = link.created_by if link else None
    filters = StatsFilters.from_params(link.filters)[0] if link else StatsFilters()
    if link is None or not link.is_usable(now) or stats.scope_error(viewer, filters):
        return render(request, "reporting/share_invalid.html", {"title": "Lien de partage non valable"}, status=404)
    ShareLink.objects.filter(pk=link.pk).update(last_used_at=now)
    names = departement_names()
    lines = filters.describe({f"departement:{code}": f"{name} ({code})" for code, name in names.items()})
    # A shared view names no person: not even the mediator whose activity it is.
    lines = [(label, "un médiateur" if label == "Médiateur" else value) for label, value in lines]
    choropleth = None
    if not (filters.departement or filters.site or filters.mediator or filters.team):
        outlines = outlines_state()
        choropleth = dashboard_figures.choropleth(
            stats.by_departement(viewer, filters),
            names,
            contours_url=public_contours_url(outlines),
            threshold=THRESHOLD,
        )
        choropleth["outlines"] = outlines
    context = {
        "title": f"Tableau de bord partagé : {link.label}",
        "link": link,
        "filter_lines": lines,
        **collect(viewer, filters, threshold=THRESHOLD),
        "choropleth": choropleth,
        "suppression_method": method(),
    }
    response = render(request, "reporting/share_view.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def contours(request):
    """The département outlines for the public maps (open data: IGN, INSEE, Licence Ouverte)."""
    geojson = outline_geojson(OutlineLevel.DEPARTEMENT)
    if geojson is None:
        response = HttpResponse(EMPTY_COLLECTION, content_type="application/geo+json")
        response["Cache-Control"] = "no-cache"
        return response
    response = HttpResponse(geojson.encode(), content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=86400"
    return response
