"""The board queue's search and filters: free text (WO number, plate, customer, address),
kind, priority, district (the site address names it) and time window."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_

from dispatch.registry.models import Customer, Vehicle
from dispatch.timeutil import day_bounds, local_day
from dispatch.validators import fold_identifier
from workorders.models import WorkOrder

#: ``window`` values: a window today, a window on a later day, no window at all.
WINDOW_FILTERS = ("today", "later", "none")


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def criteria(filters: Mapping[str, Any], now: datetime) -> list[ColumnElement[bool]]:
    """SQL conditions on :class:`WorkOrder` for the chosen filters (empty when none)."""
    found: list[ColumnElement[bool]] = []
    text = (filters.get("q") or "").strip()
    if text:
        like, plate = f"%{_escaped(text)}%", f"%{_escaped(fold_identifier(text))}%"
        found.append(or_(
            WorkOrder.number.ilike(like, escape="\\"),
            WorkOrder.site_address.ilike(like, escape="\\"),
            WorkOrder.customer.has(Customer.name.ilike(like, escape="\\")),
            WorkOrder.vehicle.has(Vehicle.plate.ilike(plate, escape="\\"))))
    if filters.get("kind"):
        found.append(WorkOrder.kind == filters["kind"])
    if filters.get("priority"):
        found.append(WorkOrder.priority == filters["priority"])
    district = (filters.get("district") or "").strip()
    if district:
        found.append(WorkOrder.site_address.ilike(f"%{_escaped(district)}%", escape="\\"))
    window = filters.get("window")
    if window == "none":
        found.append(WorkOrder.window_start.is_(None))
    elif window == "today":
        start, end = day_bounds(local_day(now))
        found.extend((WorkOrder.window_start >= start, WorkOrder.window_start < end))
    elif window == "later":
        found.append(WorkOrder.window_start >= day_bounds(local_day(now))[1])
    return found
