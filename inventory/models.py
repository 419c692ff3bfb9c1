"""The parts catalog, which is also the parts price list (R1, R19)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import Model, in_values
from dispatch.timeutil import UTCDateTime, utcnow

CATEGORIES = ("terminal", "sim", "harness", "relay", "antenna", "other")


class Part(Model):
    __tablename__ = "parts"
    __table_args__ = (
        CheckConstraint(in_values("category", CATEGORIES),
                        name="category_known"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("reorder_point >= 0", name="reorder_point_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(12))
    serialized: Mapped[bool] = mapped_column(default=False)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    reorder_point: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    #: The terminal model the part is (``TK915``): received units carry it, and technicians'
    #: ``model:TK915`` skills match orders for it. Empty for other parts.
    model_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


LOCATION_KINDS = ("warehouse", "van", "workshop", "vendor")
#: What a movement does; every kind but reserve/release changes on-hand.
MOVEMENT_KINDS = ("receive", "transfer", "reserve", "release", "consume", "return_faulty",
                  "send_to_vendor", "back_from_vendor", "adjust")
RESERVATION_KINDS = ("reserve", "release")



class Location(Model):
    """A stock location: a warehouse (one is the default), a technician's van, the workshop
    for faulty returns, or the vendor (devices out for repair)."""

    __tablename__ = "stock_locations"
    __table_args__ = (
        CheckConstraint(in_values("kind", LOCATION_KINDS), name="kind_known"),
        CheckConstraint("(kind = 'van') = (technician_id IS NOT NULL)", name="van_iff_technician"),
        CheckConstraint("NOT is_default OR kind = 'warehouse'", name="default_is_warehouse"),
        Index("uq_stock_locations_default", "is_default", unique=True,
              sqlite_where=text("is_default"), postgresql_where=text("is_default")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))
    is_default: Mapped[bool] = mapped_column(default=False)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockBalance(Model):
    """On-hand and reserved per location and SKU, kept in step with the ledger in the same
    transaction (a cache of the ledger, so not audited itself: the movements are)."""

    __tablename__ = "stock_balances"
    __audit__ = False
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        Index("ix_stock_balances_sku", "sku"),
    )

    location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("parts.sku"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(Model):
    """One line of the append-only ledger. ``qty`` leaves ``from_location`` and arrives at
    ``to_location``; reserve/release name the location in ``from_location_id``."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint(in_values("kind", MOVEMENT_KINDS), name="kind_known"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("from_location_id IS NOT NULL OR to_location_id IS NOT NULL",
                        name="has_location"),
        CheckConstraint("kind <> 'adjust' OR reason <> ''", name="adjust_has_reason"),
        Index("ix_stock_movements_order", "work_order_id"),
        Index("ix_stock_movements_sku_at", "sku", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    sku: Mapped[str] = mapped_column(ForeignKey("parts.sku"))
    qty: Mapped[int]
    from_location_id: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"))
    to_location_id: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"))
    serial: Mapped[str | None] = mapped_column(String(32))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(300), default="")
