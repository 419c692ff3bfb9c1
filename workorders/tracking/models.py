"""What an order keeps of the tracking platform: its activation evidence and the commands
sent to a vehicle's terminal instead of (or before) a visit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.auth.models import User
from dispatch.extensions import Model
from dispatch.registry.models import Terminal
from dispatch.timeutil import UTCDateTime, utcnow
from workorders.models import WorkOrder


class OrderActivation(Model):
    """The evidence that the terminal an order installed reports (SPEC §10): the first fix
    the activation check saw as ``reporting`` — when and where — or the override reason that
    let the order complete without one."""

    __tablename__ = "order_activations"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    unique_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    fix_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fix_lat: Mapped[float | None]
    fix_lon: Mapped[float | None]
    distance_m: Mapped[int | None]
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    override_reason: Mapped[str | None] = mapped_column(String(300))
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[WorkOrder] = relationship()
    override_by: Mapped[User | None] = relationship()


class RemoteCommand(Model):
    """A command sent through the platform to a vehicle's terminal, from a repair order or
    from the silent-device queue (then on the vehicle's open order, when there is one)."""

    __tablename__ = "remote_commands"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    terminal_ref: Mapped[int] = mapped_column(ForeignKey("terminals.id"), index=True)
    unique_id: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(40))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: sent (the device had it), queued (the platform keeps it until the device connects),
    #: refused (the platform said no), unreachable / rejected (it could not be asked).
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(300), default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    terminal: Mapped[Terminal] = relationship()
    sent_by: Mapped[User] = relationship()
