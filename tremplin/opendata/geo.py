"""Great-circle geometry over France with numpy and scipy's cKDTree (no Django)."""

import numpy as np
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088


def unit_vectors(latlon: np.ndarray) -> np.ndarray:
    """(n, 2) degrees → (n, 3) points on the unit sphere, so that a k-d tree works on the globe."""
    lat = np.radians(latlon[:, 0])
    lon = np.radians(latlon[:, 1])
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0, 1))


def km_to_chord(km: float) -> float:
    return 2 * np.sin(km / (2 * EARTH_RADIUS_KM))


def nearest_distances_km(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Distance from each point to its nearest target (NaN when there is no target)."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    targets = np.asarray(targets, dtype=float).reshape(-1, 2)
    if len(targets) == 0:
        return np.full(len(points), np.nan)
    chord, _ = cKDTree(unit_vectors(targets)).query(unit_vectors(points), k=1)
    return chord_to_km(chord)


def haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))
