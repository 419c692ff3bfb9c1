"""Demo stock: a stocked main warehouse (one part below its reorder point) and loaded vans."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.registry.models import Sim, Terminal
from dispatch.technicians.models import Technician
from inventory import locations, stock
from inventory.models import Part

BULK = {"HARNESS-12V": 60, "HARNESS-24V": 40, "RELAY-5P": 3, "ANT-GPS": 30, "ANT-4G": 25,
        "FUSE-5A": 100}
#: What every van carries: typical consumables, and two terminals and two SIMs.
VAN_LOAD = {"HARNESS-12V": 4, "HARNESS-24V": 2, "ANT-GPS": 2, "ANT-4G": 1, "FUSE-5A": 6}
VAN_DEVICES = 2


def load_demo_stock(keeper: User) -> None:
    """Receive bulk parts and the spare devices into the main warehouse, then load every
    technician's van with typical stock: consumables, two terminals (of the model the
    technician is trained on, when there are any) and two SIMs, so a newcomer can close a job
    with swaps at once."""
    for sku, qty in BULK.items():
        stock.receive({"sku": sku, "qty": qty}, keeper)
    spares: dict[str, list[str]] = {}
    for terminal in db.session.scalars(select(Terminal).where(Terminal.status == "in_stock")
                                       .order_by(Terminal.terminal_id)):
        spares.setdefault(terminal.sku or "", []).append(terminal.terminal_id)
    spares["SIM-IOT"] = list(db.session.scalars(select(Sim.iccid).where(Sim.status == "in_stock")
                                                .order_by(Sim.iccid)))
    for sku, serials in spares.items():
        if sku and db.session.scalar(select(Part.id).where(Part.sku == sku)):
            stock.receive({"sku": sku, "qty": len(serials), "serials": serials}, keeper)
    for technician in db.session.scalars(select(Technician).order_by(Technician.id)):
        van = locations.van_for(technician.id).code
        for sku, qty in VAN_LOAD.items():
            stock.transfer({"sku": sku, "qty": qty, "from": locations.MAIN, "to": van}, keeper)
        models = [f"TERM-{s[6:]}" for s in technician.skills if s.startswith("model:")]
        terminal_sku = next((sku for sku in models if len(spares.get(sku, [])) >= VAN_DEVICES),
                            max((k for k in spares if k.startswith("TERM-")),
                                key=lambda k: len(spares[k]), default=""))
        for sku in (terminal_sku, "SIM-IOT"):
            serials = spares.get(sku, [])[:VAN_DEVICES]
            spares[sku] = spares.get(sku, [])[VAN_DEVICES:]
            if serials:
                stock.transfer({"sku": sku, "qty": len(serials), "from": locations.MAIN,
                                "to": van, "serials": serials}, keeper)
    locations.ensure_vans()
