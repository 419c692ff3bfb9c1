"""The technician tablet's API: the day's jobs in one read (kept on the device for offline
work) and on-site photos."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import DateTime, Integer, String
from apiflask.validators import Length, OneOf
from flask import Response, current_app, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from dispatch import settings, storage
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.geo.navigation import navigation_url
from dispatch.money import money_text
from dispatch.registry.models import Terminal, Vehicle
from dispatch.technicians.models import Technician
from dispatch.timeutil import local_day, local_moment, utcnow, window_text
from dispatch.web.api import api_requires, current_api_user, rows_response
from dispatch.web.idempotency import idempotent
from inventory.models import Part
from inventory.orders import reservations
from inventory.stock import van_contents
from workorders import fees, onsite, order_parts
from workorders.access import get_order, order_contact
from workorders.finance.collections import on_account_allowed
from workorders.lifecycle import IN_HAND
from workorders.models import WorkOrder
from workorders.photos import STAGES, OrderPhoto, add_photo, photos_of

bp = APIBlueprint("tablet_api", __name__, url_prefix="/api/v1", tag="Technician tablet")
PRIORITY_RANK = {"urgent": 0, "normal": 1}
#: Everything a job on the tablet shows, loaded with the list (a fixed number of queries).
JOB_LOADING = (
    joinedload(WorkOrder.customer),
    joinedload(WorkOrder.vehicle).selectinload(Vehicle.terminals).selectinload(Terminal.sims),
    selectinload(WorkOrder.swaps), selectinload(WorkOrder.parts),
    selectinload(WorkOrder.planned_parts),
)


class PhotoIn(Schema):
    stage = String(required=True, validate=OneOf(STAGES))
    image_base64 = String(required=True, validate=Length(max=6_000_000))


class PhotoOut(Schema):
    id = Integer()
    stage = String()
    url = String()
    created_at = DateTime()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def route_order(orders: list[WorkOrder]) -> list[WorkOrder]:
    """Route order: planned position, then the planned day, then urgent first, then oldest."""
    return sorted(orders, key=lambda o: (o.route_position is None, o.route_position or 0,
                                         o.scheduled_for is None, o.scheduled_for or "",
                                         PRIORITY_RANK.get(o.priority, 2), o.created_at))


def _job(order: WorkOrder, user: Any, picks: list, photos: list[OrderPhoto]) -> dict[str, Any]:
    quote = onsite.current_quote(order)
    fee = fees.amount_due(order, quote)
    terminals = [t for t in order.vehicle.terminals if t.status == "installed"]
    return {
        "id": order.id, "number": order.number, "kind": order.kind, "status": order.status,
        "priority": order.priority, "customer_name": order.customer.name,
        "credit_class": order.customer.credit_class,
        "on_account_allowed": on_account_allowed(order.customer.credit_class),
        "plate": order.vehicle.plate, **order_contact(order, user),
        "product_model": order.product_model, "fault_description": order.fault_description,
        "window_start": _iso(order.window_start), "window_end": _iso(order.window_end),
        "window": window_text(order.window_start, order.window_end),
        "route_position": order.route_position,
        "navigate_url": navigation_url(order.site_lat, order.site_lon, order.site_address)
        if order.site_lat is not None and order.site_lon is not None else None,
        "photos": [_photo_row(p) for p in photos],
        "installed": [{"terminal_id": t.terminal_id, "imei": t.imei,
                       "sims": [s.iccid for s in t.sims]} for t in terminals],
        "old_devices": onsite.old_devices(order),
        "pick_list": [{"sku": line.sku, "qty": line.qty, "location": line.location_code,
                       "short": line.short} for line in picks],
        "swaps": [{"id": s.id, "kind": s.kind, "old": s.old_identifier, "new": s.new_identifier,
                   "applied": s.applied_at is not None} for s in order.swaps],
        "parts": [{"id": p.id, "sku": p.sku, "name": p.name, "qty": p.qty, "serial": p.serial,
                   "swap_id": p.swap_id, "amount": money_text(p.amount)} for p in order.parts],
        "fee": {"basis": quote.basis, "charged": quote.basis == "parts_only",
                "override": money_text(order.fee_override), "fee": money_text(fee)},
        "amount_collected": money_text(order.amount_collected),
        "payment_method": order.payment_method,
    }


def van_left(in_van: dict[str, int], orders: Sequence[WorkOrder]) -> dict[str, int]:
    """What is left in the van: its available stock (``in_van``) less the parts already recorded
    on the technician's open orders beyond what those orders had reserved (consumed at
    completion)."""
    stock = dict(in_van)
    for order in orders:
        if order.status not in IN_HAND or not order.parts:
            continue
        held: dict[str, int] = {}
        for (_location, sku), qty in reservations(order.id).items():
            held[sku] = held.get(sku, 0) + qty
        used: dict[str, int] = {}
        for line in order.parts:
            if line.serial is None:
                used[line.sku] = used.get(line.sku, 0) + line.qty
        for sku, qty in used.items():
            if sku in stock:
                stock[sku] = max(0, stock[sku] - max(0, qty - held.get(sku, 0)))
    return stock


@bp.get("/tablet/today")
@api_requires("order.field_work")
def today() -> Response:
    """The technician's open jobs (and those completed today) in route order, with the van."""
    user = current_api_user()
    technician = db.session.connection().execute(
        select(Technician.id, Technician.last_lat, Technician.last_lon, Technician.home_lat,
               Technician.home_lon).where(Technician.user_id == user.id)).first()
    if technician is None:
        raise NotFound("No technician profile.")
    start = local_moment(local_day())
    orders = db.session.scalars(select(WorkOrder).options(*JOB_LOADING).where(
        WorkOrder.technician_id == technician.id,
        or_(WorkOrder.status.in_(IN_HAND),
            (WorkOrder.status == "completed") & (WorkOrder.completed_at >= start)))).unique().all()
    picks = order_parts.pick_lists(orders)
    in_van, devices = van_contents(technician.id)
    stock = van_left(in_van, orders)
    parts = db.session.scalars(select(Part).where(Part.sku.in_(stock))).all() if stock else []
    photos: dict[int, list[OrderPhoto]] = {}
    if orders:
        for photo in db.session.scalars(select(OrderPhoto).where(
                OrderPhoto.order_id.in_([o.id for o in orders])).order_by(OrderPhoto.id)):
            photos.setdefault(photo.order_id, []).append(photo)
    # A few kB of plain values: encoded by orjson (photo counts keyed by the order id as text,
    # as JSON writes every key).
    return rows_response({
        "generated_at": utcnow().isoformat(), "plate_pattern": settings.plate_pattern(),
        "position": {"lat": technician.last_lat, "lon": technician.last_lon}
        if technician.last_lat is not None else
        {"lat": technician.home_lat, "lon": technician.home_lon},
        "onsite_max_km": current_app.config["DISPATCH_ONSITE_MAX_KM"],
        "jobs": [_job(order, user, picks[order.id], photos.get(order.id, []))
                 for order in route_order(list(orders))],
        "van": [{"sku": p.sku, "name": p.name, "price": money_text(p.price),
                 "serialized": p.serialized, "available": stock[p.sku]} for p in parts],
        "devices": [{"kind": kind, "id": identifier, "sku": sku}
                    for kind, identifier, sku in devices],
        "photo_count": {str(order_id): len(found) for order_id, found in photos.items()},
    })


