"""Receipts, transfers, counts and stock queries (the warehouse keeper's services).

Serialised parts (terminals, SIMs) are the device-registry rows themselves: a receipt creates
or locates them, a transfer moves each serial, and the balance counts them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, union_all

from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors, Forbidden
from dispatch.extensions import db
from dispatch.registry import devices
from dispatch.registry.models import Sim, Terminal
from dispatch.technicians.services import technician_for_user
from dispatch.text import clean_text
from dispatch.validators import normalize_iccid, normalize_imei, normalize_terminal_id
from inventory import locations
from inventory.ledger import move
from inventory.models import Location, Part, StockBalance, StockMovement


def _quantity(raw: Any) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a whole number.")) from exc
    if not 1 <= value <= 100000:
        raise ValueError(_l("Between 1 and 100000."))
    return value


def counted_quantity(raw: Any) -> int:
    """A counted quantity: a whole number from 0 to 100000."""
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a whole number.")) from exc
    if not 0 <= value <= 100000:
        raise ValueError(_l("Between 0 and 100000."))
    return value


def part_for(sku: Any, errors: FieldErrors) -> Part | None:
    """The active part ``sku`` or a field error."""
    key = (str(sku or "")).strip().upper()
    part = db.session.scalar(select(Part).where(Part.sku == key)) if key else None
    if part is None or not part.active:
        errors.add("sku", _l("Unknown part %(sku)s.", sku=key or "—"))
        return None
    return part


def _serials(part: Part, raw: Sequence[Any] | None, qty: int | None,
             errors: FieldErrors) -> list[str]:
    """Normalised, distinct serials; a serialised part needs exactly ``qty`` of them."""
    raw = [s for s in (raw or []) if str(s).strip()]
    if not part.serialized:
        if raw:
            errors.add("serials", _l("%(sku)s is not tracked by serial.", sku=part.sku))
        return []
    normalize = normalize_iccid if part.category == "sim" else normalize_terminal_id
    serials: list[str] = []
    for index, value in enumerate(raw):
        serial = errors.check(f"serials.{index}", normalize, str(value))
        if serial:
            serials.append(serial)
    if len(set(serials)) != len(serials):
        errors.add("serials", _l("A serial is listed twice."))
    if qty is not None and len(raw) != qty:
        errors.add("serials", _l("Give one serial per unit (%(qty)s).", qty=qty))
    return serials


def _imeis(part: Part, raw: Sequence[Any] | None, serials: list[str],
           errors: FieldErrors) -> list[str | None]:
    """Each received terminal's IMEI, in the order of its serials (all blank: none given)."""
    given = [str(value or "").strip() for value in (raw or [])]
    if not any(given):
        return []
    if part.category != "terminal":
        errors.add("imeis", _l("Only terminals have an IMEI."))
        return []
    if len(given) != len(serials):
        errors.add("imeis", _l("Give one IMEI per serial (%(n)s).", n=len(serials)))
        return []
    imeis: list[str | None] = []
    for index, value in enumerate(given):
        imei = errors.check(f"imeis.{index}", normalize_imei, value) if value else None
        held = db.session.scalar(select(Terminal.terminal_id).where(Terminal.imei == imei)) \
            if imei else None
        if held is not None and held != serials[index]:
            errors.add(f"imeis.{index}", _l("IMEI %(imei)s is already on record (%(serial)s).",
                                            imei=imei, serial=held))
        imeis.append(imei)
    found = [i for i in imeis if i]
    if len(set(found)) != len(found):
        errors.add("imeis", _l("An IMEI is listed twice."))
    return imeis


def find_device(part: Part, serial: str) -> Terminal | Sim | None:
    return devices.find_sim(serial) if part.category == "sim" else devices.find_terminal(serial)


