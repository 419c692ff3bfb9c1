"""Completed orders written straight to the database, for statistics and incentive tests."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from dispatch.extensions import db
from dispatch.money import round_money
from workorders.finance.invoices import Invoice, issue_invoice
from workorders.models import OrderPart, WorkOrder

_serial = itertools.count(1)
ZERO = Decimal("0.00")


def completed_order(world, user, kind: str, completed_at: datetime, technician=None,
                    parts: tuple[tuple[str, int], ...] = (), status: str = "completed") -> WorkOrder:
    """A ``kind`` order completed at ``completed_at`` by ``technician`` (default: world's)."""
    technician = technician or world.technician
    order = WorkOrder(
        number=f"T-{next(_serial):06d}", kind=kind, status=status, customer_id=world.customer.id,
        vehicle_id=world.truck.id, site_address="浙江省杭州市西湖区文三路100号",
        contact_name="王伟", contact_phone="+8613800138000", product_model="GT06N",
        owner_id=user.id, created_by_id=user.id, approved_by_id=user.id,
        technician_id=technician.id, created_at=completed_at, completed_at=completed_at)
    for sku, qty in parts:
        order.parts.append(OrderPart(sku=sku, name=sku, qty=qty,
                                     unit_price=world.parts[sku].price or Decimal(0)))
    db.session.add(order)
    db.session.flush()
    return order


def charged(order: WorkOrder, user, method: str = "cash", paid_at: datetime | None = None,
            in_warranty: bool = False) -> Invoice | None:
    """Charge ``order`` its parts (out of warranty, unless ``in_warranty``) paid by ``method``,
    its invoice dated at completion (a cash one paid then, or at ``paid_at``)."""
    fee = ZERO if in_warranty or order.kind == "install" else round_money(
        sum((part.unit_price * part.qty for part in order.parts), ZERO))
    order.in_warranty = in_warranty if order.kind != "install" else None
    order.fee_total, order.payment_method, order.amount_collected = fee, method, fee
    db.session.flush()
    if fee <= 0:
        return None
    invoice = issue_invoice(order, user.id)
    invoice.issued_at = order.completed_at
    if invoice.status == "paid" or paid_at is not None:
        invoice.status, invoice.paid_at = "paid", paid_at or order.completed_at
    db.session.flush()
    return invoice
