"""import_places: the real files of the national map, the official CSV, rejected rows, re-import, atomicity."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tests.factories import CommuneFactory, DepartementFactory
from tremplin.places import services
from tremplin.places.models import Place
from tremplin.places.schema import split_values

pytestmark = pytest.mark.django_db

LOISIRS = "Loisirs et créations numériques"
HEADER = (
    "id,pivot,nom,commune,code_postal,code_insee,adresse,latitude,longitude,telephone,horaires,"
    "date_maj,services,formations_labels,frais_a_charge"
)


def run(path, *args):
    out = StringIO()
    call_command("import_places", str(path), *args, stdout=out)
    return out.getvalue()


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def communes():
    paris = DepartementFactory(code="75", name="Paris")
    CommuneFactory(code_insee="75056", name="Paris", departement=paris, postcodes="", latitude=48.86, longitude=2.35)
    CommuneFactory(
        code_insee="75110", name="Paris 10e Arrondissement", departement=paris, postcodes="75010",
        latitude=48.876, longitude=2.361,
    )  # fmt: skip
    reims = CommuneFactory(
        code_insee="51454", name="Reims", departement=DepartementFactory(code="51"), postcodes="51100",
        latitude=49.25, longitude=4.03,
    )  # fmt: skip
    noumea = CommuneFactory(
        code_insee="98818", name="Nouméa", departement=DepartementFactory(code="988"), postcodes="98800",
        latitude=-22.27, longitude=166.45,
    )  # fmt: skip
    return {"reims": reims, "noumea": noumea}


def test_official_example_csv_imports_with_its_values(shared_data, communes):
    report = run(shared_data / "schema_mediation_numerique" / "exemple-valide.csv")
    assert report.strip().endswith("1 lieux importés, 0 mis à jour, 0 rejetés")
    place = Place.objects.get(external_id="structure-1")
    assert place.commune == communes["reims"]
    assert place.typology == ["TIERS_LIEUX", "ASSO"]
    assert place.emails == ["contact@laquincaillerie.tl", "responsable@laquincaillerie.tl"]
    assert place.services == [
        "Maîtrise des outils numériques du quotidien",
        "Insertion professionnelle via le numérique",
        "Loisirs et créations numériques",
    ]
    assert place.support_modes == [
        "Dans un atelier collectif",
        "À distance",
        "En autonomie",
        "Accompagnement individuel",
    ]
    assert place.hours_valid and place.hours == "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"
    assert str(place.source_updated_on) == "2024-04-02"


def test_real_files_of_the_national_map(shared_data, communes):
    folder = shared_data / "lieux_mediation_numerique"
    national = run(folder / "cnfs_lieux_2022-12-02_sans_aidants.json")
    assert "4930 lieux importés, 0 mis à jour, 0 rejetés" in national
    idf = run(folder / "lieux_idf_2022-08.json")
    # 108 rows have no pivot, one has « 34106240403159/APE:8 »: reported with file and line, skipped.
    # The Île-de-France file shares 126 ids with the national one: those places are updated, not duplicated.
    assert "6 lieux importés, 126 mis à jour, 109 rejetés" in idf
    assert "Motif de rejet : pivot manquant (champ obligatoire) : 108" in idf
    assert "Motif de rejet : pivot invalide : 9 à 14 lettres ou chiffres (SIRET, RNA ou RIDET) : 1" in idf
    assert "… et 59 autre(s) ligne(s) rejetée(s)" in idf
    assert "  rejeté lieux_idf_2022-08.json:53 : pivot manquant (champ obligatoire)" in idf
    print(national, idf)
    total = Place.objects.count()
    assert total == 4936

    # Old labels became the official values; the « , » inside a label did not split it.
    place = Place.objects.get(external_id="626809503a929e0790b16cf7")
    assert place.services == ["Maîtrise des outils numériques du quotidien", "Compréhension du monde numérique"]
    assert place.fees == ["Gratuit"] and place.national_programmes == ["Conseillers numériques"]
    assert place.code_insee == "75110" and place.commune_id == "75110"  # « PARIS 10 »
    national_place = Place.objects.get(external_id="62592a1d05457b0790816e6c")
    assert national_place.fees == ["Gratuit"]  # « Gratuit : Je peux accéder gratuitement… »
    assert Place.objects.filter(hours_valid=False).exists()
    assert (
        Place.objects.filter(hours_valid=False).exclude(hours="").count()
        == Place.objects.filter(hours_valid=False).count()
    )  # unreadable hours are kept as text

    again = run(folder / "cnfs_lieux_2022-12-02_sans_aidants.json")
    assert "0 lieux importés, 4930 mis à jour, 0 rejetés" in again
    assert Place.objects.count() == total


def test_split_values_keeps_commas_inside_labels():
    old = "Prendre en main un smartphone ou une tablette, Prendre en main un ordinateur"
    known = {"Prendre en main un smartphone ou une tablette", "Prendre en main un ordinateur"}
    assert split_values(old, known) == sorted(known, reverse=True)
    assert (
        split_values("a|b") == ["a", "b"] and split_values("a;b") == ["a", "b"] and split_values("a, b") == ["a", "b"]
    )


def test_rejected_rows_are_reported_and_the_rest_imported(tmp_path, communes):
    path = write(
        tmp_path,
        "lieux.csv",
        "\n".join(
            [
                HEADER,
                'a1,43493312300029,Lieu A,Reims,51100,,1 rue A,49.25,4.03,03 26 00 00 00,"Mo 09:00-12:00",2024-01-02,'
                '"Aide aux démarches administratives|Service inconnu",Étapes numériques(La Poste),Gratuit',
                "a2,,Lieu B,Reims,51100,,1 rue B,,,,,2024-01-02,Loisirs et créations numériques,,",
                "a3,43493312300029,Lieu C,Reims,5110,,1 rue C,,,,,2024-13-02,,,",
                f"a4,W123456789,Association D,Reims,51100,,1 rue D,,,,Mo 9h-12h,2024-01-02,{LOISIRS},,",
                "a5,43493312300029,Sans service,Reims,51100,,1 rue E,,,,,2024-01-02,Service inconnu,,",
                "a1,43493312300029,Doublon,Reims,51100,,1 rue A,,,,,2024-01-02,Loisirs et créations numériques,,",
            ]
        )
        + "\n",
    )
    report = run(path)
    assert "rejeté lieux.csv:3 : pivot manquant (champ obligatoire)" in report
    assert "rejeté lieux.csv:4 : code postal invalide : 5 chiffres (5110) ; date de mise à jour invalide" in report
    # The model requires at least one service (the schema does not): a row with none is refused.
    assert "rejeté lieux.csv:6 : services refusé (Ce champ ne peut pas être vide.)" in report
    assert "rejeté lieux.csv:7 : identifiant en double (déjà ligne 2)" in report
    assert "Avertissement : valeur inconnue laissée de côté dans services : 2" in report
    assert "1 lieu(x) aux horaires à vérifier" in report
    assert report.strip().endswith("2 lieux importés, 0 mis à jour, 4 rejetés")
    place = Place.objects.get(external_id="a1")
    assert place.services == ["Aide aux démarches administratives"]
    assert place.labels == ["Étapes numériques (La Poste)"]
    assert place.phone == "+33326000000"
    assert place.code_insee == "51454" and place.commune == communes["reims"]  # derived from postcode + name
    rna = Place.objects.get(external_id="a4")
    assert rna.pivot == "W123456789" and rna.hours == "Mo 9h-12h" and not rna.hours_valid


def test_ridet_and_new_caledonia_postcode(tmp_path, communes):
    record = {
        "id": "nc-1", "pivot": "1234567001", "nom": "Case numérique", "commune": "NOUMEA",
        "code_postal": "98800", "adresse": "1 rue de Sébastopol", "latitude": -22.2758, "longitude": 166.4580,
        "telephone": "+687123456", "date_maj": "2024-05-01", "services": "Accès internet et matériel informatique",
    }  # fmt: skip
    path = write(tmp_path, "nc.json", json.dumps([record]))
    assert "1 lieux importés, 0 mis à jour, 0 rejetés" in run(path)
    place = Place.objects.get(external_id="nc-1")
    assert place.pivot == "1234567001" and place.postcode == "98800" and place.phone == "+687123456"
    assert place.commune == communes["noumea"]


def test_missing_insee_from_coordinates(tmp_path, communes):
    record = {
        "id": "x", "pivot": "43493312300029", "nom": "Lieu", "commune": "Reims Cedex", "code_postal": "51999",
        "adresse": "1 rue", "latitude": 49.26, "longitude": 4.05, "date_maj": "2024-05-01", "services": LOISIRS,
    }  # fmt: skip
    path = write(tmp_path, "coords.json", json.dumps([record]))
    assert "0 par code postal et commune, 1 par coordonnées" in run(path)
    assert Place.objects.get(external_id="x").code_insee == "51454"


def test_missing_insee_from_a_cedex_postcode_or_a_former_commune(tmp_path, communes):
    from tremplin.territories.models import FormerCommune

    FormerCommune.objects.create(code_insee="51999", name="Vieilleville", kind="ancienne", commune=communes["reims"])
    base = {"pivot": "43493312300029", "nom": "Lieu", "adresse": "1 rue", "date_maj": "2024-05-01", "services": LOISIRS}
    records = [
        {**base, "id": "cedex", "commune": "REIMS", "code_postal": "51084"},
        {**base, "id": "ancienne", "commune": "Vieilleville", "code_postal": "51300"},
        {**base, "id": "nulle-part", "commune": "Inconnue", "code_postal": "51300"},
        {**base, "id": "zero", "commune": "Reims", "code_postal": 1400},  # a JSON number lost its leading zero
    ]
    path = write(tmp_path, "sans-insee.json", json.dumps(records))
    assert "2 par code postal et commune, 0 par coordonnées, 2 introuvable(s)" in run(path)
    assert dict(Place.objects.values_list("external_id", "commune_id")) == {
        "cedex": "51454", "ancienne": "51454", "nulle-part": None, "zero": None,
    }  # fmt: skip
    assert Place.objects.get(external_id="zero").postcode == "01400"


def test_dry_run_writes_nothing(tmp_path, communes):
    path = write(
        tmp_path,
        "a.csv",
        HEADER + "\nb1,43493312300029,Lieu,Reims,51100,,1 rue,,,,,2024-01-02,Loisirs et créations numériques,,\n",
    )
    assert "1 lieux importés, 0 mis à jour, 0 rejetés (essai à blanc : rien n'a été écrit)" in run(path, "--dry-run")
    assert not Place.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "encoding", "message"),
    [
        ("bad.json", '[{"id": "a", "nom": "x"},\n {"id": ', "utf-8", "bad.json:2 : JSON invalide ou tronqué"),
        ("obj.json", '{"id": "a"}', "utf-8", "JSON inattendu : une liste de lieux est attendue"),
        ("latin.csv", f"{HEADER}\nc,43493312300029,Café,Reims,51100,,1 rue,,,,,2024-01-02,{LOISIRS},,\n", "latin-1",
         "encodage invalide : le fichier doit être en UTF-8"),
        ("short.csv", HEADER + "\nc,43493312300029,Lieu\n", "utf-8", "short.csv:2 : 3 champ(s) au lieu de 15"),
        ("other.csv", "a,b,c\n1,2,3\n", "utf-8", "en-tête inattendu"),
        ("empty.csv", "", "utf-8", "fichier vide"),
    ],
)  # fmt: skip
def test_malformed_files_are_refused_in_french(tmp_path, name, content, encoding, message):
    path = write(tmp_path, name, content, encoding)
    with pytest.raises(CommandError, match="Fichier refusé, rien n'a été écrit") as excinfo:
        run(path)
    assert message in str(excinfo.value)
    assert not Place.objects.exists()


def test_unexpected_error_mid_file_leaves_nothing_written(tmp_path, communes, monkeypatch):
    rows = [
        f"r{i},43493312300029,Lieu {i},Reims,51100,,1 rue,,,,,2024-01-02,Loisirs et créations numériques,,"
        for i in range(5)
    ]
    path = write(tmp_path, "a.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    run(path)
    Place.objects.filter(external_id="r0").update(name="Ancien nom")
    real_create = Place.objects.bulk_create

    def failing_create(*args, **kwargs):
        raise RuntimeError("panne au milieu du fichier")

    monkeypatch.setattr(type(Place.objects), "bulk_create", failing_create)
    more = rows + ["r9,43493312300029,Nouveau,Reims,51100,,1 rue,,,,,2024-01-02,Loisirs et créations numériques,,"]
    path.write_text(HEADER + "\n" + "\n".join(more) + "\n")
    with pytest.raises(RuntimeError):
        run(path)
    assert Place.objects.count() == 5
    assert Place.objects.get(external_id="r0").name == "Ancien nom"  # the update before the failure is undone
    monkeypatch.setattr(type(Place.objects), "bulk_create", real_create)


def test_place_update_rereads_hours_and_stamps_the_change(communes):
    from tests.factories import UserFactory

    path_record = {
        "id": "u", "pivot": "43493312300029", "nom": "Lieu", "commune": "Reims", "code_postal": "51100",
        "adresse": "1 rue", "date_maj": "2024-05-01", "services": LOISIRS,
    }  # fmt: skip
    from tremplin.places.importers import RawRecord

    services.place_import_rows(records=[RawRecord(2, path_record)], path="x.json")
    place = Place.objects.get(external_id="u")
    user = UserFactory()
    with pytest.raises(ValidationError) as refused:  # entered by hand: checked, refused with a French message
        services.place_update(place=place, by=user, hours="Mo 9h-12h")
    assert "hours" in refused.value.message_dict
    services.place_update(place=place, by=user, hours="Mo 09:00-12:00")
    place.refresh_from_db()
    assert place.hours_valid and place.updated_by == user


@pytest.fixture
def real_communes(shared_data):
    """Every current commune and arrondissement with its postcodes and centre, straight from the shared files
    (a few seconds, instead of the whole reference import)."""
    from tremplin.territories.models import Commune, Departement, Region, normalize_search

    folder = shared_data / "communes"
    centres = {}
    for line in (folder / "communes_centroides_geoapi_bpineau.csv").read_text(encoding="utf-8").splitlines()[1:]:
        code, _dept, lon, lat, _name = line.split(",", 4)
        centres[code] = (float(lat), float(lon))
    items = [
        c
        for c in json.loads((folder / "decoupage_administratif_6.0.0_communes.json").read_text(encoding="utf-8"))
        if c["type"] in ("commune-actuelle", "arrondissement-municipal")
    ]
    region = Region.objects.create(code="00", name="Toutes")
    departements = {}
    for code in sorted({c["departement"] for c in items}):
        departements[code] = Departement.objects.create(code=code, name=f"Département {code}", region=region)
    Commune.objects.bulk_create(
        Commune(
            code_insee=c["code"],
            name=c["nom"],
            search_name=normalize_search(c["nom"]),
            kind="arrondissement" if c["type"] == "arrondissement-municipal" else "commune",
            departement=departements[c["departement"]],
            postcodes=" ".join(c.get("codesPostaux", [])),
            latitude=centres.get(c["code"], (None, None))[0],
            longitude=centres.get(c["code"], (None, None))[1],
        )
        for c in items
    )
    for c in items:
        if c["type"] == "arrondissement-municipal":
            Commune.objects.filter(code_insee=c["code"]).update(parent_id=c["commune"])
    return Commune.objects.count()


def test_real_file_with_the_real_communes_derives_every_insee_code(shared_data, real_communes):
    assert real_communes == 35_014
    report = run(shared_data / "lieux_mediation_numerique" / "cnfs_lieux_2022-12-02_sans_aidants.json")
    assert "4930 lieux importés, 0 mis à jour, 0 rejetés" in report
    # Only « culoz » (01350, no coordinates) stays without commune: it merged into Culoz-Béon, which the
    # FormerCommune table (not loaded here) would resolve. « Nancy » 54042 (a CEDEX postcode) is found by name.
    assert list(Place.objects.filter(commune__isnull=True).values_list("city", flat=True)) == ["culoz"]
    assert "Code INSEE déduit : 4714 par code postal et commune, 215 par coordonnées, 1 introuvable(s)" in report
    marseille = Place.objects.get(external_id="62592a1d05457b0790816e6c")  # « MARSEILLE 11 », 13011
    assert marseille.code_insee == "13211"
