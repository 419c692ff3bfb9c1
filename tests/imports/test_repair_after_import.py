"""The installed base at work: a vehicle brought in by an import is repaired like any other —
its imported terminal is offered as the old side, swapped out to the workshop with its tag
(R5), the return tag prints, the history shows the imported install, and the warranty runs
from the imported install date (R1)."""

from datetime import timedelta

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.registry.devices import vehicle_history
from dispatch.registry.importer import COLUMNS
from dispatch.registry.models import Terminal, Vehicle
from inventory import locations, workshop
from tests.documents.conftest import pdf_text
from tests.imports.conftest import csv_bytes, row_of, run_of, upload
from tests.support.clock import local_today
from tests.world import order_on_site, signature_png

PLATE = "浙B66666"


def import_vehicle(world, api_as, installed_on) -> dict[str, str]:
    """One row: the world's customer (same name and phone) with a vehicle whose terminal and SIM
    were fitted on ``installed_on``."""
    row = dict(zip(COLUMNS, row_of(plate=PLATE, installed_on=installed_on.isoformat(),
                                   customer_name=world.customer.name, phone="13800138000"),
                   strict=True))
    run = run_of(api_as("manager"), upload(api_as("manager"), csv_bytes([list(row.values())])))
    assert run["status"] == "done" and run["errors"] == [], run
    assert run["created"]["terminals"] == 1 and run["created"]["vehicles"] == 1
    return row


def test_an_imported_vehicle_is_repaired_with_its_terminal_returned_to_the_workshop(world, api_as):
    row = import_vehicle(world, api_as, local_today() - timedelta(days=730))
    order_id = order_on_site(world, plate=PLATE)
    job = next(j for j in world.tech.get("/api/v1/tablet/today").get_json()["jobs"]
               if j["id"] == order_id)
    assert job["old_devices"]["terminal"] == row["terminal_id"]

    base = f"/api/v1/workorders/{order_id}"
    swapped = world.tech.post(f"{base}/swaps", json={
        "kind": "terminal", "old": row["terminal_id"], "new": "HZ00000002", "reason": "不上线"})
    assert swapped.status_code == 201, swapped.get_json()
    fee = world.tech.get(f"{base}/fee").get_json()
    assert fee["in_warranty"] is False and fee["total"] == "380.00"  # installed two years ago
    done = world.tech.post(f"{base}/complete", json={
        "resolution": "更换终端", "payment_method": "cash", "amount_collected": fee["total"],
        "signature_png_base64": signature_png()})
    assert done.status_code == 200, done.get_json()
    outbox.drain()
    db.session.commit()

    old = db.session.scalars(select(Terminal).where(
        Terminal.terminal_id == row["terminal_id"])).one()
    assert (old.status, old.vehicle_id) == ("faulty", None)
    assert old.location_id == locations.system_location(locations.WORKSHOP).id
    assert workshop.return_tag(old).startswith(f"{PLATE}: ")
    vehicle = db.session.scalars(select(Vehicle).where(Vehicle.plate == PLATE)).one()
    history = {(h.terminal.terminal_id if h.terminal else h.sim.iccid): h
               for h in vehicle_history(vehicle.id)}
    imported = history[row["terminal_id"]]
    assert imported.work_order_id is None and imported.removed_by_order_id == order_id
    assert history["HZ00000002"].work_order_id == order_id
    docs = {d["kind"]: d for d in world.tech.get(f"{base}/documents").get_json()["items"]}
    assert docs["return_tag"]["status"] == "done"
    tag = pdf_text(world.agent.get(docs["return_tag"]["url"]).data)
    assert PLATE in tag and row["terminal_id"] in tag


def test_the_warranty_runs_from_the_imported_install_date(world, api_as):
    import_vehicle(world, api_as, local_today() - timedelta(days=90))
    order_id = order_on_site(world, plate=PLATE)
    fee = world.tech.get(f"/api/v1/workorders/{order_id}/fee").get_json()
    assert fee["in_warranty"] is True and fee["total"] == "0.00"