def receive(data: Mapping[str, Any], user: User) -> list[StockMovement]:
    """Goods in: ``sku, qty, location?`` (a warehouse; default the main one), ``serials[]``."""
    errors = FieldErrors()
    part = part_for(data.get("sku"), errors)
    qty = errors.check("qty", _quantity, data.get("qty"))
    location = (locations.by_code(data["location"]) if data.get("location")
                else locations.main_warehouse())
    if location.kind != "warehouse":
        errors.add("location", _l("Goods are received into a warehouse; load a van by transfer."))
    serials = _serials(part, data.get("serials"), qty, errors) if part else []
    imeis = _imeis(part, data.get("imeis"), serials, errors) if part else []
    errors.raise_if_any()
    assert part is not None and qty is not None
    if not part.serialized:
        return [move("receive", part.sku, qty, to_id=location.id, user_id=user.id)]
    out = []
    model = part.model_code or part.name[:60]
    for index, serial in enumerate(serials):
        device = find_device(part, serial)
        imei = imeis[index] if imeis else None
        if device is None:
            device = (Sim(iccid=serial, sku=part.sku) if part.category == "sim"
                      else Terminal(terminal_id=serial, model=model, sku=part.sku, imei=imei))
            db.session.add(device)
        elif isinstance(device, Terminal) and imei and device.imei not in (None, imei):
            errors.add(f"imeis.{index}", _l("%(serial)s has IMEI %(imei)s on record.",
                                            serial=serial, imei=device.imei))
            continue
        elif device.status != "in_stock" or device.location_id is not None or \
                (device.sku or part.sku) != part.sku:
            errors.add(f"serials.{index}", _l("%(serial)s is already in stock, installed or "
                                              "of another part.", serial=serial))
            continue
        device.sku, device.location_id = part.sku, location.id
        if isinstance(device, Terminal):
            device.imei = imei or device.imei
            device.model = part.model_code or device.model
        out.append(move("receive", part.sku, 1, to_id=location.id, serial=serial, user_id=user.id))
    errors.raise_if_any()
    db.session.flush()
    return out


def transfer(data: Mapping[str, Any], user: User) -> list[StockMovement]:
    """Move ``qty`` of ``sku`` between two locations (a van load makes its technician
    accountable, R11); more than is available is a 409."""
    errors = FieldErrors()
    part = part_for(data.get("sku"), errors)
    qty = errors.check("qty", _quantity, data.get("qty"))
    source = locations.by_code(data.get("from"), "from")
    target = locations.by_code(data.get("to"), "to")
    if source.id == target.id:
        errors.add("to", _l("Choose a different location."))
    if {source.kind, target.kind} & {"workshop", "vendor"}:
        errors.add("to", _l("Faulty devices move through the workshop pages."))
    serials = _serials(part, data.get("serials"), qty, errors) if part else []
    errors.raise_if_any()
    assert part is not None and qty is not None
    if not part.serialized:
        return [move("transfer", part.sku, qty, from_id=source.id, to_id=target.id,
                     user_id=user.id)]
    out = []
    for serial in serials:
        device = find_device(part, serial)
        if device is None or device.location_id != source.id or device.status != "in_stock":
            raise Conflict(_l("%(serial)s is not in stock at %(code)s.", serial=serial,
                              code=source.code), fields={"serials": serial})
        device.location_id = target.id
        out.append(move("transfer", part.sku, 1, from_id=source.id, to_id=target.id,
                        serial=serial, user_id=user.id))
    return out


def count(location: Location, counted: Mapping[str, Any], reason: Any,
          user: User) -> list[StockMovement]:
    """Record a physical count of parts not tracked by serial: each difference becomes an
    audited ``adjust`` with a reason."""
    errors = FieldErrors()
    why = errors.check("reason", clean_text, reason, max_len=300, required=True)
    wanted: dict[str, int] = {}
    for sku, raw in counted.items():
        if str(raw).strip() == "":
            continue
        number = errors.check(f"count.{sku}", counted_quantity, raw)
        if number is not None:
            wanted[sku] = number
    serialized = set(db.session.scalars(select(Part.sku).where(Part.serialized,
                                                               Part.sku.in_(list(wanted)))))
    for sku in serialized:
        errors.add(f"count.{sku}", _l("Parts tracked by serial are counted serial by serial."))
    errors.raise_if_any()
    out = []
    for sku, number in wanted.items():
        on_hand = balance(location.id, sku)[0]
        if number > on_hand:
            out.append(move("adjust", sku, number - on_hand, to_id=location.id,
                            user_id=user.id, reason=why or ""))
        elif number < on_hand:
            out.append(move("adjust", sku, on_hand - number, from_id=location.id,
                            user_id=user.id, reason=why or ""))
    return out


def balance(location_id: int, sku: str) -> tuple[int, int]:
    """``(on_hand, reserved)`` of one SKU at one location."""
    row = db.session.execute(select(StockBalance.on_hand, StockBalance.reserved).where(
        StockBalance.location_id == location_id, StockBalance.sku == sku)).first()
    return (row[0], row[1]) if row else (0, 0)


#: Balances with stock, by location and SKU. Built once: constructing the statement costs as
#: much as running it, on the most frequent read of the stock screens.
_BALANCES = (select(StockBalance.sku, Location.code, StockBalance.on_hand, StockBalance.reserved)
             .join(Location, Location.id == StockBalance.location_id)
             .where(StockBalance.on_hand > 0)
             .order_by(Location.code, StockBalance.sku))


