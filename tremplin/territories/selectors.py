"""Read queries across territories and network, always scoped by `tremplin.accounts.perms`.

Figures are aggregated with `values().annotate()` (one GROUP BY query per model), never one query per
row: the number of queries stays the same for one département or for the hundred of them.
"""

from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.formats import number_format

from tremplin.accounts.enums import Role
from tremplin.accounts.perms import visible_communes, visible_departements, visible_qpvs, visible_sites
from tremplin.network.enums import POSTAL_KINDS, SiteKind
from tremplin.network.models import Site

from . import fragility
from .enums import RURAL_LEVELS, AreaLevel, OutlineLevel
from .models import AreaFragility, Commune, Departement, Indicator, IndicatorValue, MapOutline, Qpv, Region

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


_FIGURE_FIELDS = (
    "commune_count",
    "population",
    "rural_population",
    "rural_commune_count",
    "fragile_population",
    "qpv_count",
    "qpv_commune_population",
    "post_office_count",
    "france_services_count",
    "departement_count",
)

# Communes of classes 5 to 7 (score above 5.7 out of 10) make the « population fragile ».
FRAGILE_FROM_CLASS = 5
FRAGILE_SCORE = fragility.class_bounds(FRAGILE_FROM_CLASS)[0]


@dataclass
class Figures:
    """Headline figures of a territory: the territory's own, from the reference data, whoever looks.

    `own_post_office_count` is the viewer's share (their own sites), None when the viewer sees every
    site of the territory (national team, coordinator)."""

    commune_count: int = 0
    population: int = 0
    rural_population: int = 0
    rural_commune_count: int = 0
    fragile_population: int = 0
    qpv_count: int = 0
    qpv_commune_population: int = 0
    post_office_count: int = 0
    france_services_count: int = 0
    departement_count: int = 0
    own_post_office_count: int | None = None

    @property
    def rural_share(self) -> float | None:
        """Share of the population living in rural communes (density levels 5 to 7), in %."""
        if not self.population:
            return None
        return 100 * self.rural_population / self.population

    @property
    def rural_commune_share(self) -> float | None:
        """Share of the communes that are rural, in %."""
        if not self.commune_count:
            return None
        return 100 * self.rural_commune_count / self.commune_count

    @property
    def fragile_share(self) -> float | None:
        if not self.population:
            return None
        return 100 * self.fragile_population / self.population

    def add(self, other: "Figures") -> None:
        for name in _FIGURE_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.own_post_office_count is not None:
            self.own_post_office_count = (self.own_post_office_count or 0) + other.own_post_office_count


@dataclass
class SiteKindCount:
    kind: str
    label: str
    count: int
    own: int | None = None  # the viewer's own sites of this kind, when they do not see every site


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


def sees_every_site(user) -> bool:
    """Whether the viewer's sites are all the sites of the territories they see (else: only their own)."""
    return user.is_national or user.role == Role.COORDINATOR


