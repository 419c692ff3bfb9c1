"""Where a technician is, or will be next, and how busy they are today."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, select

from board.roster import Member, Reported
from dispatch.extensions import db
from dispatch.timeutil import day_bounds, local_clock, local_day
from workorders.lifecycle import UNDER_WAY
from workorders.models import WorkOrder, in_hands
from workorders.queries import read_rows


class Position(NamedTuple):
    lat: float
    lon: float
    source: str  # "job" (site of the job in hand), "reported", "home"
    age_minutes: float | None


def fresh_since(now: datetime) -> datetime:
    """Reported positions older than this are not trusted (home base is used instead)."""
    return now - timedelta(minutes=current_app.config["DISPATCH_POSITION_FRESH_MINUTES"])


def position_of(technician: Member, now: datetime, jobs_in_hand: dict[int, JobInHand],
                fresh: Mapping[int, Reported]) -> Position:
    """The site of the job in hand (en route / on site), else a fresh reported position
    (``fresh``: reported since :func:`fresh_since`), else home base."""
    job = jobs_in_hand.get(technician.id)
    if job is not None:
        return Position(job.lat, job.lon, "job", None)
    last = fresh.get(technician.id)
    if last is not None:
        return Position(last.lat, last.lon, "reported",
                        round((now - last.seen_at).total_seconds() / 60, 1))
    return Position(technician.home_lat, technician.home_lon, "home", None)


class JobInHand(NamedTuple):
    order_id: int
    lat: float
    lon: float


class Held(NamedTuple):
    """An order in a technician's hands: assigned, en route or on site."""
    technician_id: int
    order_id: int
    number: str
    status: str
    lat: float | None
    lon: float | None


def orders_in_hand() -> list[Held]:
    """Every order in technicians' hands, by technician and route position (one read serves
    the loads and the routes of the board and the day plan)."""
    rows = read_rows(
        select(WorkOrder.technician_id, WorkOrder.id, WorkOrder.number, WorkOrder.status,
               WorkOrder.site_lat, WorkOrder.site_lon)
        .where(in_hands())
        .order_by(WorkOrder.technician_id, WorkOrder.route_position.nullslast(), WorkOrder.id))
    return [Held._make(row) for row in rows]


def jobs_in_hand() -> dict[int, JobInHand]:
    """Per technician, the site of the order they are driving to or working on: of several,
    the one they reached last, else the first on their route. The database orders the rows,
    so no time is read back."""
    rows = read_rows(
        select(WorkOrder.technician_id, WorkOrder.id, WorkOrder.site_lat, WorkOrder.site_lon)
        .where(in_hands(), WorkOrder.status.in_(UNDER_WAY),
               WorkOrder.site_lat.is_not(None))
        .order_by(WorkOrder.technician_id, WorkOrder.on_site_at.desc().nullslast(),
                  WorkOrder.route_position.nullslast(), WorkOrder.id))
    found: dict[int, JobInHand] = {}
    for technician_id, order_id, lat, lon in rows:
        found.setdefault(technician_id, JobInHand(order_id, lat, lon))
    return found


def loads_today(now: datetime, held: list[Held] | None = None) -> Counter[int]:
    """Orders per technician today: in hand (counted from ``held``, else from the index of
    orders in hand), plus those completed today (from the completions index)."""
    start, end = day_bounds(local_day(now))
    if held is not None:
        loads: Counter[int] = Counter(h.technician_id for h in held)
    else:  # an order in hand has a technician (CHECK assigned_has_technician)
        loads = Counter({technician_id: count for technician_id, count in db.session.execute(
            select(WorkOrder.technician_id, func.count()).where(in_hands())
            .group_by(WorkOrder.technician_id)).all() if technician_id is not None})
    done = select(WorkOrder.technician_id, func.count()).where(
        WorkOrder.completed_at >= start, WorkOrder.completed_at < end,
        WorkOrder.technician_id.is_not(None)).group_by(WorkOrder.technician_id)
    for technician_id, count in read_rows(done):
        loads[technician_id] += count
    return loads


def on_shift(technician: Member, now: datetime | time) -> bool:
    """Within working hours at ``now`` (a moment, or a local time of day already converted)."""
    local = now if isinstance(now, time) else local_clock(now)
    return technician.work_start <= local < technician.work_end
