"""Devices the registry does not know (SPEC §10, R5, R6): a vehicle fitted before the system
existed is repaired through the API; what the technician reads off it is recorded, registered
as found in that vehicle until the order, and sent to the workshop with its tag."""

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from dispatch.audit.log import AuditLog
from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.jobs.models import Job
from dispatch.registry.devices import vehicle_history
from dispatch.registry.models import Installation, Sim, Terminal, Vehicle
from inventory import locations, workshop
from tests.documents.conftest import pdf_text
from tests.world import order_on_site, signature_png
from workorders.models import Swap, WorkOrder

PLATE = "浙B77777"
FOUND_TERMINAL, FOUND_IMEI = "JT00004711", "861000000004711"
FOUND_SIM = "8986009988776655440"
FAULT = "终端不上线，指示灯不亮"


def on_site_without_registered_devices(world, **extra) -> int:
    """A repair on a vehicle new to the registry, with what the customer reported at intake."""
    return order_on_site(world, plate=PLATE, terminal_id=FOUND_TERMINAL, iccid=FOUND_SIM, **extra)


def swap(world, order_id: int, **body):
    return world.tech.post(f"/api/v1/workorders/{order_id}/swaps", json=body)


def complete(world, order_id: int):
    base = f"/api/v1/workorders/{order_id}"
    fee = world.tech.get(f"{base}/fee").get_json()["total"]
    return world.tech.post(f"{base}/complete", json={
        "resolution": "更换终端和SIM卡", "payment_method": "cash" if fee != "0.00" else "none",
        "amount_collected": fee, "signature_png_base64": signature_png()})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_repair_records_registers_and_returns_the_devices_found_in_the_vehicle(world, login,
                                                                                 make_user):
    order_id = on_site_without_registered_devices(world)
    job = next(j for j in world.tech.get("/api/v1/tablet/today").get_json()["jobs"]
               if j["id"] == order_id)
    assert job["installed"] == []
    assert job["old_devices"] == {"terminal": FOUND_TERMINAL, "sim": FOUND_SIM}

    terminal = swap(world, order_id, kind="terminal", old="jt-0000-4711", new="HZ00000002",
                    reason="不上线")
    assert terminal.status_code == 201, terminal.get_json()
    assert (terminal.get_json()["old"], terminal.get_json()["new"]) == (FOUND_TERMINAL, "HZ00000002")
    sim = swap(world, order_id, kind="sim", old=FOUND_SIM, new="89860012345678901238")
    assert sim.status_code == 201, sim.get_json()
    assert db.session.scalar(select(Terminal).where(Terminal.terminal_id == FOUND_TERMINAL)) is None

    fee = world.tech.get(f"/api/v1/workorders/{order_id}/fee").get_json()
    assert fee["basis"] == "parts_only" and fee["total"] == "410.00"  # terminal 380 + SIM 30
    done = complete(world, order_id)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["fee"] == "410.00"
    outbox.drain()
    db.session.commit()  # end this test's read transaction: see what the jobs wrote

    found = db.session.scalars(select(Terminal).where(Terminal.terminal_id == FOUND_TERMINAL)).one()
    assert (found.status, found.vehicle_id, found.imei, found.sku) == ("faulty", None, None, None)
    assert found.location_id == locations.system_location(locations.WORKSHOP).id
    assert found.model == "GT06N" and found.install_date is None
    assert workshop.return_tag(found) == f"{PLATE}: {FAULT}"
    assert found in workshop.faulty_terminals()
    found_sim = db.session.scalars(select(Sim).where(Sim.iccid == FOUND_SIM)).one()
    assert (found_sim.status, found_sim.terminal_ref) == ("faulty", None)
    vehicle = db.session.scalars(select(Vehicle).where(Vehicle.plate == PLATE)).one()
    new = db.session.scalars(select(Terminal).where(Terminal.terminal_id == "HZ00000002")).one()
    assert (new.status, new.vehicle_id, new.sims[0].iccid) == (
        "installed", vehicle.id, "89860012345678901238")

    history = vehicle_history(vehicle.id)
    rows = {row.terminal.terminal_id if row.terminal else row.sim.iccid: row for row in history}
    assert set(rows) == {FOUND_TERMINAL, FOUND_SIM, "HZ00000002", "89860012345678901238"}
    for old in (FOUND_TERMINAL, FOUND_SIM):
        assert rows[old].installed_at is None and rows[old].work_order_id is None
        assert rows[old].removed_by_order_id == order_id and rows[old].removed_at is not None
    for fitted in ("HZ00000002", "89860012345678901238"):
        assert rows[fitted].work_order_id == order_id and rows[fitted].removed_at is None
    assert [row.installed_at is None for row in history] == [False, False, True, True]
    created = db.session.scalars(select(AuditLog).where(
        AuditLog.entity == "terminals", AuditLog.entity_id == str(found.id))).first()
    assert created is not None and created.user_id == world.technician.user.id

    assert db.session.scalars(select(Job).where(Job.kind == "return_tag")).one().order_id == order_id
    docs = {d["kind"]: d for d in world.tech.get(
        f"/api/v1/workorders/{order_id}/documents").get_json()["items"]}
    assert docs["return_tag"]["status"] == "done"
    tag = pdf_text(world.agent.get(docs["return_tag"]["url"]).data)
    assert PLATE in tag and "不上线" in tag and FOUND_TERMINAL in tag and "HZ00000002" in tag
    sheet = pdf_text(world.agent.get(docs["service_sheet"]["url"]).data)
    assert FOUND_TERMINAL in sheet and FOUND_SIM in sheet

    page = login(make_user("manager"), fresh=True).get(f"/vehicles/{vehicle.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and FOUND_TERMINAL in html and FOUND_SIM in html
    assert "before the records" in html


def test_a_found_terminal_typed_as_its_imei_is_registered_with_it(world):
    order_id = on_site_without_registered_devices(world)
    assert swap(world, order_id, kind="terminal", old=FOUND_IMEI, new="HZ00000002").status_code == 201
    assert complete(world, order_id).status_code == 200
    found = db.session.scalars(select(Terminal).where(Terminal.imei == FOUND_IMEI)).one()
    assert (found.terminal_id, found.status) == (FOUND_IMEI, "faulty")


@pytest.mark.parametrize(("kind", "old"), [
    ("terminal", "HZ00000001"), ("terminal", "860000000000019"), ("sim", "8986001234567890120")])
def test_a_device_installed_in_another_vehicle_is_refused_naming_its_plate(world, kind, old):
    order_id = on_site_without_registered_devices(world)
    refused = swap(world, order_id, kind=kind, old=old)
    assert refused.status_code == 422
    assert "浙A12345" in refused.get_json()["error"]["fields"]["old"]
    assert count(Swap) == 0
    assert world.old_terminal.vehicle_id == world.truck.id


@pytest.mark.parametrize(("kind", "old", "message"), [
    ("terminal", "861000000004712", "check digit"), ("terminal", "J7", "4 to 32"),
    ("sim", "8986009988776655441", "check digit"), ("sim", "1234567890123456789", "89")])
def test_a_mistyped_identifier_is_refused_field_by_field_and_changes_nothing(world, kind, old,
                                                                            message):
    order_id = on_site_without_registered_devices(world)
    devices_before = (count(Terminal), count(Sim), count(Installation))
    refused = swap(world, order_id, kind=kind, old=old, new="HZ00000002" if kind == "terminal"
                   else "89860012345678901238")
    assert refused.status_code == 422
    assert message in refused.get_json()["error"]["fields"]["old"]
    assert count(Swap) == 0 and (count(Terminal), count(Sim), count(Installation)) == devices_before


def test_a_vehicle_whose_terminal_is_registered_still_needs_that_terminal(world):
    order_id = order_on_site(world)
    stranger = swap(world, order_id, kind="terminal", old=FOUND_TERMINAL, new="HZ00000002")
    assert stranger.status_code == 422
    assert "浙A12345" in stranger.get_json()["error"]["fields"]["old"]
    strange_sim = swap(world, order_id, kind="sim", old=FOUND_SIM, new="89860012345678901238")
    assert strange_sim.status_code == 422
    assert swap(world, order_id, kind="terminal", old="HZ00000001", new="HZ00000002",
                reason="不上线").status_code == 201
    assert swap(world, order_id, kind="sim", old="8986001234567890120",
                new="89860012345678901238").status_code == 201
    terminals_before = count(Terminal)
    assert complete(world, order_id).status_code == 200
    assert count(Terminal) == terminals_before
    db.session.refresh(world.old_terminal)
    assert (world.old_terminal.status, world.old_terminal.vehicle_id) == ("faulty", None)
    assert workshop.return_tag(world.old_terminal) == f"浙A12345: {FAULT}"
    history = vehicle_history(world.truck.id)
    assert all(row.installed_at is not None for row in history) and len(history) == 4


def test_a_found_terminal_registered_elsewhere_before_completion_stops_it(world):
    order_id = on_site_without_registered_devices(world)
    assert swap(world, order_id, kind="terminal", old=FOUND_TERMINAL, new="HZ00000002").status_code == 201
    van = Vehicle(plate="浙C11111", customer=world.customer)
    db.session.add_all([van, Terminal(terminal_id=FOUND_TERMINAL, model="GT06N",
                                      status="installed", vehicle=van)])
    db.session.commit()
    refused = complete(world, order_id)
    assert refused.status_code == 409 and "浙C11111" in refused.get_json()["error"]["message"]
    assert db.session.get(WorkOrder, order_id).status == "on_site"
    moved = db.session.scalars(select(Terminal).where(Terminal.terminal_id == FOUND_TERMINAL)).one()
    assert moved.vehicle_id == van.id and moved.status == "installed"


def test_the_order_page_fills_in_the_old_device_reported_at_intake(world, login):
    order_id = on_site_without_registered_devices(world)
    html = login(world.technician.user, fresh=True).get(f"/workorders/{order_id}").get_data(as_text=True)
    assert f'value="{FOUND_TERMINAL}" data-old-terminal="{FOUND_TERMINAL}" data-old-sim="{FOUND_SIM}"' in html
    registered = order_on_site(world)
    html = login(world.technician.user, fresh=True).get(f"/workorders/{registered}").get_data(as_text=True)
    assert 'value="HZ00000001" data-old-terminal="HZ00000001" data-old-sim="8986001234567890120"' in html


@pytest.mark.parametrize(("installed", "purchased", "in_warranty", "total"), [
    (relativedelta(months=6), None, True, "0.00"),
    (relativedelta(years=2), None, False, "45.00"),
    (None, relativedelta(months=6), True, "0.00"),
    (None, relativedelta(years=2), False, "45.00"),
])
def test_warranty_follows_the_dates_on_the_terminal_record(world, installed, purchased,
                                                           in_warranty, total):
    """R1 for a terminal on record (an imported one has only these dates): from its install
    date, else from its purchase date; the order reports no purchase date."""
    today = date.today()
    world.old_terminal.install_date = today - installed if installed else None
    world.old_terminal.purchase_date = today - purchased if purchased else None
    db.session.commit()
    order_id = order_on_site(world, purchase_date=None)
    base = f"/api/v1/workorders/{order_id}"
    assert world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P"}).status_code == 201
    fee = world.tech.get(f"{base}/fee").get_json()
    assert (fee["in_warranty"], fee["total"]) == (in_warranty, total)
    assert fee["basis"] == ("in_warranty" if in_warranty else "parts_only")
