"""Candidates are best-first and right on a hand-checked fixture; the API and its guards."""

from datetime import UTC, datetime, time, timedelta

import pytest
from geopy.distance import geodesic

from board import candidates
from board.positions import jobs_in_hand, loads_today
from dispatch.extensions import db
from dispatch.timeutil import utcnow
from tests.support.clock import freeze
from tests.world import repair_request
from workorders.models import WorkOrder

SITE = (30.2741, 120.1551)  # 武林广场
ALL_DAY = {"work_start": "00:00", "work_end": "23:59"}


def _km(lat, lon):
    return geodesic((lat, lon), SITE).km


@pytest.fixture
def noon(monkeypatch):
    """The app's clock at 12:00 in Shanghai (ALL_DAY ends at 23:59). Ask for it first."""
    freeze(monkeypatch, datetime(2026, 6, 15, 4, 0, tzinfo=UTC))


@pytest.fixture
def crew(world, make_technician):
    """Technicians at known places: near, a bit farther, near but no repair skill, far."""
    near = make_technician(username="near", lat=30.2800, lon=120.1600, **ALL_DAY)      # ~0.8 km
    farther = make_technician(username="farther", lat=30.3200, lon=120.1600, **ALL_DAY)  # ~5 km
    unskilled = make_technician(username="installer", lat=30.2745, lon=120.1555,
                                skills=("install",), **ALL_DAY)
    far = make_technician(username="far", lat=30.4200, lon=120.3000, **ALL_DAY)         # ~21 km
    for technician in (world.technician, world.other_technician):
        technician.active = False
    db.session.commit()
    return near, farther, unskilled, far


def _order(world, **extra):
    created = world.agent.post("/api/v1/workorders", json=repair_request(
        world, lat=SITE[0], lon=SITE[1], **extra)).get_json()
    world.manager.post(f"/api/v1/workorders/{created['id']}/approve")
    return created["id"]


