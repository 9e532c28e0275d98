"""What a dashboard shows, arranged from the figures of tremplin.reporting.stats (a `Summary`, `by_departement`) and
outcomes: tiles, charts with their tables, the choropleth's data. Pure: no query here (the views call stats).

With `threshold` (public page, share links), every figure from 1 to threshold − 1 is hidden and, where it could be
recomputed from a total and the other figures, one more (tremplin.reporting.suppression)."""

import math
from dataclasses import dataclass, field

from django.utils import timezone

from tremplin.activities.enums import AdministrativeTheme, Kind, PlaceType, TerritoryType, Thematique
from tremplin.beneficiaries.enums import AgeBand, Gender, SocialStatus
from tremplin.reporting.suppression import PRIMARY_LABEL, suppress
from tremplin.taxonomy.coop import DurationBand

from . import charts
from .charts import fr_int, fr_percent

THEME_LABELS = {**dict(Thematique.choices), **dict(AdministrativeTheme.choices)}
MAIN_THEMES = dict(Thematique.choices)
PERSON_DIMENSIONS = [
    ("age", "Tranche d'âge", "by_age_band", "anonymous_by_age_band", dict(AgeBand.choices)),
    ("genre", "Genre", "by_gender", "anonymous_by_gender", dict(Gender.choices)),
    ("statut", "Statut", "by_status", "anonymous_by_status", dict(SocialStatus.choices)),
]


@dataclass
class Tile:
    key: str
    label: str
    value: str
    detail: str = ""


@dataclass
class PersonTable:
    """Identified people and anonymous accompaniments by one dimension, side by side (never added together)."""

    id: str
    title: str
    chart: charts.Chart
    rows: list[list[str]]  # label, people, share of identified people, anonymous, share of anonymous accompaniments
    people_total: str
    anonymous_total: str


@dataclass
class Figures:
    tiles: list[Tile]
    trend: charts.Chart
    charts: list[charts.Chart]
    person_tables: list[PersonTable]
    suppressed: bool = False
    empty: bool = False
    notes: list[str] = field(default_factory=list)


class Hider:
    """Hides small figures (or nothing when `threshold` is None)."""

    def __init__(self, threshold: int | None):
        self.threshold = threshold

    def value(self, n: int) -> tuple[int | None, str]:
        if self.threshold and 0 < n < self.threshold:
            return None, PRIMARY_LABEL.format(threshold=self.threshold)
        return n, fr_int(n)

    def distribution(self, counts: dict, total: int | None = None) -> dict:
        """{code: (value or None, text)}; `total` is the published total of these figures (their sum by default)."""
        if not self.threshold:
            return {code: (n, fr_int(n)) for code, n in counts.items()}
        codes = list(counts)
        if not codes:
            return {}
        grand = sum(counts.values()) if total is None else total
        table = suppress(
            {(code, "n"): counts[code] for code in codes},
            {code: counts[code] for code in codes},
            {"n": grand},
            grand,
            threshold=self.threshold,
        )
        return {code: (table.cells[(code, "n")], table.cell_label(code, "n")) for code in codes}


def _ordered(counts: dict, labels: dict, *, drop_zero: bool = False) -> list[tuple[str, str, int]]:
    """[(code, French label, count)] in the enum's order, unknown codes last."""
    rows = [(code, label, counts.get(code, 0)) for code, label in labels.items() if code in counts]
    rows += [(code, code or "Non renseigné", n) for code, n in counts.items() if code not in labels]
    return [row for row in rows if row[2] or not drop_zero]


def _bar(chart_id, title, rows, hider: Hider, *, unit, total=None, note="", distribution_total=None):
    hidden = hider.distribution({code: n for code, _, n in rows}, distribution_total)
    items = [(label, *hidden[code]) for code, label, _ in rows]
    shown_total = hider.value(total)[0] if total is not None else None
    return charts.bar_chart(chart_id, title, items, unit=unit, total=shown_total, note=note)


