"""The work order and what hangs off it: status history, swaps, parts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.auth.models import User
from dispatch.extensions import Model, db, in_values
from dispatch.registry.models import Customer, Vehicle
from dispatch.technicians.models import Technician
from dispatch.timeutil import UTCDateTime, utcnow
from workorders.lifecycle import FINISHED, IN_HAND, STATUSES, WAITING

KINDS = ("install", "repair", "removal", "inspection")
PRIORITIES = ("normal", "urgent")
PAYMENT_METHODS = ("cash", "transfer", "on_account", "none")
SWAP_KINDS = ("terminal", "sim")



class WorkOrder(Model):
    __tablename__ = "work_orders"
    __table_args__ = (
        CheckConstraint(in_values("kind", KINDS), name="kind_known"),
        CheckConstraint(in_values("status", STATUSES), name="status_known"),
        CheckConstraint(in_values("priority", PRIORITIES), name="priority_known"),
        CheckConstraint(f"payment_method IS NULL OR {in_values('payment_method', PAYMENT_METHODS)}",
                        name="payment_method_known"),
        CheckConstraint("amount_collected IS NULL OR amount_collected >= 0",
                        name="collected_not_negative"),
        CheckConstraint("fee_total IS NULL OR fee_total >= 0", name="fee_not_negative"),
        CheckConstraint("window_end IS NULL OR window_start IS NULL OR window_end > window_start",
                        name="window_order"),
        CheckConstraint(f"NOT ({in_values('status', (*IN_HAND, *FINISHED))}) "
                        "OR technician_id IS NOT NULL", name="assigned_has_technician"),
        CheckConstraint("status IN ('new', 'cancelled') OR approved_by_id IS NOT NULL",
                        name="approved_before_work"),
        # The order list, newest first (keyset on created_at, id), unfiltered, by status, by
        # status and priority. customer_id last: the list's count and page then read the index
        # alone, even for staff kept from secret customers (migration 0011). The kind after
        # them: the overview's orders per day and kind from the index alone (migration 0022).
        Index("ix_work_orders_created_list", "created_at", "id", "customer_id", "kind"),
        Index("ix_work_orders_status_list", "status", "created_at", "id", "customer_id"),
        Index("ix_work_orders_status_priority_list", "status", "priority", "created_at", "id",
              "customer_id"),
        # A technician's jobs by status, and those completed since a time (the tablet's day).
        Index("ix_work_orders_technician_jobs", "technician_id", "status", "completed_at"),
        # Completions by time, with who did them: today's load per technician from the index;
        # and when they were called in and reached: the overview's daily call-to-arrival and
        # on-site medians from the index alone (migration 0022).
        Index("ix_work_orders_completed_times", "completed_at", "technician_id", "on_site_at",
              "created_at", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="new")
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    site_address: Mapped[str] = mapped_column(String(300))
    site_lat: Mapped[float | None]
    site_lon: Mapped[float | None]
    #: Where the point came from: "manual", "customer", "cache:…", a geocoder, "gazetteer".
    site_geo_source: Mapped[str | None] = mapped_column(String(30))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(20))
    product_model: Mapped[str] = mapped_column(String(60))
    purchase_date: Mapped[date | None]
    fault_description: Mapped[str] = mapped_column(Text, default="")
    reported_terminal_id: Mapped[str | None] = mapped_column(String(32))
    reported_imei: Mapped[str | None] = mapped_column(String(15))
    reported_iccid: Mapped[str | None] = mapped_column(String(20))
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: R10: the arrival target for the order's priority (set by ``workorders/promises/clocks``).
    arrive_by: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    contractor_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scheduled_for: Mapped[date | None] = mapped_column(index=True)
    route_position: Mapped[int | None]

    resolution: Mapped[str] = mapped_column(Text, default="")
    payment_method: Mapped[str | None] = mapped_column(String(10))
    amount_collected: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    fee_total: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    fee_override: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    fee_override_reason: Mapped[str | None] = mapped_column(String(300))
    fee_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    in_warranty: Mapped[bool | None]
    signature_path: Mapped[str | None] = mapped_column(String(200))
    cancel_reason: Mapped[str | None] = mapped_column(String(300))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_site_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    vehicle: Mapped[Vehicle] = relationship()
    technician: Mapped[Technician | None] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    events: Mapped[list[WorkOrderEvent]] = relationship(
        back_populates="order", order_by="WorkOrderEvent.id", cascade="all, delete-orphan")
    swaps: Mapped[list[Swap]] = relationship(
        back_populates="order", order_by="Swap.id", cascade="all, delete-orphan")
    parts: Mapped[list[OrderPart]] = relationship(
        back_populates="order", order_by="OrderPart.id", cascade="all, delete-orphan")
    planned_parts: Mapped[list[PlannedPart]] = relationship(
        order_by="PlannedPart.id", cascade="all, delete-orphan")
    shortage_approvals: Mapped[list[ShortageApproval]] = relationship(
        order_by="ShortageApproval.id", cascade="all, delete-orphan")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}  # type: ignore[misc]


# The dispatcher's unassigned queue in board order (urgent first, then oldest), read without
# sorting every open order; filter with unassigned_open().
OPEN_QUEUE = text(f"technician_id IS NULL AND {in_values('status', WAITING)}")
Index("ix_work_orders_queue", WorkOrder.priority.desc(), WorkOrder.created_at,
      sqlite_where=OPEN_QUEUE, postgresql_where=OPEN_QUEUE)
# Orders in a technician's hands (assigned, en route, on site): a few hundred among millions,
# counted and drawn on every board refresh; filter with in_hands().
BUSY = text(in_values("status", IN_HAND))
Index("ix_work_orders_in_hands", WorkOrder.technician_id, sqlite_where=BUSY, postgresql_where=BUSY)
#: Orders nobody has reached yet, by arrival target: the late and at-risk lists read only these.
NOT_ARRIVED_STATUSES = ("new", "approved", "assigned", "en_route")
NOT_ARRIVED = text(in_values("status", NOT_ARRIVED_STATUSES))
Index("ix_work_orders_arrival", WorkOrder.arrive_by, sqlite_where=NOT_ARRIVED,
      postgresql_where=NOT_ARRIVED)


def _partial_index_filter(*terms: str) -> ColumnElement[bool]:
    """``terms`` written out literally: a database uses a partial index only when it can see
    that the query asks for no more than the index holds, which bound parameters hide. SQLite's
    planner also prefers any equality index unless told the terms are not selective
    (``likely()``, which changes nothing else)."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    return and_(*(text(f"likely({term})" if sqlite else term) for term in terms))


