"""Technician incentives (R19, rulebook part 8).

Each completed order earns the service points of its kind (the coefficient table, edited by
managers). A month's points above the base (17) pay 270 each (settings); each safety incident
costs 2 points. Spare parts *sold and paid* earn a percentage credit (setting) of their price
list value: parts charged to the customer (not an install's, not in warranty) on an order whose
invoice was paid that month (finance's :func:`~workorders.finance.sales.paid_orders`, handed in
by the app shell). Every quarter the technicians are ranked by service quality first — callback
satisfaction less the complaints attributed to them — then by points (part 8 第二條:
服務質量為主, 服務工作量為輔): places 1–3 earn 1,500, 4–8 earn 1,000. Outside contractors are
not on the scheme.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from dispatch.auth.models import User
from dispatch.errors import FieldErrors
from dispatch.extensions import db
from dispatch.money import round_money
from dispatch.technicians.models import Technician
from dispatch.text import clean_text
from dispatch.timeutil import local_day, month_bounds
from dispatch.validators import parse_date
from workorders.care.models import Callback, Complaint, SafetyIncident, ServicePoints
from workorders.lifecycle import FINISHED
from workorders.models import KINDS, OrderPart, WorkOrder

#: The coefficient table migration 0004 seeds (docs/decisions.md); managers change it later.
DEFAULT_POINTS = {"install": Decimal("1.00"), "repair": Decimal("1.00"),
                  "removal": Decimal("0.50"), "inspection": Decimal("0.50")}
INCIDENT_POINTS = Decimal(2)
QUARTER_BONUSES = (Decimal(1500),) * 3 + (Decimal(1000),) * 5
#: Quality without a scored callback: the middle of the 1–5 scale.
NEUTRAL_SATISFACTION = Decimal(3)
#: Quality is compared to one decimal: closer than that, the workload decides.
QUALITY_STEP = Decimal("0.1")

#: Finance's ``paid_orders(start, end)`` (ids of orders paid in the range), installed by the app
#: shell (``dispatch/wiring.py`` ``init_hooks``): care never imports finance.
_paid_orders: list[Callable[[datetime, datetime], Any]] = []


def use_paid_orders(provider: Callable[[datetime, datetime], Any]) -> None:
    _paid_orders[:] = [provider]
#: Service points are kept to two decimals (a coefficient, not money).
POINT_STEP = Decimal("0.01")


@dataclass
class MonthRow:
    technician_id: int
    technician: str
    orders: int
    points: Decimal
    incidents: int
    net_points: Decimal
    points_above_base: Decimal
    points_pay: Decimal
    parts_revenue: Decimal
    parts_credit: Decimal
    total: Decimal


def coefficients() -> dict[str, Decimal]:
    """Service points per order kind (kinds missing from the table earn nothing)."""
    return {row.kind: row.points for row in db.session.scalars(select(ServicePoints))}


def set_service_points(values: Mapping[str, Any], user: User) -> dict[str, Decimal]:
    """Managers edit the coefficient table: ``{kind: points}``."""
    errors = FieldErrors()
    parsed: dict[str, Decimal] = {}
    for kind in KINDS:
        raw = values.get(kind)
        if raw in (None, ""):
            continue
        try:
            points = Decimal(str(raw)).quantize(POINT_STEP)
            if not Decimal(0) <= points <= Decimal(100):
                raise InvalidOperation
            parsed[kind] = points
        except (InvalidOperation, ValueError):
            errors.add(kind, _l("Enter points between 0 and 100."))
    errors.raise_if_any()
    for kind, points in parsed.items():
        row = db.session.get(ServicePoints, kind)
        if row is None:
            db.session.add(ServicePoints(kind=kind, points=points))
        else:
            row.points = points
    return coefficients()


def record_incident(data: Mapping[str, Any], user: User) -> SafetyIncident:
    """A manager records a safety incident (−2 points in its month)."""
    errors = FieldErrors()
    technician = None
    with contextlib.suppress(TypeError, ValueError):
        technician = db.session.get(Technician, int(data.get("technician_id") or 0))
    if technician is None:
        errors.add("technician_id", _l("Choose a technician."))
    occurred = errors.check("occurred_on", parse_date, data.get("occurred_on"))
    description = errors.check("description", clean_text, data.get("description"), max_len=500,
                               required=True)
    errors.raise_if_any()
    assert technician is not None
    incident = SafetyIncident(technician_id=technician.id, occurred_on=occurred,
                              description=description, created_by_id=user.id)
    db.session.add(incident)
    db.session.flush()
    return incident


def monthly_incentives(year: int, month: int) -> list[MonthRow]:
    """Points, pay and parts credit of every (non-contractor) technician for one month."""
    start, end = month_bounds(year, month)
    config = current_app.config
    base = Decimal(config["DISPATCH_INCENTIVE_BASE_POINTS"])
    rate = Decimal(str(config["DISPATCH_INCENTIVE_PAY_PER_POINT"]))
    share = Decimal(str(config["DISPATCH_PARTS_CREDIT_PERCENT"])) / 100
    table = coefficients()
    done = (WorkOrder.status.in_(FINISHED), WorkOrder.completed_at >= start,
            WorkOrder.completed_at < end)
    orders: dict[int, list[str]] = {}
    for technician_id, kind in db.session.execute(
            select(WorkOrder.technician_id, WorkOrder.kind).where(*done)):
        assert technician_id is not None  # a finished order has one (CHECK assigned_has_technician)
        orders.setdefault(technician_id, []).append(kind)
    revenue = parts_sold(start, end)
    incidents = dict(db.session.execute(
        select(SafetyIncident.technician_id, func.count(SafetyIncident.id))
        .where(SafetyIncident.occurred_on >= local_day(start), SafetyIncident.occurred_on < local_day(end))
        .group_by(SafetyIncident.technician_id)).all())
    rows = []
    technicians = db.session.scalars(select(Technician).where(Technician.contractor.is_(False)))
    for tech in sorted(technicians, key=lambda t: t.name):
        kinds = orders.get(tech.id, [])
        if not kinds and tech.id not in incidents and not tech.active:
            continue
        points = sum((table.get(kind, Decimal(0)) for kind in kinds), Decimal(0))
        net = points - INCIDENT_POINTS * incidents.get(tech.id, 0)
        above = max(Decimal(0), net - base)
        sales = round_money(revenue.get(tech.id) or 0)
        pay = round_money(above * rate)
        credit = round_money(sales * share)
        rows.append(MonthRow(tech.id, tech.name, len(kinds), points, incidents.get(tech.id, 0),
                             net, above, pay, sales, credit, pay + credit))
    return rows


def parts_sold(start: datetime, end: datetime) -> dict[int, Decimal]:
    """R19: per technician, the price-list value of the parts sold and paid in ``[start, end)``:
    charged to the customer (not an install's, not in warranty) on an order whose invoice was
    paid in the range. Nothing without finance's hook (a free part is never a sale)."""
    if not _paid_orders:
        return {}
    paid = _paid_orders[0](start, end)
    return {technician_id: total for technician_id, total in db.session.execute(
        select(WorkOrder.technician_id, func.sum(OrderPart.unit_price * OrderPart.qty))
        .join(OrderPart, OrderPart.order_id == WorkOrder.id)
        .where(WorkOrder.id.in_(paid), WorkOrder.kind != "install",
               WorkOrder.in_warranty.is_(False), WorkOrder.status.in_(FINISHED))
        .group_by(WorkOrder.technician_id)).all() if technician_id is not None}


def service_quality(start: datetime, end: datetime) -> dict[int, dict[str, Any]]:
    """R19 (part 8 第二條): per technician, the mean satisfaction of the reached callbacks on
    their orders completed in ``[start, end)`` and the complaints registered in the range that
    were attributed to them (``responsible_user_id``)."""
    scores: dict[int, list[int]] = {}
    for technician_id, score in db.session.execute(
            select(WorkOrder.technician_id, Callback.satisfaction)
            .join(Callback, Callback.workorder_id == WorkOrder.id)
            .where(WorkOrder.completed_at >= start, WorkOrder.completed_at < end,
                   Callback.satisfaction.is_not(None))):
        if technician_id is not None and score is not None:
            scores.setdefault(technician_id, []).append(score)
    complaints = dict(db.session.execute(
        select(Technician.id, func.count(Complaint.id))
        .join(Complaint, Complaint.responsible_user_id == Technician.user_id)
        .where(Complaint.received_at >= start, Complaint.received_at < end)
        .group_by(Technician.id)).all())
    return {tech_id: {"satisfaction": _mean(scores.get(tech_id)),
                      "complaints": complaints.get(tech_id, 0)}
            for tech_id in set(scores) | set(complaints)}


def _mean(values: list[int] | None) -> Decimal | None:
    return (Decimal(sum(values)) / len(values)).quantize(POINT_STEP) if values else None


def quality_score(satisfaction: Decimal | None, complaints: int) -> Decimal:
    """Callback satisfaction (the scale's middle without one) less one per attributed
    complaint, to :data:`QUALITY_STEP`."""
    base = NEUTRAL_SATISFACTION if satisfaction is None else satisfaction
    return (base - complaints).quantize(QUALITY_STEP)


def quarterly_ranking(year: int, quarter: int) -> list[dict[str, Any]]:
    """Technicians ranked by service quality first (:func:`quality_score`), then by the
    quarter's net points; places 1–8 get the bonus (with points above zero).

    Ties go to fewer safety incidents, then to the lower technician id (stable, documented).
    """
    totals: dict[int, dict[str, Any]] = {}
    for month in range(3 * quarter - 2, 3 * quarter + 1):
        for row in monthly_incentives(year, month):
            entry = totals.setdefault(row.technician_id, {
                "technician_id": row.technician_id, "technician": row.technician,
                "points": Decimal(0), "incidents": 0})
            entry["points"] += row.net_points
            entry["incidents"] += row.incidents
    start, end = month_bounds(year, 3 * quarter - 2)[0], month_bounds(year, 3 * quarter)[1]
    quality = service_quality(start, end)
    for technician_id, entry in totals.items():
        found = quality.get(technician_id, {"satisfaction": None, "complaints": 0})
        entry.update(found, quality=quality_score(found["satisfaction"], found["complaints"]))
    ranked = sorted(totals.values(), key=lambda e: (-e["quality"], -e["points"], e["incidents"],
                                                    e["technician_id"]))
    for place, entry in enumerate(ranked, start=1):
        entry["place"] = place
        earned = place <= len(QUARTER_BONUSES) and entry["points"] > 0
        entry["bonus"] = QUARTER_BONUSES[place - 1] if earned else Decimal(0)
    return ranked


EXPORT_COLUMNS = tuple(MonthRow.__dataclass_fields__)


def export_table(rows: Iterable[MonthRow]) -> tuple[tuple[str, ...], list[list[Any]]]:
    """The month's table for :func:`dispatch.exports.export_response`."""
    return EXPORT_COLUMNS, [[asdict(row)[c] for c in EXPORT_COLUMNS] for row in rows]
