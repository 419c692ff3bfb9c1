"""Stock for work orders: reservations (R4 pick list), parts used on site, consumption.

Work orders call these with plain ids and values (inventory never imports ``workorders``).
An order's reservation is read from the ledger: its ``reserve`` minus ``release`` movements
per location and SKU.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from dispatch.errors import Conflict
from dispatch.extensions import db
from dispatch.registry.models import Sim, Terminal
from inventory import locations
from inventory.ledger import move
from inventory.models import Location, Part, StockMovement
from inventory.stock import balance


@dataclass(frozen=True)
class PickLine:
    """One line of the pick list: where the part waits for the technician (or short)."""

    sku: str
    qty: int
    location_code: str | None
    location_kind: str | None

    @property
    def short(self) -> bool:
        return self.location_code is None


def reservations(order_id: int) -> dict[tuple[int, str], int]:
    """Outstanding reserved quantity of the order per ``(location_id, sku)``."""
    signed = case((StockMovement.kind == "reserve", StockMovement.qty), else_=-StockMovement.qty)
    rows = db.session.execute(
        select(StockMovement.from_location_id, StockMovement.sku, func.sum(signed))
        .where(StockMovement.work_order_id == order_id,
               StockMovement.kind.in_(("reserve", "release")))
        .group_by(StockMovement.from_location_id, StockMovement.sku))
    return {(loc, sku): qty for loc, sku, qty in rows if qty}


def release_order(order_id: int, user_id: int | None) -> None:
    """Give back everything reserved for the order (cancel, reassign, completion)."""
    for (location_id, sku), qty in reservations(order_id).items():
        move("release", sku, qty, from_id=location_id, order_id=order_id, user_id=user_id)


def reserve_for_order(order_id: int, technician_id: int, lines: Iterable[tuple[str, int]],
                      user_id: int | None) -> list[PickLine]:
    """(Re)reserve the order's parts for ``technician_id``: from the van when it holds the
    whole line, else from the main warehouse for pick-up; a line neither can cover stays short.
    Any earlier reservation of the order (another technician's van) is released first."""
    release_order(order_id, user_id)
    van, main = locations.van_for(technician_id), locations.main_warehouse()
    for sku, qty in lines:
        for location in (van, main):
            on_hand, reserved = balance(location.id, sku)
            if on_hand - reserved >= qty:
                try:
                    with db.session.begin_nested():
                        move("reserve", sku, qty, from_id=location.id, order_id=order_id,
                             user_id=user_id)
                    break
                except Conflict:  # taken concurrently: try the next location
                    continue
    return pick_list(order_id, lines)


def reserve(order_id: int, sku: str, qty: int, location_id: int, user_id: int | None) -> None:
    """Reserve ``qty`` of ``sku`` at one location for the order (409 when not available)."""
    move("reserve", sku, qty, from_id=location_id, order_id=order_id, user_id=user_id)


def pick_list(order_id: int, lines: Iterable[tuple[str, int]]) -> list[PickLine]:
    """The order's parts with where each is reserved (R4: printed on the service sheet)."""
    return pick_lists({order_id: list(lines)})[order_id]


def pick_lists(orders: Mapping[int, Iterable[tuple[str, int]]]) -> dict[int, list[PickLine]]:
    """:func:`pick_list` for many orders in two queries (the technician's day, for example)."""
    held: dict[int, dict[tuple[int, str], int]] = {order_id: {} for order_id in orders}
    wanted = [order_id for order_id, lines in orders.items() if lines]
    if wanted:
        signed = case((StockMovement.kind == "reserve", StockMovement.qty),
                      else_=-StockMovement.qty)
        rows = db.session.execute(
            select(StockMovement.work_order_id, StockMovement.from_location_id, StockMovement.sku,
                   func.sum(signed))
            .where(StockMovement.work_order_id.in_(wanted),
                   StockMovement.kind.in_(("reserve", "release")))
            .group_by(StockMovement.work_order_id, StockMovement.from_location_id,
                      StockMovement.sku))
        for order_id, loc, sku, qty in rows:
            if qty:
                held[order_id][(loc, sku)] = qty
    location_ids = {loc for places in held.values() for loc, _sku in places}
    names = {loc.id: loc for loc in db.session.scalars(
        select(Location).where(Location.id.in_(location_ids)))} if location_ids else {}
    result: dict[int, list[PickLine]] = {}
    for order_id, lines in orders.items():
        out = result[order_id] = []
        for sku, qty in lines:
            places = [(names[loc], n) for (loc, s), n in held[order_id].items() if s == sku]
            for location, n in places:
                out.append(PickLine(sku, n, location.code, location.kind))
            missing = qty - sum(n for _loc, n in places)
            if missing > 0:
                out.append(PickLine(sku, missing, None, None))
    return result


def reserved_qty(order_id: int, sku: str) -> int:
    """What the order holds of ``sku``, wherever it is held."""
    return sum(q for (_loc, s), q in reservations(order_id).items() if s == sku)


def _short_of(sku: str) -> Conflict:
    return Conflict(_l("%(sku)s is not in your van or reserved for this order; a manager "
                       "must approve the shortage.", sku=sku), fields={"sku": sku},
                    code="shortage")


def hold_usage(order_id: int, technician_id: int, sku: str, total_qty: int,
               serial: str | None, approved_qty: int, user_id: int | None) -> None:
    """Hold what the order now records of ``sku`` (``total_qty``) at once: what its
    reservation does not cover is reserved in the van (or where the serial is), so the sum of
    what open orders record never exceeds what is there. Refused (409) when the van cannot
    cover it, unless a manager approved the shortage (R12): then what can be held is, and the
    rest must be in the van by completion. A serial must be in the van or the reserved place."""
    van = locations.van_for(technician_id).id
    place = van
    if serial is not None:
        device = _device(sku, serial)
        allowed = {van, *(loc for (loc, s) in reservations(order_id) if s == sku)}
        if device is None or device.location_id not in allowed:
            if approved_qty < total_qty:
                raise Conflict(_l("%(serial)s is not in your van or reserved for this order.",
                                  serial=serial), fields={"serial": serial}, code="not_in_stock")
        else:
            place = device.location_id
    need = total_qty - reserved_qty(order_id, sku)
    if need <= 0:
        return
    on_hand, reserved = balance(place, sku)
    take = min(need, max(on_hand - reserved, 0))
    if take > 0:
        try:
            with db.session.begin_nested():
                move("reserve", sku, take, from_id=place, order_id=order_id, user_id=user_id)
        except Conflict:  # taken concurrently since it was read
            take = 0
    if need - take > approved_qty:
        raise _short_of(sku)


def release_excess(order_id: int, sku: str, keep: int, technician_id: int | None,
                   user_id: int | None) -> None:
    """Give back what the order holds of ``sku`` beyond ``keep`` (a part corrected or removed),
    from the van first."""
    excess = reserved_qty(order_id, sku) - keep
    if excess <= 0:
        return
    van = locations.van_for(technician_id).id if technician_id is not None else None
    held = sorted(((loc, q) for (loc, s), q in reservations(order_id).items() if s == sku),
                  key=lambda item: item[0] != van)
    for location_id, qty in held:
        give = min(qty, excess)
        move("release", sku, give, from_id=location_id, order_id=order_id, user_id=user_id)
        excess -= give
        if excess == 0:
            break


def _device(sku: str, serial: str) -> Terminal | Sim | None:
    part = db.session.scalar(select(Part).where(Part.sku == sku))
    if part is not None and part.category == "sim":
        return db.session.scalar(select(Sim).where(Sim.iccid == serial))
    return db.session.scalar(select(Terminal).where(Terminal.terminal_id == serial))


def _not_in_stock(sku: str, serial: str | None = None) -> Conflict:
    what = serial or sku
    return Conflict(_l("%(part)s is not in stock any more: it cannot be billed. Ask the "
                       "warehouse to book it into your van, or remove it from the order.",
                       part=what), fields={"parts": what}, code="not_in_stock")


def consume_for_order(order_id: int, technician_id: int, used: Iterable[tuple[str, int, str | None]],
                      user_id: int | None) -> None:
    """On completion: release the reservation and consume exactly what was used, from the
    place the serial is in, else the reserved place, else the van. What cannot be taken out of
    stock is refused (409 ``not_in_stock``): completion never bills a part it did not consume."""
    held = reservations(order_id)
    release_order(order_id, user_id)
    van = locations.van_for(technician_id).id
    for sku, qty, serial in used:
        if serial is not None:
            device = _device(sku, serial)
            if device is None or device.location_id is None:
                raise _not_in_stock(sku, serial)
            try:
                move("consume", sku, 1, from_id=device.location_id, serial=serial,
                     order_id=order_id, user_id=user_id)
            except Conflict as exc:
                raise _not_in_stock(sku, serial) from exc
            device.location_id = None
            continue
        places = [loc for (loc, s) in held if s == sku] + [van]
        for location_id in places:
            on_hand, reserved = balance(location_id, sku)
            take = min(qty, on_hand - reserved)
            if take > 0:
                try:
                    move("consume", sku, take, from_id=location_id, order_id=order_id,
                         user_id=user_id)
                except Conflict as exc:  # taken by a concurrent completion since it was read
                    raise _not_in_stock(sku) from exc
                qty -= take
            if qty == 0:
                break
        if qty > 0:
            raise _not_in_stock(sku)
