"""Approval (R3), assignment and reassignment, cancellation and closing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l

from dispatch.auth.models import User
from dispatch.errors import FieldErrors, Forbidden
from dispatch.extensions import db
from dispatch.technicians.models import Technician
from dispatch.text import clean_text
from dispatch.timeutil import utcnow
from inventory import orders as order_stock
from workorders.lifecycle import check, transition
from workorders.models import WorkOrder


def approve(order: WorkOrder, user: User) -> WorkOrder:
    """R3: the GPS division manager approves before anyone is assigned."""
    check(order, "approve", user)
    order.approved_by_id = user.id
    transition(order, "approve", user)
    return order


#: R12: who is available in house for an order now (``board/candidates.py``
#: ``available_in_house``, installed by the app shell: the order core never imports the board).
_available: list[Callable[[WorkOrder, datetime], list[str]]] = []


def use_availability(provider: Callable[[WorkOrder, datetime], list[str]]) -> None:
    _available[:] = [provider]


def assign(order: WorkOrder, technician_id: int, user: User,
           contractor_reason: str | None = None) -> WorkOrder:
    """Give an approved order to an active technician (or move it to another one); the
    order's parts are reserved for them (van first, else the main warehouse), a reassignment
    moves the reservation.

    An outside contractor (R12) needs a manager's approval and an urgent order, and either no
    in-house technician available for it or a ``contractor_reason`` (recorded in the order's
    history); the approving manager is recorded.
    """
    check(order, "assign", user)
    technician = db.session.get(Technician, technician_id)
    errors = FieldErrors()
    if technician is None or not technician.active:
        errors.add("technician_id", _l("Choose an active technician."))
    elif technician.id == order.technician_id:
        errors.add("technician_id", _l("The order is already assigned to this technician."))
    errors.raise_if_any()
    assert technician is not None
    if technician.contractor:
        if not user.can("order.contractor"):
            raise Forbidden(_l("An outside contractor needs a manager's approval."))
        if order.priority != "urgent":
            errors.add("technician_id", _l("Outside contractors take urgent orders only."))
            errors.raise_if_any()
        reason = _contractor_reason(order, contractor_reason)
        order.contractor_approved_by_id = user.id
    else:
        reason = ""
        order.contractor_approved_by_id = None
    previous = order.technician.name if order.technician else None
    order.technician = technician
    note = f"{previous} → {technician.name}" if previous else technician.name
    if reason:
        note = f"{note} ({reason})"
    transition(order, "assign", user, note=note)
    order_stock.reserve_for_order(order.id, technician.id,
                                  [(p.sku, p.qty) for p in order.planned_parts], user.id)
    return order


def _contractor_reason(order: WorkOrder, raw: str | None) -> str:
    """R12: a contractor only when nobody in house is available, or for a recorded reason."""
    errors = FieldErrors()
    reason = errors.check("contractor_reason", clean_text, raw, max_len=300) or ""
    errors.raise_if_any()
    available = _available[0](order, utcnow()) if _available else []
    if available and not reason:
        errors.add("contractor_reason", _l(
            "In-house technicians are available (%(names)s): give the reason for an outside "
            "contractor.", names=", ".join(available[:5])))
        errors.raise_if_any()
    return reason


def cancel(order: WorkOrder, reason: str, user: User) -> WorkOrder:
    check(order, "cancel", user)
    errors = FieldErrors()
    clean = errors.check("reason", clean_text, reason, max_len=300, required=True)
    errors.raise_if_any()
    order.cancel_reason = clean
    transition(order, "cancel", user, note=clean or "")
    order_stock.release_order(order.id, user.id)
    return order
