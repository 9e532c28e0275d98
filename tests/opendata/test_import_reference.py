"""import_reference on small generated files: malformed input is refused whole, bad rows are reported."""

import gzip
import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tremplin.network.models import Site
from tremplin.opendata.reference import DownloadError, ReferenceFile, download
from tremplin.territories.models import Commune, FormerCommune, MapOutline, Qpv

pytestmark = pytest.mark.django_db

LAPOSTE = "laposte/laposte_poincont2_2020.csv"
COMMUNES = "communes/decoupage_administratif_6.0.0_communes.json"
CENTROIDS = "communes/communes_centroides_geoapi_bpineau.csv"


def run(data_dir, **options):
    out = StringIO()
    call_command("import_reference", data_dir=str(data_dir), stdout=out, **options)
    return out.getvalue()


def refused(data_dir, **options) -> str:
    with pytest.raises(CommandError) as excinfo:
        run(data_dir, **options)
    return str(excinfo.value)


def edit_lines(path, change):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8", newline="")


def test_generated_territory_imports_and_reimport_changes_nothing(demo_dir):
    first = run(demo_dir)
    assert Commune.objects.count() == 24
    assert Qpv.objects.count() == 4
    assert Site.objects.count() > 4
    assert "Communes" in first and "24 ajouté(s)" in first
    second = run(demo_dir, force=True)
    assert "ajouté(s), 0 modifié(s)" in second
    assert " 1 ajouté(s)" not in second and "24 ajouté(s)" not in second
    assert Commune.objects.count() == 24


def test_wrong_header_refuses_the_file_and_writes_nothing_from_it(demo_dir):
    edit_lines(demo_dir / LAPOSTE, lambda lines: ["identifiant;nom;type\r\n", *lines[1:]])
    message = refused(demo_dir)
    assert "en-tête inattendu" in message and "laposte_poincont2_2020.csv:1" in message
    assert Commune.objects.count() == 24  # earlier files were fine and are kept
    assert not Site.objects.filter(source="laposte").exists()


def test_bad_encoding_is_reported_with_its_line(demo_dir):
    path = demo_dir / CENTROIDS
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b",", b",\xe9", 1)
    path.write_bytes(b"\n".join(lines))
    message = refused(demo_dir)
    assert "encodage invalide" in message and f"{CENTROIDS}:4" in message
    assert not Commune.objects.filter(latitude__isnull=False).exists()


def test_truncated_csv_is_refused(demo_dir):
    path = demo_dir / LAPOSTE
    content = path.read_text(encoding="utf-8")
    path.write_text(content[: len(content) - 40], encoding="utf-8", newline="")
    message = refused(demo_dir)
    assert "ligne tronquée" in message
    assert not Site.objects.filter(source="laposte").exists()