def _photo_row(photo: OrderPhoto) -> dict[str, Any]:
    return {**_photo(photo), "created_at": photo.created_at.isoformat()}


def _photo(photo: OrderPhoto) -> dict[str, Any]:
    return {"id": photo.id, "stage": photo.stage, "created_at": photo.created_at,
            "url": url_for("tablet_api.photo_file", photo_id=photo.id)}


@bp.post("/workorders/<int:order_id>/photos")
@api_requires("order.field_work")
@idempotent
@bp.input(PhotoIn, arg_name="body")
@bp.output(PhotoOut, status_code=201)
def upload_photo(order_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """A before/after photo (JPEG or PNG, base64; at most 4 MiB and 16 megapixels)."""
    user = current_api_user()
    return _photo(add_photo(get_order(order_id, user, for_update=True), user, body))


@bp.get("/workorders/<int:order_id>/photos")
@api_requires("order.view")
def list_photos(order_id: int) -> dict[str, Any]:
    """The order's photos, for those who may see the order."""
    order = get_order(order_id, current_api_user())
    return {"items": [PhotoOut().dump(_photo(p)) for p in photos_of(order)]}


@bp.get("/photos/<int:photo_id>")
@api_requires("order.view")
def photo_file(photo_id: int) -> Response:
    """The photo's image, for those who may see its order (404 otherwise)."""
    photo = db.session.get(OrderPhoto, photo_id)
    if photo is None:
        raise NotFound("No such photo.")
    get_order(photo.order_id, current_api_user())  # 404 unless the order is visible
    mimetype = "image/jpeg" if photo.path.endswith(".jpg") else "image/png"
    return Response(storage.load(photo.path), mimetype=mimetype)
