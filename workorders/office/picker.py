"""What the agent's pickers show: customers told apart by phone, district and plates, and a
customer's vehicles with the devices fitted to them (to pre-fill a new order)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch.auth.models import User
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.registry.models import Customer, Terminal, Vehicle
from dispatch.registry.services import get_customer, search_customers

#: The county-level part of a Chinese address: after the province and the city, up to 区/县/旗.
_DISTRICT = re.compile(r"^(?:.{2,8}?(?:省|自治区))?(?:.{2,8}?市)?(.{1,8}?(?:区|县|旗))")
PICKER_LIMIT = 8


def district_of(address: str) -> str:
    match = _DISTRICT.match(address or "")
    return match.group(1) if match else ""


def pick_customers(user: User, q: str, limit: int = PICKER_LIMIT) -> list[dict[str, Any]]:
    """Customers matching ``q`` (name, phone, plate, device…) with what tells them apart."""
    if not (q or "").strip():
        return []
    query = search_customers(user, q).options(selectinload(Customer.vehicles)).limit(limit)
    return [{"id": customer.id, "name": customer.name, "phone": customer.phone,
             "district": district_of(customer.address), "address": customer.address,
             "contact_name": customer.contact_name, "credit_class": customer.credit_class,
             "plates": sorted(vehicle.plate for vehicle in customer.vehicles)[:5]}
            for customer in db.session.scalars(query)]


def customer_vehicles(customer_id: int, user: User) -> list[dict[str, Any]]:
    """The customer's vehicles with the terminal (and its SIM) fitted now, for a new order."""
    customer = get_customer(customer_id, user)
    vehicles = db.session.scalars(select(Vehicle).where(Vehicle.customer_id == customer.id)
                                  .options(selectinload(Vehicle.terminals)
                                           .selectinload(Terminal.sims))
                                  .order_by(Vehicle.plate)).all()
    return [vehicle_devices(vehicle) for vehicle in vehicles]


def vehicle_devices(vehicle: Vehicle) -> dict[str, Any]:
    terminal = next((t for t in vehicle.terminals if t.status == "installed"), None)
    sim = next((s for s in terminal.sims if s.status == "installed"), None) if terminal else None
    return {"id": vehicle.id, "plate": vehicle.plate, "customer_id": vehicle.customer_id,
            "product_model": terminal.model if terminal else "",
            "terminal_id": terminal.terminal_id if terminal else "",
            "imei": (terminal.imei or "") if terminal else "",
            "iccid": sim.iccid if sim else ""}


def vehicle_order_values(vehicle_id: int, user: User) -> dict[str, Any]:
    """A new order's form filled from a vehicle: its customer, plate, and the model, terminal
    ID, IMEI and ICCID of the devices fitted now (nothing when it is not the user's to see)."""
    vehicle = db.session.scalar(select(Vehicle).where(Vehicle.id == vehicle_id).options(
        selectinload(Vehicle.terminals).selectinload(Terminal.sims)))
    if vehicle is None:
        return {}
    try:
        get_customer(vehicle.customer_id, user)
    except NotFound:
        return {}
    found = vehicle_devices(vehicle)
    return {"customer_id": str(vehicle.customer_id), "plate": vehicle.plate,
            "product_model": found["product_model"], "terminal_id": found["terminal_id"],
            "imei": found["imei"], "iccid": found["iccid"]}
