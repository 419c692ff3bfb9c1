"""Whether an order's money is settled (SPEC §4: closed = callback done and money reconciled;
SPEC §10: handed over, received, or on account).

- no fee, or ``on_account`` (the receivable is finance's to follow): settled;
- ``cash``: settled once the technician's handovers cover it — handovers pay off the oldest
  cash first, with the technician's adjustments in their place in time (as the ageing of the
  finance page counts);
- ``transfer`` (or a fee completed without payment before the rule): settled once the
  order's invoice is paid (the transfer received).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.money import format_money
from workorders.fees import amount_due
from workorders.finance.invoices import Invoice
from workorders.finance.models import Adjustment, CashHandover, Collection
from workorders.models import WorkOrder

ZERO = Decimal("0.00")


def handed_over_orders(technician_id: int) -> set[int]:
    """The orders whose cash the technician's handovers cover, oldest collections first."""
    events: list[tuple[datetime, int, Decimal, int | None]] = [
        (at, cid, amount, order_id) for cid, at, amount, order_id in db.session.execute(
            select(Collection.id, Collection.at, Collection.amount, Collection.order_id).where(
                Collection.technician_id == technician_id, Collection.payment_method == "cash"))]
    events += [(at, aid, amount, None) for aid, at, amount in db.session.execute(
        select(Adjustment.id, Adjustment.at, Adjustment.amount).where(
            Adjustment.technician_id == technician_id))]
    handed = db.session.scalar(select(func.coalesce(func.sum(CashHandover.amount), 0)).where(
        CashHandover.technician_id == technician_id)) or ZERO
    covered, running = set(), ZERO
    for _at, _id, amount, order_id in sorted(events, key=lambda e: (e[0], e[3] is None, e[1])):
        running += amount
        if order_id is not None and running <= handed:
            covered.add(order_id)
    return covered


def missing_money(order: WorkOrder,
                  handed: Callable[[int], set[int]] = handed_over_orders) -> str | None:
    """Why the order's money is not settled yet, or ``None`` when it is."""
    fee = amount_due(order)
    if fee <= 0 or order.payment_method == "on_account":
        return None
    if order.payment_method == "cash":
        if order.technician_id is not None and order.id in handed(order.technician_id):
            return None
        return str(_l("The cash of this order (%(fee)s) is still with the technician: it must "
                      "be handed over to finance first.", fee=format_money(fee)))
    paid = db.session.scalar(select(Invoice.id).where(Invoice.order_id == order.id,
                                                      Invoice.status == "paid"))
    if paid is not None:
        return None
    return str(_l("The payment of this order (%(fee)s) has not been received: finance marks "
                  "the transfer as received.", fee=format_money(fee)))


def waiting_for_money() -> list[tuple[WorkOrder, str]]:
    """Completed orders (not closed) whose money is not settled, oldest first, with why."""
    orders = db.session.scalars(select(WorkOrder).where(
        WorkOrder.status == "completed",
        func.coalesce(WorkOrder.fee_override, WorkOrder.fee_total) > 0,
        WorkOrder.payment_method != "on_account").order_by(WorkOrder.completed_at, WorkOrder.id))
    cache: dict[int, set[int]] = {}

    def handed(technician_id: int) -> set[int]:
        if technician_id not in cache:
            cache[technician_id] = handed_over_orders(technician_id)
        return cache[technician_id]

    out = []
    for order in orders:
        why = missing_money(order, handed)
        if why is not None:
            out.append((order, why))
    return out