def _figures_by(user, level: str, *, departements: QuerySet | None = None) -> dict[str, Figures]:
    """Figures of every département (or région), keyed by code: three GROUP BY queries.

    The figures are the territory's own, from the reference data, whoever the viewer: which territories
    are shown is the caller's business (`departements` narrows them: a région's, one département). For a
    viewer who only sees their own sites, a fourth query counts them (`own_post_office_count`).
    """
    paths = _LEVELS[level]
    communes = Commune.objects.actual()
    qpvs = Qpv.objects.all()
    sites = Site.objects.filter(kind__in=(SiteKind.POST_OFFICE, SiteKind.FRANCE_SERVICES))
    own = None if sees_every_site(user) else visible_sites(user).post_offices()
    if departements is not None:
        communes = communes.filter(departement__in=departements)
        qpvs = qpvs.filter(departement__in=departements)
        sites = sites.filter(commune__departement__in=departements)
        if own is not None:
            own = own.filter(commune__departement__in=departements)

    figures: dict[str, Figures] = {}
    with_qpv = Q(pk__in=Qpv.communes.through.objects.values("commune_id"))
    rows = (
        communes.order_by()
        .values(key=F(paths["commune"]))
        .annotate(
            n_communes=Count("pk"),
            total_population=Sum("population"),
            rural_population=Sum("population", filter=Q(density_level__in=RURAL_LEVELS)),
            rural_communes=Count("pk", filter=Q(density_level__in=RURAL_LEVELS)),
            fragile_population=Sum("population", filter=Q(fragility_score__gt=FRAGILE_SCORE)),
            qpv_commune_population=Sum("population", filter=with_qpv),
        )
    )
    for row in rows:
        figures[row["key"]] = Figures(
            commune_count=row["n_communes"],
            population=row["total_population"] or 0,
            rural_population=row["rural_population"] or 0,
            rural_commune_count=row["rural_communes"],
            fragile_population=row["fragile_population"] or 0,
            qpv_commune_population=row["qpv_commune_population"] or 0,
        )
    for row in qpvs.order_by().values(key=F(paths["qpv"])).annotate(n=Count("pk", distinct=True)):
        if row["key"] is not None:
            figures.setdefault(row["key"], Figures()).qpv_count = row["n"]
    site_rows = sites.order_by().values("kind", key=F(paths["site"])).annotate(n=Count("pk"))  # no join duplicates
    for row in site_rows:
        if row["key"] is not None:
            item = figures.setdefault(row["key"], Figures())
            if row["kind"] == SiteKind.POST_OFFICE:
                item.post_office_count = row["n"]
            else:
                item.france_services_count = row["n"]
    if own is not None:
        counts = dict(own.order_by().values_list(paths["site"]).annotate(n=Count("pk", distinct=True)))
        for key, item in figures.items():
            item.own_post_office_count = counts.get(key, 0)
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
    """Régions holding at least one visible département, each with `.figures`: the whole région's
    (all its départements), and `.visible_departement_count`. 5 queries (6 for a viewer of their own sites)."""
    regions = list(visible_regions(user).order_by("name"))
    codes = [region.code for region in regions]
    departements = Departement.objects.filter(region__in=codes)
    counts = dict(departements.order_by().values_list("region").annotate(n=Count("pk")).values_list("region", "n"))
    visible = counts
    if not user.is_national:
        visible = dict(
            visible_departements(user)
            .order_by()
            .values_list("region")
            .annotate(n=Count("pk", distinct=True))
            .values_list("region", "n")
        )
    figures = _figures_by(user, "region", departements=None if user.is_national else departements)
    for region in regions:
        region.figures = figures.get(region.code, Figures())
        region.figures.departement_count = counts.get(region.code, 0)
        region.visible_departement_count = visible.get(region.code, 0)
    return regions


def region_figures(user, region: Region) -> Figures:
    """The whole région's figures (all its départements, whoever looks)."""
    departements = Departement.objects.filter(region=region)
    figures = _figures_by(user, "region", departements=departements).get(region.code, Figures())
    figures.departement_count = departements.count()
    return figures


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


@dataclass
class TerritorySites:
    """The sites of a territory: counted from the reference data, and the viewer's own share when they
    do not see them all (`own` is None for the national team and coordinators)."""

    count: int
    kinds: list[SiteKindCount]
    own: int | None = None


def territory_sites(user, shown, *, departement: Departement | None = None, commune: Commune | None = None):
    """The sites of a département or a commune, counted from the reference data (one GROUP BY query);
    `shown`: the sites the viewer sees there, already loaded."""
    sites = Site.objects.filter(commune=commune) if commune is not None else Site.objects.in_departements([departement])
    counts = site_kind_counts(sites)
    scoped = not sees_every_site(user)
    own = {item.kind: item.count for item in count_by_kind(shown)} if scoped else {}
    kinds = [
        SiteKindCount(kind, kind.label, counts[kind], own.get(kind, 0) if scoped else None)
        for kind in SiteKind
        if kind in counts
    ]
    return TerritorySites(count=sum(counts.values()), kinds=kinds, own=len(shown) if scoped else None)


def home_overview(user) -> Overview:
    """Everything the home page shows, scoped by role, in a fixed number of queries."""
    departements = departements_with_figures(user)
    totals = total_figures(departements)
    totals.qpv_count = visible_qpvs(user).count()  # QPV without a département count too
    sites = visible_sites(user)
    # Sites by type of the départements shown: the territory's, whoever looks (their own ones are « Mes sites »).
    territory = Site.objects.all() if user.is_national else Site.objects.in_departements([d.code for d in departements])
    counts = site_kind_counts(territory)
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


