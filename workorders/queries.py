"""Order lists with filters, and the R10 figures (call-to-arrival, time on site)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from statistics import median
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ColumnExpressionArgument,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import aliased, joinedload

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.money import money_text
from dispatch.registry.models import CONFIDENTIALITY, Customer, Vehicle
from dispatch.registry.visibility import FULL, shown_name, shown_value
from dispatch.timeutil import day_bounds, local_moment
from dispatch.validators import fold_identifier
from workorders.access import order_scope, order_view, scoped_orders, visible_orders
from workorders.fees import due_from
from workorders.lifecycle import STATUSES
from workorders.models import KINDS, PRIORITIES, WorkOrder

#: The order list counts its matches up to this many (``total_capped`` beyond): counting a
#: million rows costs more than the page itself. Deeper pages continue by keyset (``after``).
COUNT_LIMIT = 1000


def inline(value: Any) -> BindParameter[Any]:
    """``value`` written into the SQL text instead of sent as a parameter.

    For page sizes and the list's enumerated filters (status, priority, kind). PostgreSQL keeps
    a prepared statement's plan once it has run a few times; with these as parameters that one
    plan serves every value, and a count planned as if "approved" were as common as "closed"
    reads a hundred thousand rows where an index finds a thousand (40 ms instead of 1).
    """
    return bindparam(None, value, literal_execute=True)


def written(name: str) -> BindParameter[int]:
    """A number named ``name``, given at execution and written into the SQL text then (as
    :func:`inline`), for statements built once and run with different page sizes."""
    return bindparam(name, type_=Integer(), literal_execute=True)


def _in_sql(number: int | BindParameter[Any]) -> BindParameter[Any]:
    """A page size or offset: a number :func:`inline`, or a :func:`written` parameter as is."""
    return number if isinstance(number, BindParameter) else inline(number)


def _count(query: Select[WorkOrder], limit: int | BindParameter[Any]) -> Select[int]:
    """Counts ``query``'s matches up to ``limit`` (the number read is ``limit``)."""
    ids = query.order_by(None).with_only_columns(WorkOrder.id).limit(_in_sql(limit)).subquery()
    return select(func.count()).select_from(ids)


def capped_count(query: Select[WorkOrder], limit: int = COUNT_LIMIT) -> tuple[int, bool]:
    """``(matches, capped)``: how many orders ``query`` finds, reading at most ``limit + 1``."""
    found = db.session.scalar(_count(query, limit + 1)) or 0
    return min(found, limit), found > limit


#: The order list's order (its keyset: ``after`` continues from an order in it).
NEWEST_FIRST = (WorkOrder.created_at.desc(), WorkOrder.id.desc())


@dataclass(frozen=True)
class ListFilter:
    """The order list's filters for one caller. ``shape`` is which filters apply, with the
    scope (:func:`~workorders.access.order_scope`) and the enumerated values, which are written
    into the SQL; ``values`` holds the rest, bound when the statement runs.

    The list's statements are built once per shape (:func:`_shaped`, :func:`_page_statement`):
    building one, with its cache key and the adaptation of a cached compilation to a new
    statement object, cost twice as long as PostgreSQL took to run it.
    """
    shape: tuple[Any, ...]
    values: dict[str, Any]


def list_filter(user: User, filters: Mapping[str, Any]) -> ListFilter:
    """:class:`ListFilter` for ``user`` from the list's query arguments (status, priority,
    kind, technician, plate, dates, free text ``q`` and ``after``, an order id to continue
    after)."""
    scope, technician_id = order_scope(user)
    values: dict[str, Any] = {}
    if technician_id is not None:
        values["viewer_technician_id"] = technician_id
    if filters.get("technician_id"):
        values["technician_id"] = int(filters["technician_id"])
    if filters.get("plate"):
        values["plate"] = f"%{fold_identifier(filters['plate'])}%"
    if filters.get("date_from"):
        values["date_from"] = local_moment(filters["date_from"])
    if filters.get("date_to"):
        values["date_to"] = day_bounds(filters["date_to"])[1]
    text = (filters.get("q") or "").strip()
    if text:
        values["text"], values["text_plate"] = f"%{text}%", f"%{fold_identifier(text)}%"
    if filters.get("after"):
        values["after"] = int(filters["after"])

    def enumerated(name: str, known: Sequence[str]) -> str | None:
        return filters[name] if filters.get(name) in known else None

    full = tuple(level for level in CONFIDENTIALITY if order_view(user, level) == FULL)
    shape = (scope, enumerated("status", STATUSES), enumerated("priority", PRIORITIES),
             enumerated("kind", KINDS), frozenset(values) - {"viewer_technician_id"}, full)
    return ListFilter(shape, values)


