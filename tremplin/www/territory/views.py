from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import json_script
from django.views.decorators.http import require_GET, require_POST

from tremplin.accounts.perms import can_manage_reference_data, visible_communes, visible_departements
from tremplin.opendata.errors import FileFormatError
from tremplin.territories import selectors, services
from tremplin.territories.enums import AreaLevel, OutlineLevel
from tremplin.territories.models import Commune, Indicator
from tremplin.territories.services import INDICATOR_DEFINITIONS

from .forms import IndicatorScoredForm, IndicatorUploadForm

EMPTY_COLLECTION = b'{"type": "FeatureCollection", "features": []}'

SORT_LABELS = {
    "nom": "nom (A → Z)",
    "-nom": "nom (Z → A)",
    "population": "population (décroissante)",
    "-population": "population (croissante)",
    "distance": "distance au bureau de poste (décroissante)",
    "-distance": "distance au bureau de poste (croissante)",
    "score": "score de fragilité (décroissant)",
    "-score": "score de fragilité (croissant)",
}
SORTABLE_COLUMNS = ("nom", "population", "distance", "score")
RECOMPUTING = (
    "Les scores de fragilité sont en cours de recalcul par le service de tâches : "
    "les pages des territoires seront à jour d’ici quelques minutes."
)


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
    departements = selectors.departements_by_score(request.user)
    outlines = selectors.outlines_state()
    map_data = selectors.choropleth_data(
        departements,
        contours=_contour_urls(outlines),
        departement_url=reverse("territory:departement", args=["__code__"]),
    )
    context = {
        "title": "Territoires",
        "breadcrumb": _crumbs(("Territoires", None)),
        "regions": regions,
        "totals": selectors.total_figures(regions),
        "departements": departements,
        "outlines": outlines,
        "fragility_classes": selectors.FRAGILITY_CLASSES,
        "map_json": json_script(map_data, "carte-donnees", encoder=CompactJSONEncoder),
    }
    return render(request, "territory/france.html", context)


@login_required
def region(request, code):
    region = get_object_or_404(selectors.visible_regions(request.user), code=code)
    departements = selectors.sort_by_score(selectors.departements_with_figures(request.user, region=region))
    outlines = selectors.outlines_state()
    map_data = selectors.choropleth_data(
        departements,
        contours=_contour_urls(outlines),
        departement_url=reverse("territory:departement", args=["__code__"]),
    )
    context = {
        "title": region.name,
        "breadcrumb": _crumbs(("Territoires", reverse("territory:france")), (region.name, None)),
        "region": region,
        "departements": departements,
        "figures": selectors.region_figures(request.user, region),
        "totals": selectors.total_figures(departements),
        "fragility": selectors.area_fragility(AreaLevel.REGION, region.code),
        "outlines": outlines,
        "fragility_classes": selectors.FRAGILITY_CLASSES,
        "map_json": json_script(map_data, "carte-donnees", encoder=CompactJSONEncoder),
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
    national = selectors.departements_figures(user)
    figures = national.get(departement.code) or selectors.Figures(departement_count=1)
    fragility = selectors.area_fragility(AreaLevel.DEPARTEMENT, departement.code)
    outlines = selectors.outlines_state()
    map_data = {
        "departement": departement.code,
        "bounds": selectors.bounds_of([*communes, *sites, *qpvs]),
        "sites": selectors.sites_geojson(sites),
        "qpvs": selectors.qpvs_geojson(qpvs),
        "communes": selectors.communes_map(communes),
        "contours": _contour_urls(outlines),
    }
    context = {
        "title": f"{departement.name} ({departement.code})",
        "breadcrumb": _crumbs(
            ("Territoires", reverse("territory:france")),
            (departement.region.name, reverse("territory:region", args=[departement.region_id])),
            (departement.name, None),
        ),
        "departement": departement,
        "figures": figures,
        "priority": selectors.departement_priority(departement, national, fragility.score),
        "communes": communes,
        "sites": sites,
        "territory_sites": selectors.territory_sites(user, sites, departement=departement),
        "qpvs": qpvs,
        "fragility": fragility,
        "outlines": outlines,
        "fragility_classes": selectors.FRAGILITY_CLASSES,
        "map_data": map_data,
        "map_json": json_script(map_data, "carte-donnees", encoder=CompactJSONEncoder),
        "sort": sort,
        "sort_label": SORT_LABELS[sort],
        "sort_links": _sort_links(sort),
    }
    return render(request, "territory/departement.html", context)


def _contour_urls(outlines: selectors.OutlinesState) -> dict[str, str]:
    """The outlines' URLs, versioned by their checksum (a new import is not hidden by the browser's cache)."""
    return {
        level: reverse("territory:contours", args=[level]) + (f"?v={version}" if version else "")
        for level, version in outlines.versions.items()
    }


def _sort_links(current: str) -> dict[str, dict]:
    """For each sortable column: the `?tri=` value of its link and its aria-sort state."""
    links = {}
    for column in SORTABLE_COLUMNS:
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
        "fragility": selectors.commune_fragility(commune),
        **selectors.commune_detail(request.user, commune),
    }
    return render(request, "territory/commune.html", context)


