"""The manager's overview: what needs a decision or is going wrong, each a number with its list,
and the last fortnight in three small charts (``workorders/office/charts.py``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from flask import g, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, case, cast, extract, func

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.timeutil import day_bounds, local_day, utcnow
from inventory.stock import low_stock
from workorders.access import count_visible, visible_orders
from workorders.approval import waiting_count
from workorders.care.complaints import complaint_list
from workorders.finance.reconciliation import outstanding_by_technician
from workorders.kinds import KINDS
from workorders.models import WorkOrder
from workorders.office import charts
from workorders.promises.clocks import orders_late_or_at_risk

#: Days the charts cover, today included.
CHART_DAYS = 14


@dataclass
class Tile:
    key: str
    label: Any
    count: int
    url: str
    alarm: bool = False


def awaiting_approval(user: User) -> int:
    """Orders waiting for a manager's approval (the navigation's count), less those sent back;
    counted once per request (the overview's tile and the navigation show the same number)."""
    counted: dict[int, int] = g.setdefault("awaiting_approval", {})
    if user.id not in counted:
        counted[user.id] = waiting_count(user)
    return counted[user.id]


def build(user: User) -> dict[str, Any]:
    today = local_day()
    start, end = day_bounds(today)
    tiles = [
        Tile("awaiting", _l("Awaiting approval"), awaiting_approval(user),
             url_for("workorders.approvals")),
        Tile("unassigned", _l("Approved, not assigned"),
             count_visible(user, WorkOrder.status == "approved"),
             url_for("workorders.index", status="approved")),
        Tile("completed_today", _l("Completed today"),
             count_visible(user, WorkOrder.completed_at >= start, WorkOrder.completed_at < end),
             url_for("workorders.index", completed_on=today.isoformat())),
    ]
    arrivals = orders_late_or_at_risk(user)
    tiles += [Tile("late", _l("Late against the arrival target"), arrivals["late"],
                   "#late-orders", alarm=bool(arrivals["late"])),
              Tile("at_risk", _l("At risk of arriving late"), arrivals["at_risk"], "#late-orders")]
    if user.can("complaint.view"):
        overdue, due_soon = complaint_list(user, "overdue"), complaint_list(user, "due_soon")
        tiles += [Tile("complaints_overdue", _l("Complaints overdue"), len(overdue),
                       url_for("care.complaint_index", view="overdue"), alarm=bool(overdue)),
                  Tile("complaints_due_soon", _l("Complaints due soon"), len(due_soon),
                       url_for("care.complaint_index", view="due_soon"))]
    low = low_stock() if user.can("stock.view_all") else []
    if user.can("stock.view_all"):
        tiles.append(Tile("low_stock", _l("Parts below reorder point"), len(low),
                          url_for("inventory.stock_index") + "#low-stock", alarm=bool(low)))
    cash = outstanding_by_technician() if user.can("finance.view") else []
    return {"tiles": tiles, "cash": cash, "low": low, "today": today, "arrivals": arrivals["items"],
            **_charts(user, today)}


def _charts(user: User, today: Any) -> dict[str, Any]:
    """Orders registered per day by kind, and the daily medians of call-to-arrival and on-site
    minutes (R10, as ``response_figures`` measures them) over the last ``CHART_DAYS`` days.

    The database groups the rows by local day (a ``CASE`` over the days' UTC bounds, so
    daylight-saving days stay right) and works out the minutes: the page reads one count per
    day and kind and two numbers per completion, through covering indexes (migration 0022),
    rather than every order of the fortnight as objects."""
    first = today - timedelta(days=CHART_DAYS - 1)
    days = [first + timedelta(days=n) for n in range(CHART_DAYS)]
    bounds = [day_bounds(day)[0] for day in days] + [day_bounds(days[-1])[1]]
    orders = visible_orders(user)
    created_day = _day_bucket(WorkOrder.created_at, bounds)
    per_day: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for bucket, kind, count in db.session.execute(orders.where(
            WorkOrder.created_at >= bounds[0], WorkOrder.created_at < bounds[-1])
            .with_only_columns(created_day, WorkOrder.kind, func.count(),
                               maintain_column_froms=True)
            .group_by(created_day, WorkOrder.kind).order_by(None)):
        per_day[int(bucket)][kind] += int(count)
    arrivals, on_site = _daily_medians(orders, bounds)
    numbers = range(CHART_DAYS)
    return {
        "orders_chart": charts.stacked_bars(
            days, [(kind, [per_day[n][kind] for n in numbers]) for kind in KINDS]),
        "arrival_chart": charts.line(days, [arrivals.get(n) for n in numbers]),
        "on_site_chart": charts.line(days, [on_site.get(n) for n in numbers]),
        "kinds": list(KINDS),
    }


def _daily_medians(orders: Any, bounds: list[datetime]) -> tuple[dict[int, float],
                                                                  dict[int, float]]:
    """Per day (numbered as :func:`_day_bucket`), the medians of call-to-arrival and on-site
    minutes of the orders completed that day (until now). PostgreSQL takes them itself
    (``percentile_cont``, the same middle as ``statistics.median``); elsewhere the minutes
    are read and the medians taken here."""
    day = _day_bucket(WorkOrder.completed_at, bounds)
    to_arrival = _minutes(WorkOrder.on_site_at, WorkOrder.created_at)
    on_site = _minutes(WorkOrder.completed_at, WorkOrder.on_site_at)
    done = orders.where(WorkOrder.completed_at >= bounds[0], WorkOrder.completed_at <= utcnow(),
                        WorkOrder.on_site_at.is_not(None)).order_by(None)
    arrivals: dict[int, float] = {}
    minutes_on_site: dict[int, float] = {}
    if db.session.get_bind().dialect.name == "postgresql":
        for bucket, arrival, spent in db.session.execute(done.with_only_columns(
                day, func.percentile_cont(0.5).within_group(to_arrival),
                func.percentile_cont(0.5).within_group(on_site), maintain_column_froms=True)
                .group_by(day)):
            arrivals[int(bucket)] = round(float(arrival), 1)
            minutes_on_site[int(bucket)] = round(float(spent), 1)
        return arrivals, minutes_on_site
    values: dict[int, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for bucket, arrival, spent in db.session.execute(done.with_only_columns(
            day, to_arrival, on_site, maintain_column_froms=True)):
        values[int(bucket)][0].append(float(arrival))
        values[int(bucket)][1].append(float(spent))
    for bucket, (arrival_values, spent_values) in values.items():
        arrivals[bucket] = round(median(arrival_values), 1)
        minutes_on_site[bucket] = round(median(spent_values), 1)
    return arrivals, minutes_on_site


def _day_bucket(column: Any, bounds: list[datetime]) -> Any:
    """Which of the days whose UTC bounds are ``bounds`` holds ``column`` (0 = the first);
    only asked of rows within ``bounds[0]`` and ``bounds[-1]``."""
    return case(*((column < bound, number) for number, bound in enumerate(bounds[1:-1])),
                else_=len(bounds) - 2)


def _minutes(later: Any, earlier: Any) -> Any:
    """``later - earlier`` in minutes, worked out by the database."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 1440.0
    return cast(extract("epoch", later - earlier), Float) / 60.0
