"""The overview's charts (issue 20) are worked out by the database (one count per day and kind,
two minute figures per completion): the same figures as reading every order of the fortnight
and grouping them by local day in Python, days bounded at local midnight."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from statistics import median

import pytest

from dispatch.extensions import db
from dispatch.timeutil import day_bounds, local_day, utcnow
from tests.world import repair_request
from workorders.kinds import KINDS
from workorders.models import WorkOrder
from workorders.office import charts, overview


def _reference(user, today):
    """The charts as the overview drew them before: every order read, days in Python."""
    from workorders.access import visible_orders

    first = today - timedelta(days=overview.CHART_DAYS - 1)
    days = [first + timedelta(days=n) for n in range(overview.CHART_DAYS)]
    per_day = {day: defaultdict(int) for day in days}
    arrivals, on_site = defaultdict(list), defaultdict(list)
    for order in db.session.scalars(visible_orders(user)):
        if local_day(order.created_at) in per_day:
            per_day[local_day(order.created_at)][order.kind] += 1
        if order.completed_at and order.on_site_at and order.completed_at <= utcnow() \
                and local_day(order.completed_at) in per_day:
            day = local_day(order.completed_at)
            arrivals[day].append((order.on_site_at - order.created_at).total_seconds() / 60)
            on_site[day].append((order.completed_at - order.on_site_at).total_seconds() / 60)

    def middle(values):
        return round(median(values), 1) if values else None

    return {
        "orders_chart": charts.stacked_bars(
            days, [(kind, [per_day[day][kind] for day in days]) for kind in KINDS]),
        "arrival_chart": charts.line(days, [middle(arrivals[day]) for day in days]),
        "on_site_chart": charts.line(days, [middle(on_site[day]) for day in days]),
    }


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
def test_the_charts_count_by_local_day_and_take_daily_medians(world, app, make_user, zone):
    app.config["DISPATCH_TIMEZONE"] = zone
    manager = make_user("manager")
    today = local_day()
    midnight = day_bounds(today - timedelta(days=3))[0]
    # (created, minutes to arrival, minutes on site or None): on both sides of local midnights,
    # the fortnight's first instant and the instant before it, completions not yet on the chart.
    first_instant = day_bounds(today - timedelta(days=overview.CHART_DAYS - 1))[0]
    shapes = [
        (midnight, 30, 45), (midnight - timedelta(microseconds=1), 61, 20),
        (midnight + timedelta(hours=5), 15.5, 90), (midnight + timedelta(hours=5, minutes=1), 40, 10),
        (first_instant, 20, 20), (first_instant - timedelta(seconds=1), 20, 20),
        (utcnow() - timedelta(hours=1), 10, None), (utcnow() - timedelta(minutes=30), 5, 10),
        (utcnow() - timedelta(days=20), 60, 60), (midnight - timedelta(days=2), 125, 33),
    ]
    for created, to_arrival, minutes_on_site in shapes:
        made = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()
        order = db.session.get(WorkOrder, made["id"])
        order.created_at = created
        order.on_site_at = created + timedelta(minutes=to_arrival)
        order.completed_at = None if minutes_on_site is None else \
            order.on_site_at + timedelta(minutes=minutes_on_site)
        db.session.commit()
    with app.test_request_context():
        figures = overview._charts(manager, today)
        expected = _reference(manager, today)
    for key, chart in expected.items():
        assert figures[key] == chart, key
    assert not figures["orders_chart"].empty and not figures["arrival_chart"].empty
