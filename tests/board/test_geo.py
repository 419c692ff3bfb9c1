"""Distances agree with geopy's geodesic; geocoding falls back offline and never blocks intake."""

import pytest
from geopy.distance import geodesic
from geopy.exc import GeocoderUnavailable
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.extensions import db
from dispatch.geo import geocoder
from dispatch.geo.distance import distance_km
from dispatch.geo.models import GeocodeCache
from tests.world import repair_request

latitudes = st.floats(min_value=-80, max_value=80, allow_nan=False)
longitudes = st.floats(min_value=-179, max_value=179, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_within_half_a_percent_of_geodesic(lat1, lon1, lat2, lon2):
    reference = geodesic((lat1, lon1), (lat2, lon2)).km
    if reference < 0.05 or reference > 19_000:  # metres apart, or nearly antipodal
        return
    assert abs(distance_km(lat1, lon1, lat2, lon2) - reference) <= 0.005 * reference


def test_distance_in_the_city_matches_to_the_metre():
    assert distance_km(30.2741, 120.1551, 30.2080, 120.2110) == pytest.approx(
        geodesic((30.2741, 120.1551), (30.2080, 120.2110)).km, abs=0.001)


def test_offline_gazetteer_places_a_district(app):
    point = geocoder.locate("浙江省杭州市滨江区江南大道88号")
    assert point is not None and point.source == "gazetteer"
    assert distance_km(point.lat, point.lon, 30.208, 120.211) < 5
    assert db.session.get(GeocodeCache, "浙江省杭州市滨江区江南大道88号") is not None
    again = geocoder.locate("浙江省杭州市滨江区江南大道88号")
    assert again.source == "cache:gazetteer"


class _Found:
    latitude, longitude = 30.2001, 120.2002


def test_online_provider_is_used_then_cached(app, monkeypatch):
    calls = []
    monkeypatch.setattr(geocoder, "make_provider", lambda: lambda address: calls.append(address) or _Found())
    app.config["DISPATCH_GEOCODER"] = "nominatim"
    first = geocoder.locate("杭州市滨江区某路1号")
    second = geocoder.locate("杭州市滨江区某路1号")
    assert (first.lat, first.source) == (30.2001, "nominatim")
    assert second.source == "cache:nominatim" and len(calls) == 1


def test_provider_failure_falls_back_and_intake_still_works(world, monkeypatch):
    def broken(address):
        raise GeocoderUnavailable("network down")

    monkeypatch.setattr(geocoder, "make_provider", lambda: broken)
    response = world.agent.post("/api/v1/workorders", json=repair_request(
        world, address="浙江省杭州市西湖区文三路478号"))
    assert response.status_code == 201
    body = response.get_json()
    assert body["site_lat"] == pytest.approx(30.259, abs=0.05)


def test_unknown_address_leaves_the_point_empty_with_a_warning(world):
    response = world.agent.post("/api/v1/workorders", json=repair_request(world, address="某个地方"))
    assert response.status_code == 201
    body = response.get_json()
    assert body["site_lat"] is None and any("map" in w for w in body["warnings"])
    fixed = world.dispatcher.post(f"/api/v1/workorders/{body['id']}/location",
                                  json={"lat": 30.3, "lon": 120.1})
    assert fixed.status_code == 200
    assert world.agent.get(f"/api/v1/workorders/{body['id']}").get_json()["site_lat"] == 30.3
    assert world.agent.post(f"/api/v1/workorders/{body['id']}/location",
                            json={"lat": 30.3, "lon": 120.1}).status_code == 403
