"""Distances on the WGS-84 ellipsoid, vectorised.

Andoyer–Lambert's first-order correction of the spherical distance: within a few metres of
geopy's geodesic (Karney) for points that are not near-antipodal, and fast enough for
matrices of 1,000 × 500 points in a few milliseconds. Tests check it against geopy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

A = 6378.137  # equatorial radius, km
F = 1 / 298.257223563  # flattening


def distance_matrix(origins: ArrayLike, destinations: ArrayLike) -> NDArray[np.float64]:
    """Kilometres between every ``(lat, lon)`` in ``origins`` and every one in ``destinations``.

    Per-point trigonometry is done once; per pair only products, one square root and one
    arcsine (the half-angle identities below), which keeps large matrices cheap.
    """
    a = np.radians(np.asarray(origins, dtype=float).reshape(-1, 2))
    b = np.radians(np.asarray(destinations, dtype=float).reshape(-1, 2))
    beta1 = np.arctan((1 - F) * np.tan(a[:, 0]))  # reduced latitudes
    beta2 = np.arctan((1 - F) * np.tan(b[:, 0]))
    sin1, cos1 = np.sin(beta1)[:, None], np.cos(beta1)[:, None]
    sin2, cos2 = np.sin(beta2)[None, :], np.cos(beta2)[None, :]
    cos_dlon = (np.cos(a[:, 1])[:, None] * np.cos(b[:, 1])[None, :]
                + np.sin(a[:, 1])[:, None] * np.sin(b[:, 1])[None, :])
    # h = sin²(Δβ/2) + cos β1 cos β2 sin²(Δλ/2), with sin²(x/2) = (1 − cos x) / 2
    cos_dbeta = cos1 * cos2 + sin1 * sin2
    h = np.clip((1 - cos_dbeta) / 2 + cos1 * cos2 * (1 - cos_dlon) / 2, 0.0, 1.0)
    root_h = np.sqrt(h)
    sigma = 2 * np.arcsin(root_h)
    sin_sigma = 2 * root_h * np.sqrt(1 - h)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (sigma - sin_sigma) * ((sin1 + sin2) / 2) ** 2 / (1 - h)
        y = (sigma + sin_sigma) * ((sin2 - sin1) / 2) ** 2 / h
    correction = np.where(h > 0, F / 2 * (np.nan_to_num(x) + np.nan_to_num(y)), 0.0)
    return A * (sigma - correction)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Kilometres between two points."""
    return float(distance_matrix([(lat1, lon1)], [(lat2, lon2)])[0, 0])


def eta_minutes(km: float | NDArray[np.float64], speed_kmh: float) -> NDArray[np.float64] | float:
    """Minutes of travel at an average ``speed_kmh`` (a setting)."""
    return np.ceil(np.asarray(km) / speed_kmh * 60) if isinstance(km, np.ndarray) else \
        float(np.ceil(km / speed_kmh * 60))