@lru_cache(maxsize=256)
def _shaped(shape: tuple[Any, ...]) -> Select[WorkOrder]:
    """The orders of a :class:`ListFilter` shape, newest first, with its values as bound
    parameters. ``after`` continues after that order; one that does not exist ends the list."""
    scope, status, priority, kind, present, full = shape
    query = scoped_orders(scope, bindparam("viewer_technician_id"))
    if status:
        query = query.where(WorkOrder.status == inline(status))
    if priority:
        query = query.where(WorkOrder.priority == inline(priority))
    if kind:
        query = query.where(WorkOrder.kind == inline(kind))
    if "technician_id" in present:
        query = query.where(WorkOrder.technician_id == bindparam("technician_id"))
    if "plate" in present:
        query = query.where(WorkOrder.vehicle.has(Vehicle.plate.ilike(bindparam("plate"))))
    if "date_from" in present:
        query = query.where(WorkOrder.created_at >= bindparam("date_from"))
    if "date_to" in present:
        query = query.where(WorkOrder.created_at < bindparam("date_to"))
    if "text" in present:
        like: BindParameter[str] = bindparam("text")
        contact = or_(WorkOrder.site_address.ilike(like), WorkOrder.contact_name.ilike(like))
        if len(full) < len(CONFIDENTIALITY):  # R18: no match on what the reader may not see
            contact = and_(WorkOrder.customer.has(Customer.confidentiality.in_(full)), contact)
        query = query.where(or_(
            WorkOrder.number.ilike(like), contact, WorkOrder.fault_description.ilike(like),
            WorkOrder.customer.has(Customer.name.ilike(like)),
            WorkOrder.vehicle.has(Vehicle.plate.ilike(bindparam("text_plate"))),
        ))
    if "after" in present:
        anchor, after = aliased(WorkOrder), bindparam("after", type_=Integer())
        anchor_created = select(anchor.created_at).where(anchor.id == after)
        query = query.where(tuple_(WorkOrder.created_at, WorkOrder.id)
                            < tuple_(anchor_created.scalar_subquery(), after))
    return query.order_by(*NEWEST_FIRST)


def filtered_orders(user: User, filters: Mapping[str, Any]) -> Select[WorkOrder]:
    """Visible orders narrowed by :func:`list_filter`'s filters, newest first, as entities
    with their customer and vehicle (for the list page)."""
    chosen = list_filter(user, filters)
    query = _shaped(chosen.shape).options(joinedload(WorkOrder.customer),
                                          joinedload(WorkOrder.vehicle))
    return query.params(chosen.values) if chosen.values else query


@lru_cache(maxsize=256)
def _page_statement(shape: tuple[Any, ...], counted: bool) -> Select[*tuple[Any, ...]]:
    """One page of a shape's summaries (values ``limit``, ``offset``), and when ``counted``
    its bounded count alongside (value ``count_to``, the number of matches read)."""
    query = _shaped(shape)
    if not counted:
        return summary_page(query, NEWEST_FIRST, written("limit"))
    matches = _count(query, written("count_to")).scalar_subquery().label("matches")
    return summary_page(query, NEWEST_FIRST, written("limit"), written("offset"), matches)


@lru_cache(maxsize=256)
def _count_statement(shape: tuple[Any, ...]) -> Select[int]:
    return _count(_shaped(shape), written("count_to"))


def counted_page(chosen: ListFilter, page: int, per_page: int,
                 limit: int = COUNT_LIMIT) -> tuple[list[Any], int, bool]:
    """``(rows, matches, capped)``: one page of summaries, newest first, and the bounded count
    of :func:`capped_count` in one statement (the count rides along as an uncorrelated scalar
    subquery, evaluated once); a page past the end counts on its own."""
    values = {**chosen.values, "count_to": limit + 1}
    rows = read_rows(_page_statement(chosen.shape, True),
                     {**values, "limit": per_page, "offset": (page - 1) * per_page})
    found = rows[0].matches if rows else read_rows(_count_statement(chosen.shape), values)[0][0]
    return rows, min(found, limit), found > limit


def keyset_page(chosen: ListFilter, per_page: int) -> list[Any]:
    """The first ``per_page`` summaries of ``chosen`` (which continues ``after`` an order),
    newest first; nothing is counted."""
    return read_rows(_page_statement(chosen.shape, False), {**chosen.values, "limit": per_page})


def list_page(user: User, args: Mapping[str, Any]) -> dict[str, Any]:
    """The order list API's page (``OrderPage``): by ``page`` with a total counted up to
    ``COUNT_LIMIT``, or by keyset after the order ``after`` (nothing counted)."""
    chosen, per_page = list_filter(user, args), args["per_page"]
    if args.get("after"):
        rows = keyset_page(chosen, per_page)
        result: dict[str, Any] = {"total": None, "page": None, "per_page": per_page}
    else:
        rows, total, capped = counted_page(chosen, args["page"], per_page)
        result = {"total": total, "total_capped": capped, "page": args["page"],
                  "per_page": per_page}
    result["next_after"] = rows[-1].id if len(rows) == per_page else None
    return {**result, "items": order_summaries(rows, user)}


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


