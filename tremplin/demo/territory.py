"""A small fictional territory written in the official file formats, for when no real data is at hand.

It goes through the very same importers as the real files, so the demo exercises the real code path.
Names are fictional on purpose; the pages say the territory is generated.
"""

import csv
import gzip
import json
from pathlib import Path

import numpy as np

REGION = {"code": "DM", "nom": "Région de démonstration (fictive)", "zone": "metro"}
DEPARTEMENTS = [("D1", "Val-Tremplin (fictif)", 47.2, 2.4), ("D2", "Monts-Passerelle (fictif)", 46.7, 3.1)]
SYLLABLES = ["Bel", "mont", "val", "roche", "font", "lac", "bois", "pré", "ville", "champ", "court", "mer"]
POSTE_HEADER = (
    "#Identifiant_du_site;Libellé_du_site;Caractéristique_du_site;Site_Acores_de_rattachement;Adresse;"
    "Complément_d_adresse;Lieu_dit;Code_postal;Localité;Code_INSEE;Pays;Latitude;Longitude;"
    "Précision_du_géocodage;Numéro_de_téléphone;latlong"
)


def _name(rng, used: set) -> str:
    while True:
        name = "".join(rng.choice(SYLLABLES, size=2)).capitalize()
        name = f"{name}-sur-{rng.choice(['Loire', 'Cher', 'Allier'])}" if rng.random() < 0.2 else name
        if name not in used:
            used.add(name)
            return name