def dashboard(summary, *, threshold: int | None = None, workshop_rates=None, referrals=None) -> Figures:
    """The tiles and charts of one dashboard view."""
    hide = Hider(threshold)
    people, people_text = hide.value(summary.unique_beneficiaries)
    anonymous, anonymous_text = hide.value(summary.anonymous_accompaniments)
    activities, activities_text = hide.value(summary.activities)
    accompaniments, accompaniments_text = hide.value(summary.accompaniments)
    other = summary.activities - summary.accompaniments
    tiles = [
        Tile("personnes", "Personnes identifiées", people_text, "personnes différentes accompagnées"),
        Tile(
            "anonymes",
            "Accompagnements anonymes",
            anonymous_text,
            "passages sans fiche : ce ne sont pas des personnes comptées",
        ),
        Tile(
            "activites",
            "Activités",
            activities_text,
            f"dont {hide.value(other)[1]} repérage(s), orientation(s) hors accompagnement" if other else "",
        ),
        Tile(
            "accompagnements",
            "Accompagnements",
            accompaniments_text,
            f"{fr_percent(accompaniments, activities)} des activités" if accompaniments and activities else "",
        ),
    ]
    trend_hidden_people = hide.distribution({i: row[1] for i, row in enumerate(summary.trend)})
    trend_hidden_activities = hide.distribution({i: row[2] for i, row in enumerate(summary.trend)})
    this_month = timezone.localdate().replace(day=1)
    month_labels = [
        charts.month_label(row[0]) + (" (en cours)" if row[0] == this_month else "") for row in summary.trend
    ]
    trend = charts.line_chart(
        "tendance",
        "Évolution sur 12 mois : personnes identifiées et activités par mois",
        month_labels,
        [
            ("Personnes identifiées", [trend_hidden_people[i][0] for i in range(len(summary.trend))]),
            ("Activités", [trend_hidden_activities[i][0] for i in range(len(summary.trend))]),
        ],
        unit="personnes ou d'activités",
        note="Une personne accompagnée plusieurs mois compte dans chacun de ces mois, une seule fois au total."
        + (
            " Le mois en cours n'est pas terminé : son chiffre est partiel."
            if this_month in [r[0] for r in summary.trend]
            else ""
        ),
    )
    if threshold:
        for i, row in enumerate(trend.table_rows):
            row[1], row[2] = trend_hidden_people[i][1], trend_hidden_activities[i][1]

    theme_rows = sorted(
        _ordered(summary.by_theme, THEME_LABELS, drop_zero=True), key=lambda row: (row[0] not in MAIN_THEMES, -row[2])
    )
    site_rows = [(str(site_id), name, n) for site_id, name, n in summary.top_sites]
    chart_list = [
        _bar(
            "types",
            "Activités par type",
            _ordered(summary.by_type, dict(Kind.choices)),
            hide,
            unit="activités",
            total=summary.activities,
            distribution_total=summary.activities,
            note="Repérages et orientations sont des activités, pas des accompagnements.",
        ),
        _bar(
            "thematiques",
            "Activités par thématique",
            theme_rows,
            hide,
            unit="activités",
            total=summary.activities,
            note="Une activité peut porter sur plusieurs thématiques : la somme dépasse le nombre d'activités.",
        ),
        _bar(
            "canaux",
            "Activités par canal (lieu)",
            _ordered(summary.by_channel, dict(PlaceType.choices)),
            hide,
            unit="activités",
            total=summary.activities,
            note="Canal non renseigné pour les activités qui ne le demandent pas (repérage, orientation).",
        ),
        _bar(
            "durees",
            "Activités par durée",
            _ordered(summary.by_duration_band, dict(DurationBand.choices)),
            hide,
            unit="activités",
            total=summary.activities,
            note="Sans les activités dont la durée n'est pas renseignée.",
        ),
        _bar(
            "territoires",
            "Activités par type de territoire",
            _ordered(summary.by_territory_type, dict(TerritoryType.choices)),
            hide,
            unit="activités",
            total=summary.activities,
            note="D'après la commune de l'activité : commune avec un QPV, commune rurale (grille de densité INSEE) "
            "ou urbaine.",
        ),
        _bar(
            "lieux",
            "Lieux les plus actifs",
            site_rows,
            hide,
            unit="activités",
            total=summary.activities,
            note="Les 10 lieux qui comptent le plus d'activités.",
        ),
    ]
    person_tables = [_person_table(summary, dimension, hide) for dimension in PERSON_DIMENSIONS]
    return Figures(
        tiles=tiles,
        trend=trend,
        charts=chart_list,
        person_tables=person_tables,
        suppressed=bool(threshold),
        empty=summary.activities == 0,
    )


