"""The warehouse keeper's side of the pick lists (R4): the day's orders with what waits for
their technician at a warehouse, and loading it into the van, one order or the whole day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from dispatch.auth.models import User
from dispatch.errors import Conflict, Forbidden
from dispatch.extensions import db
from inventory import locations
from inventory.orders import PickLine
from inventory.van_loads import load_pick_list
from workorders import order_parts
from workorders.lifecycle import IN_HAND
from workorders.models import WorkOrder


@dataclass
class VanDay:
    """One technician's orders of the day with their pick lists."""
    technician_id: int
    name: str
    van: str
    orders: list[tuple[WorkOrder, list[PickLine]]] = field(default_factory=list)

    @property
    def at_warehouse(self) -> int:
        return sum(1 for _order, lines in self.orders for line in lines
                   if line.location_kind == "warehouse")

    @property
    def short_lines(self) -> str:
        """The short lines as the load form reads them (``SKU qty`` a line)."""
        return "\n".join(f"{line.sku} {line.qty}" for _order, lines in self.orders
                         for line in lines if line.short)


def _day_orders(day: date) -> list[WorkOrder]:
    return list(db.session.scalars(
        select(WorkOrder).options(joinedload(WorkOrder.technician),
                                  selectinload(WorkOrder.planned_parts))
        .where(WorkOrder.status.in_(IN_HAND), WorkOrder.technician_id.is_not(None),
               or_(WorkOrder.scheduled_for == day, WorkOrder.scheduled_for.is_(None)))
        .order_by(WorkOrder.technician_id, WorkOrder.route_position, WorkOrder.id)).unique())


def day_pick_lists(day: date, user: User) -> list[VanDay]:
    """Orders in hand for ``day`` (or not planned for a day) that have parts, by technician."""
    if not user.can("stock.move"):
        raise Forbidden(_l("Only the warehouse loads vans."))
    orders = [o for o in _day_orders(day) if o.planned_parts]
    picks = order_parts.pick_lists(orders)
    days: dict[int, VanDay] = {}
    for order in orders:
        technician = order.technician
        assert technician is not None  # selected with a technician
        van_day = days.get(technician.id) or days.setdefault(technician.id, VanDay(
            technician.id, technician.name, locations.van_for(technician.id).code))
        van_day.orders.append((order, picks[order.id]))
    return list(days.values())


def load_order(order: WorkOrder, user: User) -> list[Any]:
    """Move what the order has reserved at warehouses into its technician's van."""
    if not user.can("stock.move"):
        raise Forbidden(_l("Only the warehouse loads vans."))
    if order.technician_id is None or order.status not in IN_HAND:
        raise Conflict(_l("Only an assigned order's parts go into a van."),
                       code="illegal_transition")
    return load_pick_list(order.id, order.technician_id, user)


def load_day(day: date, user: User) -> int:
    """:func:`load_order` for every order of :func:`day_pick_lists`; the movements made."""
    return sum(len(load_order(order, user)) for van_day in day_pick_lists(day, user)
               for order, _lines in van_day.orders)