def order_page(query: Select[WorkOrder], page: int, per_page: int) -> OrderPage:
    """Orders of ``query`` (from :func:`filtered_orders`) for page ``page``, counted no further
    than ``COUNT_LIMIT``: counting a million matches cost the page 150–250 ms."""
    total, capped = capped_count(query)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(query.limit(inline(per_page))
                                    .offset(inline((page - 1) * per_page))))
    return OrderPage(items, page, pages, total, capped)


#: What a row of the order list shows (``OrderSummary``), read as columns, not entities.
SUMMARY_COLUMNS = (
    WorkOrder.id, WorkOrder.number, WorkOrder.kind, WorkOrder.status, WorkOrder.priority,
    WorkOrder.customer_id, Customer.name.label("customer_name"), Customer.confidentiality,
    Vehicle.plate, WorkOrder.site_address, WorkOrder.site_lat, WorkOrder.site_lon,
    WorkOrder.technician_id, WorkOrder.created_at, WorkOrder.fee_override, WorkOrder.fee_total,
)


def summary_page(query: Select[WorkOrder], order: Sequence[ColumnExpressionArgument[Any]],
                 limit: int | BindParameter[Any], offset: int | BindParameter[Any] = 0,
                 *extra: ColumnElement[Any]) -> Select[*tuple[Any, ...]]:
    """The list's columns (and ``extra`` ones) for one page of ``query`` in ``order``; the
    limit and offset are numbers or :func:`written` parameters.

    The page's orders are found first, from ``work_orders`` alone, and only those are joined to
    their customer and vehicle. Joined before the limit, PostgreSQL plans the joins for every
    matching order, and for half a million it sets up a cache sized for them all: several
    milliseconds on a page that reads 50 rows.
    """
    page = (query.with_only_columns(WorkOrder.id).order_by(None).order_by(*order)
            .limit(_in_sql(limit)).offset(_in_sql(offset)).subquery("page"))
    return (select(*SUMMARY_COLUMNS, *extra).select_from(page)
            .join(WorkOrder, WorkOrder.id == page.c.id)
            .join(Customer, Customer.id == WorkOrder.customer_id)
            .join(Vehicle, Vehicle.id == WorkOrder.vehicle_id)
            .order_by(*order))


def read_rows(statement: Select[*tuple[Any, ...]], values: Mapping[str, Any] | None = None) -> list[Any]:
    """The rows of a column query (such as :func:`summary_page`) read through the session's
    connection: plain columns need none of the ORM's result machinery, which costs a third of
    the time of a 50-row page. Nothing pending is flushed first; for reads."""
    return list(db.session.connection().execute(statement, values).all())


def order_summaries(rows: Sequence[Any], user: User | None) -> list[dict[str, Any]]:
    """``OrderSummary`` of each row of :func:`summary_page` (R18 masking included), built
    directly: 50 ORM entities through marshmallow cost several times the page's queries
    (tests/scale checks both give the same). Rows are unpacked by position (in
    ``SUMMARY_COLUMNS`` order), several times faster than reading their attributes by name.
    ``fee`` is what the row records as owed (:func:`~workorders.fees.due_from`): a list
    computes no live quotes."""
    views = {level: order_view(user, level) for level in CONFIDENTIALITY}
    return [_order_summary(*row[:len(SUMMARY_COLUMNS)], views=views) for row in rows]


def _order_summary(order_id: int, number: str, kind: str, status: str, priority: str,
                   customer_id: int, customer_name: str, confidentiality: str, plate: str,
                   site_address: str, site_lat: Any, site_lon: Any, technician_id: int | None,
                   created_at: datetime, fee_override: Decimal | None, fee_total: Decimal | None,
                   *, views: Mapping[str, str]) -> dict[str, Any]:
    view = views[confidentiality]
    hidden = view != FULL
    return {
        "id": order_id, "number": number, "kind": kind, "status": status, "priority": priority,
        "customer_id": customer_id, "customer_name": shown_name(view, customer_name),
        "plate": plate, "site_address": shown_value(view, "site_address", site_address),
        "site_lat": None if hidden or site_lat is None else float(site_lat),
        "site_lon": None if hidden or site_lon is None else float(site_lon),
        "technician_id": technician_id, "created_at": created_at.isoformat(),
        "fee": money_text(due_from(fee_override, fee_total)),
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
        WorkOrder.created_at >= local_moment(date_from),
        WorkOrder.created_at < day_bounds(date_to)[1],
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
