"""The customer link of an order: its token is never stored, only its hash and the salt
that, with the app's secret key, gives the token back (for the order's JSON and messages)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import Model
from dispatch.timeutil import UTCDateTime, utcnow
from workorders.models import WorkOrder


class CustomerLink(Model):
    __tablename__ = "customer_links"
    __audit_exclude__ = ("salt", "token_hash")

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The link goes with its order (an order deleted by hand takes its link along).
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"),
                                          unique=True)
    salt: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[WorkOrder] = relationship()
