"""What the dispatch system knows of each installed terminal on the tracking platform."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import Model
from dispatch.registry.models import Terminal
from dispatch.timeutil import UTCDateTime


class TrackedDevice(Model):
    """A terminal's device on the platform: its platform id once registered, and the last
    time the platform heard from it (kept by the silent-device sync, in batches).

    Not audited: the sync rewrites last-seen times of up to every installed terminal, and the
    platform, not a person, is their source."""

    __tablename__ = "tracked_devices"
    __audit__ = False
    __table_args__ = (Index("ix_tracked_devices_last_seen", "last_seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_ref: Mapped[int] = mapped_column(ForeignKey("terminals.id"), unique=True)
    #: The uniqueId on the platform: the terminal's IMEI when known, else its terminal ID.
    unique_id: Mapped[str] = mapped_column(String(32), unique=True)
    platform_id: Mapped[int | None]
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the platform last heard from the device (its ``lastUpdate``), if ever.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The platform's word for it: online, offline, unknown.
    platform_status: Mapped[str | None] = mapped_column(String(12))
    #: When a sync last changed what is known of it.
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    terminal: Mapped[Terminal] = relationship()
