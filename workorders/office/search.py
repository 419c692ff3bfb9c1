"""One search box: orders, vehicles, customers and devices found by what people know.

A WO number, a plate, a customer's name or phone, a terminal ID, an IMEI (also of a terminal
since removed: the installation history keeps which vehicle it was in), an ICCID. Each group
is limited and respects who may see what: secret customers and everything of theirs only for
managers (R18), devices only with ``device.view``, a technician only their own orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.registry.models import Customer, Installation, Sim, Terminal, Vehicle
from dispatch.registry.services import search_customers, visible_customers
from dispatch.validators import fold_identifier
from workorders.access import visible_orders
from workorders.models import WorkOrder

#: Results per group: a search box answers with a handful, the lists page the rest.
LIMIT = 10
#: Shortest text worth a search (one letter matches half the database).
MIN_LENGTH = 2


@dataclass
class Results:
    q: str
    orders: list[WorkOrder] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    terminals: list[Terminal] = field(default_factory=list)
    sims: list[Sim] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.orders or self.vehicles or self.customers or self.terminals or self.sims)


def search(user: User, q: str, limit: int = LIMIT) -> Results:
    q = (q or "").strip()
    results = Results(q)
    folded = fold_identifier(q)
    if len(folded) < MIN_LENGTH:
        return results
    if user.can("device.view"):
        results.terminals = _terminals(user, folded, limit)
        results.sims = _sims(user, folded, limit)
    vehicle_ids: list[int] = []
    if user.can("customer.view"):
        results.customers = list(db.session.scalars(search_customers(user, q).limit(limit)))
        results.vehicles = _vehicles(user, folded, results.terminals, results.sims, limit)
        vehicle_ids = [vehicle.id for vehicle in results.vehicles]
    if user.can("order.view"):
        results.orders = _orders(user, folded, vehicle_ids,
                                 [customer.id for customer in results.customers], limit)
    return results


def _visible_customer_ids(user: User) -> Any:
    return visible_customers(user).with_only_columns(Customer.id).order_by(None).scalar_subquery()


def _terminals(user: User, folded: str, limit: int) -> list[Terminal]:
    like = f"%{folded}%"
    query = (select(Terminal)
             .where(or_(Terminal.terminal_id.ilike(like), Terminal.imei.ilike(like)))
             .order_by(Terminal.terminal_id).limit(limit))
    return [terminal for terminal in db.session.scalars(query) if _device_visible(user, terminal)]


def _sims(user: User, folded: str, limit: int) -> list[Sim]:
    conditions = [Sim.iccid.ilike(f"%{folded}%")]
    if folded.isdigit():
        conditions.append(Sim.msisdn.ilike(f"%{folded}%"))
    query = select(Sim).where(or_(*conditions)).order_by(Sim.iccid).limit(limit)
    return [sim for sim in db.session.scalars(query) if _device_visible(user, sim.terminal)]


def _device_visible(user: User, terminal: Terminal | None) -> bool:
    """A device fitted to a secret customer's vehicle stays hidden from non-managers (R18)."""
    if terminal is None or terminal.vehicle is None or user.can("customer.view_secret"):
        return True
    return terminal.vehicle.customer.confidentiality != "secret"


def _vehicles(user: User, folded: str, terminals: list[Terminal], sims: list[Sim],
              limit: int) -> list[Vehicle]:
    """Vehicles by plate or VIN, and those a found device is or ever was fitted to."""
    conditions: list[Any] = [Vehicle.plate.ilike(f"%{folded}%"), Vehicle.vin.ilike(f"%{folded}%")]
    terminal_ids = [t.id for t in terminals] + [s.terminal_ref for s in sims if s.terminal_ref]
    if terminal_ids:
        conditions.append(Vehicle.id.in_(
            select(Installation.vehicle_id).where(Installation.terminal_ref.in_(terminal_ids))))
    if sims:
        conditions.append(Vehicle.id.in_(select(Installation.vehicle_id).where(
            Installation.sim_ref.in_([sim.id for sim in sims]))))
    query = (select(Vehicle)
             .where(or_(*conditions), Vehicle.customer_id.in_(_visible_customer_ids(user)))
             .order_by(Vehicle.plate).limit(limit))
    return list(db.session.scalars(query))


def _orders(user: User, folded: str, vehicle_ids: list[int], customer_ids: list[int],
            limit: int) -> list[WorkOrder]:
    """Orders by number (whole, or its digits' tail), and the latest of the vehicles and
    customers found; without the registry (technicians), by plate among their own."""
    conditions: list[Any] = []
    if folded.startswith("WO"):
        conditions.append(WorkOrder.number == f"WO-{folded[2:6]}-{folded[6:]}")
    elif folded.isdigit() and len(folded) >= 4:
        conditions.append(WorkOrder.number.like(f"WO-%{folded[:-5]}%{folded[-5:]}"))
    if not user.can("customer.view"):
        conditions.append(WorkOrder.vehicle.has(Vehicle.plate.ilike(f"%{folded}%")))
    if vehicle_ids:
        conditions.append(WorkOrder.vehicle_id.in_(vehicle_ids))
    if customer_ids:
        conditions.append(WorkOrder.customer_id.in_(customer_ids))
    if not conditions:
        return []
    query = (visible_orders(user).where(or_(*conditions))
             .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(limit))
    return list(db.session.scalars(query))
