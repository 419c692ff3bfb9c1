"""Taking back what the technician recorded by mistake, before completion: a part's quantity
corrected, a part or a swap removed. Nothing has left stock or changed the registry yet (swaps
are applied and parts consumed at completion), so undoing is releasing the order's hold on the
stock; the order's history and the audit log keep what was removed."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors, NotFound
from dispatch.extensions import db
from workorders.lifecycle import record
from workorders.models import OrderPart, WorkOrder
from workorders.onsite import require_on_site
from workorders.order_parts import hold_part_use, release_unused


def _whole(raw: Any) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a whole number.")) from exc
    if not 1 <= value <= 1000:
        raise ValueError(_l("Between 1 and 1000."))
    return value


def _line(order: WorkOrder, line_id: Any) -> OrderPart:
    line = next((p for p in order.parts if str(p.id) == str(line_id)), None)
    if line is None:
        raise NotFound(_l("No such part on this order."))
    if line.swap_id is not None:
        raise Conflict(_l("This part came with a device change: remove the change instead."),
                       fields={"line_id": str(line.id)})
    return line


def correct_part(order: WorkOrder, user: User, line_id: Any, qty: Any) -> OrderPart:
    """Set a recorded part's quantity; more is held like a new recording (409 when the van
    cannot cover it), less gives the difference back."""
    require_on_site(order, user)
    errors = FieldErrors()
    value = errors.check("qty", _whole, qty)
    errors.raise_if_any()
    line = _line(order, line_id)
    if line.serial is not None and value != 1:
        errors.add("qty", _l("A serialised part is recorded one at a time with its serial."))
        errors.raise_if_any()
    before = line.qty
    if value > before:
        hold_part_use(order, line.sku, value - before, None, user.id)
    line.qty = value
    db.session.flush()
    if value < before:
        release_unused(order, line.sku, user.id)
    record(order, "part_corrected", user, note=f"{line.sku} × {before} → {value}")
    return line


def remove_part(order: WorkOrder, user: User, line_id: Any) -> None:
    """Remove a part recorded by mistake and give back its hold."""
    require_on_site(order, user)
    line = _line(order, line_id)
    sku, qty, serial = line.sku, line.qty, line.serial
    order.parts.remove(line)
    db.session.delete(line)  # explicitly, so the audit log sees the deletion
    db.session.flush()
    release_unused(order, sku, user.id)
    record(order, "part_removed", user, note=f"{sku} × {qty}" + (f" {serial}" if serial else ""))


def remove_swap(order: WorkOrder, user: User, swap_id: Any) -> None:
    """Remove a device change recorded by mistake (with the part line of its new device)."""
    require_on_site(order, user)
    swap = next((s for s in order.swaps if str(s.id) == str(swap_id)), None)
    if swap is None:
        raise NotFound(_l("No such device change on this order."))
    if swap.applied_at is not None:
        raise Conflict(_l("This device change is already applied."))
    lines = [p for p in order.parts if p.swap_id == swap.id]
    for line in lines:
        order.parts.remove(line)
        db.session.delete(line)
    db.session.flush()
    note = f"{swap.kind}: {swap.old_identifier or '—'} → {swap.new_identifier or '—'}"
    order.swaps.remove(swap)
    db.session.delete(swap)
    db.session.flush()
    for sku in {line.sku for line in lines}:
        release_unused(order, sku, user.id)
    record(order, "swap_removed", user, note=note)