def stock_rows(user: User, location_code: str | None = None,
               sku: str | None = None) -> list[dict[str, Any]]:
    """Balances (``sku, location, on_hand, reserved, available``) the user may see."""
    query = _BALANCES
    everywhere = user.can("stock.view_all")
    if location_code and everywhere:
        # Filtered by code in the same statement; the location is looked up (an unknown code is
        # a 422) only when nothing is found.
        query = query.where(Location.code == locations.normalize_code(location_code))
    elif location_code:
        location = locations.by_code(location_code)
        if not locations.visible_to(user, location):
            raise Forbidden(_l("You may only see your own van."))
        query = query.where(StockBalance.location_id == location.id)
    elif not everywhere:
        query = query.where(StockBalance.location_id == _own_van_id(user))
    if sku:
        query = query.where(StockBalance.sku == sku.strip().upper())
    rows = [{"sku": r[0], "location": r[1], "on_hand": r[2], "reserved": r[3],
             "available": r[2] - r[3]} for r in db.session.execute(query)]
    if not rows and location_code and everywhere:
        locations.by_code(location_code)
    return rows


def _own_van_id(user: User) -> int | None:
    technician = technician_for_user(user)
    return locations.van_for(technician.id).id if technician else None


def van_contents(technician_id: int) -> tuple[dict[str, int], list[tuple[str, str, str | None]]]:
    """A technician's van as the tablet shows it, in two reads and without creating a van (none
    yet: nothing in it): the available quantity per SKU, and the terminals and SIMs in stock
    there one by one as (``terminal``/``sim``, terminal ID/ICCID, SKU), terminals first."""
    van = (select(Location.id).where(Location.technician_id == technician_id)
           .scalar_subquery())
    rows = db.session.connection().execute(
        select(StockBalance.sku, StockBalance.on_hand - StockBalance.reserved)
        .where(StockBalance.location_id == van, StockBalance.on_hand > StockBalance.reserved))
    stock = {sku: available for sku, available in rows}
    terminals = select(literal(0).label("rank"), Terminal.terminal_id.label("identifier"),
                       Terminal.sku).where(Terminal.location_id == van,
                                           Terminal.status == "in_stock")
    sims = select(literal(1), Sim.iccid, Sim.sku).where(Sim.location_id == van,
                                                        Sim.status == "in_stock")
    union = union_all(terminals, sims).subquery()
    devices = [("sim" if rank else "terminal", identifier, sku)
               for rank, identifier, sku in db.session.connection().execute(
                   select(union).order_by(union.c.rank, union.c.identifier))]
    return stock, devices


def van_stock(technician_id: int) -> dict[str, int]:
    """Available quantity per SKU in the technician's van (for candidate ranking)."""
    van = db.session.scalar(select(Location.id).where(Location.technician_id == technician_id))
    if van is None:
        return {}
    rows = db.session.execute(select(StockBalance.sku, StockBalance.on_hand - StockBalance.reserved)
                              .where(StockBalance.location_id == van))
    return {sku: available for sku, available in rows if available > 0}


def vans_stock(technician_ids: list[int]) -> dict[int, dict[str, int]]:
    """Available quantity per SKU in each technician's van, in one query (candidate ranking)."""
    found: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(Location.technician_id, StockBalance.sku, StockBalance.on_hand - StockBalance.reserved)
        .join(Location, Location.id == StockBalance.location_id)
        .where(Location.technician_id.in_(technician_ids),
               StockBalance.on_hand > StockBalance.reserved))
    for technician_id, sku, available in rows:
        assert technician_id is not None  # matched by IN (technician_ids)
        found.setdefault(technician_id, {})[sku] = available
    return found


def low_stock() -> list[dict[str, Any]]:
    """Parts whose available quantity in warehouses is below their reorder point."""
    available = (select(StockBalance.sku,
                        func.sum(StockBalance.on_hand - StockBalance.reserved).label("available"))
                 .join(Location, Location.id == StockBalance.location_id)
                 .where(Location.kind == "warehouse").group_by(StockBalance.sku).subquery())
    rows = db.session.execute(
        select(Part, func.coalesce(available.c.available, 0))
        .outerjoin(available, available.c.sku == Part.sku)
        .where(Part.active, Part.reorder_point > 0,
               func.coalesce(available.c.available, 0) < Part.reorder_point)
        .order_by(Part.sku))
    return [{"sku": part.sku, "name": part.name, "reorder_point": part.reorder_point,
             "available": int(qty)} for part, qty in rows]


def serials_at(location_id: int) -> list[Terminal | Sim]:
    """The terminals and SIMs held at a location, one by one."""
    terminals = db.session.scalars(select(Terminal).where(Terminal.location_id == location_id)
                                   .order_by(Terminal.terminal_id)).all()
    sims = db.session.scalars(select(Sim).where(Sim.location_id == location_id)
                              .order_by(Sim.iccid)).all()
    return [*terminals, *sims]
