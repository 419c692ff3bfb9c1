"""R19's spare-parts sales as finance knows them: the orders whose money arrived.

An order's parts are *sold and paid* when its (non-void) invoice is paid — cash taken on site,
a transfer finance marked received. Care's incentives ask through the hook the app shell
installs (``dispatch/wiring.py`` ``init_hooks``): care and finance never import each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from workorders.finance.invoices import Invoice


def paid_orders(start: datetime, end: datetime) -> Select[Any]:
    """The ids of the orders whose invoice was paid in ``[start, end)``, as a subquery."""
    return select(Invoice.order_id).where(Invoice.status == "paid", Invoice.paid_at >= start,
                                          Invoice.paid_at < end)
