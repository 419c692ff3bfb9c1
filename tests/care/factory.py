"""Completed orders written straight to the database, for statistics and incentive tests."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from dispatch.extensions import db
from workorders.models import OrderPart, WorkOrder

_serial = itertools.count(1)


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
