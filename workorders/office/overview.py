"""The manager's overview: what needs a decision or is going wrong, each a number with its list,
and the last fortnight in three small charts (``workorders/office/charts.py``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from statistics import median
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

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
    """Orders waiting for a manager's approval (the navigation's count), less those sent back."""
    return waiting_count(user)


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
    minutes (R10, as ``response_figures`` measures them) over the last ``CHART_DAYS`` days."""
    first = today - timedelta(days=CHART_DAYS - 1)
    days = [first + timedelta(days=n) for n in range(CHART_DAYS)]
    since = day_bounds(first)[0]
    rows = db.session.execute(visible_orders(user).where(WorkOrder.created_at >= since)
                              .with_only_columns(WorkOrder.kind, WorkOrder.created_at)).all()
    per_day: dict[Any, dict[str, int]] = {day: defaultdict(int) for day in days}
    for kind, created_at in rows:
        day = local_day(created_at)
        if day in per_day:
            per_day[day][kind] += 1
    arrivals: dict[Any, list[float]] = defaultdict(list)
    on_site: dict[Any, list[float]] = defaultdict(list)
    done = db.session.execute(visible_orders(user).where(
        WorkOrder.completed_at >= since, WorkOrder.completed_at <= utcnow(),
        WorkOrder.on_site_at.is_not(None)).with_only_columns(
        WorkOrder.created_at, WorkOrder.on_site_at, WorkOrder.completed_at)).all()
    for created_at, on_site_at, completed_at in done:
        assert on_site_at is not None and completed_at is not None  # filtered above
        day = local_day(completed_at)
        arrivals[day].append((on_site_at - created_at).total_seconds() / 60)
        on_site[day].append((completed_at - on_site_at).total_seconds() / 60)
    return {
        "orders_chart": charts.stacked_bars(
            days, [(kind, [per_day[day][kind] for day in days]) for kind in KINDS]),
        "arrival_chart": charts.line(days, [_median(arrivals[day]) for day in days]),
        "on_site_chart": charts.line(days, [_median(on_site[day]) for day in days]),
        "kinds": list(KINDS),
    }


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None