@login_required
def method(request):
    context = {
        "title": "Méthode du score de fragilité numérique",
        "breadcrumb": _crumbs(("Territoires", reverse("territory:france")), ("Méthode du score", None)),
        "bands": BANDS,
        "fragility_classes": selectors.FRAGILITY_CLASSES,
        "indicators": list(Indicator.objects.all()),
        "builtin_codes": set(INDICATOR_DEFINITIONS),
    }
    return render(request, "territory/method.html", context)


# Percentile bands of the method page (fragility.BANDS, read from the top).
BANDS = [
    ("90 ou plus", "+3"),
    ("de 75 à moins de 90", "+2"),
    ("de 60 à moins de 75", "+1"),
    ("de 40 à moins de 60", "0"),
    ("de 25 à moins de 40", "\u22121"),
    ("de 10 à moins de 25", "\u22122"),
    ("moins de 10", "\u22123"),
]


@login_required
def indicators(request):
    return _indicators_page(request, IndicatorUploadForm() if can_manage_reference_data(request.user) else None)


def _indicators_page(request, form, *, error: str = ""):
    context = {
        "title": "Indicateurs de fragilité numérique",
        "breadcrumb": _crumbs(("Territoires", reverse("territory:france")), ("Indicateurs", None)),
        "indicators": list(Indicator.objects.with_coverage()),
        "commune_count": Commune.objects.actual().count(),
        "can_manage": can_manage_reference_data(request.user),
        "form": form,
        "error": error,
    }
    return render(request, "territory/indicators.html", context)


@login_required
@require_POST
def indicator_upload(request):
    if not can_manage_reference_data(request.user):
        raise PermissionDenied("Seuls les responsables nationaux importent des indicateurs.")
    form = IndicatorUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _indicators_page(request, form)
    data = form.cleaned_data
    try:
        report = services.indicator_upload(
            file=data["file"],
            code=data["code"],
            label=data["label"],
            column=data["column"],
            code_column=data["code_column"],
            direction=data["direction"],
            scored=data["scored"],
            unit=data["unit"],
            source=data["source"],
            user=request.user,
        )
    except FileFormatError as exc:
        where = Path(exc.path).name + (f":{exc.line}" if exc.line else "")
        return _indicators_page(request, form, error=f"{where} : {exc.reason}")
    rejected = ""
    if report.rejected:
        examples = " ; ".join(f"ligne {r.line} : {r.reason}" for r in report.rejections[:5])
        rejected = f" {report.rejected} ligne(s) ignorée(s) ({examples}{' ; …' if report.rejected > 5 else ''})."
    messages.success(
        request,
        f"Indicateur « {data['label']} » importé : {report.inserted} valeur(s) ajoutée(s), "
        f"{report.updated} modifiée(s), {report.unchanged} inchangée(s).{rejected} {RECOMPUTING}",
    )
    return redirect("territory:indicators")


@login_required
@require_POST
def indicator_scored(request, code):
    if not can_manage_reference_data(request.user):
        raise PermissionDenied("Seuls les responsables nationaux choisissent les indicateurs du score.")
    indicator = get_object_or_404(Indicator, code=code)
    form = IndicatorScoredForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Valeur attendue : scored=1 ou scored=0.")
    scored = form.cleaned_data["scored"]
    indicator = services.indicator_set_scored(indicator=indicator, scored=scored, user=request.user)
    state = "compte désormais" if indicator.scored else "ne compte plus"
    messages.success(request, f"« {indicator.label} » {state} dans le score. {RECOMPUTING}")
    return redirect(reverse("territory:indicators") + f"#indicateur-{indicator.code}")


@login_required
@require_GET
def contours(request, level):
    """Outlines of départements or régions for the maps, as imported by import_reference (an empty collection when
    they were not imported: the page says so)."""
    if level not in OutlineLevel.values:
        raise Http404("Contours inconnus.")
    geojson = selectors.outline_geojson(level)
    content = geojson.encode() if geojson is not None else EMPTY_COLLECTION
    response = HttpResponse(content, content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=86400" if geojson is not None else "no-cache"
    return response