def _person_table(summary, dimension, hide: Hider) -> PersonTable:
    key, title, people_attr, anonymous_attr, labels = dimension
    people = getattr(summary, people_attr)
    anonymous = getattr(summary, anonymous_attr)
    rows = _ordered({**dict.fromkeys(labels, 0), **people, **dict.fromkeys(set(anonymous) - set(people), 0)}, labels)
    people_hidden = hide.distribution({code: people.get(code, 0) for code, _, _ in rows}, summary.unique_beneficiaries)
    anonymous_hidden = hide.distribution(
        {code: anonymous.get(code, 0) for code, _, _ in rows}, summary.anonymous_accompaniments
    )
    people_total = hide.value(summary.unique_beneficiaries)[0]
    anonymous_total = hide.value(summary.anonymous_accompaniments)[0]
    table_rows = []
    for code, label, _ in rows:
        p_value, p_text = people_hidden[code]
        a_value, a_text = anonymous_hidden[code]
        table_rows.append(
            [
                label,
                p_text,
                fr_percent(p_value, people_total) if p_value is not None else "—",
                a_text,
                fr_percent(a_value, anonymous_total) if a_value is not None else "—",
            ]
        )
    chart = charts.bar_chart(
        f"personnes-{key}",
        f"Personnes identifiées par {title.lower()}",
        [(label, *people_hidden[code]) for code, label, _ in rows],
        unit="personnes",
        total=people_total,
    )
    return PersonTable(
        id=f"personnes-{key}",
        title=title,
        chart=chart,
        rows=table_rows,
        people_total=hide.value(summary.unique_beneficiaries)[1],
        anonymous_total=hide.value(summary.anonymous_accompaniments)[1],
    )


# --- choropleth -------------------------------------------------------------------------------------------------


def choropleth(
    counts: dict[str, tuple[int, int]],
    names: dict[str, str],
    *,
    contours_url: str | None,
    departement_url: str | None = None,
    linkable: set[str] | None = None,
    threshold: int | None = None,
) -> dict:
    """The map's data (dashboard.js) and the same figures as table rows.

    `counts`: stats.by_departement; `names`: {code: name}; `linkable`: codes whose dashboard the viewer may open
    (None: all; ignored without `departement_url`)."""
    hide = Hider(threshold)
    codes = sorted(counts)
    people = hide.distribution({code: counts[code][0] for code in codes})
    activities = hide.distribution({code: counts[code][1] for code in codes})
    measures = {}
    legends = {}
    for measure, values, unit in (("personnes", people, "personnes"), ("activites", activities, "activités")):
        bounds = charts.classes([v for v, _ in values.values() if v is not None])
        colours = charts.class_colours(len(bounds))
        legends[measure] = charts.legend(bounds, unit)
        if threshold:
            legends[measure].append(
                {
                    "colour": charts.HIDDEN_COLOUR,
                    "label": "secret statistique (moins de 5, ou masqué)",
                    "class": -1,
                    "shade": "hidden",
                }
            )
        measures[measure] = {
            code: {
                "value": value,
                "text": text,
                "colour": (
                    charts.HIDDEN_COLOUR
                    if value is None
                    else colours[charts.class_of(value, bounds) - 1]
                    if charts.class_of(value, bounds)
                    else charts.NO_VALUE_COLOUR
                ),
            }
            for code, (value, text) in values.items()
        }
    rows = []
    for code in codes:
        link = None
        if departement_url and (linkable is None or code in linkable):
            link = departement_url.replace("__code__", code)
        rows.append(
            {
                "code": code,
                "name": names.get(code, code),
                "people": people[code][1],
                "activities": activities[code][1],
                "url": link,
            }
        )
    data = {
        "contours": contours_url,
        "names": {code: names.get(code, code) for code in codes},
        "measures": measures,
        "links": {row["code"]: row["url"] for row in rows if row["url"]},
        "labels": {"personnes": "personnes identifiées", "activites": "activités"},
    }
    return {"data": data, "rows": rows, "legends": legends}


# --- outcomes and objectives -----------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """Workshops' rates, referrals, before/after (tremplin.reporting.outcomes), written in French."""

    workshops: list[tuple[str, str]]  # (label, value) lines
    workshop_method: str
    referrals: charts.Chart | None
    referral_lines: list[tuple[str, str]]
    before_after: list[tuple[str, str]]
    before_after_method: str


