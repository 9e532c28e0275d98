"""The planner's map: metropolitan France and each overseas territory apart (what planning.js draws)."""

from django.urls import reverse

METROPOLE = "metropole"
# Metropolitan France (Corsica included), for a map without any office yet.
METROPOLE_BOUNDS = [[41.3, -5.2], [51.1, 9.6]]


def territory_of(departement: str) -> str:
    """``metropole`` for a département of metropolitan France (Corsica included), else the code of the
    overseas département or collectivité (971 Guadeloupe … 976 Mayotte, 975, 977, 978), drawn apart: on
    one map, Réunion to Guadeloupe is a third of the globe and 400 offices become one dot."""
    return departement if departement.startswith("97") or departement.startswith("98") else METROPOLE


def _bounds(offices: list[dict]) -> list[list[float]] | None:
    if not offices:
        return None
    lats = [o["lat"] for o in offices]
    lons = [o["lon"] for o in offices]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def plan_map(mediators: list[dict], names: dict[str, str], palette: list[str]) -> dict:
    """What planning.js draws: the mediators with their offices and colour, and one view per territory.

    ``territories``: metropolitan France first when the plan has offices there (or has none at all), then
    each overseas territory of the plan by number of offices, each with the extent of its offices
    (``bounds``; the whole of metropolitan France for a plan without any office). The first is the main
    map, the others its insets. ``bounds`` (kept for older scripts) is that of the main map."""
    drawn = []
    for m in mediators:
        offices = [
            {"id": o["id"], "name": o["name"], "commune": o["commune"], "lat": o["latitude"], "lon": o["longitude"]}
            for o in m["offices"]
            if o["latitude"] is not None and o["longitude"] is not None
        ]
        drawn.append(
            {
                "number": m["number"],
                "departement": m["departement"],
                "territory": territory_of(m["departement"]),
                "colour": palette[(m["number"] - 1) % len(palette)],
                "population": m["population"],
                "offices": offices,
            }
        )
    by_territory: dict[str, list[dict]] = {}
    for m in drawn:
        by_territory.setdefault(m["territory"], []).extend(m["offices"])
    overseas = sorted((code for code in by_territory if code != METROPOLE), key=lambda c: (-len(by_territory[c]), c))
    codes = [METROPOLE, *overseas] if METROPOLE in by_territory or not overseas else overseas
    territories = [
        {
            "code": code,
            "name": "France métropolitaine" if code == METROPOLE else names.get(code, code),
            "offices": len(by_territory.get(code, ())),
            "bounds": _bounds(by_territory.get(code, [])) or (METROPOLE_BOUNDS if code == METROPOLE else None),
        }
        for code in codes
    ]
    return {
        "bounds": territories[0]["bounds"],
        "territories": territories,
        "departements": sorted({m["departement"] for m in mediators}),
        "contours": reverse("territory:contours", args=["departements"]),
        "mediators": drawn,
    }
