"""Registry rules: validation, confidentiality (R18) and search.

Every function takes plain values (dicts from a form or JSON) and the acting user; it never
reads the request.  Refusals are :class:`~dispatch.errors.ValidationFailed` with one message
per field, and nothing is written when one is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.exc import IntegrityError

from dispatch import settings
from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors, NotFound
from dispatch.extensions import db
from dispatch.registry import visibility
from dispatch.registry.models import (
    CONFIDENTIALITY,
    CONTACT_PREFERENCES,
    CREDIT_CLASSES,
    CUSTOMER_LANGUAGES,
    SIM_STATUSES,
    TERMINAL_STATUSES,
    Customer,
    Sim,
    Terminal,
    Vehicle,
)
from dispatch.text import boolean, choice, clean_text
from dispatch.validators import (
    fold_identifier,
    normalize_email,
    normalize_iccid,
    normalize_imei,
    normalize_phone,
    normalize_plate,
    normalize_terminal_id,
    normalize_vin,
    parse_date,
    validate_latlon,
)

CUSTOMER_FIELDS = (
    "name", "contact_name", "phone", "address", "lat", "lon",
    "confidentiality", "credit_class", "overseas", "notes", "email", "contact_preference",
    "language",
)


def _merge(current: Mapping[str, Any], changes: Mapping[str, Any], fields: tuple[str, ...]):
    return {key: changes[key] if key in changes else current.get(key) for key in fields}


def _clean_customer(data: Mapping[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    clean = {
        "name": errors.check("name", clean_text, data.get("name"), max_len=200, required=True),
        "contact_name": errors.check(
            "contact_name", clean_text, data.get("contact_name"), max_len=100, required=True
        ),
        "phone": errors.check("phone", normalize_phone, data.get("phone") or "",
                              settings.phone_region()),
        "address": errors.check(
            "address", clean_text, data.get("address"), max_len=300, required=True
        ),
        "confidentiality": errors.check(
            "confidentiality", choice, data.get("confidentiality"), CONFIDENTIALITY, "ordinary"
        ),
        "credit_class": errors.check(
            "credit_class", choice, data.get("credit_class"), CREDIT_CLASSES, "B"
        ),
        "overseas": errors.check("overseas", boolean, data.get("overseas")),
        "notes": errors.check("notes", clean_text, data.get("notes"), max_len=2000),
        "email": errors.check("email", normalize_email, data.get("email")),
        "contact_preference": errors.check("contact_preference", choice,
                                           data.get("contact_preference"), CONTACT_PREFERENCES,
                                           "sms"),
        "language": errors.check("language", choice, data.get("language"), CUSTOMER_LANGUAGES,
                                 "zh_Hans"),
    }
    if clean["contact_preference"] == "email" and not clean["email"]:
        errors.add("email", _l("An email address is needed to send messages by email."))
    point = errors.check("lat", validate_latlon, data.get("lat"), data.get("lon"))
    clean["lat"], clean["lon"] = point if point else (None, None)
    errors.raise_if_any()
    return clean


def visible_customers(user: User) -> Select[Customer]:
    """Customers ``user`` may find at all (R18, :func:`visibility.listed_levels`): secret ones
    only for managers."""
    query = select(Customer)
    listed = visibility.listed_levels(user)
    if len(listed) < len(CONFIDENTIALITY):
        query = query.where(Customer.confidentiality.in_(listed))
    return query


def get_customer(customer_id: int, user: User) -> Customer:
    """The customer, or :class:`NotFound` when missing or not visible to ``user``."""
    customer = db.session.scalar(visible_customers(user).where(Customer.id == customer_id))
    if customer is None:
        raise NotFound(_l("No such customer."))
    return customer


def create_customer(data: Mapping[str, Any], user: User) -> Customer:
    """Validate and add a customer; only managers may create secret ones."""
    clean = _clean_customer(data)
    _check_confidentiality(clean["confidentiality"], user)
    customer = Customer(**clean)
    db.session.add(customer)
    db.session.flush()
    return customer


def update_customer(customer: Customer, changes: Mapping[str, Any], user: User) -> Customer:
    """Apply ``changes`` (any subset of the customer fields) after validating the result."""
    current = {key: getattr(customer, key) for key in CUSTOMER_FIELDS}
    clean = _clean_customer(_merge(current, changes, CUSTOMER_FIELDS))
    _check_confidentiality(clean["confidentiality"], user)
    for key, value in clean.items():
        setattr(customer, key, value)
    db.session.flush()
    return customer


def _check_confidentiality(level: str, user: User) -> None:
    if level == "secret" and not user.can("customer.view_secret"):
        errors = FieldErrors()
        errors.add("confidentiality", _l("Only a manager can mark a customer secret."))
        errors.raise_if_any()


def search_customers(user: User, q: str = "") -> Select[Customer]:
    """Customers matching ``q`` by name, contact, phone, plate, terminal ID, IMEI or ICCID."""
    query = visible_customers(user)
    q = (q or "").strip()
    if not q:
        return query.order_by(Customer.name)
    like = f"%{q}%"
    folded = f"%{fold_identifier(q)}%"
    digits = "".join(ch for ch in q if ch.isdigit())
    device_match = (
        select(Vehicle.id)
        .outerjoin(Terminal, Terminal.vehicle_id == Vehicle.id)
        .outerjoin(Sim, Sim.terminal_ref == Terminal.id)
        .where(Vehicle.customer_id == Customer.id)
        .where(
            or_(
                Vehicle.plate.ilike(folded),
                Vehicle.vin.ilike(folded),
                Terminal.terminal_id.ilike(folded),
                Terminal.imei.ilike(folded),
                Sim.iccid.ilike(folded),
            )
        )
    )
    contact = [Customer.contact_name.ilike(like), Customer.address.ilike(like)]
    if len(digits) >= 4:
        contact.append(Customer.phone.ilike(f"%{digits}%"))
    # R18: the contact fields match only where the reader sees them (a match would confirm a
    # masked phone or address).
    full = visibility.full_levels(user)
    contact_match = or_(*contact)
    if len(full) < len(CONFIDENTIALITY):
        contact_match = and_(Customer.confidentiality.in_(full), contact_match)
    conditions = [Customer.name.ilike(like), exists(device_match), contact_match]
    return query.where(or_(*conditions)).order_by(Customer.name)


# --- vehicles -------------------------------------------------------------------------------

def _clean_vehicle(data: Mapping[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    clean = {
        "plate": errors.check("plate", normalize_plate, data.get("plate") or "",
                              settings.plate_pattern()),
        "vin": errors.check("vin", normalize_vin, data["vin"]) if data.get("vin") else None,
        "description": errors.check(
            "description", clean_text, data.get("description"), max_len=100
        ),
    }
    errors.raise_if_any()
    return clean


def _unique(column: Any, value: Any, field: str, message: str, own_id: int | None) -> None:
    if value is None:
        return
    model = column.class_
    found = db.session.scalar(select(model.id).where(column == value))
    if found is not None and found != own_id:
        errors = FieldErrors()
        errors.add(field, message)
        errors.raise_if_any()


def create_vehicle(customer: Customer, data: Mapping[str, Any]) -> Vehicle:
    clean = _clean_vehicle(data)
    _unique(Vehicle.plate, clean["plate"], "plate", _l("This plate is already registered."), None)
    _unique(Vehicle.vin, clean["vin"], "vin", _l("This VIN is already registered."), None)
    vehicle = Vehicle(customer=customer, **clean)
    db.session.add(vehicle)
    _flush_unique()
    return vehicle


def update_vehicle(vehicle: Vehicle, changes: Mapping[str, Any]) -> Vehicle:
    fields = ("plate", "vin", "description")
    clean = _clean_vehicle(_merge({k: getattr(vehicle, k) for k in fields}, changes, fields))
    _unique(Vehicle.plate, clean["plate"], "plate", _l("This plate is already registered."),
            vehicle.id)
    _unique(Vehicle.vin, clean["vin"], "vin", _l("This VIN is already registered."), vehicle.id)
    for key, value in clean.items():
        setattr(vehicle, key, value)
    _flush_unique()
    return vehicle


def find_vehicle_by_plate(raw_plate: str) -> Vehicle | None:
    try:
        plate = normalize_plate(raw_plate, settings.plate_pattern())
    except ValueError:
        return None
    return db.session.scalar(select(Vehicle).where(Vehicle.plate == plate))


def get_vehicle(vehicle_id: int, user: User) -> Vehicle:
    vehicle = db.session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound(_l("No such vehicle."))
    get_customer(vehicle.customer_id, user)
    return vehicle


# --- terminals and SIMs ---------------------------------------------------------------------

TERMINAL_FIELDS = ("terminal_id", "imei", "model", "firmware", "purchase_date", "warranty_end")


def _clean_terminal(data: Mapping[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    clean = {
        "terminal_id": errors.check("terminal_id", normalize_terminal_id,
                                    data.get("terminal_id") or ""),
        "imei": errors.check("imei", normalize_imei, data["imei"]) if data.get("imei") else None,
        "model": errors.check("model", clean_text, data.get("model"), max_len=60, required=True),
        "firmware": errors.check("firmware", clean_text, data.get("firmware"), max_len=40),
        "purchase_date": errors.check("purchase_date", parse_date, data["purchase_date"])
        if data.get("purchase_date") else None,
        "warranty_end": errors.check("warranty_end", parse_date, data["warranty_end"])
        if data.get("warranty_end") else None,
    }
    errors.raise_if_any()
    return clean


def create_terminal(data: Mapping[str, Any]) -> Terminal:
    """Register a terminal in stock."""
    clean = _clean_terminal(data)
    _unique(Terminal.terminal_id, clean["terminal_id"], "terminal_id",
            _l("This terminal ID is already registered."), None)
    _unique(Terminal.imei, clean["imei"], "imei", _l("This IMEI is already registered."), None)
    terminal = Terminal(status="in_stock", **clean)
    db.session.add(terminal)
    _flush_unique()
    return terminal


def update_terminal(terminal: Terminal, changes: Mapping[str, Any]) -> Terminal:
    current = {key: getattr(terminal, key) for key in TERMINAL_FIELDS}
    clean = _clean_terminal(_merge(current, changes, TERMINAL_FIELDS))
    _unique(Terminal.terminal_id, clean["terminal_id"], "terminal_id",
            _l("This terminal ID is already registered."), terminal.id)
    _unique(Terminal.imei, clean["imei"], "imei", _l("This IMEI is already registered."),
            terminal.id)
    for key, value in clean.items():
        setattr(terminal, key, value)
    _flush_unique()
    return terminal


SIM_FIELDS = ("iccid", "msisdn", "carrier")


def _clean_sim(data: Mapping[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    clean = {
        "iccid": errors.check("iccid", normalize_iccid, data.get("iccid") or ""),
        "msisdn": errors.check("msisdn", normalize_phone, data["msisdn"], settings.phone_region())
        if data.get("msisdn") else None,
        "carrier": errors.check("carrier", clean_text, data.get("carrier"), max_len=40),
    }
    errors.raise_if_any()
    return clean


def create_sim(data: Mapping[str, Any]) -> Sim:
    clean = _clean_sim(data)
    _unique(Sim.iccid, clean["iccid"], "iccid", _l("This ICCID is already registered."), None)
    _unique(Sim.msisdn, clean["msisdn"], "msisdn", _l("This number is already registered."),
            None)
    sim = Sim(status="in_stock", **clean)
    db.session.add(sim)
    _flush_unique()
    return sim


def update_sim(sim: Sim, changes: Mapping[str, Any]) -> Sim:
    clean = _clean_sim(_merge({k: getattr(sim, k) for k in SIM_FIELDS}, changes, SIM_FIELDS))
    _unique(Sim.iccid, clean["iccid"], "iccid", _l("This ICCID is already registered."), sim.id)
    _unique(Sim.msisdn, clean["msisdn"], "msisdn", _l("This number is already registered."),
            sim.id)
    for key, value in clean.items():
        setattr(sim, key, value)
    _flush_unique()
    return sim


def search_terminals(q: str = "", status: str = "") -> Select[Terminal]:
    query = select(Terminal).order_by(Terminal.terminal_id)
    if q.strip():
        folded = f"%{fold_identifier(q)}%"
        query = query.where(or_(Terminal.terminal_id.ilike(folded), Terminal.imei.ilike(folded),
                                Terminal.model.ilike(f"%{q.strip()}%")))
    if status in TERMINAL_STATUSES:
        query = query.where(Terminal.status == status)
    return query


def search_sims(q: str = "", status: str = "") -> Select[Sim]:
    query = select(Sim).order_by(Sim.iccid)
    if q.strip():
        folded = f"%{fold_identifier(q)}%"
        digits = "".join(ch for ch in q if ch.isdigit())
        conditions = [Sim.iccid.ilike(folded)]
        if digits:
            conditions.append(Sim.msisdn.ilike(f"%{digits}%"))
        query = query.where(or_(*conditions))
    if status in SIM_STATUSES:
        query = query.where(Sim.status == status)
    return query


def get_or_404(model: Any, object_id: int) -> Any:
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound(_l("Not found."))
    return obj


def _flush_unique() -> None:
    """Flush; a unique-constraint race lost to another request becomes a 409."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_l("Another record with the same identifier was saved meanwhile.")) from exc
