"""Order lists with filters, and the R10 figures (call-to-arrival, time on site)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, func, or_, select, tuple_
from sqlalchemy.orm import joinedload

from dispatch import settings
from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.registry.models import Customer, Vehicle
from dispatch.validators import fold_identifier
from workorders.access import hides_contact, masked_address, visible_orders
from workorders.models import KINDS, PRIORITIES, STATUSES, WorkOrder

#: The order list counts its matches up to this many (``total_capped`` beyond): counting a
#: million rows costs more than the page itself. Deeper pages continue by keyset (``after``).
COUNT_LIMIT = 1000
CENT = Decimal("0.01")


def inline(value: Any) -> BindParameter[Any]:
    """``value`` written into the SQL text instead of sent as a parameter.

    For page sizes and the list's enumerated filters (status, priority, kind). PostgreSQL keeps
    a prepared statement's plan once it has run a few times; with these as parameters that one
    plan serves every value, and a count planned as if "approved" were as common as "closed"
    reads a hundred thousand rows where an index finds a thousand (40 ms instead of 1).
    """
    return bindparam(None, value, literal_execute=True)


def _count(query: Select[tuple[WorkOrder]], limit: int) -> Select[tuple[int]]:
    ids = query.order_by(None).with_only_columns(WorkOrder.id).limit(inline(limit + 1)).subquery()
    return select(func.count()).select_from(ids)


def capped_count(query: Select[tuple[WorkOrder]], limit: int = COUNT_LIMIT) -> tuple[int, bool]:
    """``(matches, capped)``: how many orders ``query`` finds, reading at most ``limit + 1``."""
    found = db.session.scalar(_count(query, limit)) or 0
    return min(found, limit), found > limit


def counted_page(query: Select[tuple[WorkOrder]], page: int, per_page: int,
                 limit: int = COUNT_LIMIT) -> tuple[list[Any], int, bool]:
    """``(rows, matches, capped)``: one page of :func:`summary_page`, newest first, and the
    bounded count of :func:`capped_count` in one statement (the count rides along as an
    uncorrelated scalar subquery, evaluated once); a page past the end counts on its own."""
    matches = _count(query, limit).scalar_subquery().label("matches")
    rows = read_rows(summary_page(query, NEWEST_FIRST, per_page, (page - 1) * per_page, matches))
    if not rows:
        return rows, *capped_count(query, limit)
    found = rows[0].matches
    return rows, min(found, limit), found > limit


@dataclass
class OrderPage:
    """One page of orders for the list page, with the bounded count of :func:`capped_count`
    (the pager reaches the first ``COUNT_LIMIT`` matches; narrower filters reach the rest)."""
    items: list[WorkOrder]
    page: int
    pages: int
    total: int
    capped: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def order_page(query: Select[tuple[WorkOrder]], page: int, per_page: int) -> OrderPage:
    """Orders of ``query`` (from :func:`filtered_orders`) for page ``page``, counted no further
    than ``COUNT_LIMIT``: counting a million matches cost the page 150–250 ms."""
    total, capped = capped_count(query)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(query.limit(inline(per_page))
                                    .offset(inline((page - 1) * per_page))))
    return OrderPage(items, page, pages, total, capped)


#: The order list's order (its keyset: ``after`` continues from an order in it).
NEWEST_FIRST = (WorkOrder.created_at.desc(), WorkOrder.id.desc())


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=settings.timezone())


def filtered_orders(user: User, filters: Mapping[str, Any]) -> Select[tuple[WorkOrder]]:
    """Visible orders narrowed by status, priority, kind, technician, plate, dates and free
    text, newest first; ``after`` (an order id) continues a keyset page after that order."""
    query = visible_orders(user).options(joinedload(WorkOrder.customer),
                                         joinedload(WorkOrder.vehicle))
    if filters.get("status") in STATUSES:
        query = query.where(WorkOrder.status == inline(filters["status"]))
    if filters.get("priority") in PRIORITIES:
        query = query.where(WorkOrder.priority == inline(filters["priority"]))
    if filters.get("kind") in KINDS:
        query = query.where(WorkOrder.kind == inline(filters["kind"]))
    if filters.get("technician_id"):
        query = query.where(WorkOrder.technician_id == int(filters["technician_id"]))
    if filters.get("plate"):
        query = query.where(WorkOrder.vehicle.has(
            Vehicle.plate.ilike(f"%{fold_identifier(filters['plate'])}%")))
    if filters.get("date_from"):
        query = query.where(WorkOrder.created_at >= _day_start(filters["date_from"]))
    if filters.get("date_to"):
        query = query.where(WorkOrder.created_at < _day_start(filters["date_to"] + timedelta(days=1)))
    text = (filters.get("q") or "").strip()
    if text:
        like = f"%{text}%"
        query = query.where(or_(
            WorkOrder.number.ilike(like), WorkOrder.site_address.ilike(like),
            WorkOrder.contact_name.ilike(like), WorkOrder.fault_description.ilike(like),
            WorkOrder.customer.has(Customer.name.ilike(like)),
            WorkOrder.vehicle.has(Vehicle.plate.ilike(f"%{fold_identifier(text)}%")),
        ))
    if filters.get("after"):
        anchor = db.session.get(WorkOrder, int(filters["after"]))
        if anchor is not None:
            query = query.where(tuple_(WorkOrder.created_at, WorkOrder.id)
                                < tuple_(anchor.created_at, anchor.id))
    return query.order_by(*NEWEST_FIRST)


#: What a row of the order list shows (``OrderSummary``), read as columns, not entities.
SUMMARY_COLUMNS = (
    WorkOrder.id, WorkOrder.number, WorkOrder.kind, WorkOrder.status, WorkOrder.priority,
    WorkOrder.customer_id, Customer.name.label("customer_name"), Customer.confidentiality,
    Vehicle.plate, WorkOrder.site_address, WorkOrder.site_lat, WorkOrder.site_lon,
    WorkOrder.technician_id, WorkOrder.created_at, WorkOrder.fee_override, WorkOrder.fee_total,
)


def summary_page(query: Select[tuple[WorkOrder]], order: Sequence[ColumnElement[Any]], limit: int,
                 offset: int = 0, *extra: ColumnElement[Any]) -> Select[Any]:
    """The list's columns (and ``extra`` ones) for one page of ``query`` in ``order``.

    The page's orders are found first, from ``work_orders`` alone, and only those are joined to
    their customer and vehicle. Joined before the limit, PostgreSQL plans the joins for every
    matching order, and for half a million it sets up a cache sized for them all: several
    milliseconds on a page that reads 50 rows.
    """
    page = (query.with_only_columns(WorkOrder.id).order_by(None).order_by(*order)
            .limit(inline(limit)).offset(inline(offset)).subquery("page"))
    return (select(*SUMMARY_COLUMNS, *extra).select_from(page)
            .join(WorkOrder, WorkOrder.id == page.c.id)
            .join(Customer, Customer.id == WorkOrder.customer_id)
            .join(Vehicle, Vehicle.id == WorkOrder.vehicle_id)
            .order_by(*order))


def read_rows(statement: Select[Any]) -> list[Any]:
    """The rows of a column query (such as :func:`summary_page`) read through the session's
    connection: plain columns need none of the ORM's result machinery, which costs a third of
    the time of a 50-row page. Nothing pending is flushed first; for reads."""
    return list(db.session.connection().execute(statement).all())


def order_summaries(rows: Sequence[Any], user: User | None) -> list[dict[str, Any]]:
    """``OrderSummary`` of each row of :func:`summary_page` (R18 masking included), built
    directly: 50 ORM entities through marshmallow cost several times the page's queries
    (tests/scale checks both give the same)."""
    return [_order_summary(row, user) for row in rows]


def _order_summary(row: Any, user: User | None) -> dict[str, Any]:
    fee = row.fee_override if row.fee_override is not None else row.fee_total
    hidden = hides_contact(row.confidentiality, user)
    return {
        "id": row.id, "number": row.number, "kind": row.kind, "status": row.status,
        "priority": row.priority, "customer_id": row.customer_id,
        "customer_name": row.customer_name, "plate": row.plate,
        "site_address": masked_address(row.site_address) if hidden else row.site_address,
        "site_lat": None if hidden or row.site_lat is None else float(row.site_lat),
        "site_lon": None if hidden or row.site_lon is None else float(row.site_lon),
        "technician_id": row.technician_id, "created_at": row.created_at.isoformat(),
        "fee": None if fee is None else format(fee.quantize(CENT), "f"),
    }


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def order_figures(order: WorkOrder) -> dict[str, float | None]:
    """R10 for one order: minutes from the call to arrival on site, and spent on site."""
    return {"call_to_arrival_minutes": _minutes(order.created_at, order.on_site_at),
            "on_site_minutes": _minutes(order.on_site_at, order.completed_at)}


def _summary(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    ordered = sorted(values)
    return {"count": len(values), "mean": round(sum(values) / len(values), 1),
            "median": round(median(ordered), 1),
            "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]}


def response_figures(user: User, date_from: date, date_to: date) -> dict[str, Any]:
    """R10 in aggregate over orders created in ``[date_from, date_to]``, overall and by kind."""
    query = visible_orders(user).where(
        WorkOrder.created_at >= _day_start(date_from),
        WorkOrder.created_at < _day_start(date_to + timedelta(days=1)),
        WorkOrder.on_site_at.is_not(None))
    rows = db.session.execute(query.with_only_columns(
        WorkOrder.kind, WorkOrder.created_at, WorkOrder.on_site_at, WorkOrder.completed_at)).all()
    result: dict[str, Any] = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    for kind in (None, *KINDS):
        chosen = [row for row in rows if kind is None or row.kind == kind]
        arrival = [m for row in chosen if (m := _minutes(row.created_at, row.on_site_at)) is not None]
        on_site = [m for row in chosen
                   if (m := _minutes(row.on_site_at, row.completed_at)) is not None]
        result[kind or "all"] = {"call_to_arrival_minutes": _summary(arrival),
                                 "on_site_minutes": _summary(on_site)}
    return result