def departements_figures(user) -> dict[str, Figures]:
    """The figures of every département of France, keyed by code (3 GROUP BY queries, 4 for a viewer of their
    own sites): a département's own figures and where it stands among the others."""
    figures = _figures_by(user, "departement")
    for item in figures.values():
        item.departement_count = 1
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
    sites = list(visible_sites(user).filter(commune=commune).select_related("commune").order_by("kind", "name"))
    return {
        "qpvs": list(Qpv.objects.filter(communes=commune).order_by("name")),
        "sites": sites,
        "territory_sites": territory_sites(user, sites, commune=commune),
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
    area: bool = False  # an EPCI's, département's or région's population-weighted mean

    @property
    def counted(self) -> bool:
        return self.indicator.scored and self.points is not None

    @property
    def display_value(self) -> str:
        if self.indicator.code in YES_NO_INDICATORS and self.area:
            # The mean of a 0/1 flag over an area is the share of its population with it: « 96,5 % des habitants ».
            share = None if self.value is None else 100 * self.value
            return format_value(share, unit="% des habitants")
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

    # Why the score is what it is: the counted indicators that raise it and lower it (most points
    # first), and those that do not count, with the reason.
    @property
    def raising(self) -> list[IndicatorLine]:
        return sorted((line for line in self.lines if line.counted and line.points > 0), key=lambda x: -x.points)

    @property
    def lowering(self) -> list[IndicatorLine]:
        return sorted((line for line in self.lines if line.counted and line.points < 0), key=lambda x: x.points)

    @property
    def neutral(self) -> list[IndicatorLine]:
        return [line for line in self.lines if line.counted and line.points == 0]

    @property
    def not_selected(self) -> list[IndicatorLine]:
        return [line for line in self.lines if not line.indicator.scored]

    @property
    def missing(self) -> list[IndicatorLine]:
        return [line for line in self.lines if line.indicator.scored and line.points is None]


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
        line = IndicatorLine(indicator, area=True)
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


# ---------------------------------------------------------------------------------------------------
# The programme's priority view of a département (QPV and rural), beside the fragility score
# ---------------------------------------------------------------------------------------------------

# A département is a priority of the programme on a criterion when it is in the top quarter of départements.
PRIORITY_PERCENTILE = 75.0
# Below this score a département is less fragile than the average one on every indicator.
AVERAGE_SCORE = 5.0


@dataclass
class Rank:
    """A département's value among all départements: rank 1 = the highest value."""

    rank: int
    total: int
    percentile: float

    @property
    def ordinal(self) -> str:
        return "1er" if self.rank == 1 else f"{self.rank}e"

    @property
    def top_quarter(self) -> bool:
        return self.percentile >= PRIORITY_PERCENTILE


def _rank(values: dict[str, float], code: str) -> Rank | None:
    if code not in values:
        return None
    value = values[code]
    percentile = float(fragility.percentiles(np.array([value]), np.array(list(values.values())))[0])
    return Rank(rank=1 + sum(v > value for v in values.values()), total=len(values), percentile=percentile)


@dataclass
class PriorityView:
    """QPV and rurality of a département, ranked among all départements, and whether they disagree with the score."""

    figures: Figures
    score: float | None
    qpv: Rank | None
    rural: Rank | None
    fragile: Rank | None

    @property
    def qpv_priority(self) -> bool:
        return bool(self.figures.qpv_count and self.qpv and self.qpv.top_quarter)

    @property
    def rural_priority(self) -> bool:
        return bool(self.rural and self.rural.top_quarter)

    @property
    def qpv_commune_share(self) -> float | None:
        if not self.figures.population:
            return None
        return 100 * self.figures.qpv_commune_population / self.figures.population

    @property
    def disagrees(self) -> bool:
        """A priority of the programme (QPV or rural) that the score, below average, would hide."""
        return self.score is not None and self.score < AVERAGE_SCORE and (self.qpv_priority or self.rural_priority)


def departement_priority(departement: Departement, national: dict[str, Figures], score: float | None) -> PriorityView:
    """The priority view of a département from the figures of every département (`departements_figures`)."""
    figures = national.get(departement.code) or Figures()
    qpv = {code: float(f.qpv_count) for code, f in national.items()}
    rural = {code: f.rural_share for code, f in national.items() if f.rural_share is not None}
    fragile = {code: f.fragile_share for code, f in national.items() if f.fragile_share is not None}
    return PriorityView(
        figures=figures,
        score=score,
        qpv=_rank(qpv, departement.code),
        rural=_rank(rural, departement.code),
        fragile=_rank(fragile, departement.code),
    )


# ---------------------------------------------------------------------------------------------------
# Map outlines (imported by import_reference into MapOutline)
# ---------------------------------------------------------------------------------------------------


@dataclass
class OutlinesState:
    """Which outline levels are imported, each with a short version (of its checksum) for its URL."""

    versions: dict[str, str]

    @property
    def missing(self) -> list[str]:
        """Labels of the levels not imported (« départements », « régions »)."""
        return [label.lower() for level, label in OutlineLevel.choices if not self.versions.get(level)]

    @property
    def departements(self) -> bool:
        return bool(self.versions.get(OutlineLevel.DEPARTEMENT))


def outlines_state() -> OutlinesState:
    """One query."""
    imported = dict(MapOutline.objects.values_list("level", "sha256"))
    return OutlinesState({level: imported.get(level, "")[:12] for level in OutlineLevel.values})


def outline_geojson(level: str) -> str | None:
    """The FeatureCollection of one level, as imported; None when not imported."""
    return MapOutline.objects.filter(level=level).values_list("geojson", flat=True).first()
