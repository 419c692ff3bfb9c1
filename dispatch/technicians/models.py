"""The technician profile attached to a user account."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.auth.models import User
from dispatch.extensions import Model
from dispatch.timeutil import UTCDateTime, utcnow

#: Order kinds a technician can be skilled in; model skills are ``model:<name>``.
KIND_SKILLS = ("install", "repair", "removal", "inspection")


class Technician(Model):
    __tablename__ = "technicians"
    __table_args__ = (
        CheckConstraint("home_lat BETWEEN -90 AND 90", name="home_lat_range"),
        CheckConstraint("home_lon BETWEEN -180 AND 180", name="home_lon_range"),
        CheckConstraint("daily_capacity BETWEEN 0 AND 50", name="capacity_range"),
        CheckConstraint("work_start < work_end", name="hours_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    #: The home base as people write it (the point is ``home_lat``/``home_lon``).
    home_address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    home_lat: Mapped[float]
    home_lon: Mapped[float]
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    work_start: Mapped[time] = mapped_column(default=time(8, 30))
    work_end: Mapped[time] = mapped_column(default=time(17, 30))
    daily_capacity: Mapped[int] = mapped_column(default=8)
    active: Mapped[bool] = mapped_column(default=True)
    contractor: Mapped[bool] = mapped_column(default=False)
    last_lat: Mapped[float | None]
    last_lon: Mapped[float | None]
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The uniqueId of the van's own tracker on the tracking platform, when it has one: its
    #: latest fix places the technician on the board (``dispatch/tracking/vans.py``).
    van_tracker_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        return self.user.display_name
