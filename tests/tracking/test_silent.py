"""Silent devices: the periodic sync keeps each installed terminal's last-seen time, and those
silent past DISPATCH_SILENT_HOURS are queued for agents, one click from a repair order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.registry.models import Customer, Terminal, Vehicle
from dispatch.tracking import sync
from dispatch.tracking.models import TrackedDevice
from tests.conftest import csrf_from
from tests.tracking.conftest import settle
from workorders.models import WorkOrder

IMEI = "860000000000019"  # world.old_terminal, in 浙A12345


@pytest.fixture
def silent_truck(world, traccar):
    traccar.add_device(IMEI, "浙A12345", status="offline",
                       last_update=datetime.now(UTC) - timedelta(hours=72))
    assert sync.sync_statuses()["matched"] == 1
    return world


def click_repair(client, terminal_ref: int):
    page = client.get("/tracking/silent")
    return client.post(f"/tracking/silent/{terminal_ref}/repair",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def test_a_silent_terminal_is_queued_and_becomes_a_repair_order_in_one_click(
        silent_truck, make_user, login):
    world = silent_truck
    client = login(make_user("agent"))
    page = client.get("/tracking/silent").get_data(as_text=True)
    assert "浙A12345" in page and "杭州顺达物流有限公司" in page and "HZ00000001" in page
    response = click_repair(client, world.old_terminal.id)
    assert response.status_code == 302
    order = db.session.scalars(select(WorkOrder)).one()
    assert response.location.endswith(f"/workorders/{order.id}")
    assert (order.kind, order.vehicle.plate, order.reported_terminal_id,
            order.reported_iccid) == ("repair", "浙A12345", "HZ00000001", "8986001234567890120")
    assert order.fault_description.startswith("No position since")
    again = click_repair(client, world.old_terminal.id)  # a second click opens the same order
    assert again.location.endswith(f"/workorders/{order.id}")
    assert db.session.scalars(select(WorkOrder)).all() == [order]
    listed = client.get("/tracking/silent").get_data(as_text=True)
    assert f"/workorders/{order.id}" in listed  # "open order: yes", linked


def test_a_terminal_that_reports_leaves_the_queue(silent_truck, traccar, make_user, login):
    client = login(make_user("agent"))
    assert "浙A12345" in client.get("/tracking/silent").get_data(as_text=True)
    traccar.report(IMEI, 30.27, 120.13)
    assert sync.sync_statuses()["updated"] == 1
    assert "浙A12345" not in client.get("/tracking/silent").get_data(as_text=True)
    row = db.session.scalars(select(TrackedDevice)).one()
    assert row.platform_status == "online"


def test_the_sync_writes_only_what_changed(silent_truck):
    assert sync.sync_statuses()["updated"] == 0


def test_the_sync_runs_once_per_period_through_the_outbox(app, silent_truck):
    sync.schedule_sync()
    sync.schedule_sync()
    settle()
    jobs = db.session.scalars(select(Job).where(Job.kind == "tracking_sync")).all()
    assert len(jobs) == 1 and jobs[0].status == "done"


def test_the_sync_waits_when_the_platform_is_down(app, silent_truck, closed_port):
    app.config["DISPATCH_TRACKING_URL"] = f"http://127.0.0.1:{closed_port}"
    sync.schedule_sync()
    settle()
    job = db.session.scalars(select(Job).where(Job.kind == "tracking_sync")).one()
    assert job.status == "queued" and "unreachable" in (job.error or "")


def test_a_secret_customer_is_only_for_managers(world, traccar, make_user, login):
    secret = Customer(name="保密客户", contact_name="赵", phone="+8613900139000", address="杭州",
                      confidentiality="secret")
    car = Vehicle(plate="浙A99999", customer=secret)
    db.session.add_all([secret, car, Terminal(terminal_id="HZ00000099", model="GT06N",
                                              status="installed", vehicle=car)])
    db.session.commit()
    traccar.add_device("HZ00000099", "浙A99999",
                       last_update=datetime.now(UTC) - timedelta(days=5))
    sync.sync_statuses()
    assert "浙A99999" not in login(make_user("agent")).get("/tracking/silent").get_data(as_text=True)
    manager = login(make_user("manager"), fresh=True)
    assert "浙A99999" in manager.get("/tracking/silent").get_data(as_text=True)


@pytest.mark.parametrize("role", ["dispatcher", "technician", "finance", "warehouse", "admin"])
def test_the_queue_is_for_agents_and_managers(make_user, login, role):
    assert login(make_user(role)).get("/tracking/silent").status_code == 403


def test_the_queue_in_chinese(silent_truck, make_user, login):
    client = login(make_user("agent"))
    page = client.get("/tracking/silent", headers={"Accept-Language": "zh-CN"})
    assert "静默终端" in page.get_data(as_text=True)
