"""From the database to the dispatcher's tools and back: candidates for an order, the day
proposal, accepting it, and the board's data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from board import autoassign, candidates
from board import filters as queue_filters
from board.positions import (
    JobInHand,
    fresh_since,
    jobs_in_hand,
    loads_today,
    on_shift,
    orders_in_hand,
    position_of,
)
from board.roster import Member, Reported, active_members, reported_positions
from dispatch.auth.models import User
from dispatch.cache import cached
from dispatch.errors import DomainError, ValidationFailed
from dispatch.extensions import db
from dispatch.timeutil import local_clock, local_day, local_moment, local_text, utcnow, window_text
from dispatch.web.api import encode_rows
from workorders import assignment
from workorders.access import count_visible, get_order, visible_orders
from workorders.models import WorkOrder, unassigned_open
from workorders.promises.clocks import orders_late_or_at_risk
from workorders.queries import order_summaries, read_rows, summary_page

QUEUE_SIZE = 50
WINDOW_COLUMNS = (WorkOrder.__table__.c.window_start, WorkOrder.__table__.c.window_end)
MAP_LIMIT = 500


def van_stock_lookup() -> candidates.VanStock | None:
    """The inventory's van stock, when the inventory module provides it."""
    try:
        from inventory.stock import vans_stock
    except ImportError:
        return None
    return vans_stock


def rank_candidates(order: WorkOrder, available_only: bool = False,
                    limit: int | None = None) -> list[candidates.Candidate]:
    if not available_only:
        return candidates.rank(order, utcnow(), van_stock_lookup(), limit=limit)
    available = [c for c in candidates.rank(order, utcnow(), van_stock_lookup()) if c.available]
    return available[:limit]


def _loads(day: date, now: datetime) -> dict[int, int]:
    if day == local_day(now):
        return dict(loads_today(now))
    rows = db.session.execute(select(WorkOrder.technician_id, func.count()).where(
        WorkOrder.scheduled_for == day, WorkOrder.technician_id.is_not(None))
        .group_by(WorkOrder.technician_id)).all()
    return {technician_id: count for technician_id, count in rows if technician_id is not None}


@dataclass
class DayPlan:
    proposal: autoassign.Proposal
    orders: dict[int, WorkOrder]
    technicians: dict[int, Member]
    starts: dict[int, tuple[float, float]]


@dataclass
class DayInputs:
    """What a day's plan is made from: the orders and technicians, as the solvers take them."""

    orders: list[WorkOrder]
    technicians: list[Member]
    jobs: list[autoassign.Job]
    workers: list[autoassign.Worker]


def day_inputs(day: date, user: User, order_ids: Iterable[int] | None = None,
               technician_ids: Iterable[int] | None = None) -> DayInputs:
    """Approved, unassigned orders with a point on the map and a window on ``day`` (or none),
    over active staff technicians' free slots (only those of ``technician_ids`` when given:
    an id that is not an active staff technician is refused with a 422)."""
    now = utcnow()
    query = visible_orders(user).where(WorkOrder.status == "approved",
                                       WorkOrder.technician_id.is_(None),
                                       WorkOrder.site_lat.is_not(None))
    if order_ids is not None:
        query = query.where(WorkOrder.id.in_(list(order_ids)))
    orders = [o for o in db.session.scalars(query)
              if o.window_start is None or local_day(o.window_start) == day]
    technicians = active_members(include_contractors=False) if technician_ids is None \
        else check_technicians(technician_ids)
    loads, in_hand = _loads(day, now), jobs_in_hand()
    reported = reported_positions(fresh_since(now))
    today = day == local_day(now)
    workers = []
    for technician in technicians:
        start = position_of(technician, now, in_hand, reported) if today else None
        workers.append(autoassign.Worker(
            technician.id, start.lat if start else technician.home_lat,
            start.lon if start else technician.home_lon, frozenset(technician.skills),
            max(0, technician.daily_capacity - loads.get(technician.id, 0)),
            (local_moment(day, technician.work_start), local_moment(day, technician.work_end))))
    jobs = [autoassign.Job(o.id, o.site_lat, o.site_lon, o.kind, o.priority == "urgent",  # type: ignore[arg-type]
                           (o.window_start, o.window_end) if o.window_start and o.window_end else None)
            for o in orders]
    return DayInputs(orders, technicians, jobs, workers)


def check_technicians(technician_ids: Iterable[int]) -> list[Member]:
    """The active staff technicians of ``technician_ids``; any other id is a 422."""
    wanted = set(technician_ids)
    technicians = [t for t in active_members(include_contractors=False) if t.id in wanted]
    unknown = sorted(wanted - {t.id for t in technicians})
    if unknown:
        raise ValidationFailed(_l("Some technicians cannot be planned."), {
            "technician_ids": str(_l("Not active staff technicians: %(ids)s",
                                     ids=", ".join(map(str, unknown))))})
    return technicians


def plan_day(day: date, user: User, order_ids: Iterable[int] | None = None) -> DayPlan:
    """Today's proposal for ``day`` (:func:`board.autoassign.propose`, answered at once); the
    joint plan, solved in the background, is :mod:`board.planruns`."""
    inputs = day_inputs(day, user, order_ids)
    return DayPlan(autoassign.propose(inputs.jobs, inputs.workers, day),
                   {o.id: o for o in inputs.orders}, {t.id: t for t in inputs.technicians},
                   {w.key: (w.lat, w.lon) for w in inputs.workers})


