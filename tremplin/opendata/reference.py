"""The reference files Tremplin imports, in dependency order, and where to get them.

Files are read from a data directory (TREMPLIN_DATA_DIR; tests and CI: ../shared/data) laid out as
below. With `--download`, a missing file is fetched from its official open-data address into the
cache (TREMPLIN_CACHE_DIR), checked against its SHA-256 when the vintage is pinned, and reused.
"""

import hashlib
import io
import shutil
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .errors import FileFormatError

COG_TARBALL = "https://registry.npmjs.org/@etalab/decoupage-administratif/-/decoupage-administratif-6.0.0.tgz"
COG_TARBALL_SHA256 = "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a"
# gregoiredavid/france-geojson (IGN Admin Express, Licence Ouverte), the source of the shared data's geo/ folder.
FRANCE_GEOJSON = "https://raw.githubusercontent.com/gregoiredavid/france-geojson/master"
GAZETTEER = "https://raw.githubusercontent.com/bpineau/gazetteer/2cb0ab31e158ac423130e32b74d7939773c7d78c"


class DownloadError(Exception):
    pass


@dataclass(frozen=True)
class ReferenceFile:
    key: str
    label: str
    path: str  # relative to the data directory
    importer: str  # dotted path of the service function, called with path=
    url: str | None = None
    sha256: str | None = None  # of the file, or of the archive when `member` is set
    member: str | None = None  # file inside a .tgz archive
    derived: bool = True  # the distances and scores follow from it (map outlines: no)

    def load_importer(self) -> Callable:
        from importlib import import_module

        module, name = self.importer.rsplit(".", 1)
        return getattr(import_module(module), name)


REFERENCE_FILES = (
    ReferenceFile(
        "regions",
        "Régions (COG 2026)",
        "communes/decoupage_administratif_6.0.0_regions.json",
        "tremplin.territories.services.regions_import",
        COG_TARBALL,
        COG_TARBALL_SHA256,
        "package/data/regions.json",
    ),
    ReferenceFile(
        "departements",
        "Départements (COG 2026)",
        "communes/decoupage_administratif_6.0.0_departements.json",
        "tremplin.territories.services.departements_import",
        COG_TARBALL,
        COG_TARBALL_SHA256,
        "package/data/departements.json",
    ),
    ReferenceFile(
        key="outlines_departements",
        label="Contours des départements (IGN, simplifiés)",
        path="geo/departements-version-simplifiee.geojson",
        importer="tremplin.territories.services.departement_outlines_import",
        url=f"{FRANCE_GEOJSON}/departements-version-simplifiee.geojson",
        derived=False,
    ),
    ReferenceFile(
        key="outlines_regions",
        label="Contours des régions (IGN, simplifiés)",
        path="geo/regions-version-simplifiee.geojson",
        importer="tremplin.territories.services.region_outlines_import",
        url=f"{FRANCE_GEOJSON}/regions-version-simplifiee.geojson",
        derived=False,
    ),
    ReferenceFile(
        "communes",
        "Communes (COG 2026)",
        "communes/decoupage_administratif_6.0.0_communes.json",
        "tremplin.territories.services.communes_import",
        COG_TARBALL,
        COG_TARBALL_SHA256,
        "package/data/communes.json",
    ),
    ReferenceFile(
        "epci",
        "EPCI (COG 2026)",
        "communes/decoupage_administratif_6.0.0_epci.json",
        "tremplin.territories.services.epcis_import",
        COG_TARBALL,
        COG_TARBALL_SHA256,
        "package/data/epci.json",
    ),
    ReferenceFile(
        "centroids",
        "Centres des communes (geo.api.gouv.fr)",
        "communes/communes_centroides_geoapi_bpineau.csv",
        "tremplin.territories.services.centroids_import",
        f"{GAZETTEER}/helpers/communes/data/france.csv",
        "f55c7bce9d922d5cbc168e9502fe02409c5e73e19b517b0d46b8039661c25338",
    ),
    ReferenceFile(
        # INSEE publishes the grid as a spreadsheet; Tremplin reads its CSV export (sheet Grille_Densite).
        "density",
        "Grille communale de densité (INSEE 2021)",
        "grille_densite/grille_densite_7_niveaux_2021.csv",
        "tremplin.territories.services.density_import",
    ),
    ReferenceFile(
        "qpv",
        "Quartiers prioritaires 2024 (ANCT)",
        "qpv/qpv2024_contours_bpineau_gazetteer.json.gz",
        "tremplin.territories.services.qpvs_import",
        f"{GAZETTEER}/sources/qpv/data/qpv.json.gz",
        "df79d3df4e3a0179adff0c36546ebecd397f0905af9e551dbdaf90c3331d3f6c",
    ),
    ReferenceFile(
        # The live datanova export changes every month: no pinned checksum, its SHA-256 is printed.
        "laposte",
        "La Poste — points de contact",
        "laposte/laposte_poincont2_2020.csv",
        "tremplin.network.services.laposte_sites_import",
        "https://datanova.laposte.fr/data-fair/api/v1/datasets/laposte-poincont2/raw",
    ),
    ReferenceFile(
        key="ifn_communes",
        label="Indice de fragilité numérique 2023 (communes)",
        path="ifn/ifn-city-all-variation.csv",
        importer="tremplin.territories.services.ifn_communes_import",
    ),
    ReferenceFile(
        key="ifn_epcis",
        label="Indice de fragilité numérique 2023 (EPCI)",
        path="ifn/ifn-epci-all-variation.csv",
        importer="tremplin.territories.services.ifn_epcis_import",
    ),
    ReferenceFile(
        key="filosofi",
        label="INSEE Filosofi 2021 (pauvreté, niveau de vie)",
        path="indicators/cc_filosofi_2021_COM.csv",
        importer="tremplin.territories.services.filosofi_import",
    ),
    ReferenceFile(
        key="unemployment",
        label="INSEE recensement 2021 (chômage)",
        path="indicators/communes_comparateur2024_rcarlier.csv",
        importer="tremplin.territories.services.unemployment_import",
    ),
    ReferenceFile(
        "france_services",
        "France services (ANCT)",
        "france_services/liste-fs-20221201.csv",
        "tremplin.network.services.france_services_sites_import",
        "https://raw.githubusercontent.com/anct-cartographie-nationale/mednum-cli/"
        "abcdd2a7beacf955e8af467a92924af1c9f7a0c6/assets/input/france-services/liste-fs-20221201.csv",
        "1dae8cc517706410abd7f5aa5f8d04f6b45ec1b5847768aa3956e5958f9b4f3e",
    ),
)