def write_demo_territory(directory: Path, *, communes_per_departement: int = 40, seed: int = 2023) -> Path:
    """Write the fictional territory's files under `directory` (same layout as the real data folder)."""
    rng = np.random.default_rng(seed)
    (directory / "communes").mkdir(parents=True, exist_ok=True)
    for sub in ("grille_densite", "qpv", "laposte", "france_services", "ifn", "geo"):
        (directory / sub).mkdir(exist_ok=True)
    communes, centroids, density, sites, qpvs, services, ifn = [], [], [], [], [], [], []
    used: set = set()
    for dep_code, _, lat0, lon0 in DEPARTEMENTS:
        for i in range(1, communes_per_departement + 1):
            code = f"{dep_code}{i:03d}"
            population = int(rng.lognormal(6.3, 1.3)) + 50 if i > 1 else 42_000
            level = 1 if i == 1 else int(np.clip(7 - np.log10(population) * 1.4 + rng.normal(0, 0.6), 2, 7))
            lat, lon = lat0 + rng.normal(0, 0.08), lon0 + rng.normal(0, 0.11)
            name = _name(rng, used)
            postcode = f"{99000 + len(communes):05d}"
            communes.append(
                {
                    "code": code,
                    "nom": name,
                    "zone": "metro",
                    "departement": dep_code,
                    "region": REGION["code"],
                    "type": "commune-actuelle",
                    "codesPostaux": [postcode],
                    "population": population,
                }
            )
            centroids.append((code, dep_code, f"{lon:.5f}", f"{lat:.5f}", name))
            density.append((code, name, level, "", population))
            # IFN-like decile scores, more fragile in the rural communes.
            deciles = np.clip(np.round(rng.normal(level * 1.1, 1.8, size=5)), 1, 10).astype(int)
            ifn.append((name, "city", code, *deciles, round(float(deciles.mean()), 1)))
            if population > 2500 or i % 4 == 0:
                kind = "Bureau de Poste" if population > 1500 else "Agence postale communale"
                sites.append(
                    (
                        f"{code}P",
                        f"{name.upper()} {'BP' if kind.startswith('Bureau') else 'AP'}",
                        kind,
                        "",
                        "1 PLACE DE LA MAIRIE",
                        "",
                        "",
                        postcode,
                        name.upper(),
                        code,
                        "FRANCE",
                        f"{lat + 0.002:.6f}",
                        f"{lon + 0.002:.6f}",
                        "Géocodé au numéro",
                        "3631",
                        "",
                    )
                )
            if i == 1:
                for q in range(2):
                    qlat, qlon = lat + 0.01 * (q + 1), lon - 0.01 * (q + 1)
                    square = [
                        [
                            [qlon, qlat],
                            [qlon + 0.008, qlat],
                            [qlon + 0.008, qlat + 0.006],
                            [qlon, qlat + 0.006],
                            [qlon, qlat],
                        ]
                    ]
                    qpvs.append(
                        {
                            "code": f"QN{dep_code}{q + 1:03d}",
                            "label": f"Quartier des Tilleuls {q + 1}",
                            "insee": [code],
                            "g": [square],
                        }
                    )
                services.append(
                    (
                        f"FS{dep_code}",
                        dep_code,
                        f"France services de {name}",
                        "2 rue de la Gare",
                        "",
                        code,
                        postcode,
                        name,
                        f"{lat - 0.003:.6f}",
                        f"{lon + 0.001:.6f}",
                    )
                )
    (directory / "communes/decoupage_administratif_6.0.0_regions.json").write_text(json.dumps([REGION]))
    (directory / "communes/decoupage_administratif_6.0.0_departements.json").write_text(
        json.dumps([{"code": c, "nom": n, "region": REGION["code"], "zone": "metro"} for c, n, _, _ in DEPARTEMENTS])
    )
    (directory / "communes/decoupage_administratif_6.0.0_communes.json").write_text(json.dumps(communes))
    (directory / "communes/decoupage_administratif_6.0.0_epci.json").write_text(
        json.dumps(
            [
                {
                    "code": f"2000000{n}",
                    "nom": f"Communauté de communes {dep} (fictive)",
                    "type": "CC",
                    "membres": [{"code": c["code"]} for c in communes if c["departement"] == dep],
                }
                for n, (dep, _, _, _) in enumerate(DEPARTEMENTS, start=1)
            ]
        )
    )
    _write_csv(
        directory / "communes/communes_centroides_geoapi_bpineau.csv",
        ["insee", "dept", "lon", "lat", "name"],
        centroids,
    )
    _write_csv(
        directory / "grille_densite/grille_densite_7_niveaux_2021.csv",
        ["CODGEO", "LIBGEO", "DENS", "LIBDENS", "PMUN18"],
        density,
    )
    with gzip.open(directory / "qpv/qpv2024_contours_bpineau_gazetteer.json.gz", "wt", encoding="utf-8") as fh:
        json.dump({"meta": {"note": "QPV fictifs"}, "qpvs": qpvs}, fh)
    with open(directory / "laposte/laposte_poincont2_2020.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write(POSTE_HEADER + "\r\n")
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(sites)
    _write_csv(
        directory / "france_services/liste-fs-20221201.csv",
        [
            "id_fs",
            "insee_dep",
            "lib_fs",
            "adresse",
            "complement_adresse",
            "insee_com",
            "code_postal",
            "lib_com",
            "latitude",
            "longitude",
        ],
        services,
    )
    _write_csv(
        directory / "ifn/ifn-city-all-variation.csv",
        [
            "name",
            "division",
            "code",
            "no_thd_coverage_rate",
            "no_4g_coverage_rate",
            "poverty_rate",
            "older_65_rate",
            "nscol15p_rate",
            "total",
        ],
        ifn,
    )
    _write_outlines(directory / "geo")
    return directory


def _box(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _write_outlines(directory: Path) -> None:
    """Outlines of the fictional départements and région, in the format of the real geo/ files: a box around
    each département's centre (they touch along a line of latitude), and the région as the box around both."""
    boxes = {}
    for index, (code, name, lat, lon) in enumerate(DEPARTEMENTS):
        north = lat + 0.3 if index == 0 else (DEPARTEMENTS[index - 1][2] + lat) / 2
        south = lat - 0.3 if index == len(DEPARTEMENTS) - 1 else (DEPARTEMENTS[index + 1][2] + lat) / 2
        boxes[code] = (name, (round(lon - 0.45, 4), round(south, 4), round(lon + 0.45, 4), round(north, 4)))
    features = [
        {"type": "Feature", "properties": {"code": code, "nom": name}, "geometry": _box(*bounds)}
        for code, (name, bounds) in boxes.items()
    ]
    (directory / "departements-version-simplifiee.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    west = min(b[0] for _, b in boxes.values())
    south = min(b[1] for _, b in boxes.values())
    east = max(b[2] for _, b in boxes.values())
    north = max(b[3] for _, b in boxes.values())
    region = {
        "type": "Feature",
        "properties": {"code": REGION["code"], "nom": REGION["nom"]},
        "geometry": _box(west, south, east, north),
    }
    (directory / "regions-version-simplifiee.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [region]}), encoding="utf-8"
    )


def _write_csv(path: Path, header, rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