def accept(day: date, items: list[Mapping[str, Any]], user: User) -> list[dict[str, Any]]:
    """Assign each reviewed pair; each order succeeds or fails on its own, with the reason."""
    results = []
    for position, item in enumerate(items, start=1):
        order_id = int(item["order_id"])
        try:
            order = get_order(order_id, user, for_update=True)
            assignment.assign(order, int(item["technician_id"]), user)
            order.scheduled_for = day
            order.route_position = int(item.get("position") or position)
            db.session.commit()
            results.append({"order_id": order_id, "status": "assigned"})
        except DomainError as exc:
            db.session.rollback()
            results.append({"order_id": order_id, "status": "refused", "error": exc.message,
                            "fields": exc.fields})
    return results


def board_json(user: User, bbox: tuple[float, float, float, float] | None = None,
               filters: Mapping[str, Any] | None = None) -> bytes:
    """:func:`board_data`, encoded as the API sends it.

    The whole board (no ``bbox``) is a snapshot shared by the process's requests with the same
    roles (:mod:`dispatch.cache`): any committed change to orders, customers, vehicles or the
    roster is on the next refresh; technicians' positions and what follows from the clock
    (on shift, position ages) are at most ``DISPATCH_BOARD_MAX_AGE_SECONDS`` old, as of its
    ``generated_at``.
    """
    if bbox is not None or filters:
        return encode_rows(board_data(user, bbox, filters))
    return cached("board", lambda: encode_rows(board_data(user)), variant=tuple(sorted(user.roles)),
                  max_age=current_app.config["DISPATCH_BOARD_MAX_AGE_SECONDS"])


def board_data(user: User, bbox: tuple[float, float, float, float] | None = None,
               filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the board shows: the unassigned queue (urgent first, then oldest) and its points
    on the map (within ``bbox`` when given), both narrowed by the queue's ``filters``
    (:mod:`board.filters`), and technicians with position, load and the route of their jobs
    in hand."""
    now = utcnow()
    chosen = queue_filters.criteria(filters or {}, now)
    open_query = visible_orders(user).where(unassigned_open(), *chosen)
    rows = read_rows(summary_page(open_query, (WorkOrder.priority.desc(), WorkOrder.created_at),
                                  QUEUE_SIZE, 0, WINDOW_COLUMNS[0], WINDOW_COLUMNS[1]))
    queue = [{**summary, "window": window_text(row[-2], row[-1])}
             for summary, row in zip(order_summaries(rows, user), rows, strict=True)]
    points_query = open_query.where(WorkOrder.site_lat.is_not(None))
    if bbox is not None:
        south, west, north, east = bbox
        points_query = points_query.where(WorkOrder.site_lat.between(south, north),
                                          WorkOrder.site_lon.between(west, east))
    points = read_rows(points_query.with_only_columns(
        WorkOrder.id, WorkOrder.number, WorkOrder.site_lat, WorkOrder.site_lon, WorkOrder.priority,
        WorkOrder.status, WorkOrder.kind).order_by(WorkOrder.priority.desc(), WorkOrder.created_at)
        .limit(MAP_LIMIT))
    total_open = count_visible(user, unassigned_open(), *chosen)
    arrival = orders_late_or_at_risk(user, now)
    states = {row.id: row.state for row in arrival["items"]}
    for item in queue:
        item["arrival"] = states.get(item["id"], "")
    return {
        "generated_at": now.isoformat(),
        "open_total": total_open,
        "arrival": {"late": arrival["late"], "at_risk": arrival["at_risk"],
                    "items": [{"id": row.id, "number": row.number, "status": row.status,
                               "arrive_by": row.arrive_by.isoformat(),
                               "arrive_by_text": local_text(row.arrive_by), "state": row.state}
                              for row in arrival["items"]]},
        "queue": queue,
        "points": [{"id": p.id, "number": p.number, "site_lat": p.site_lat, "site_lon": p.site_lon,
                    "priority": p.priority, "status": p.status, "kind": p.kind} for p in points],
        "technicians": technician_rows(now, active_members()),
    }


def technician_rows(now: datetime, members: Sequence[Member]) -> list[dict[str, Any]]:
    """The board's rows of ``members``: position (and where it comes from), load, shift and
    the route of their jobs in hand."""
    wanted = {member.id for member in members}
    held = orders_in_hand()
    loads, in_hand, reported = loads_today(now, held), jobs_in_hand(), reported_positions()
    since, local_time = fresh_since(now), local_clock(now)
    fresh = {key: last for key, last in reported.items() if last.seen_at >= since}
    routes: dict[int, list[dict[str, Any]]] = {}
    for h in held:
        if h.technician_id in wanted:
            routes.setdefault(h.technician_id, []).append(
                {"order_id": h.order_id, "number": h.number, "lat": h.lat, "lon": h.lon,
                 "status": h.status})
    return [_technician_row(m, now, local_time, in_hand, reported, fresh, loads, routes)
            for m in members]


def _technician_row(technician: Member, now: datetime, local_time: time,
                    in_hand: dict[int, JobInHand],
                    reported: Mapping[int, Reported], fresh: Mapping[int, Reported],
                    loads: Mapping[int, int], routes: Mapping[int, list]) -> dict[str, Any]:
    position = position_of(technician, now, in_hand, fresh)
    last = reported.get(technician.id)
    return {"id": technician.id, "name": technician.name, "lat": position.lat,
            "lon": position.lon, "position_source": position.source,
            "last_seen_at": last.seen_at.isoformat() if last else None,
            "position_age_minutes": round((now - last.seen_at).total_seconds() / 60, 1)
            if last else None,
            "load": loads.get(technician.id, 0), "capacity": technician.daily_capacity,
            "on_shift": on_shift(technician, local_time), "contractor": technician.contractor,
            "route": routes.get(technician.id, [])}
