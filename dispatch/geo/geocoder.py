"""Addresses to points: database cache → online provider (geopy) → offline gazetteer.

The provider and user agent are settings (``DISPATCH_GEOCODER``: ``offline`` by default, or a
geopy service name such as ``nominatim``; ``DISPATCH_GEOCODER_USER_AGENT``). Online calls are
rate limited (geopy's RateLimiter, one per second by default, as Nominatim asks) and time out
quickly; any provider failure falls through to the gazetteer, and a miss leaves the point
empty — geocoding never blocks intake.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service

from dispatch.extensions import db
from dispatch.geo import gazetteer
from dispatch.geo.models import GeocodeCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float
    source: str  # "cache:<source>", "<provider>", "gazetteer"


def _key(address: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", address).split())[:300]


@lru_cache(maxsize=8)
def _rate_limited(service: str, user_agent: str, timeout: float, delay: float) -> Any:
    provider = get_geocoder_for_service(service)(user_agent=user_agent, timeout=timeout)
    return RateLimiter(provider.geocode, min_delay_seconds=delay, max_retries=0,
                       swallow_exceptions=False)


def make_provider() -> Any | None:
    """The online geocode callable from settings, or None when offline."""
    service = current_app.config.get("DISPATCH_GEOCODER", "offline")
    if service in ("", "offline", "none"):
        return None
    return _rate_limited(service, current_app.config["DISPATCH_GEOCODER_USER_AGENT"],
                         float(current_app.config.get("DISPATCH_GEOCODER_TIMEOUT", 3)),
                         float(current_app.config.get("DISPATCH_GEOCODER_DELAY", 1)))


def _online(address: str) -> GeoPoint | None:
    provider = make_provider()
    if provider is None:
        return None
    try:
        found = provider(address)
    except (GeopyError, OSError, ValueError) as exc:
        log.warning("geocoder failed for %r: %s", address, exc)
        return None
    if found is None:
        return None
    return GeoPoint(float(found.latitude), float(found.longitude),
                    current_app.config["DISPATCH_GEOCODER"])


def locate(address: str) -> GeoPoint | None:
    """The point of ``address``, cached in the database; None when nothing knows it."""
    key = _key(address or "")
    if not key:
        return None
    cached = db.session.get(GeocodeCache, key)
    if cached is not None:
        if cached.lat is None or cached.lon is None:
            return None
        return GeoPoint(cached.lat, cached.lon, f"cache:{cached.source}")
    point = _online(key)
    if point is None:
        hit = gazetteer.lookup(key)
        point = GeoPoint(hit.lat, hit.lon, "gazetteer") if hit else None
    if point is not None:
        db.session.merge(GeocodeCache(query=key, lat=point.lat, lon=point.lon, source=point.source))
    return point
