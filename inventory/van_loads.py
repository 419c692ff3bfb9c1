"""Loading a van in one go: many SKUs and serials in one scan-friendly list, or the parts the
van's orders wait for at the warehouse (their pick lists).

A list has one entry a line, as a scanner types it: a SKU alone (one unit; scanning it again
adds one), a SKU and a quantity (``FUSE-5A 6``, ``FUSE-5A x6``), or a serial (terminal ID, IMEI
or ICCID) of a unit at the source. Every line is checked before anything moves; one bad line
refuses the whole load with its line number, and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors
from dispatch.extensions import db
from dispatch.registry import devices
from inventory import locations
from inventory.ledger import move
from inventory.models import Location, Part, StockMovement
from inventory.orders import reservations
from inventory.stock import balance, transfer

MAX_LINES = 500
_QTY = re.compile(r"^[x×*]?(\d{1,6})$", re.IGNORECASE)


def _device_sku(token: str, source: Location) -> tuple[str, str] | None:
    """``(sku, serial)`` of the unit ``token`` names (terminal ID, IMEI or ICCID) at ``source``."""
    try:
        found: Any = devices.find_terminal(token)
    except ValueError:
        found = None
    if found is None:
        try:
            found = devices.find_sim(token)
        except ValueError:
            found = None
    if found is None or found.sku is None or found.location_id != source.id:
        return None
    return found.sku, getattr(found, "terminal_id", None) or found.iccid


def parse_lines(text: str, source: Location, errors: FieldErrors
                ) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Quantities of SKUs and serials per SKU from a scanned or typed list (errors by line)."""
    quantities: dict[str, int] = {}
    serials: dict[str, list[str]] = {}
    known = {sku: serialized for sku, serialized in db.session.execute(
        select(Part.sku, Part.serialized).where(Part.active))}
    problems: list[str] = []
    lines = [line.strip() for line in (text or "").splitlines()]
    if len(lines) > MAX_LINES:
        errors.add("lines", _l("At most %(n)s lines at once.", n=MAX_LINES))
        return quantities, serials
    for number, line in enumerate(lines, start=1):
        cells = [cell for cell in re.split(r"[\s,;\t]+", line) if cell]
        if not cells:
            continue
        sku = cells[0].upper()
        quantity = _QTY.match(cells[1]) if len(cells) == 2 else None
        if sku in known and not known[sku] and (len(cells) == 1 or quantity):
            qty = int(quantity.group(1)) if quantity else 1
            if qty < 1:
                problems.append(str(_l("line %(n)s: a quantity from 1", n=number)))
                continue
            quantities[sku] = quantities.get(sku, 0) + qty
            continue
        if known.get(sku):
            problems.append(str(_l("line %(n)s: %(sku)s is tracked by serial: scan each unit",
                                   n=number, sku=sku)))
            continue
        unit = _device_sku(cells[0], source) if len(cells) == 1 else None
        if unit is None:
            problems.append(str(_l("line %(n)s: %(text)s is neither a part nor a unit at %(code)s",
                                   n=number, text=line[:40], code=source.code)))
            continue
        sku, serial = unit
        if serial in serials.get(sku, []):
            problems.append(str(_l("line %(n)s: %(serial)s is listed twice", n=number,
                                   serial=serial)))
            continue
        serials.setdefault(sku, []).append(serial)
    if problems:
        errors.add("lines", "; ".join(problems))
    elif not quantities and not serials:
        errors.add("lines", _l("Scan or type at least one part or unit."))
    return quantities, serials


def load_van(data: Mapping[str, Any], user: User) -> list[StockMovement]:
    """``to`` (a van's code), ``from`` (default the main warehouse) and ``lines``: the whole
    list moves, or nothing does (a shortage is a field error of ``lines``)."""
    errors = FieldErrors()
    target = locations.by_code(data.get("to"), "to")
    source = locations.by_code(data["from"], "from") if data.get("from") \
        else locations.main_warehouse()
    if target.kind != "van":
        errors.add("to", _l("Choose a van."))
    if source.id == target.id:
        errors.add("from", _l("Choose a different location."))
    quantities, serials = parse_lines(str(data.get("lines") or ""), source, errors)
    errors.raise_if_any()
    for sku, qty in quantities.items():
        on_hand, reserved = balance(source.id, sku)
        if on_hand - reserved < qty:
            errors.add("lines", _l("%(sku)s: %(qty)s wanted, %(left)s available at %(code)s.",
                                   sku=sku, qty=qty, left=on_hand - reserved, code=source.code))
    errors.raise_if_any()
    out: list[StockMovement] = []
    try:
        for sku, qty in quantities.items():
            out += transfer({"sku": sku, "qty": qty, "from": source.code, "to": target.code}, user)
        for sku, units in serials.items():
            out += transfer({"sku": sku, "qty": len(units), "from": source.code,
                             "to": target.code, "serials": units}, user)
    except Conflict as exc:  # taken meanwhile: refuse the whole load, beside its field
        errors.add("lines", exc.message)
        errors.raise_if_any()
    return out


def load_pick_list(order_id: int, technician_id: int, user: User) -> list[StockMovement]:
    """Bring what the order has reserved at warehouses into the technician's van, where it
    stays reserved for the order (R4: the pick list then reads "in the van")."""
    van = locations.van_for(technician_id)
    by_serial = set(db.session.scalars(select(Part.sku).where(Part.serialized)))
    out: list[StockMovement] = []
    for (location_id, sku), qty in sorted(reservations(order_id).items()):
        if location_id == van.id or sku in by_serial:  # units go by serial, in the load form
            continue
        out.append(move("release", sku, qty, from_id=location_id, order_id=order_id,
                        user_id=user.id))
        out.append(move("transfer", sku, qty, from_id=location_id, to_id=van.id,
                        order_id=order_id, user_id=user.id))
        out.append(move("reserve", sku, qty, from_id=van.id, order_id=order_id,
                        user_id=user.id))
    return out
