"""The parts catalog, which is also the parts price list (R1, R19)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import db
from dispatch.timeutil import UTCDateTime, utcnow

CATEGORIES = ("terminal", "sim", "harness", "relay", "antenna", "other")


class Part(db.Model):
    __tablename__ = "parts"
    __table_args__ = (
        CheckConstraint(f"category IN ({', '.join(repr(c) for c in CATEGORIES)})",
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
