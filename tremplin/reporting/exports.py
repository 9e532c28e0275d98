"""The tables of the dashboard exports (CSV, XLSX), of the funder report (PDF) and of the open-data aggregate,
built from tremplin.reporting.stats only: the figures are the page's, counted once, in one place.

Pure of any file format: a `Table` is a French title, French headings and rows of plain values (texts and
integers); tremplin.www.reporting.exports writes them as CSV, XLSX or PDF. No table ever holds a person's name or
contact: the statistics count people, they do not list them."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

from tremplin.activities.enums import Kind, PlaceType, TerritoryType
from tremplin.beneficiaries.enums import AgeBand, Gender, SocialStatus
from tremplin.network.models import Organisation, Site
from tremplin.taxonomy.coop import AdministrativeTheme, DurationBand, Thematique
from tremplin.territories.models import Departement

from . import outcomes, stats, suppression
from .filters import StatsFilters
from .models import Team

# How the people are counted, written on the dashboards, at the top of the exports and in the report.
METHOD = (
    "Personnes identifiées : personnes différentes ayant une fiche, accompagnées au moins une fois sur la période "
    "(une personne accompagnée plusieurs fois, dans plusieurs lieux ou par plusieurs médiateurs compte une fois ; "
    "les fiches fusionnées comptent une fois, les fiches supprimées restent comptées). Accompagnements anonymes : "
    "personnes venues sans fiche, comptées à chaque venue ; elles ne sont pas ajoutées aux personnes identifiées, "
    "car on ne peut pas savoir si ce sont les mêmes."
)

UNKNOWN = "Non renseigné"
LABELS: dict[str, dict[str, str]] = {
    "type": dict(Kind.choices),
    "theme": {**dict(Thematique.choices), **dict(AdministrativeTheme.choices)},
    "channel": dict(PlaceType.choices),
    "duration_band": dict(DurationBand.choices),
    "territory_type": dict(TerritoryType.choices),
    "age_band": dict(AgeBand.choices),
    "gender": dict(Gender.choices),
    "status": dict(SocialStatus.choices),
}


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    key: str = ""  # an identifier for a sheet name or an HTML id


def label(dimension: str, code) -> str:
    if code in (None, ""):
        return UNKNOWN
    return LABELS.get(dimension, {}).get(code, str(code))


def breakdown(title: str, heading: str, dimension: str, counts: Mapping, value_heading: str, note: str = "") -> Table:
    """One row per code (in the taxonomy's order), with its share of the sum of the column."""
    total = sum(counts.values())
    rows = [[label(dimension, code), value, share(value, total)] for code, value in counts.items()]
    return Table(title, [heading, value_heading, "Part"], rows, note=note, key=dimension)


def share(part, total) -> str:
    if not total:
        return ""
    return f"{100 * part / total:.1f} %".replace(".", ",")


def filter_lines(filters: StatsFilters, errors: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The filters in French, with the names of the département, organisation, site and team (never a person's:
    a mediator is written by their number), then the parameters that could not be read."""
    names = {}
    if filters.departement:
        departement = Departement.objects.filter(pk=filters.departement).first()
        if departement is not None:
            names[f"departement:{filters.departement}"] = str(departement)
    for attribute, model, prefix in (
        ("organisation", Organisation, "organisation"),
        ("site", Site, "site"),
        ("team", Team, "equipe"),
    ):
        value = getattr(filters, attribute)
        if value is not None:
            found = model.objects.filter(pk=value).values_list("name", flat=True).first()
            if found:
                names[f"{prefix}:{value}"] = found
    lines = filters.describe(names)
    for name, message in (errors or {}).items():
        lines.append((f"Paramètre « {name} » ignoré", message))
    return lines


def headline_rows(summary: stats.Summary) -> list[list]:
    return [
        [PEOPLE, summary.unique_beneficiaries],
        [ANONYMOUS, summary.anonymous_accompaniments],
        ["Accompagnements", summary.accompaniments],
        ["Activités (tous types)", summary.activities],
    ]


PEOPLE = "Personnes identifiées"
ANONYMOUS = "Accompagnements anonymes"
SEVERAL_THEMES = "Une activité peut porter sur plusieurs thématiques : la somme dépasse le nombre d'activités."


def theme_table(summary: stats.Summary) -> Table:
    return breakdown("Activités par thématique", "Thématique", "theme", summary.by_theme, "Activités", SEVERAL_THEMES)


def territory_table(summary: stats.Summary) -> Table:
    return breakdown(
        "Activités par type de territoire",
        "Type de territoire",
        "territory_type",
        summary.by_territory_type,
        "Activités",
        note="Selon la commune où l'activité a eu lieu (les activités à distance ou sans commune n'y figurent pas).",
    )


def person_table(summary: stats.Summary, dimension: str, heading: str) -> Table:
    identified = getattr(summary, f"by_{dimension}")
    anonymous = getattr(summary, f"anonymous_by_{dimension}")
    codes = list(identified) + [code for code in anonymous if code not in identified]
    return Table(
        f"Personnes par {heading[0].lower()}{heading[1:]}",
        [heading, PEOPLE, ANONYMOUS],
        [[label(dimension, code), identified.get(code, 0), anonymous.get(code, 0)] for code in codes],
        note="Personnes identifiées : d'après leur fiche. Accompagnements anonymes : ce que le médiateur a noté.",
        key=dimension,
    )


def trend_table(summary: stats.Summary) -> Table:
    """The 12 months of the trend: people identified that month, activities that month."""
    return Table(
        "Évolution sur 12 mois",
        ["Mois", PEOPLE, "Activités"],
        [[f"{month:%m/%Y}", people, activities] for month, people, activities in summary.trend],
        note="Une personne accompagnée plusieurs mois compte dans chacun de ces mois.",
        key="evolution",
    )


def summary_tables(summary: stats.Summary) -> list[Table]:
    """Every table of a dashboard view, in the page's order, with French headings."""
    tables = [
        Table("Chiffres clés", ["Indicateur", "Valeur"], headline_rows(summary), key="totaux"),
        breakdown("Activités par type", "Type d'activité", "type", summary.by_type, "Activités"),
        theme_table(summary),
        breakdown("Activités par canal", "Canal", "channel", summary.by_channel, "Activités"),
        breakdown("Activités par durée", "Durée", "duration_band", summary.by_duration_band, "Activités"),
        territory_table(summary),
        person_table(summary, "age_band", "Tranche d'âge"),
        person_table(summary, "gender", "Genre"),
        person_table(summary, "status", "Statut"),
        trend_table(summary),
    ]
    if summary.top_sites:
        tables.append(
            Table(
                "Lieux les plus actifs",
                ["Lieu", "Activités"],
                [[name, count] for _site_id, name, count in summary.top_sites],
                key="lieux",
            )
        )
    return tables


def departement_table(counts: Mapping[str, tuple[int, int]]) -> Table:
    """stats.by_departement as a table, with the départements' names."""
    names = dict(Departement.objects.filter(code__in=list(counts)).values_list("code", "name"))
    return Table(
        "Par département",
        ["Département", PEOPLE, "Activités"],
        [[f"{names.get(code, code)} ({code})", people, activities] for code, (people, activities) in counts.items()],
        note="Une personne accompagnée dans deux départements compte dans chacun : la somme peut dépasser le total.",
        key="departements",
    )


def before_after_table(result: outcomes.BeforeAfter) -> Table:
    """People who left illectronisme between their first and their latest diagnostic (tremplin.reporting.outcomes)."""
    return Table(
        "Avant / après : sortie de l'illectronisme",
        ["Indicateur", "Valeur"],
        [
            ["Personnes ayant eu au moins deux diagnostics", result.followed],
            ["dont en illectronisme au premier diagnostic", result.started_in_illectronisme],
            ["dont sorties de l'illectronisme au dernier", result.left_illectronisme],
            [
                "Part des personnes sorties de l'illectronisme",
                share(result.left_illectronisme, result.started_in_illectronisme) or "sans objet",
            ],
        ],
        note=outcomes.BEFORE_AFTER_METHOD,
        key="avant_apres",
    )


def dashboard_tables(viewer, filters: StatsFilters) -> list[Table]:
    """Every table of the CSV and XLSX exports of a dashboard view, for `viewer`."""
    tables = summary_tables(stats.summary(viewer, filters))
    tables.insert(6, departement_table(stats.by_departement(viewer, filters)))
    tables.append(before_after_table(outcomes.before_after(viewer, filters)))
    return tables


# --- open data -------------------------------------------------------------------------------------------------

# (people_table dimension, its name in the file, its labels)
OPENDATA_DIMENSIONS = (
    ("age_band", "tranche_age", LABELS["age_band"]),
    ("gender", "genre", LABELS["gender"]),
    ("status", "statut_social", LABELS["status"]),
    ("kind", "type_activite", LABELS["type"]),
)
OPENDATA_HEADERS = ["code_departement", "departement", "dimension", "modalite", "libelle", "personnes"]
ALL = "total"


def opendata_rules(threshold: int = suppression.THRESHOLD) -> list[str]:
    return [
        "Personnes identifiées différentes accompagnées, par département et par tranche d'âge, genre, statut social "
        "et type d'activité. Une personne compte une fois par case ; les accompagnements anonymes ne sont pas "
        "comptés (on ne peut pas savoir si deux venues anonymes sont une même personne).",
        suppression.method(threshold),
        f"« < {threshold} » : case masquée car elle compte trop peu de personnes ; « secret » : case masquée pour "
        f"qu'une autre ne puisse pas être recalculée ; modalité « {ALL} » : toutes modalités confondues ; "
        f"département « {ALL} » : tous départements confondus (une personne accompagnée dans deux départements "
        "compte une fois).",
        "Aucun nom, aucune coordonnée, aucune donnée individuelle.",
    ]


def _suppressed_tables(viewer, filters: StatsFilters, threshold: int) -> list[tuple]:
    """Each dimension's people table and its suppression, consistent across the dimensions.

    The tables share their margins: a département's total (and the grand total) is the same number of people in
    every dimension, and a fully published row of one dimension gives it. So a total hidden in one table is hidden
    in all of them, and protected in each like a small cell (passed as such to suppression.suppress, which then
    hides what is needed around it); repeated until no table hides a shared total that another publishes."""
    tables = [
        (dimension, name, labels, stats.people_table(viewer, filters, row="departement", col=dimension))
        for dimension, name, labels in OPENDATA_DIMENSIONS
    ]
    forced: set = set()  # shared margins hidden everywhere: ("row", département) or ("total",)
    while True:
        results = []
        for dimension, name, labels, table in tables:
            row_totals = {row: (1 if ("row", row) in forced else n) for row, n in table.row_totals.items()}
            total = 1 if ("total",) in forced else table.total
            shown = suppression.suppress(table.cells, row_totals, table.col_totals, total, threshold)
            results.append((dimension, name, labels, table, shown))
        hidden = {entry for *_, shown in results for entry in shown.hidden if entry[0] in ("row", "total")}
        if hidden <= forced:
            return [(name, labels, table, shown, forced) for _, name, labels, table, shown in results]
        forced |= hidden


def opendata_rows(viewer, filters: StatsFilters, threshold: int = suppression.THRESHOLD) -> list[list]:
    """For each dimension: one row per (département, value), the département's total, then the totals of all the
    départements; every figure through suppression.suppress (a published figure is an int, a hidden one its
    label). A département left empty on a record is written « non renseigné »."""
    names = dict(Departement.objects.values_list("code", "name"))
    rows: list[list] = []
    for name, labels, table, shown, forced in _suppressed_tables(viewer, filters, threshold):
        order = list(labels)

        figure = partial(_figure, shown, forced, threshold)
        values = sorted(table.col_totals, key=lambda v: (order.index(v) if v in order else len(order), v))
        departements = sorted(table.row_totals, key=lambda code: (code == "", code))
        for code in departements:
            place = [code, names.get(code, UNKNOWN)]
            for value in values:
                count = table.cells.get((code, value), 0)
                rows.append([*place, name, value, label_of(labels, value), figure(("cell", code, value), count)])
            rows.append([*place, name, ALL, "Toutes", figure(("row", code), table.row_totals[code])])
        for value in values:
            rows.append(
                [ALL, "Tous", name, value, label_of(labels, value), figure(("col", value), table.col_totals[value])]
            )
        rows.append([ALL, "Tous", name, ALL, "Toutes", figure(("total",), table.total)])
    return rows


def _figure(shown: suppression.SuppressedTable, forced: set, threshold: int, entry, true_value):
    """A published count as an integer, a hidden one as its label (« < 5 », « secret »)."""
    if entry in forced:  # a shared total hidden because another table hides it: « < 5 » only when it is small
        small = 0 < true_value < threshold
        return suppression.PRIMARY_LABEL.format(threshold=threshold) if small else suppression.SECONDARY_LABEL
    return shown.label(entry) if entry in shown.hidden else true_value


def label_of(labels: Mapping[str, str], value: str) -> str:
    return labels.get(value, value) if value else UNKNOWN
