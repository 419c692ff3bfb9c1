"""Vans on the platform: the van tracker's latest fix places the technician on the board."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch import cache
from dispatch.extensions import db
from dispatch.tracking import vans
from tests.conftest import post_form


def test_a_van_trackers_fix_moves_the_technician_on_the_board(app, world, traccar, monkeypatch):
    technician = world.technician
    technician.van_tracker_id = "VAN-0001"
    db.session.commit()
    traccar.add_device("VAN-0001", "浙A-VAN1")
    traccar.report("VAN-0001", 30.31, 120.21)
    assert vans.update_van_positions() == 1
    later = cache.time.monotonic() + app.config["DISPATCH_BOARD_MAX_AGE_SECONDS"] + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    board = world.dispatcher.get("/api/v1/dispatch/board").get_json()
    row = next(t for t in board["technicians"] if t["id"] == technician.id)
    assert (row["position_source"], row["lat"], row["lon"]) == ("reported", 30.31, 120.21)


def test_an_older_fix_than_the_tablets_changes_nothing(world, traccar):
    technician = world.technician
    technician.van_tracker_id = "VAN-0001"
    db.session.commit()
    assert world.tech.post(f"/api/v1/technicians/{technician.id}/location",
                           json={"lat": 30.3, "lon": 120.2}).status_code == 200
    traccar.add_device("VAN-0001")
    traccar.report("VAN-0001", 30.31, 120.21, datetime.now(UTC) - timedelta(hours=1))
    assert vans.update_van_positions() == 0
    db.session.refresh(technician)
    assert (technician.last_lat, technician.last_lon) == (30.3, 120.2)


def test_the_profile_carries_the_van_tracker(world, make_user, login):
    client = login(make_user("manager"))
    technician = world.technician
    url = f"/technicians/{technician.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'name="van_tracker_id"' in page
    values = {"name": "Tech", "home_lat": "30.27", "home_lon": "120.15", "skills": "install",
              "work_start": "08:30", "work_end": "17:30", "daily_capacity": "8", "active": "1",
              "van_tracker_id": "VAN-0001"}
    assert post_form(client, url, values).status_code == 302
    db.session.refresh(technician)
    assert technician.van_tracker_id == "VAN-0001"
