"""Register on install: a terminal going into a vehicle (install order, terminal swap, import)
is made known to the platform through the outbox — once, however often it is retried, and
only later when the platform is down."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.jobs.models import Job
from dispatch.jobs.runner import run_job
from dispatch.timeutil import utcnow
from dispatch.tracking.models import TrackedDevice
from tests.imports.conftest import csv_bytes, row_of, run_of, upload
from tests.tracking.conftest import install_on_site, settle
from tests.world import order_on_site, repair_request


def test_the_new_terminal_of_an_install_is_created_with_the_plate_as_name(world, traccar):
    base = install_on_site(world)
    swap = world.tech.post(f"{base}/swaps", json={"kind": "terminal", "new": "HZ00000003"})
    assert swap.status_code == 201
    settle()
    device = traccar.state.by_unique["HZ00000003"]  # no IMEI known: the terminal ID
    assert device.name == "浙AD12345"
    row = db.session.scalar(select(TrackedDevice).where(TrackedDevice.unique_id == "HZ00000003"))
    assert row is not None and row.platform_id == device.id


def test_a_terminal_swap_registers_the_replacement_by_its_imei(world, traccar):
    world.spare_terminal.imei = "860000000000027"
    db.session.commit()
    order_id = order_on_site(world)
    assert world.tech.post(f"/api/v1/workorders/{order_id}/swaps", json={
        "kind": "terminal", "old": "HZ00000001", "new": "HZ00000002"}).status_code == 201
    settle()
    assert traccar.state.by_unique["860000000000027"].name == "浙A12345"


def test_created_once_even_when_the_install_is_retried(world, traccar):
    base = install_on_site(world)
    headers = {"Idempotency-Key": "swap-once"}
    for _attempt in range(2):
        world.tech.post(f"{base}/swaps", json={"kind": "terminal", "new": "HZ00000003"},
                        headers=headers)
    settle()
    job = db.session.scalars(select(Job).where(Job.kind == "tracking_register")).one()
    job.status = "queued"  # a worker died after the device was made: the job runs again
    db.session.commit()
    run_job(job.id)
    db.session.query(TrackedDevice).update({"platform_id": None})  # even with our record lost
    db.session.commit()
    job.status = "queued"
    db.session.commit()
    run_job(job.id)
    assert traccar.posts("/api/devices") == 1
    assert len(traccar.state.by_unique) == 1


def test_an_outage_only_delays_registration(app, world, traccar, closed_port):
    app.config["DISPATCH_TRACKING_URL"] = f"http://127.0.0.1:{closed_port}"
    base = install_on_site(world)
    assert world.tech.post(f"{base}/swaps", json={"kind": "terminal", "new": "HZ00000003"}
                           ).status_code == 201  # the technician is never held up
    settle()
    job = db.session.scalars(select(Job).where(Job.kind == "tracking_register")).one()
    assert job.status == "queued" and "unreachable" in (job.error or "")
    assert job.updated_at > utcnow()  # waits before the sweep relays it again
    app.config["DISPATCH_TRACKING_URL"] = traccar.url  # the platform is back
    job.updated_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    outbox.sweep()
    settle()
    assert db.session.get_one(Job, job.id).status == "done"
    assert traccar.state.by_unique["HZ00000003"].name == "浙AD12345"


def test_intake_is_unaffected_when_the_platform_is_down(app, world, closed_port):
    app.config.update(DISPATCH_TRACKING_URL=f"http://127.0.0.1:{closed_port}",
                      DISPATCH_TRACKING_BACKOFF=0.0)
    created = world.agent.post("/api/v1/workorders", json=repair_request(world))
    assert created.status_code == 201


def test_without_the_platform_no_registration_is_asked(world):
    base = install_on_site(world)
    world.tech.post(f"{base}/swaps", json={"kind": "terminal", "new": "HZ00000003"})
    settle()
    assert db.session.scalars(select(Job).where(Job.kind == "tracking_register")).all() == []


def test_imported_terminals_are_registered_in_batches(traccar, api_as):
    manager = api_as("manager")
    rows = [row_of() for _ in range(3)]
    run = run_of(manager, upload(manager, csv_bytes(rows)))
    assert run["status"] == "done", run
    settle()
    jobs = db.session.scalars(select(Job).where(Job.kind == "tracking_register")).all()
    assert len(jobs) == 1
    assert len(traccar.state.by_unique) == 3
    run_of(manager, upload(manager, csv_bytes(rows)))  # the same file again: nothing new
    settle()
    assert traccar.posts("/api/devices") == 3