def _rate(part, whole, hide: Hider) -> str:
    """« 45,2 % (123 sur 272) », or the reason it is not shown."""
    if not whole:
        return "—"
    if hide.threshold and (0 < whole < hide.threshold or 0 < part < hide.threshold):
        return "secret statistique (moins de 5)"
    return f"{fr_percent(part, whole)} ({fr_int(part)} sur {fr_int(whole)})"


def outcomes(
    *, rates, referrals, before_after, threshold: int | None = None, workshop_method="", before_after_method=""
):
    hide = Hider(threshold)
    workshops = [
        ("Séances tenues", hide.value(rates.sessions)[1]),
        ("Places offertes", hide.value(rates.seats)[1]),
        ("Taux de remplissage", _rate(rates.confirmed, rates.seats, hide)),
        ("Taux d'absence", _rate(rates.absent, rates.recorded, hide)),
    ]
    referral_chart = None
    if referrals.total:
        rows = [(str(index), label, n) for index, (label, n) in enumerate(referrals.by_status)]
        referral_chart = _bar(
            "orientations",
            "Orientations vers un lieu partenaire, par suite donnée",
            rows,
            hide,
            unit="orientations",
            total=referrals.total,
            distribution_total=referrals.total,
        )
    referral_lines = [("Orientations", hide.value(referrals.total)[1])]
    if referrals.answered_share is not None and referrals.total:
        answered = round(referrals.answered_share * referrals.total)
        referral_lines.append(("Part ayant reçu une réponse du lieu", _rate(answered, referrals.total, hide)))
    if referrals.median_days is not None and not (threshold and referrals.total < threshold):
        referral_lines.append(("Délai médian de réponse", f"{fr_decimal_days(referrals.median_days)}"))
    lines = [
        ("Personnes suivies (au moins deux diagnostics)", hide.value(before_after.followed)[1]),
        ("dont en illectronisme au premier diagnostic", hide.value(before_after.started_in_illectronisme)[1]),
        (
            "dont sorties de l'illectronisme au dernier",
            _rate(before_after.left_illectronisme, before_after.started_in_illectronisme, hide),
        ),
    ]
    return Outcomes(
        workshops=workshops,
        workshop_method=workshop_method,
        referrals=referral_chart,
        referral_lines=referral_lines,
        before_after=lines,
        before_after_method=before_after_method,
    )


def fr_decimal_days(days: float) -> str:
    return f"{charts.fr_decimal(days, 1)} jour{'s' if days >= 2 else ''}"


@dataclass
class ObjectiveLine:
    label: str
    measure: str
    deadline: str
    done: str
    target: str
    percent: int
    percent_text: str
    status: str
    status_class: str
    pace_needed: str
    recent_pace: str
    forecast: str


def objective_lines(progresses) -> list[ObjectiveLine]:
    """Objectives' progress (tremplin.reporting.objectives.progress), for the dashboard."""
    lines = []
    for item in progresses:
        objective = item.objective
        unit = "personnes" if objective.measure == "personnes" else "accompagnements"
        forecast = item.forecast
        if forecast.available:
            text = f"{fr_int(round(forecast.expected))} {unit} à l'échéance"
            if forecast.has_band:
                text += f" (entre {fr_int(round(forecast.low))} et {fr_int(round(forecast.high))})"
        else:
            text = forecast.reason or "pas encore de prévision"
        status_class = {True: "success", False: "error", None: "info"}[item.on_track]
        lines.append(
            ObjectiveLine(
                label=objective.label,
                measure=objective.get_measure_display(),
                deadline=f"{objective.deadline:%d/%m/%Y}",
                done=fr_int(item.done),
                target=fr_int(item.target),
                percent=item.percent,
                percent_text=fr_percent(min(item.done, item.target), item.target, 0),
                status=item.status_label,
                status_class=status_class,
                pace_needed=f"{fr_int(math.ceil(item.pace_needed))} {unit} par semaine" if item.pace_needed else "—",
                recent_pace=f"{charts.fr_decimal(item.recent_pace, 1)} {unit} par semaine"
                if item.recent_pace is not None
                else "—",
                forecast=text,
            )
        )
    return lines
