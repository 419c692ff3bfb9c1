"""Navigation links for the map app people use (``DISPATCH_MAP_APP``).

Sites are stored in WGS-84. Amap and Apple Maps in China read GCJ-02 and Baidu reads BD-09,
so the point is converted here, on the server, by the ``coordTransform`` package (outside
China it leaves points as they are); Google Maps and ``geo:`` links (RFC 5870) take WGS-84.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import coordTransform
from flask import current_app

MAP_APPS = ("amap", "baidu", "apple", "google", "geo")


def to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02, as (lat, lon)."""
    lon2, lat2 = coordTransform.wgs84_to_gcj02(lon, lat)
    return float(lat2), float(lon2)


def to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 → BD-09, as (lat, lon)."""
    lon2, lat2 = coordTransform.wgs84_to_bd09(lon, lat)
    return float(lat2), float(lon2)


def map_app() -> str:
    chosen = str(current_app.config.get("DISPATCH_MAP_APP") or "amap").lower()
    return chosen if chosen in MAP_APPS else "amap"


def navigation_url(lat: float, lon: float, name: str = "", app: str | None = None) -> str:
    """A link that opens ``app`` (default: the setting) with a route to the WGS-84 point."""
    app = app or map_app()
    if app == "amap":
        glat, glon = to_gcj02(lat, lon)
        return "https://uri.amap.com/navigation?" + urlencode({
            "to": f"{glon:.6f},{glat:.6f},{name}", "mode": "car", "coordinate": "gaode",
            "callnative": "1", "src": "gps-dispatch"})
    if app == "baidu":
        blat, blon = to_bd09(lat, lon)
        return "https://api.map.baidu.com/direction?" + urlencode({
            "destination": f"latlng:{blat:.6f},{blon:.6f}|name:{name}", "mode": "driving",
            "coord_type": "bd09ll", "output": "html", "src": "gps-dispatch"})
    if app == "apple":
        glat, glon = to_gcj02(lat, lon)
        return "https://maps.apple.com/?" + urlencode({"daddr": f"{glat:.6f},{glon:.6f}",
                                                       "q": name or f"{glat:.6f},{glon:.6f}"})
    if app == "google":
        return "https://www.google.com/maps/dir/?" + urlencode({
            "api": "1", "destination": f"{lat:.6f},{lon:.6f}", "travelmode": "driving"})
    return f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}" + (f"({quote(name)})" if name else "")