def test_hand_checked_ranking(noon, world, crew):
    near, farther, unskilled, far = crew
    order_id = _order(world)
    response = world.dispatcher.get(f"/api/v1/workorders/{order_id}/candidates")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [c["technician_id"] for c in items] == [near.id, farther.id, far.id, unskilled.id]
    # 100 − km (no jobs today, on shift, trained on no model in particular, no parts planned);
    # 1,000 less without the repair skill.
    assert [(c["score"], c["distance_km"]) for c in items] == [
        (pytest.approx(100 - km, abs=0.01), pytest.approx(km, abs=0.001)) for km in (
            _km(30.2800, 120.1600), _km(30.3200, 120.1600), _km(30.4200, 120.3000))] + [
        (pytest.approx(100 - _km(30.2745, 120.1555) - 1000, abs=0.01),
         pytest.approx(_km(30.2745, 120.1555), abs=0.001))]
    assert [c["available"] for c in items] == [True, True, True, False]
    first = items[0]
    assert first["distance_km"] == pytest.approx(_km(30.28, 120.16), abs=0.01)
    assert first["eta_minutes"] == int(-(-first["distance_km"] / 30 * 60 // 1))
    assert any("home base" in r for r in first["reasons"])
    assert items[-1]["available"] is False and any("skill" in r for r in items[-1]["reasons"])
    assert [c["score"] for c in items] == sorted((c["score"] for c in items), reverse=True)
    only = world.dispatcher.get(f"/api/v1/workorders/{order_id}/candidates?available_only=1")
    assert unskilled.id not in [c["technician_id"] for c in only.get_json()["items"]]


def test_reported_position_changes_the_rank(world, crew):
    _near, farther, _unskilled, _far = crew
    farther.last_lat, farther.last_lon, farther.last_seen_at = SITE[0] + 0.001, SITE[1], utcnow()
    db.session.commit()
    order_id = _order(world)
    items = world.dispatcher.get(f"/api/v1/workorders/{order_id}/candidates").get_json()["items"]
    assert items[0]["technician_id"] == farther.id
    assert items[0]["position_source"] == "reported"


def test_off_shift_and_full_technicians_rank_lower_and_say_why(world, crew):
    near, farther, _unskilled, _far = crew
    near.daily_capacity = 0
    db.session.commit()
    order_id = _order(world)
    order = db.session.get(WorkOrder, order_id)
    evening = datetime.combine(utcnow().date(), time(12, 0), tzinfo=UTC)  # 20:00 in Shanghai
    farther.work_start, farther.work_end = time(8, 30), time(17, 30)
    ranked = candidates.rank(order, evening)
    by_id = {c.technician_id: c for c in ranked}
    assert not by_id[near.id].available and any("capacity" in r for r in by_id[near.id].reasons)
    assert not by_id[farther.id].available and "off shift" in by_id[farther.id].reasons
    assert ranked[0].available


def test_candidates_need_dispatch_rights(world, crew):
    order_id = _order(world)
    assert world.tech.get(f"/api/v1/workorders/{order_id}/candidates").status_code == 403
    assert world.agent.get(f"/api/v1/workorders/{order_id}/candidates").status_code == 403


def test_van_stock_and_limit(world):
    """The technician whose van holds the order's parts says so; ``limit`` keeps the best N."""
    for technician in (world.technician, world.other_technician):
        technician.work_start, technician.work_end = time(0, 0), time(23, 59)
    db.session.commit()
    order_id = _order(world)
    response = world.dispatcher.post(f"/api/v1/workorders/{order_id}/planned-parts",
                                     json={"items": [{"sku": "RELAY-5P", "qty": 2}]})
    assert response.status_code == 200, response.get_json()
    items = world.dispatcher.get(f"/api/v1/workorders/{order_id}/candidates").get_json()["items"]
    by_id = {c["technician_id"]: c for c in items}
    assert "all parts in the van" in by_id[world.technician.id]["reasons"]
    assert any("van lacks RELAY-5P" in r for r in by_id[world.other_technician.id]["reasons"])
    best = world.dispatcher.get(f"/api/v1/workorders/{order_id}/candidates?limit=1").get_json()
    assert best["items"] == items[:1]
    assert world.dispatcher.get(
        f"/api/v1/workorders/{order_id}/candidates?limit=0").status_code == 422


def test_the_job_in_hand_is_where_the_technician_is(world, crew, api_as):
    """A technician en route to an order is ranked from that order's site, not from home."""
    _near, _farther, _unskilled, far = crew
    busy = world.agent.post("/api/v1/workorders", json=repair_request(
        world, lat=SITE[0] + 0.002, lon=SITE[1])).get_json()["id"]
    world.manager.post(f"/api/v1/workorders/{busy}/approve")
    assert world.dispatcher.post(f"/api/v1/workorders/{busy}/assign",
                                 json={"technician_id": far.id}).status_code == 200
    assert api_as(far.user).post(f"/api/v1/workorders/{busy}/status",
                                    json={"status": "en_route"}).status_code == 200
    items = world.dispatcher.get(f"/api/v1/workorders/{_order(world)}/candidates").get_json()["items"]
    mine = next(c for c in items if c["technician_id"] == far.id)
    assert mine["position_source"] == "job" and mine["load"] == 1
    assert mine["distance_km"] == pytest.approx(_km(SITE[0] + 0.002, SITE[1]), abs=0.01)


def test_of_several_orders_in_hand_the_one_reached_last_counts(world, crew):
    near, farther, *_ = crew
    earlier, later = datetime(2026, 11, 27, 1, tzinfo=UTC), datetime(2026, 11, 27, 2, tzinfo=UTC)
    plan = [(near, "on_site", earlier, 1), (near, "en_route", None, 2), (near, "on_site", later, 3),
            (near, "assigned", None, 4), (farther, "en_route", None, 3),
            (farther, "en_route", None, 1), (farther, "assigned", None, 2)]
    ids = []
    for technician, status, on_site_at, position in plan:
        order = db.session.get(WorkOrder, _order(world))
        order.technician_id, order.status = technician.id, status
        order.on_site_at, order.route_position = on_site_at, position
        ids.append(order.id)
    db.session.commit()
    found = jobs_in_hand()
    assert found[near.id].order_id == ids[2]      # on site, reached last
    assert found[farther.id].order_id == ids[5]   # none on site: first en route on the route
    assert loads_today(utcnow())[near.id] == 4 and loads_today(utcnow())[farther.id] == 3


def test_a_stale_position_is_not_trusted(app, world, crew):
    """A position older than DISPATCH_POSITION_FRESH_MINUTES counts for nothing: home base."""
    _near, farther, _unskilled, _far = crew
    stale = utcnow() - timedelta(minutes=app.config["DISPATCH_POSITION_FRESH_MINUTES"] + 5)
    farther.last_lat, farther.last_lon, farther.last_seen_at = SITE[0] + 0.001, SITE[1], stale
    db.session.commit()
    items = world.dispatcher.get(f"/api/v1/workorders/{_order(world)}/candidates").get_json()["items"]
    mine = next(c for c in items if c["technician_id"] == farther.id)
    assert mine["position_source"] == "home"
    board = world.dispatcher.get("/api/v1/dispatch/board").get_json()
    row = next(t for t in board["technicians"] if t["id"] == farther.id)
    assert row["position_source"] == "home" and row["position_age_minutes"] > 5