def test_truncated_json_is_refused_and_no_commune_is_written(demo_dir):
    path = demo_dir / COMMUNES
    content = path.read_text(encoding="utf-8")
    path.write_text(content[: len(content) // 2], encoding="utf-8")
    message = refused(demo_dir)
    assert "JSON invalide ou tronqué" in message
    assert Commune.objects.count() == 0


def test_truncated_gzip_is_refused(demo_dir):
    path = demo_dir / "qpv/qpv2024_contours_bpineau_gazetteer.json.gz"
    path.write_bytes(path.read_bytes()[:-30])
    assert "gzip illisible ou tronquée" in refused(demo_dir)
    assert Qpv.objects.count() == 0


@pytest.mark.parametrize("value", ["48,8x", "north", "123.4"])
def test_unparseable_coordinates_refuse_the_whole_file(demo_dir, value):
    def corrupt(lines):
        fields = lines[2].split(";")
        fields[11] = value
        lines[2] = ";".join(fields)
        return lines

    edit_lines(demo_dir / LAPOSTE, corrupt)
    message = refused(demo_dir)
    assert "latitude" in message and f"{LAPOSTE}:3" in message
    assert not Site.objects.filter(source="laposte").exists()


def test_duplicate_ids_refuse_the_file(demo_dir):
    edit_lines(demo_dir / LAPOSTE, lambda lines: [*lines, lines[1]])
    message = refused(demo_dir)
    assert "identifiant en double" in message
    assert not Site.objects.filter(source="laposte").exists()


def test_unknown_and_old_insee_codes(demo_dir):
    """Unknown codes are rejected with file:line; former codes resolve to today's commune."""
    communes = json.loads((demo_dir / COMMUNES).read_text())
    communes[0]["anciensCodes"] = ["D1999"]
    (demo_dir / COMMUNES).write_text(json.dumps(communes))

    def recode(lines):
        first = lines[1].split(";")
        first[9] = "D1999"  # a former commune of D1001
        second = lines[2].split(";")
        second[9] = "99138"  # Monaco
        return [lines[0], ";".join(first), ";".join(second), *lines[3:]]

    edit_lines(demo_dir / LAPOSTE, recode)
    output = run(demo_dir)
    assert FormerCommune.objects.get(code_insee="D1999").commune_id == "D1001"
    ids = [line.split(";")[0] for line in (demo_dir / LAPOSTE).read_text(encoding="utf-8").splitlines()[1:3]]
    assert Site.objects.get(external_id=ids[0]).commune_id == "D1001"
    assert not Site.objects.filter(external_id=ids[1]).exists()
    assert f"{LAPOSTE}:3 : code INSEE inconnu ou étranger « 99138 »" in output
    assert "1 site(s) rattaché(s) via un ancien code INSEE" in output


def test_current_datanova_lower_case_header_is_accepted(demo_dir):
    header = (
        "identifiant_a;libelle_du_site;caracteristique_du_site;site_acores_de_rattachement;adresse;"
        "complement_d_adresse;lieu_dit;code_postal;localite;code_insee;pays;latitude;longitude;"
        "precision_du_geocodage;numero_de_telephone;latlong\r\n"
    )
    edit_lines(demo_dir / LAPOSTE, lambda lines: [header, *lines[1:]])
    run(demo_dir)
    assert Site.objects.filter(source="laposte").count() == len(
        (demo_dir / LAPOSTE).read_text(encoding="utf-8").splitlines()[1:]
    )


def test_missing_data_directory_is_a_clear_error(tmp_path):
    assert "Dossier de données introuvable" in refused(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    assert "Aucun fichier de référence trouvé" in refused(tmp_path / "empty")


def test_download_checks_the_checksum_and_caches(tmp_path):
    source = tmp_path / "published.csv"
    source.write_bytes(b"insee,dept,lon,lat,name\n")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    ref = ReferenceFile("centroids", "Centres", "communes/x.csv", "unused", source.as_uri(), digest)
    cached = download(ref, tmp_path / "cache")
    assert cached.read_bytes() == source.read_bytes()
    source.unlink()
    assert download(ref, tmp_path / "cache") == cached  # served from the cache now

    (tmp_path / "other.csv").write_bytes(b"changed")
    wrong = ReferenceFile("centroids", "Centres", "communes/y.csv", "unused", (tmp_path / "other.csv").as_uri(), digest)
    with pytest.raises(DownloadError, match="somme de contrôle inattendue"):
        download(wrong, tmp_path / "cache")
    assert not (tmp_path / "cache/communes/y.csv").exists()


def test_qpv_without_known_commune_is_rejected_not_fatal(demo_dir):
    path = demo_dir / "qpv/qpv2024_contours_bpineau_gazetteer.json.gz"
    data = json.loads(gzip.decompress(path.read_bytes()))
    data["qpvs"][0]["insee"] = ["00000"]
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    output = run(demo_dir)
    assert Qpv.objects.count() == 3
    assert "commune inconnue « 00000 »" in output


DEPARTEMENT_OUTLINES = "geo/departements-version-simplifiee.geojson"


def test_outlines_are_imported_with_the_reference_data_and_reimport_rewrites_nothing(demo_dir):
    output = run(demo_dir)
    assert "Contours des départements" in output and "Contours des régions" in output
    outlines = {o.level: o for o in MapOutline.objects.all()}
    assert {level: o.feature_count for level, o in outlines.items()} == {"departements": 2, "regions": 1}
    codes = [f["properties"]["code"] for f in json.loads(outlines["departements"].geojson)["features"]]
    assert codes == ["D1", "D2"]

    # Unchanged file, re-read anyway: nothing rewritten (same row, same timestamp).
    again = run(demo_dir, force=True, only=["outlines_departements"])
    assert "Contours des départements (" in again and "0 ajouté(s), 0 modifié(s), 2 inchangé(s)" in again
    assert MapOutline.objects.get(level="departements").updated_at == outlines["departements"].updated_at
    assert "Distances" not in again  # outlines do not trigger the recomputation of distances and scores

    # One outline moved: one change; a feature without code is reported with its number.
    path = demo_dir / DEPARTEMENT_OUTLINES
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][1]["geometry"]["coordinates"][0][0][0] += 0.01
    data["features"][1]["geometry"]["coordinates"][0][-1][0] += 0.01
    data["features"].append({"type": "Feature", "properties": {"nom": "Sans code"}, "geometry": None})
    path.write_text(json.dumps(data), encoding="utf-8")
    changed = run(demo_dir, only=["outlines_departements"])
    assert "0 ajouté(s), 1 modifié(s), 1 inchangé(s), 1 rejeté(s)" in changed
    assert f"{DEPARTEMENT_OUTLINES}:3 : contour sans code" in changed


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"type": "Feature", "features": []}', "ce n'est pas une FeatureCollection GeoJSON"),
        ('{"type": "FeatureCollection", "features": [', "JSON invalide ou tronqué"),
        ('{"type": "FeatureCollection", "features": []}', "aucun contour utilisable"),
    ],
)
def test_a_bad_outlines_file_is_refused_and_the_previous_outlines_stay(demo_dir, content, reason):
    run(demo_dir)
    before = MapOutline.objects.get(level="departements")
    (demo_dir / DEPARTEMENT_OUTLINES).write_text(content, encoding="utf-8")
    assert reason in refused(demo_dir, only=["outlines_departements"])
    after = MapOutline.objects.get(level="departements")
    assert (after.sha256, after.geojson, after.updated_at) == (before.sha256, before.geojson, before.updated_at)


def test_duplicate_outline_codes_refuse_the_file(demo_dir):
    path = demo_dir / DEPARTEMENT_OUTLINES
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"].append(data["features"][0])
    path.write_text(json.dumps(data), encoding="utf-8")
    assert "code en double « D1 »" in refused(demo_dir)
    assert not MapOutline.objects.filter(level="departements").exists()