# Journal key of what is computed from all the files (distances, built-in indicators, fragility scores).
DERIVED = ReferenceFile(key="derived", label="Données calculées", path="", importer="")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fetch(url: str, timeout: float = 60) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (fixed https addresses)
            return response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DownloadError(f"téléchargement impossible depuis {url} ({exc})") from exc


def _checked(data: bytes, expected: str | None, url: str) -> bytes:
    if expected and sha256_of(data) != expected:
        raise DownloadError(
            f"somme de contrôle inattendue pour {url} : {sha256_of(data)} au lieu de {expected} "
            "(le fichier publié a changé de millésime)"
        )
    return data


def download(ref: ReferenceFile, cache_dir: Path) -> Path:
    """The file in the cache, fetched (and checked) if it is not there yet."""
    target = cache_dir / ref.path
    if target.exists():
        return target
    if not ref.url:
        raise DownloadError(f"{ref.label} : pas d'adresse de téléchargement dans ce format, fournir le fichier")
    target.parent.mkdir(parents=True, exist_ok=True)
    if ref.member:
        archive = cache_dir / "_archives" / Path(ref.url).name
        if archive.exists():
            data = archive.read_bytes()
        else:
            data = _checked(_fetch(ref.url), ref.sha256, ref.url)
            archive.parent.mkdir(parents=True, exist_ok=True)
            archive.write_bytes(data)
        try:
            with tarfile.open(fileobj=io.BytesIO(_checked(data, ref.sha256, ref.url)), mode="r:gz") as tar:
                member = tar.extractfile(ref.member)
                if member is None:
                    raise DownloadError(f"{ref.member} absent de l'archive {ref.url}")
                content = member.read()
        except (tarfile.TarError, KeyError) as exc:
            raise DownloadError(f"archive illisible {ref.url} ({exc})") from exc
    else:
        content = _checked(_fetch(ref.url), ref.sha256, ref.url)
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(content)
    shutil.move(partial, target)
    return target


def locate(ref: ReferenceFile, data_dir: Path | None, cache_dir: Path, *, allow_download: bool) -> Path | None:
    """Where to read `ref` from: the data directory first, then the download cache."""
    if data_dir is not None and (data_dir / ref.path).is_file():
        return data_dir / ref.path
    if (cache_dir / ref.path).is_file():
        return cache_dir / ref.path
    if allow_download:
        return download(ref, cache_dir)
    return None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def last_import(ref: ReferenceFile, sha256: str):
    """The journal entry of the last import of this very file (same checksum), if any."""
    from .models import ReferenceImport

    last = ReferenceImport.objects.filter(key=ref.key).first()
    return last if last is not None and last.sha256 == sha256 else None


@transaction.atomic
def run_import(ref: ReferenceFile, path: Path, sha256: str):
    """Import one file and journal it; FileFormatError leaves the database as it was for this file."""

    try:
        report = ref.load_importer()(path=path)
    except FileFormatError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise FileFormatError(path, f"structure inattendue ({exc.__class__.__name__}: {exc})") from exc
    journal(ref, path, sha256, report)
    return report


def journal(ref: ReferenceFile, path, sha256: str, report) -> None:
    from .models import ReferenceImport

    ReferenceImport.objects.create(
        key=ref.key,
        path=str(path)[:500],
        sha256=sha256,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
    )
