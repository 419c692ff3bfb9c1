"""The technicians as plain rows for ranking and planning (no ORM objects: hundreds of them
are read on every candidates or board call).

Who the technicians are (skills, hours, capacity, home) changes rarely and is cached per
process (:mod:`dispatch.cache`); where they last reported from changes all day and is read
fresh on every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.cache import cached
from dispatch.extensions import db
from dispatch.technicians.models import Technician


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    home_lat: float
    home_lon: float
    skills: tuple[str, ...]
    work_start: time
    work_end: time
    daily_capacity: int
    contractor: bool
    models: tuple[str, ...] = ()  # the terminal models they are trained on ("model:" skills)


@dataclass(frozen=True)
class Reported:
    lat: float
    lon: float
    seen_at: datetime


def _load_members() -> tuple[Member, ...]:
    query = (select(Technician.id, User.display_name.label("name"), Technician.home_lat,
                    Technician.home_lon, Technician.skills, Technician.work_start,
                    Technician.work_end, Technician.daily_capacity, Technician.contractor)
             .join(User, User.id == Technician.user_id)
             .where(Technician.active.is_(True)).order_by(Technician.id))
    members = []
    for row in db.session.execute(query):
        skills = tuple(row.skills or ())
        members.append(Member(row.id, row.name, row.home_lat, row.home_lon, skills,
                              row.work_start, row.work_end, row.daily_capacity, row.contractor,
                              tuple(s[6:] for s in skills if s.startswith("model:"))))
    return tuple(members)


def active_members(include_contractors: bool = True) -> list[Member]:
    """Every active technician, ordered by id."""
    members = cached("roster", _load_members)
    return [m for m in members if include_contractors or not m.contractor]


def reported_positions(since: datetime | None = None) -> dict[int, Reported]:
    """Each active technician's last reported position (reported at or after ``since``)."""
    query = select(Technician.id, Technician.last_lat, Technician.last_lon,
                   Technician.last_seen_at).where(Technician.active.is_(True),
                                                  Technician.last_seen_at.is_not(None),
                                                  Technician.last_lat.is_not(None))
    if since is not None:
        query = query.where(Technician.last_seen_at >= since)
    return {row.id: Reported(row.last_lat, row.last_lon, row.last_seen_at)
            for row in db.session.execute(query)}
