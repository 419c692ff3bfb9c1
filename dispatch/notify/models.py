"""One row per message to a customer (the per-order notification log) and the alerts sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import Model, in_values
from dispatch.timeutil import UTCDateTime, utcnow

CHANNELS = ("log", "email", "sms")
#: queued → sending → sent; failed (retried by the sweep until the attempts run out);
#: skipped (the customer wants no messages, or has no address for the channel).
MESSAGE_STATUSES = ("queued", "sending", "sent", "failed", "skipped")
PREFERENCES = ("sms", "email", "none")


class Message(Model):
    """A message about one event (``event_key`` unique: one message per event, ever)."""

    __tablename__ = "customer_messages"
    #: The recipient is contact data (R18) and the body carries the customer link.
    __audit_exclude__ = ("recipient", "subject", "body")
    __table_args__ = (
        CheckConstraint(in_values("channel", CHANNELS), name="channel_known"),
        CheckConstraint(in_values("status", MESSAGE_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(120), unique=True)
    event: Mapped[str] = mapped_column(String(30))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertSent(Model):
    """An alert already raised (``key`` e.g. ``arrival_late:42``): each is raised once."""

    __tablename__ = "alerts_sent"
    __audit__ = False

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
