"""Silent devices (long-term after-sales tracking, 售后跟踪): installed terminals the platform
has not heard from for ``DISPATCH_SILENT_HOURS`` (48), for agents to act on — which customer,
which vehicle, since when, whether an order is already open — and the repair order one click
makes for one of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select

from dispatch.auth.models import User
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.registry.models import Customer, Terminal, Vehicle
from dispatch.timeutil import local_text, utcnow
from dispatch.tracking.models import TrackedDevice
from dispatch.validators import normalize_iccid, normalize_imei
from workorders import intake
from workorders.lifecycle import OPEN
from workorders.models import WorkOrder

PAGE = 100


@dataclass(frozen=True)
class SilentDevice:
    terminal_ref: int
    terminal_id: str
    unique_id: str
    plate: str
    vehicle_id: int
    customer_id: int
    customer_name: str
    since: datetime | None  # the last fix; None: never reported since registration
    registered_at: datetime | None
    open_order_id: int | None


def silent_after(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(hours=int(current_app.config["DISPATCH_SILENT_HOURS"]))


def _silent_filter(cutoff: datetime):
    return and_(Terminal.status == "installed", or_(
        TrackedDevice.last_seen_at < cutoff,
        and_(TrackedDevice.last_seen_at.is_(None), TrackedDevice.registered_at < cutoff)))


def _base(user: User, cutoff: datetime):
    query = (select(TrackedDevice, Terminal, Vehicle, Customer)
             .join(Terminal, Terminal.id == TrackedDevice.terminal_ref)
             .join(Vehicle, Vehicle.id == Terminal.vehicle_id)
             .join(Customer, Customer.id == Vehicle.customer_id)
             .where(_silent_filter(cutoff)))
    if not user.can("customer.view_secret"):
        query = query.where(Customer.confidentiality != "secret")
    return query


def silent_devices(user: User, page: int = 1) -> tuple[list[SilentDevice], int]:
    """One page of the queue (silent longest first) and the total."""
    cutoff = silent_after()
    total = db.session.scalar(select(func.count()).select_from(
        _base(user, cutoff).with_only_columns(TrackedDevice.id).subquery())) or 0
    open_order = (select(func.min(WorkOrder.id)).where(
        WorkOrder.vehicle_id == Vehicle.id, WorkOrder.status.in_(OPEN))
        .correlate(Vehicle).scalar_subquery())
    rows = db.session.execute(
        _base(user, cutoff).add_columns(open_order)
        .order_by(TrackedDevice.last_seen_at.asc().nulls_first(), TrackedDevice.id)
        .limit(PAGE).offset((max(page, 1) - 1) * PAGE)).all()
    return [SilentDevice(tracked.terminal_ref, terminal.terminal_id, tracked.unique_id,
                         vehicle.plate, vehicle.id, customer.id, customer.name,
                         tracked.last_seen_at, tracked.registered_at, order_id)
            for tracked, terminal, vehicle, customer, order_id in rows], total


def silent_device(terminal_ref: int, user: User) -> SilentDevice:
    for device in _one(terminal_ref, user):
        return device
    raise NotFound(_l("This terminal is not in the silent-device queue."))


def _one(terminal_ref: int, user: User) -> list[SilentDevice]:
    cutoff = silent_after()
    rows = db.session.execute(_base(user, cutoff).where(Terminal.id == terminal_ref)).all()
    return [SilentDevice(tracked.terminal_ref, terminal.terminal_id, tracked.unique_id,
                         vehicle.plate, vehicle.id, customer.id, customer.name,
                         tracked.last_seen_at, tracked.registered_at, _open_order(vehicle.id))
            for tracked, terminal, vehicle, customer in rows]


def _open_order(vehicle_id: int) -> int | None:
    return db.session.scalar(select(WorkOrder.id).where(
        WorkOrder.vehicle_id == vehicle_id, WorkOrder.status.in_(OPEN)).order_by(WorkOrder.id)
        .limit(1))


def has_open_order(vehicle_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        WorkOrder.vehicle_id == vehicle_id, WorkOrder.status.in_(OPEN)))))


def open_repair(terminal_ref: int, user: User) -> tuple[WorkOrder, bool]:
    """The repair order for a silent terminal: the vehicle's open order when it has one,
    else a new one filled in with the vehicle, terminal, SIM and "no position since …"."""
    device = silent_device(terminal_ref, user)
    if device.open_order_id is not None:
        return db.session.get_one(WorkOrder, device.open_order_id), False
    terminal = db.session.get_one(Terminal, terminal_ref)
    customer = db.session.get_one(Customer, device.customer_id)
    since = device.since or device.registered_at
    symptom = (_l("No position since %(when)s (the tracking platform).",
                  when=local_text(since)) if device.since else
               _l("No position ever reported since %(when)s (the tracking platform).",
                  when=local_text(since)))
    sim = terminal.sims[0].iccid if terminal.sims else None
    order, _warnings = intake.create_order({
        "kind": "repair", "customer_id": customer.id, "plate": device.plate,
        "address": customer.address, "lat": customer.lat, "lon": customer.lon,
        "contact_name": customer.contact_name, "contact_phone": customer.phone,
        "product_model": terminal.model, "fault_description": str(symptom),
        "terminal_id": terminal.terminal_id, "imei": _valid(normalize_imei, terminal.imei),
        "iccid": _valid(normalize_iccid, sim),
        "purchase_date": terminal.purchase_date.isoformat() if terminal.purchase_date else None,
    }, user)
    return order, True


def _valid(normalize: Callable[[str], str], value: str | None) -> str | None:
    """``value`` when intake would accept it (a registry record may predate the checks)."""
    try:
        return normalize(value) if value else None
    except ValueError:
        return None
