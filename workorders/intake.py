"""Intake (R2, R13): an agent records a complete install or repair request.

The customer is picked by id or created inline; the vehicle is found by plate or created for
that customer; the first-contact employee becomes the owner. Every field problem is reported
at once and nothing is written when there is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch import settings
from dispatch.auth.models import User
from dispatch.errors import FieldErrors, Forbidden, NotFound, ValidationFailed
from dispatch.extensions import db
from dispatch.geo.geocoder import locate
from dispatch.registry import services as registry
from dispatch.registry.models import Customer, Vehicle
from dispatch.sequences import next_value
from dispatch.text import choice, clean_text
from dispatch.timeutil import local_day, utcnow
from dispatch.validators import (
    normalize_iccid,
    normalize_imei,
    normalize_phone,
    normalize_plate,
    normalize_terminal_id,
    parse_date,
    parse_datetime,
    validate_latlon,
)
from workorders import fees
from workorders.lifecycle import OPEN, record
from workorders.models import KINDS, PRIORITIES, WorkOrder

INTAKE_FIELDS = ("kind", "customer_id", "plate", "address", "lat", "lon", "contact_name",
                 "contact_phone", "product_model", "purchase_date", "fault_description",
                 "terminal_id", "imei", "iccid", "priority", "window_start", "window_end")


def _optional(errors: FieldErrors, name: str, fn: Any, raw: Any, *args: Any) -> Any:
    return errors.check(name, fn, raw, *args) if raw not in (None, "") else None


def _customer(data: Mapping[str, Any], user: User, errors: FieldErrors) -> Customer | None:
    inline = data.get("customer")
    if isinstance(inline, Mapping):
        try:
            return registry.create_customer(inline, user)
        except ValidationFailed as exc:
            for field, message in exc.fields.items():
                errors.add(f"customer.{field}", message)
            return None
    raw_id = data.get("customer_id")
    try:
        return registry.get_customer(int(raw_id), user)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors.add("customer_id", _l("Pick a customer or enter a new one."))
    except NotFound:
        errors.add("customer_id", _l("No such customer."))
    return None


def _vehicle(plate: str | None, customer: Customer | None, errors: FieldErrors) -> Vehicle | None:
    if plate is None or customer is None:
        return None
    vehicle = db.session.scalar(select(Vehicle).where(Vehicle.plate == plate))
    if vehicle is None:
        vehicle = Vehicle(plate=plate, customer=customer)
        db.session.add(vehicle)
    elif vehicle.customer_id != customer.id:
        errors.add("plate", _l("This plate is registered to another customer."))
        return None
    return vehicle


def create_order(data: Mapping[str, Any], user: User) -> tuple[WorkOrder, list[str]]:
    """Validate and register a new order (status ``new``); returns it and any warnings."""
    errors = FieldErrors()
    kind = errors.check("kind", choice, data.get("kind"), KINDS)
    customer = _customer(data, user, errors)
    plate = errors.check("plate", normalize_plate, data.get("plate") or "", settings.plate_pattern())
    point = errors.check("lat", validate_latlon, data.get("lat"), data.get("lon"))
    fields = {
        "site_address": errors.check("address", clean_text, data.get("address")
                                     or (customer.address if customer else ""), max_len=300,
                                     required=True),
        "contact_name": errors.check("contact_name", clean_text, data.get("contact_name")
                                     or (customer.contact_name if customer else ""),
                                     max_len=100, required=True),
        "contact_phone": errors.check("contact_phone", normalize_phone, data.get("contact_phone")
                                      or (customer.phone if customer else ""),
                                      settings.phone_region()),
        "product_model": errors.check("product_model", clean_text, data.get("product_model"),
                                      max_len=60, required=True),
        "fault_description": errors.check("fault_description", clean_text,
                                          data.get("fault_description"), max_len=2000,
                                          required=kind == "repair"),
        "purchase_date": _optional(errors, "purchase_date", parse_date, data.get("purchase_date")),
        "reported_terminal_id": _optional(errors, "terminal_id", normalize_terminal_id,
                                          data.get("terminal_id")),
        "reported_imei": _optional(errors, "imei", normalize_imei, data.get("imei")),
        "reported_iccid": _optional(errors, "iccid", normalize_iccid, data.get("iccid")),
        "priority": errors.check("priority", choice, data.get("priority"), PRIORITIES, "normal"),
        "window_start": _optional(errors, "window_start", parse_datetime, data.get("window_start")),
        "window_end": _optional(errors, "window_end", parse_datetime, data.get("window_end")),
    }
    if fields["window_start"] and fields["window_end"] and \
            fields["window_end"] <= fields["window_start"]:
        errors.add("window_end", _l("The time window must end after it starts."))
    source = "manual" if point else None
    if point is None and customer is not None and customer.lat is not None \
            and not data.get("address"):
        point, source = (customer.lat, customer.lon), "customer"
    vehicle = _vehicle(plate, customer, errors) if not errors.errors else None
    errors.raise_if_any()
    assert customer is not None and vehicle is not None and kind is not None

    warnings = [
        str(_l("Order %(number)s for this plate is still open.", number=number))
        for number in db.session.scalars(select(WorkOrder.number).where(
            WorkOrder.vehicle_id == vehicle.id, WorkOrder.status.in_(OPEN)))
    ] if vehicle.id else []
    if customer.credit_class == "D":
        warnings.append(str(_l("Credit class D customer: collect payment on site.")))
    now = utcnow()
    yymm = local_day(now).strftime("%y%m")
    order = WorkOrder(
        number=f"WO-{yymm}-{next_value(f'work_order:{yymm}'):05d}", kind=kind, status="new",
        customer=customer, vehicle=vehicle, site_lat=point[0] if point else None,
        site_lon=point[1] if point else None, owner_id=user.id, created_by_id=user.id,
        created_at=now, **fields,
    )
    order.site_geo_source = source
    if point is None:
        found = locate(order.site_address)
        if found is not None:
            order.site_lat, order.site_lon, order.site_geo_source = found.lat, found.lon, found.source
        else:
            warnings.append(str(_l("The address could not be placed on the map; "
                                   "set the point by hand.")))
    db.session.add(order)
    db.session.flush()
    if kind == "repair" and fees.warranty_end(order) is None:  # R1, R2
        warnings.append(str(_l("No install or purchase date is on record for this vehicle: ask "
                               "the customer for the purchase date. Until it is given the fee "
                               "shows \"warranty unknown\" and the repair cannot be completed.")))
    record(order, "intake", user)
    return order, warnings


def transfer_ownership(order: WorkOrder, new_owner_id: int, user: User) -> WorkOrder:
    """R13: ownership moves only explicitly, by the owner or a manager."""
    if user.id != order.owner_id and not user.has_role("manager"):
        raise Forbidden(_l("Only the owner or a manager can hand this order over."))
    new_owner = db.session.get(User, new_owner_id)
    if new_owner is None or not new_owner.active or not new_owner.roles & {"agent", "manager",
                                                                            "dispatcher"}:
        raise ValidationFailed(_l("Some fields are not valid."),
                               {"user_id": str(_l("Choose an active agent, dispatcher or manager."))})
    previous = order.owner.display_name
    order.owner_id = new_owner.id
    record(order, "owner", user, note=f"{previous} → {new_owner.display_name}")
    return order


def set_site_point(order: WorkOrder, lat: Any, lon: Any, user: User) -> WorkOrder:
    """A dispatcher places the site by hand (e.g. dragging the marker on the board)."""
    if not user.can("order.assign"):
        raise Forbidden(_l("Your role does not allow this."))
    errors = FieldErrors()
    point = errors.check("lat", validate_latlon, lat, lon)
    if point is None and not errors.errors:
        errors.add("lat", _l("Enter the latitude and longitude."))
    errors.raise_if_any()
    order.site_lat, order.site_lon = point
    order.site_geo_source = "manual"
    record(order, "location", user, note=f"{order.site_lat:.5f}, {order.site_lon:.5f}")
    return order
