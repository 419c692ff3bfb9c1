"""Stock locations: warehouses (one is the default), a van per technician, workshop, vendor.

Vans are created on demand: :func:`van_for` makes the van of a technician the first time it
is needed, and :func:`ensure_vans` makes the missing ones before locations are listed, so every
technician has a van without ``dispatch`` (which creates technicians) knowing about stock.
The system locations (main warehouse, workshop, vendor) are made the same way, by code.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dispatch.auth.models import User
from dispatch.errors import FieldErrors, NotFound
from dispatch.extensions import db
from dispatch.technicians.models import Technician
from dispatch.text import clean_text
from inventory.models import Location

MAIN, WORKSHOP, VENDOR = "MAIN", "WORKSHOP", "VENDOR"
_SYSTEM = {MAIN: ("Main warehouse", "warehouse"), WORKSHOP: ("Workshop (faulty returns)", "workshop"),
           VENDOR: ("At vendor for repair", "vendor")}


def _insert_missing(rows: list[dict]) -> None:
    """Insert locations, ignoring ones a concurrent transaction created first."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(Location).values(rows).on_conflict_do_nothing())


def system_location(code: str) -> Location:
    """The main warehouse, the workshop or the vendor location (created when missing)."""
    location = db.session.scalar(select(Location).where(Location.code == code))
    if location is None:
        name, kind = _SYSTEM[code]
        has_default = db.session.scalar(select(Location.id).where(Location.is_default))
        _insert_missing([{"code": code, "name": name, "kind": kind,
                          "is_default": code == MAIN and has_default is None}])
        location = db.session.scalars(select(Location).where(Location.code == code)).one()
    return location


def main_warehouse() -> Location:
    """The default warehouse (receipts go there unless told otherwise)."""
    location = db.session.scalar(select(Location).where(Location.is_default))
    return location or system_location(MAIN)


def _van_row(technician: Technician) -> dict:
    return {"code": f"VAN-{technician.id}", "name": technician.name, "kind": "van",
            "technician_id": technician.id, "is_default": False}


#: The system locations' names as people read them (the stored name is the English one).
_SYSTEM_NAMES = {MAIN: _l("Main warehouse"), WORKSHOP: _l("Workshop (faulty returns)"),
                 VENDOR: _l("At vendor for repair")}


def display_name(location: Any) -> str:
    """A location's name in the reader's language: system ones translated, a van by its
    technician's name, other warehouses as named (a location, or a dict of its columns)."""
    def get(key: str) -> Any:
        return location.get(key) if isinstance(location, dict) else getattr(location, key, None)

    code, name = get("code"), get("name") or ""
    if code in _SYSTEM_NAMES and name == _SYSTEM[code][0]:
        return str(_SYSTEM_NAMES[code])
    if get("kind") == "van":
        technician = db.session.get(Technician, get("technician_id")) \
            if get("technician_id") else None
        return str(_l("Van of %(name)s", name=technician.name if technician else name))
    return str(name)


def van_for(technician_id: int) -> Location:
    """The technician's van (created the first time it is needed)."""
    van = db.session.scalar(select(Location).where(Location.technician_id == technician_id))
    if van is None:
        technician = db.session.get(Technician, technician_id)
        if technician is None:
            raise NotFound(_l("No such technician."))
        _insert_missing([_van_row(technician)])
        van = db.session.scalars(select(Location).where(Location.technician_id == technician_id)).one()
    return van


def ensure_vans() -> None:
    """Give every technician who has none a van (idempotent, safe to call on every read)."""
    missing = db.session.scalars(select(Technician).where(
        ~Technician.id.in_(select(Location.technician_id).where(
            Location.technician_id.is_not(None))))).all()
    _insert_missing([_van_row(t) for t in missing])


def locations() -> list[Location]:
    """Every location, warehouses first; makes sure each technician has a van."""
    ensure_vans()
    system_location(MAIN)
    order = {"warehouse": 0, "van": 1, "workshop": 2, "vendor": 3}
    rows = db.session.scalars(select(Location).order_by(Location.code)).all()
    return sorted(rows, key=lambda loc: (order[loc.kind], not loc.is_default, loc.code))


def normalize_code(raw: object) -> str:
    """A location code as stored: trimmed, upper case."""
    return str(raw or "").strip().upper()


def by_code(code: str | None, field: str = "location") -> Location:
    """The location named ``code``; an unknown code is a field error (422)."""
    key = normalize_code(code)
    location = db.session.scalar(select(Location).where(Location.code == key)) if key else None
    if location is None and key:
        ensure_vans()  # a technician's van may not have been needed yet
        location = db.session.scalar(select(Location).where(Location.code == key))
    if location is None:
        errors = FieldErrors()
        errors.add(field, _l("Unknown stock location %(code)s.", code=code or "—"))
        errors.raise_if_any()
    return location  # type: ignore[return-value]


def create_warehouse(data: dict, user: User) -> Location:
    """Another warehouse (code upper case, letters and digits)."""
    errors = FieldErrors()
    code = normalize_code(data.get("code"))
    name = errors.check("name", clean_text, data.get("name"), max_len=120, required=True)
    if not code or not code.replace("-", "").isalnum() or len(code) > 40:
        errors.add("code", _l("Use 1–40 letters, digits and dashes."))
    elif db.session.scalar(select(Location.id).where(Location.code == code)):
        errors.add("code", _l("This code is already used."))
    errors.raise_if_any()
    location = Location(code=code, name=name, kind="warehouse")
    db.session.add(location)
    db.session.flush()
    return location


def visible_to(user: User, location: Location) -> bool:
    """A technician sees only their own van; office staff see every location."""
    if user.can("stock.view_all"):
        return True
    van = db.session.scalar(select(Location.id).join(Technician, Technician.id == Location.technician_id)
                            .where(Technician.user_id == user.id))
    return van == location.id
