"""Read queries across territories and network, always scoped by `tremplin.accounts.perms`.

Figures are aggregated with `values().annotate()` (one GROUP BY query per model), never one query per
row: the number of queries stays the same for one département or for the hundred of them.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.formats import number_format

from tremplin.accounts.enums import Role
from tremplin.accounts.perms import visible_communes, visible_departements, visible_qpvs, visible_sites
from tremplin.network.enums import POSTAL_KINDS, SiteKind
from tremplin.network.models import Site

from . import fragility
from .enums import RURAL_LEVELS, AreaLevel
from .models import AreaFragility, Commune, Departement, Indicator, IndicatorValue, Qpv, Region

# Site kinds shown as headline figures, in this order.
HEADLINE_SITE_KINDS = (
    SiteKind.POST_OFFICE,
    SiteKind.COMMUNAL_POSTAL_AGENCY,
    SiteKind.INTERCOMMUNAL_POSTAL_AGENCY,
    SiteKind.POSTAL_RELAY,
    SiteKind.FRANCE_SERVICES,
)

# `?tri=` values of the communes table → ordering (missing values always last).
COMMUNE_ORDERINGS = {
    "nom": (F("name").asc(),),
    "-nom": (F("name").desc(),),
    "population": (F("population").desc(nulls_last=True), F("name").asc()),
    "-population": (F("population").asc(nulls_last=True), F("name").asc()),
    "distance": (F("post_office_km").desc(nulls_last=True), F("name").asc()),
    "-distance": (F("post_office_km").asc(nulls_last=True), F("name").asc()),
    "score": (F("fragility_score").desc(nulls_last=True), F("name").asc()),
    "-score": (F("fragility_score").asc(nulls_last=True), F("name").asc()),
}
DEFAULT_COMMUNE_ORDERING = "nom"


@dataclass
class Figures:
    """Headline figures of a territory (or of everything a user can see)."""

    commune_count: int = 0
    population: int = 0
    rural_population: int = 0
    qpv_count: int = 0
    post_office_count: int = 0
    departement_count: int = 0

    @property
    def rural_share(self) -> float | None:
        """Share of the population living in rural communes (density levels 5 to 7), in %."""
        if not self.population:
            return None
        return 100 * self.rural_population / self.population

    def add(self, other: "Figures") -> None:
        for name in (
            "commune_count",
            "population",
            "rural_population",
            "qpv_count",
            "post_office_count",
            "departement_count",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class SiteKindCount:
    kind: str
    label: str
    count: int


@dataclass
class Overview:
    totals: Figures
    departements: list[Departement]
    site_kinds: list[SiteKindCount]
    other_site_count: int = 0
    show_my_sites: bool = False
    my_sites: list[Site] = field(default_factory=list)


# Paths from each model to the grouping level.
_LEVELS = {
    "departement": {"commune": "departement", "qpv": "departement", "site": "commune__departement"},
    "region": {
        "commune": "departement__region",
        "qpv": "departement__region",
        "site": "commune__departement__region",
    },
}


def _figures_by(user, level: str, *, departements: QuerySet | None = None) -> dict[str, Figures]:
    """Figures of every visible département (or région), keyed by code: three GROUP BY queries.

    `departements` narrows the territory (a région's départements, one département).
    """
    paths = _LEVELS[level]
    communes = visible_communes(user).actual()
    qpvs = visible_qpvs(user)
    post_offices = visible_sites(user).post_offices()
    if departements is not None:
        communes = communes.filter(departement__in=departements)
        qpvs = qpvs.filter(departement__in=departements)
        post_offices = post_offices.filter(commune__departement__in=departements)

    figures: dict[str, Figures] = {}
    rows = (
        communes.order_by()
        .values(key=F(paths["commune"]))
        .annotate(
            n_communes=Count("pk"),
            total_population=Sum("population"),
            rural_population=Sum("population", filter=Q(density_level__in=RURAL_LEVELS)),
        )
    )
    for row in rows:
        figures[row["key"]] = Figures(
            commune_count=row["n_communes"],
            population=row["total_population"] or 0,
            rural_population=row["rural_population"] or 0,
        )
    for row in qpvs.order_by().values(key=F(paths["qpv"])).annotate(n=Count("pk", distinct=True)):
        if row["key"] is not None:
            figures.setdefault(row["key"], Figures()).qpv_count = row["n"]
    for row in post_offices.order_by().values(key=F(paths["site"])).annotate(n=Count("pk", distinct=True)):
        if row["key"] is not None:
            figures.setdefault(row["key"], Figures()).post_office_count = row["n"]
    return figures


def departements_with_figures(user, *, region: Region | None = None) -> list[Departement]:
    """Visible départements (of one région, if given), each with a `.figures` attribute. 4 queries."""
    departements = visible_departements(user)
    if region is not None:
        departements = departements.filter(region=region)
    figures = _figures_by(user, "departement", departements=departements)
    result = list(departements.select_related("region").order_by("code"))
    for departement in result:
        departement.figures = figures.get(departement.code) or Figures()
        departement.figures.departement_count = 1
    return result


def visible_regions(user) -> QuerySet[Region]:
    """Régions holding at least one département the user can see."""
    return Region.objects.filter(code__in=visible_departements(user).values("region"))


def regions_with_figures(user) -> list[Region]:
    """Régions holding at least one visible département, each with `.figures`. 5 queries."""
    departements = visible_departements(user)
    counts = dict(
        departements.order_by().values_list("region").annotate(n=Count("pk", distinct=True)).values_list("region", "n")
    )
    figures = _figures_by(user, "region")
    regions = list(visible_regions(user).order_by("name"))
    for region in regions:
        region.figures = figures.get(region.code, Figures())
        region.figures.departement_count = counts.get(region.code, 0)
    return regions


def total_figures(rows) -> Figures:
    total = Figures()
    for row in rows:
        total.add(row.figures)
    return total


def site_kind_counts(sites: QuerySet) -> dict[str, int]:
    return dict(sites.order_by().values_list("kind").annotate(n=Count("pk", distinct=True)).values_list("kind", "n"))


def count_by_kind(sites) -> list[SiteKindCount]:
    """Sites already loaded, counted by kind (in the order of SiteKind), kinds with no site left out."""
    counts: dict[str, int] = {}
    for site in sites:
        counts[site.kind] = counts.get(site.kind, 0) + 1
    return [SiteKindCount(kind, kind.label, counts[kind]) for kind in SiteKind if kind in counts]


def home_overview(user) -> Overview:
    """Everything the home page shows, scoped by role, in a fixed number of queries."""
    departements = departements_with_figures(user)
    totals = total_figures(departements)
    totals.qpv_count = visible_qpvs(user).count()  # QPV without a département count too
    sites = visible_sites(user)
    counts = site_kind_counts(sites)
    site_kinds = [SiteKindCount(kind, kind.label, counts.get(kind, 0)) for kind in HEADLINE_SITE_KINDS]
    other = sum(n for kind, n in counts.items() if kind not in HEADLINE_SITE_KINDS)
    show_my_sites = user.role in (Role.MEDIATOR, Role.COUNTER_AGENT)
    my_sites = []
    if show_my_sites:
        my_sites = list(sites.filter(staff=user).select_related("commune").order_by("name"))
    return Overview(
        totals=totals,
        departements=departements,
        site_kinds=site_kinds,
        other_site_count=other,
        show_my_sites=show_my_sites,
        my_sites=my_sites,
    )


def departement_figures(user, departement: Departement) -> Figures:
    single = Departement.objects.filter(pk=departement.pk)
    figures = _figures_by(user, "departement", departements=single).get(departement.code, Figures())
    figures.departement_count = 1
    return figures


def departement_communes(user, departement: Departement, ordering: str = DEFAULT_COMMUNE_ORDERING) -> list[Commune]:
    """The communes of a département with their QPV count: one query whatever their number."""
    order = COMMUNE_ORDERINGS.get(ordering, COMMUNE_ORDERINGS[DEFAULT_COMMUNE_ORDERING])
    return list(
        visible_communes(user)
        .actual()
        .filter(departement=departement)
        .annotate(qpv_count=Count("qpvs", distinct=True))
        .order_by(*order)
    )


def departement_sites(user, departement: Departement) -> QuerySet[Site]:
    return visible_sites(user).filter(commune__departement=departement).select_related("commune")


def departement_qpvs(user, departement: Departement) -> QuerySet[Qpv]:
    return visible_qpvs(user).filter(departement=departement)


def commune_detail(user, commune: Commune) -> dict:
    """What the commune page lists besides the commune itself (QPV, sites, former communes, districts)."""
    return {
        "qpvs": list(visible_qpvs(user).filter(communes=commune).order_by("name")),
        "sites": list(visible_sites(user).filter(commune=commune).select_related("commune").order_by("kind", "name")),
        "former_communes": list(commune.former_communes.order_by("name")),
        "districts": list(commune.districts.order_by("code_insee")),
    }


def search(user, text: str, *, limit: int = 50) -> dict:
    """Communes (name without accents, postcode, INSEE code) and sites (name) the user can see."""
    communes = (
        visible_communes(user)
        .search(text)
        .select_related("departement")
        .order_by(F("population").desc(nulls_last=True), "name")
    )
    sites = visible_sites(user).filter(name__icontains=text.strip()).select_related("commune").order_by("name", "pk")
    return {
        "communes": list(communes[:limit]),
        "commune_count": communes.count(),
        "sites": list(sites[:limit]),
        "site_count": sites.count(),
        "limit": limit,
    }


# ---------------------------------------------------------------------------------------------------
# Digital fragility (computed by services.fragility_scores_refresh; read here)
# ---------------------------------------------------------------------------------------------------

# Indicators whose values are 0/1 flags, shown as « oui » / « non ».
YES_NO_INDICATORS = {"rural", "qpv"}


def format_value(value: float | None, *, unit: str = "", yes_no: bool = False) -> str:
    """« 12,5 % », « 3,2 km », « 6,1 /10 », « oui »; « — » when missing."""
    if value is None:
        return "—"
    if yes_no:
        return "oui" if value else "non"
    decimals = 0 if float(value).is_integer() else (1 if abs(value) >= 100 else 2)
    text = number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)
    if decimals:
        text = text.rstrip("0").rstrip(",") if "," in text else text
    return f"{text}\u00a0{unit}" if unit else text


def format_points(points: int | None) -> str:
    """Signed points with a true minus sign: « +2 », « −1 », « 0 »."""
    if points is None:
        return "—"
    return f"+{points}" if points > 0 else f"\u2212{-points}" if points < 0 else "0"


@dataclass
class FragilityClass:
    number: int
    lower: float
    upper: float


FRAGILITY_CLASSES = [FragilityClass(k, *fragility.class_bounds(k)) for k in range(1, fragility.CLASS_COUNT + 1)]


@dataclass
class IndicatorLine:
    """One indicator of a territory: its value, national percentile, points, and whether it counts."""

    indicator: Indicator
    value: float | None = None
    missing_reason: str = ""
    percentile: float | None = None
    points: int | None = None
    epci_value: IndicatorValue | None = None

    @property
    def counted(self) -> bool:
        return self.indicator.scored and self.points is not None

    @property
    def display_value(self) -> str:
        return format_value(self.value, unit=self.indicator.unit, yes_no=self.indicator.code in YES_NO_INDICATORS)

    @property
    def display_points(self) -> str:
        return format_points(self.points)

    @property
    def display_epci_value(self) -> str:
        if self.epci_value is None:
            return ""
        return format_value(self.epci_value.value, unit=self.indicator.unit)

    @property
    def display_epci_points(self) -> str:
        return format_points(self.epci_value.points) if self.epci_value is not None else ""


@dataclass
class Fragility:
    """A territory's score, its class (1–7) and every indicator behind it."""

    score: float | None
    indicator_count: int  # scored indicators the score rests on
    scored_count: int  # scored indicators in Tremplin
    lines: list[IndicatorLine]
    has_epci_values: bool = False

    @property
    def score_class(self) -> int | None:
        return fragility.score_class(self.score)


def commune_fragility(commune: Commune) -> Fragility:
    """Every indicator of a commune (present or missing), and its EPCI's own values. 2 or 3 queries."""
    indicators = list(Indicator.objects.all())
    values = {v.indicator_id: v for v in IndicatorValue.objects.filter(commune=commune)}
    epci_values = {}
    if commune.epci_id:
        epci_values = {v.indicator_id: v for v in IndicatorValue.objects.filter(epci_id=commune.epci_id)}
    lines = []
    for indicator in indicators:
        value = values.get(indicator.pk)
        line = IndicatorLine(indicator, epci_value=epci_values.get(indicator.pk))
        if value is None:
            line.missing_reason = "pas de donnée pour cette commune"
        else:
            line.value, line.percentile, line.points = value.value, value.percentile, value.points
            line.missing_reason = value.missing_reason or ("valeur absente" if value.value is None else "")
        lines.append(line)
    return Fragility(
        score=commune.fragility_score,
        indicator_count=commune.fragility_indicators,
        scored_count=sum(indicator.scored for indicator in indicators),
        lines=lines,
        has_epci_values=bool(epci_values),
    )


def area_fragility(level: str, code: str) -> Fragility:
    """An EPCI's, département's or région's score and indicators (percentile among areas of its level). 2 queries."""
    indicators = list(Indicator.objects.all())
    rows = {row.indicator_id: row for row in AreaFragility.objects.filter(level=level, code=code)}
    overall = rows.get(None)
    lines = []
    for indicator in indicators:
        row = rows.get(indicator.pk)
        line = IndicatorLine(indicator)
        if row is None:
            line.missing_reason = "aucune commune du territoire n'a de valeur"
        else:
            line.value, line.percentile, line.points = row.value, row.percentile, row.points
        lines.append(line)
    return Fragility(
        score=overall.score if overall else None,
        indicator_count=sum(line.counted for line in lines),
        scored_count=sum(indicator.scored for indicator in indicators),
        lines=lines,
    )


def departement_scores(codes) -> dict[str, float | None]:
    """Score 0–10 of each département named (one query)."""
    return dict(
        AreaFragility.objects.filter(
            level=AreaLevel.DEPARTEMENT, indicator__isnull=True, code__in=list(codes)
        ).values_list("code", "score")
    )


def sort_by_score(departements) -> list:
    """Départements given `.fragility_score` and `.fragility_class`, most fragile first, those without score last."""
    scores = departement_scores(d.code for d in departements)
    for departement in departements:
        departement.fragility_score = scores.get(departement.code)
        departement.fragility_class = fragility.score_class(departement.fragility_score)
    return sorted(
        departements,
        key=lambda d: (d.fragility_score is None, -(d.fragility_score or 0), d.code),
    )


def departements_by_score(user, *, region: Region | None = None) -> list[Departement]:
    """Visible départements (of one région, if given), most fragile first. 2 queries."""
    departements = visible_departements(user).select_related("region")
    if region is not None:
        departements = departements.filter(region=region)
    return sort_by_score(list(departements))


def choropleth_data(departements, *, contours: dict, departement_url: str) -> dict:
    """What map.js needs to colour département outlines: scores keyed by the GeoJSON `code` property.

    `departement_url` holds `__code__` where the code of a département goes."""
    return {
        "mode": "departements",
        "departement_url": departement_url,
        "scores": {
            d.code: {"name": d.name, "score": d.fragility_score, "class": d.fragility_class} for d in departements
        },
        "contours": contours,
    }


def communes_map(communes) -> list[list]:
    """Commune circles of a département map: [code, name, lat, lon, population, score, class], compact."""
    return [
        [
            c.code_insee,
            c.name,
            round(c.latitude, 5),
            round(c.longitude, 5),
            c.population or 0,
            c.fragility_score,
            fragility.score_class(c.fragility_score),
        ]
        for c in communes
        if c.latitude is not None and c.longitude is not None
    ]


# ---------------------------------------------------------------------------------------------------
# Map data (GeoJSON embedded in the page with json_script)
# ---------------------------------------------------------------------------------------------------


_CATEGORY_DRAW_ORDER = {"autre": 0, "postal": 1, "bureau": 2}


def _site_category(kind: str) -> str:
    if kind == SiteKind.POST_OFFICE:
        return "bureau"
    if kind in POSTAL_KINDS:
        return "postal"
    return "autre"


def sites_geojson(sites) -> dict:
    features = []
    for site in sites:
        if site.latitude is None or site.longitude is None:
            continue
        address = ", ".join(part for part in (site.address, f"{site.postcode} {site.city}".strip()) if part)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(site.longitude, 6), round(site.latitude, 6)],
                },
                "properties": {
                    "name": site.name,
                    "kind": site.get_kind_display(),
                    "category": _site_category(site.kind),
                    "address": address,
                },
            }
        )
    # Post offices last, so that they are drawn above the other sites at the same place.
    features.sort(key=lambda feature: _CATEGORY_DRAW_ORDER[feature["properties"]["category"]])
    return {"type": "FeatureCollection", "features": features}


def qpvs_geojson(qpvs) -> dict:
    features = []
    for qpv in qpvs:
        if qpv.contour:
            geometry = {"type": "MultiPolygon", "coordinates": qpv.contour}
        elif qpv.latitude is not None and qpv.longitude is not None:
            geometry = {"type": "Point", "coordinates": [round(qpv.longitude, 6), round(qpv.latitude, 6)]}
        else:
            continue
        features.append({"type": "Feature", "geometry": geometry, "properties": {"name": qpv.name, "code": qpv.code}})
    return {"type": "FeatureCollection", "features": features}


def bounds_of(points) -> list[list[float]] | None:
    """[[south, west], [north, east]] of objects with latitude/longitude, or None."""
    lats = [p.latitude for p in points if p.latitude is not None and p.longitude is not None]
    lons = [p.longitude for p in points if p.latitude is not None and p.longitude is not None]
    if not lats:
        return None
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
