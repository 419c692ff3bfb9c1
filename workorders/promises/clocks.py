"""The arrival clock (R10): each order's ``arrive_by`` from its priority, and which orders
are late or at risk.

Targets (settings): an urgent order within ``DISPATCH_ARRIVAL_URGENT_HOURS`` (4) of the call;
a normal one by the end of the working day (``DISPATCH_WORKDAY_END``, 18:00) that is
``DISPATCH_ARRIVAL_NORMAL_WORKING_DAYS`` (1) working days after the call, working days being
``DISPATCH_WORKING_DAYS`` (ISO weekdays, Monday to Friday). An order not reached yet is *late*
past its target and *at risk* within ``DISPATCH_ARRIVAL_AT_RISK_MINUTES`` (60) of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, case, exists, func, literal, select
from sqlalchemy.orm import Session

from dispatch.auth.models import User
from dispatch.auth.roles import MANAGER
from dispatch.extensions import db
from dispatch.notify.alerts import alert_once
from dispatch.notify.models import AlertSent
from dispatch.timeutil import local_day, local_moment, local_text, utcnow
from dispatch.validators import parse_clock
from workorders.access import visible_orders
from workorders.models import NOT_ARRIVED_STATUSES, WorkOrder, not_arrived

LIST_LIMIT = 200


def _config(name: str, default: Any) -> Any:
    value = current_app.config.get(name)
    return default if value in (None, "") else value


def working_days() -> set[int]:
    raw = str(_config("DISPATCH_WORKING_DAYS", "1,2,3,4,5"))
    return {int(day) for day in raw.split(",") if day.strip()}


def arrival_target(called_at: datetime, priority: str) -> datetime:
    """When the technician should be there for an order called in at ``called_at``."""
    if priority == "urgent":
        return called_at + timedelta(hours=float(_config("DISPATCH_ARRIVAL_URGENT_HOURS", 4)))
    days, open_days = int(_config("DISPATCH_ARRIVAL_NORMAL_WORKING_DAYS", 1)), working_days()
    day = local_day(called_at)
    while days > 0 or day.isoweekday() not in open_days:
        day += timedelta(days=1)
        if day.isoweekday() in open_days:
            days -= 1
    return local_moment(day, parse_clock(_config("DISPATCH_WORKDAY_END", "18:00")))


def set_arrival_targets(session: Session, flush_context: Any, instances: Any) -> None:
    """``before_flush``: a new order gets its ``arrive_by``; a change of priority moves it."""
    for order in session.new:
        if isinstance(order, WorkOrder) and order.arrive_by is None:
            order.arrive_by = arrival_target(order.created_at or utcnow(), order.priority)
    for order in session.dirty:
        if isinstance(order, WorkOrder) and order.created_at is not None and \
                db.inspect(order).attrs.priority.history.has_changes():
            order.arrive_by = arrival_target(order.created_at, order.priority)


def at_risk_margin() -> timedelta:
    return timedelta(minutes=float(_config("DISPATCH_ARRIVAL_AT_RISK_MINUTES", 60)))


def arrival_state(order: WorkOrder, now: datetime | None = None) -> str:
    """``late``, ``at_risk`` or ``""`` (on time, reached already, or no target)."""
    if order.arrive_by is None or order.status not in NOT_ARRIVED_STATUSES:
        return ""
    now = now or utcnow()
    if now > order.arrive_by:
        return "late"
    return "at_risk" if order.arrive_by - now <= at_risk_margin() else ""


@dataclass(frozen=True)
class ArrivalRow:
    id: int
    number: str
    status: str
    priority: str
    arrive_by: datetime
    technician_id: int | None
    state: str


def orders_late_or_at_risk(user: User, now: datetime | None = None) -> dict[str, Any]:
    """Orders ``user`` may see that are late or at risk of being late, soonest target first,
    with the counts of each (for the board and the manager overview)."""
    now = now or utcnow()
    query = visible_orders(user).where(not_arrived(), WorkOrder.arrive_by.is_not(None),
                                       WorkOrder.arrive_by <= now + at_risk_margin())
    is_late = case((WorkOrder.arrive_by < now, 1), else_=0)
    # One query: the counts over every match (window sums, taken before the limit) on each row.
    rows = db.session.execute(query.with_only_columns(
        WorkOrder.id, WorkOrder.number, WorkOrder.status, WorkOrder.priority, WorkOrder.arrive_by,
        WorkOrder.technician_id, func.sum(is_late).over().label("late_total"),
        func.count().over().label("total")).order_by(None).order_by(WorkOrder.arrive_by)
        .limit(LIST_LIMIT)).all()
    late = int(rows[0].late_total) if rows else 0
    at_risk = int(rows[0].total) - late if rows else 0
    items = [ArrivalRow(row.id, row.number, row.status, row.priority, row.arrive_by,
                        row.technician_id, "late" if row.arrive_by < now else "at_risk")
             for row in rows]
    return {"late": late, "at_risk": at_risk, "items": items}


def alert_late_arrivals() -> None:
    """The sweep's periodic check: managers hear once of each order past its arrival target."""
    now = utcnow()
    key = literal("arrival_late:") + WorkOrder.id.cast(String)
    late = db.session.execute(select(WorkOrder.id, WorkOrder.number, WorkOrder.arrive_by).where(
        not_arrived(), WorkOrder.arrive_by < now,
        ~exists().where(AlertSent.key == key)).order_by(WorkOrder.arrive_by).limit(500)).all()
    for order_id, number, arrive_by in late:
        alert_once(f"arrival_late:{order_id}", (MANAGER,),
                   str(_l("Order %(number)s is late: the technician was due by %(at)s.",
                          number=number, at=local_text(arrive_by))), f"/workorders/{order_id}")
    db.session.commit()
