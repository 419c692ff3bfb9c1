"""The technicians as plain rows for ranking and planning (no ORM objects: hundreds of them
are read on every candidates or board call)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.technicians.models import Technician


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    home_lat: float
    home_lon: float
    last_lat: float | None
    last_lon: float | None
    last_seen_at: datetime | None
    skills: tuple[str, ...]
    work_start: time
    work_end: time
    daily_capacity: int
    contractor: bool


def active_members(include_contractors: bool = True) -> list[Member]:
    """Every active technician, ordered by id."""
    query = (select(Technician.id, User.name, User.username, Technician.home_lat,
                    Technician.home_lon, Technician.last_lat, Technician.last_lon,
                    Technician.last_seen_at, Technician.skills, Technician.work_start,
                    Technician.work_end, Technician.daily_capacity, Technician.contractor)
             .join(User, User.id == Technician.user_id)
             .where(Technician.active.is_(True)).order_by(Technician.id))
    if not include_contractors:
        query = query.where(Technician.contractor.is_(False))
    return [Member(row.id, row.name or row.username, row.home_lat, row.home_lon, row.last_lat,
                   row.last_lon, row.last_seen_at, tuple(row.skills or ()), row.work_start,
                   row.work_end, row.daily_capacity, row.contractor)
            for row in db.session.execute(query)]
