"""``flask --app dispatch demo`` loads a city's worth of valid data, once."""

from sqlalchemy import func, select

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.handovers.log import Handover
from dispatch.registry.models import Customer, Sim, Terminal, Vehicle
from dispatch.technicians.models import Technician
from dispatch.validators import normalize_iccid, normalize_imei, normalize_phone, normalize_plate
from workorders.care.models import Complaint
from workorders.models import WorkOrder


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_loads_valid_data_once(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "password: demo1234" in result.output
    assert count(Technician) >= 10 and count(Customer) >= 40
    assert count(Vehicle) > count(Customer) and count(Terminal) > count(Vehicle)
    pattern = app.config["DISPATCH_PLATE_PATTERN"]
    for vehicle in db.session.scalars(select(Vehicle)):
        assert normalize_plate(vehicle.plate, pattern) == vehicle.plate
    for terminal in db.session.scalars(select(Terminal)):
        assert normalize_imei(terminal.imei) == terminal.imei
    for sim in db.session.scalars(select(Sim)):
        assert normalize_iccid(sim.iccid) == sim.iccid
    for customer in db.session.scalars(select(Customer)):
        assert normalize_phone(customer.phone, "CN") == customer.phone
    from inventory.stock import low_stock, van_stock

    assert "RELAY-5P" in [item["sku"] for item in low_stock()]
    # Every van carries typical stock: consumables, two terminals of its technician's model
    # (when the warehouse has them) and two SIMs.
    for technician in db.session.scalars(select(Technician)):
        van = van_stock(technician.id)
        terminals = {sku: n for sku, n in van.items() if sku.startswith("TERM-")}
        assert van["HARNESS-12V"] == 4 and van["FUSE-5A"] == 6 and van["SIM-IOT"] == 2, van
        assert sum(terminals.values()) == 2, van
        models = [f"TERM-{s[6:]}" for s in technician.skills if s.startswith("model:")]
        assert set(terminals) <= set(models), (models, terminals)
    assert count(Complaint) == 4 and count(Handover) == 1
    statuses = [order.status for order in db.session.scalars(select(WorkOrder))]
    assert sorted(statuses) == ["approved"] * 5 + ["assigned"] * 3 + ["new"] * 4
    users = count(User)
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert count(User) == users
