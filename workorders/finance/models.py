"""Finance records (R8): what technicians collected, the cash they handed in, corrections, and
the days finance has locked. Money is ``Numeric(12, 2)``; every row is audited."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import Model
from dispatch.technicians.models import Technician
from dispatch.timeutil import UTCDateTime, utcnow
from workorders.models import WorkOrder

COLLECTION_METHODS = ("cash", "transfer")


class Collection(Model):
    """Money a technician took on site for an order, written in the completion's transaction."""

    __tablename__ = "collections"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("payment_method IN ('cash', 'transfer')", name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    payment_method: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[date] = mapped_column(Date, index=True)

    order: Mapped[WorkOrder] = relationship()
    technician: Mapped[Technician] = relationship()


class CashHandover(Model):
    """Cash a technician handed to finance (receipt PDF for the technician)."""

    __tablename__ = "cash_handovers"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    note: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[date] = mapped_column(Date, index=True)
    received_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    technician: Mapped[Technician] = relationship()


class Adjustment(Model):
    """A signed correction of a technician's cash, booked in an open day with a reason."""

    __tablename__ = "finance_adjustments"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    reason: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[date] = mapped_column(Date, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class LockedDay(Model):
    """A reconciled day: its money records no longer change."""

    __tablename__ = "finance_locked_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


RECEIVABLE_SETTLEMENTS = ("transfer", "cash")


class Receivable(Model):
    """What a customer owes for an order completed on account (credit classes allowed it):
    open from completion until finance records the money received (transfer or cash later)."""

    __tablename__ = "receivables"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("settled_how IS NULL OR settled_how IN ('transfer', 'cash')",
                        name="settled_how_known"),
        CheckConstraint("(settled_at IS NULL) = (settled_how IS NULL)", name="settled_together"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[date] = mapped_column(Date, index=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_how: Mapped[str | None] = mapped_column(String(10))
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    order: Mapped[WorkOrder] = relationship()