def unassigned_open() -> ColumnElement[bool]:
    """Orders waiting for a technician (new or approved, nobody assigned)."""
    return _partial_index_filter("work_orders.technician_id IS NULL",
                                 in_values("work_orders.status", WAITING))


def not_arrived() -> ColumnElement[bool]:
    """Open orders the technician has not reached yet (for the arrival clock)."""
    return _partial_index_filter(in_values("work_orders.status", NOT_ARRIVED_STATUSES))


def in_hands() -> ColumnElement[bool]:
    """Orders a technician holds: assigned, en route or on site."""
    return _partial_index_filter(in_values("work_orders.status", IN_HAND))


class WorkOrderEvent(Model):
    """One step of an order's history: who did what, when, and where."""

    __tablename__ = "work_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    note: Mapped[str] = mapped_column(String(500), default="")

    order: Mapped[WorkOrder] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class Swap(Model):
    """A terminal or SIM change: old → new. An install has no old, a removal no new."""

    __tablename__ = "swaps"
    __table_args__ = (
        CheckConstraint(in_values("kind", SWAP_KINDS), name="kind_known"),
        CheckConstraint("old_identifier IS NOT NULL OR new_identifier IS NOT NULL",
                        name="old_or_new"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    old_identifier: Mapped[str | None] = mapped_column(String(32))
    new_identifier: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(300), default="")
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[WorkOrder] = relationship(back_populates="swaps")


class OrderPart(Model):
    """A part used on the order, priced from the parts list when it was recorded."""

    __tablename__ = "order_parts"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    sku: Mapped[str] = mapped_column(ForeignKey("parts.sku"))
    name: Mapped[str] = mapped_column(String(120))
    qty: Mapped[int]
    serial: Mapped[str | None] = mapped_column(String(32))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    swap_id: Mapped[int | None] = mapped_column(ForeignKey("swaps.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[WorkOrder] = relationship(back_populates="parts")

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.qty


class PlannedPart(Model):
    """A part the order is expected to need ("the order's parts"); reserved on assignment."""

    __tablename__ = "planned_parts"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        UniqueConstraint("order_id", "sku", name="uq_planned_parts_order_sku"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    sku: Mapped[str] = mapped_column(ForeignKey("parts.sku"))
    qty: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShortageApproval(Model):
    """R12: a manager's (possibly verbal) approval to use a part the van and the order's
    reservation do not hold; the approver is recorded."""

    __tablename__ = "shortage_approvals"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    sku: Mapped[str] = mapped_column(ForeignKey("parts.sku"))
    qty: Mapped[int]
    note: Mapped[str] = mapped_column(String(300), default="")
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    approved_by: Mapped[User] = relationship()
