import functools
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import json_script
from django.views.decorators.http import require_GET

from tremplin.accounts.perms import visible_communes, visible_departements
from tremplin.territories import selectors

CONTOUR_FILES = {
    "departements": "departements-version-simplifiee.geojson",
    "regions": "regions-version-simplifiee.geojson",
}
EMPTY_COLLECTION = b'{"type": "FeatureCollection", "features": []}'

SORT_LABELS = {
    "nom": "nom (A → Z)",
    "-nom": "nom (Z → A)",
    "population": "population (décroissante)",
    "-population": "population (croissante)",
    "distance": "distance au bureau de poste (décroissante)",
    "-distance": "distance au bureau de poste (croissante)",
}


class CompactJSONEncoder(DjangoJSONEncoder):
    """No blank after separators: the map data of a big département is a few hundred KB."""

    def __init__(self, *args, **kwargs):
        kwargs["separators"] = (",", ":")
        super().__init__(*args, **kwargs)


def _crumbs(*items):
    return [("Accueil", reverse("home:index")), *items]


@login_required
def france(request):
    regions = selectors.regions_with_figures(request.user)
    context = {
        "title": "Territoires",
        "breadcrumb": _crumbs(("Territoires", None)),
        "regions": regions,
        "totals": selectors.total_figures(regions),
    }
    return render(request, "territory/france.html", context)


@login_required
def region(request, code):
    region = get_object_or_404(selectors.visible_regions(request.user), code=code)
    departements = selectors.departements_with_figures(request.user, region=region)
    context = {
        "title": region.name,
        "breadcrumb": _crumbs(("Territoires", reverse("territory:france")), (region.name, None)),
        "region": region,
        "departements": departements,
        "totals": selectors.total_figures(departements),
    }
    return render(request, "territory/region.html", context)


@login_required
def departement(request, code):
    departement = get_object_or_404(visible_departements(request.user).select_related("region"), code=code)
    user = request.user
    sort = request.GET.get("tri", selectors.DEFAULT_COMMUNE_ORDERING)
    if sort not in selectors.COMMUNE_ORDERINGS:
        sort = selectors.DEFAULT_COMMUNE_ORDERING
    communes = selectors.departement_communes(user, departement, sort)
    sites = list(selectors.departement_sites(user, departement).order_by("kind", "name"))
    qpvs = list(selectors.departement_qpvs(user, departement))
    map_data = {
        "departement": departement.code,
        "bounds": selectors.bounds_of([*communes, *sites, *qpvs]),
        "sites": selectors.sites_geojson(sites),
        "qpvs": selectors.qpvs_geojson(qpvs),
        "contours": {level: reverse("territory:contours", args=[level]) for level in CONTOUR_FILES},
    }
    context = {
        "title": f"{departement.name} ({departement.code})",
        "breadcrumb": _crumbs(
            ("Territoires", reverse("territory:france")),
            (departement.region.name, reverse("territory:region", args=[departement.region_id])),
            (departement.name, None),
        ),
        "departement": departement,
        "figures": selectors.departement_figures(user, departement),
        "communes": communes,
        "sites": sites,
        "site_count": len(sites),
        "site_kinds": selectors.count_by_kind(sites),
        "qpvs": qpvs,
        "map_data": map_data,
        "map_json": json_script(map_data, "carte-donnees", encoder=CompactJSONEncoder),
        "sort": sort,
        "sort_label": SORT_LABELS[sort],
        "sort_links": _sort_links(sort),
    }
    return render(request, "territory/departement.html", context)


def _sort_links(current: str) -> dict[str, dict]:
    """For each sortable column: the `?tri=` value of its link and its aria-sort state."""
    links = {}
    for column in ("nom", "population", "distance"):
        if current == column:
            links[column] = {"tri": f"-{column}", "state": "descending" if column != "nom" else "ascending"}
        elif current == f"-{column}":
            links[column] = {"tri": column, "state": "ascending" if column != "nom" else "descending"}
        else:
            links[column] = {"tri": column, "state": ""}
    return links


@login_required
def commune(request, code_insee):
    communes = visible_communes(request.user).select_related("departement__region", "epci", "parent")
    commune = get_object_or_404(communes, code_insee=code_insee)
    departement = commune.departement
    context = {
        "title": f"{commune.name} ({commune.code_insee})",
        "breadcrumb": _crumbs(
            ("Territoires", reverse("territory:france")),
            (departement.region.name, reverse("territory:region", args=[departement.region_id])),
            (departement.name, reverse("territory:departement", args=[departement.code])),
            (commune.name, None),
        ),
        "commune": commune,
        "postcodes": commune.postcodes.split(),
        **selectors.commune_detail(request.user, commune),
    }
    return render(request, "territory/commune.html", context)


@login_required
@require_GET
def contours(request, level):
    """Outlines of départements or régions for the maps; an empty collection when the data is absent."""
    if level not in CONTOUR_FILES:
        raise Http404("Contours inconnus.")
    content = EMPTY_COLLECTION
    if settings.TREMPLIN_DATA_DIR:
        path = Path(settings.TREMPLIN_DATA_DIR) / "geo" / CONTOUR_FILES[level]
        try:
            content = _read_contours(str(path), path.stat().st_mtime_ns)
        except (OSError, ValueError):
            content = EMPTY_COLLECTION
    response = HttpResponse(content, content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@functools.lru_cache(maxsize=8)
def _read_contours(path: str, mtime_ns: int) -> bytes:
    """The file's bytes, read once per version of the file (validated as a GeoJSON FeatureCollection)."""
    content = Path(path).read_bytes()
    data = json.loads(content)
    if data.get("type") != "FeatureCollection":
        raise ValueError(f"{path} n'est pas une FeatureCollection GeoJSON.")
    return content
