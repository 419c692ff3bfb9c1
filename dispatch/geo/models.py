"""The geocoding cache: one row per distinct address asked for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import Model
from dispatch.timeutil import UTCDateTime, utcnow


class GeocodeCache(Model):
    __tablename__ = "geocode_cache"
    __audit__ = False

    query: Mapped[str] = mapped_column(String(300), primary_key=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
