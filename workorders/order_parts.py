"""The order's parts: planned lines, their reservation (R4 pick list) and shortage approvals
(R12).  Stock itself is moved by :mod:`inventory.orders`, called with plain ids."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors, Forbidden
from dispatch.extensions import db
from dispatch.labels import label
from dispatch.text import clean_text
from inventory import locations
from inventory import orders as order_stock
from inventory.stock import part_for
from workorders.lifecycle import IN_HAND, PLANNABLE, record
from workorders.models import PlannedPart, ShortageApproval, WorkOrder


def _qty(raw: Any) -> int:
    try:
        value = int(str(raw if raw is not None else 1).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a whole number.")) from exc
    if not 1 <= value <= 1000:
        raise ValueError(_l("Between 1 and 1000."))
    return value


def lines(order: WorkOrder) -> list[tuple[str, int]]:
    return [(line.sku, line.qty) for line in order.planned_parts]


def set_planned_parts(order: WorkOrder, items: Sequence[Mapping[str, Any]], user: User) -> WorkOrder:
    """Replace the order's parts; an assigned order's reservation follows at once."""
    if not user.can("order.plan_parts"):
        raise Forbidden(_l("Your role does not allow this."))
    if order.status not in PLANNABLE:
        raise Conflict(_l("The parts of a %(status)s order cannot change.",
                          status=label(order.status)), code="illegal_transition")
    errors = FieldErrors()
    wanted: dict[str, int] = {}
    for index, item in enumerate(items):
        sub = FieldErrors()
        part = part_for(item.get("sku"), sub)
        qty = sub.check("qty", _qty, item.get("qty"))
        for field, message in sub.errors.items():
            errors.add(f"items.{index}.{field}", message)
        if part is not None and qty is not None:
            wanted[part.sku] = wanted.get(part.sku, 0) + qty
    errors.raise_if_any()
    order.planned_parts.clear()
    db.session.flush()
    order.planned_parts.extend(PlannedPart(sku=sku, qty=qty) for sku, qty in wanted.items())
    db.session.flush()
    if order.status == "assigned" and order.technician_id is not None:
        order_stock.reserve_for_order(order.id, order.technician_id, lines(order), user.id)
    record(order, "parts_planned", user,
           note=", ".join(f"{sku} × {qty}" for sku, qty in wanted.items()))
    return order


def reserve_line(order: WorkOrder, data: Mapping[str, Any], user: User) -> WorkOrder:
    """Add ``qty`` of ``sku`` to the order's parts and reserve it at once at ``location``
    (default: the assigned technician's van, else the main warehouse); 409 when not available."""
    if order.status not in PLANNABLE:
        raise Conflict(_l("The parts of a %(status)s order cannot change.",
                          status=label(order.status)), code="illegal_transition")
    errors = FieldErrors()
    part = part_for(data.get("sku"), errors)
    qty = errors.check("qty", _qty, data.get("qty"))
    if data.get("location"):
        location = locations.by_code(data["location"])
    elif order.technician_id is not None:
        location = locations.van_for(order.technician_id)
    else:
        location = locations.main_warehouse()
    errors.raise_if_any()
    assert part is not None and qty is not None
    order_stock.reserve(order.id, part.sku, qty, location.id, user.id)
    line = next((p for p in order.planned_parts if p.sku == part.sku), None)
    if line is None:
        order.planned_parts.append(PlannedPart(sku=part.sku, qty=qty))
    else:
        line.qty += qty
    record(order, "parts_planned", user, note=f"{part.sku} × {qty} @ {location.code}")
    return order


def pick_list(order: WorkOrder) -> list[order_stock.PickLine]:
    """Where each of the order's parts waits for the technician (R4)."""
    return order_stock.pick_list(order.id, lines(order))


def pick_lists(orders: Sequence[WorkOrder]) -> dict[int, list[order_stock.PickLine]]:
    """:func:`pick_list` of many orders at once (load their ``planned_parts`` eagerly)."""
    return order_stock.pick_lists({order.id: lines(order) for order in orders})


def approve_shortage(order: WorkOrder, data: Mapping[str, Any], user: User) -> ShortageApproval:
    """R12: a manager allows using a part the van and the reservation do not cover."""
    if not user.can("order.shortage_approve"):
        raise Forbidden(_l("Only a manager can approve a parts shortage."))
    if order.status not in IN_HAND:
        raise Conflict(_l("The order is %(status)s.", status=label(order.status)),
                       code="illegal_transition")
    errors = FieldErrors()
    part = part_for(data.get("sku"), errors)
    qty = errors.check("qty", _qty, data.get("qty"))
    note = errors.check("note", clean_text, data.get("note"), max_len=300) or ""
    errors.raise_if_any()
    approval = ShortageApproval(order_id=order.id, sku=part.sku, qty=qty,  # type: ignore[union-attr]
                                note=note, approved_by_id=user.id)
    db.session.add(approval)
    record(order, "shortage", user, note=f"{approval.sku} × {qty} {note}".strip())
    return approval


def approved_qty(order: WorkOrder, sku: str) -> int:
    return sum(a.qty for a in order.shortage_approvals if a.sku == sku)


def used_qty(order: WorkOrder, sku: str) -> int:
    return sum(line.qty for line in order.parts if line.sku == sku)


def hold_part_use(order: WorkOrder, sku: str, qty: int, serial: str | None,
                  user_id: int | None) -> None:
    """Parts used are held at once against the van or the order's reservation, else need a
    manager's shortage approval (409). ``qty`` is what is being added to the order's lines."""
    order_stock.hold_usage(order.id, order.technician_id, sku,  # type: ignore[arg-type]
                           used_qty(order, sku) + qty, serial, approved_qty(order, sku), user_id)


def release_unused(order: WorkOrder, sku: str, user_id: int | None) -> None:
    """After a part line is corrected or removed: the order keeps holding what it records or
    planned of ``sku``, whichever is more, and gives back the rest."""
    planned = sum(line.qty for line in order.planned_parts if line.sku == sku)
    order_stock.release_excess(order.id, sku, max(used_qty(order, sku), planned),
                               order.technician_id, user_id)
