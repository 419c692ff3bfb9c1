"""Opening stock as an import kind: what each warehouse and van holds on the day the system
starts (or any later full count).

One row is either

- **a count** of a part not tracked by serial: ``location, sku, qty`` — the file states how
  many there are at that location, and only the difference from the balance is booked, as an
  ``adjust`` movement of the ledger (``inventory/ledger.py`` ``move``) with the reason
  ``opening stock, import #N``; a location and part named twice is a row error; a pair the file
  does not name is left as it is; a count below what orders have reserved there is refused
  (stock never goes negative, reservations stay covered);
- **one item** of a part tracked by serial (terminals, SIM cards): ``location, sku, serial``
  (the terminal ID) and optionally ``imei``, or ``iccid`` for a SIM card; ``qty`` empty or 1.
  A serial the registry does not know is registered in stock at that location
  (``dispatch/registry/models.py``: in stock, never installed) and booked in with an ``adjust``
  of 1; one registered in stock at no location is placed there the same way; one already at
  that location is unchanged. One elsewhere — in another location, installed in a vehicle,
  faulty, at the vendor, scrapped — is a row error naming where it is: an opening count does
  not move stock (a transfer does) nor take devices out of vehicles (a work order does).
  Serials at a location that the file does not list stay.

So importing the same file again books nothing, and an export (balances and serials of
warehouses and vans, in these columns) imported again changes nothing. Only warehouses and vans
(codes as on the stock page: ``MAIN``, ``VAN-12``…). Who may: whoever may count stock by hand
(``stock.count``) among those who may import (``import.run``): managers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.imports.kinds import ImportContext, ImportKind, Problems, Row
from dispatch.labels import label
from dispatch.registry.models import Sim, Terminal, Vehicle
from dispatch.validators import (
    fold_identifier,
    key_or_folded,
    normalize_iccid,
    normalize_imei,
    normalize_terminal_id,
)
from inventory import locations
from inventory.ledger import move
from inventory.models import Location, Part, StockBalance
from inventory.stock import counted_quantity

COLUMNS = ("location", "sku", "qty", "serial", "imei", "iccid")
REQUIRED = ("location", "sku")
#: Where opening stock may be: warehouses and vans (the workshop and the vendor hold faulty
#: devices, which come there through the workshop's pages).
STOCK_KINDS = ("warehouse", "van")
REASON = "opening stock, import #{run_id}"
LOOKUP_CHUNK = 900


def _code(raw: str) -> str:
    return locations.normalize_code(raw)


def _sku(raw: str) -> str:
    return (raw or "").strip().upper()


def _is_item(row: Row) -> bool:
    """The row names one item (a serial or an ICCID), not a count."""
    return bool(row["serial"] or row["iccid"] or row["imei"])


@dataclass
class Index:
    """The batch's lookups (found in the database, or made by its rows)."""

    locations: dict[str, Location] = field(default_factory=dict)
    parts: dict[str, Part] = field(default_factory=dict)
    #: (location id, sku) → (on hand, reserved), for the counts.
    balances: dict[tuple[int, str], tuple[int, int]] = field(default_factory=dict)
    terminals: dict[str, Terminal] = field(default_factory=dict)
    imeis: dict[str, Terminal] = field(default_factory=dict)
    sims: dict[str, Sim] = field(default_factory=dict)
    #: (location id, sku) → the row that counted it.
    counted: dict[tuple[int, str], int] = field(default_factory=dict)
    #: location id → code, for naming where a device is.
    codes: dict[int, str] = field(default_factory=dict)
    sees_secret: bool = False


def _chunks(values: set[str]) -> Iterable[list[str]]:
    ordered = sorted(values - {""})
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        yield ordered[start:start + LOOKUP_CHUNK]


class OpeningStock(ImportKind):
    name = "stock"
    title = _l("Opening stock: counts per warehouse and van, terminals and SIM cards one by one")
    columns = COLUMNS
    required = REQUIRED
    permission = "stock.count"
    records = ("balances", "terminals", "sims")

    def template_row(self) -> dict[str, str]:
        return {"location": locations.MAIN, "sku": "HARNESS-4P", "qty": "40", "serial": "",
                "imei": "", "iccid": ""}

    def keys(self, row: Row) -> Iterable[Hashable]:
        if not _is_item(row):
            yield "count", _code(row["location"]), _sku(row["sku"])
            return
        for column in ("serial", "iccid", "imei"):
            if row[column]:
                yield "device", fold_identifier(row[column])

    # --- one lookup per batch -------------------------------------------------------------------

    def prepare(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        index = ctx.cache["index"] = Index(sees_secret=ctx.user.can("customer.view_secret"))
        codes = {_code(row["location"]) for row in rows} - {""}
        found = db.session.scalars(select(Location).where(Location.code.in_(codes))).all()
        if len(found) < len(codes):
            locations.ensure_vans()  # a technician's van may not have been needed yet
            found = db.session.scalars(select(Location).where(Location.code.in_(codes))).all()
        index.locations = {location.code: location for location in found}
        index.codes = {location_id: code for location_id, code in
                       db.session.execute(select(Location.id, Location.code))}
        skus = {_sku(row["sku"]) for row in rows}
        for part in _chunks(skus):
            for found_part in db.session.scalars(select(Part).where(Part.sku.in_(part))):
                index.parts[found_part.sku] = found_part
        location_ids = [location.id for location in index.locations.values()]
        for part in _chunks(skus):
            for balance in db.session.scalars(select(StockBalance).where(
                    StockBalance.location_id.in_(location_ids), StockBalance.sku.in_(part))):
                index.balances[(balance.location_id, balance.sku)] = (balance.on_hand,
                                                                      balance.reserved)
        terminal_ids, imeis, iccids = set(), set(), set()
        for row in rows:
            if row["serial"]:
                terminal_ids.add(key_or_folded(normalize_terminal_id, row["serial"]))
                iccids.add(key_or_folded(normalize_iccid, row["serial"]))
            if row["imei"]:
                imeis.add(key_or_folded(normalize_imei, row["imei"]))
            if row["iccid"]:
                iccids.add(key_or_folded(normalize_iccid, row["iccid"]))
        owner = joinedload(Terminal.vehicle).joinedload(Vehicle.customer)
        for part in _chunks(terminal_ids | imeis):
            for terminal in db.session.scalars(select(Terminal).options(owner).where(
                    or_(Terminal.terminal_id.in_(part), Terminal.imei.in_(part)))).unique():
                index.terminals[terminal.terminal_id] = terminal
                if terminal.imei:
                    index.imeis[terminal.imei] = terminal
        sim_owner = joinedload(Sim.terminal).joinedload(Terminal.vehicle).joinedload(Vehicle.customer)
        for part in _chunks(iccids):
            for sim in db.session.scalars(select(Sim).options(sim_owner)
                                          .where(Sim.iccid.in_(part))).unique():
                index.sims[sim.iccid] = sim

    # --- one row ----------------------------------------------------------------------------------

    def apply_row(self, row: Row, ctx: ImportContext) -> None:
        index: Index = ctx.cache["index"]
        problems = Problems(row)
        location = index.locations.get(_code(row["location"]))
        if location is None:
            problems.add("location", _l("Unknown stock location %(code)s.",
                                        code=row["location"] or "—"))
        elif location.kind not in STOCK_KINDS:
            problems.add("location", _l("Opening stock is counted in warehouses and vans, not in "
                                        "%(code)s (%(kind)s).", code=location.code,
                                        kind=label(location.kind)))
        sku = _sku(row["sku"])
        part = index.parts.get(sku)
        if part is None or not part.active:
            problems.add("sku", _l("Unknown part %(sku)s.", sku=sku or "—"))
        if part is None or location is None:
            if not _is_item(row) and row["qty"]:
                problems.check("qty", counted_quantity, row["qty"])
            problems.raise_if_any()
        assert part is not None and location is not None
        if part.serialized:
            self._item(row, ctx, index, problems, location, part)
        else:
            self._count(row, ctx, index, problems, location, part)

    def _count(self, row: Row, ctx: ImportContext, index: Index, problems: Problems,
               location: Location, part: Part) -> None:
        for column in ("serial", "imei", "iccid"):
            if row[column]:
                problems.add(column, _l("%(sku)s is not tracked by serial.", sku=part.sku))
        if not row["qty"]:
            problems.add("qty", _l("Enter how many there are (0 or more)."))
        qty = problems.check("qty", counted_quantity, row["qty"]) if row["qty"] else None
        key = (location.id, part.sku)
        if key in index.counted:
            problems.add("sku", _l("Row %(row)d already counts %(sku)s at %(code)s.",
                                row=index.counted[key], sku=part.sku, code=location.code))
        on_hand, reserved = index.balances.get(key, (0, 0))
        if qty is not None and qty < reserved:
            problems.add("qty", _l("%(reserved)d of %(sku)s at %(code)s are reserved for orders: "
                                   "the count cannot be lower.", reserved=reserved, sku=part.sku,
                                   code=location.code))
        problems.raise_if_any()
        assert qty is not None
        index.counted[key] = row.number
        reason = REASON.format(run_id=ctx.run_id)
        if qty > on_hand:
            move("adjust", part.sku, qty - on_hand, to_id=location.id, user_id=ctx.user.id,
                 reason=reason)
        elif qty < on_hand:
            move("adjust", part.sku, on_hand - qty, from_id=location.id, user_id=ctx.user.id,
                 reason=reason)
        change = "unchanged" if qty == on_hand else "created" if on_hand == 0 else "updated"
        index.balances[key] = (qty, reserved)
        ctx.record("balances", (location.code, part.sku), change)

    def _item(self, row: Row, ctx: ImportContext, index: Index, problems: Problems,
              location: Location, part: Part) -> None:
        if row["qty"] and row["qty"] != "1":
            problems.add("qty", _l("One row per item: the quantity is 1 (or empty)."))
        if part.category == "sim":
            self._sim(row, ctx, index, problems, location, part)
        else:
            self._terminal(row, ctx, index, problems, location, part)

    def _terminal(self, row: Row, ctx: ImportContext, index: Index, problems: Problems,
                  location: Location, part: Part) -> None:
        if row["iccid"]:
            problems.add("iccid", _l("A terminal's row has no ICCID: give its SIM card a row "
                                     "of its own."))
        if not row["serial"]:
            problems.add("serial", _l("Enter the terminal ID of this %(sku)s.", sku=part.sku))
        serial = problems.check("serial", normalize_terminal_id, row["serial"]) \
            if row["serial"] else None
        imei = problems.check("imei", normalize_imei, row["imei"]) if row["imei"] else None
        problems.raise_if_any()
        assert serial is not None
        terminal = index.terminals.get(serial)
        if imei:
            other = index.imeis.get(imei)
            if other is not None and other is not terminal:
                problems.add("imei", _l("This IMEI belongs to terminal %(id)s.", id=other.terminal_id))
            elif terminal is not None and terminal.imei and terminal.imei != imei:
                problems.add("imei", _l("Terminal %(id)s has the IMEI %(imei)s.",
                                        id=terminal.terminal_id, imei=terminal.imei))
        if terminal is not None:
            self._check_place(problems, "serial", terminal, location, part, index)
        problems.raise_if_any()
        if terminal is None:
            terminal = Terminal(terminal_id=serial, imei=imei, model=part.name[:60], sku=part.sku,
                                status="in_stock", location_id=location.id, firmware="")
            db.session.add(terminal)
            index.terminals[serial] = terminal
            change = "created"
        else:
            change = self._place(ctx, terminal, location, part, {"imei": imei} if imei else {})
        if imei:
            index.imeis[imei] = terminal
        if change in ("created", "updated"):
            move("adjust", part.sku, 1, to_id=location.id, serial=serial, user_id=ctx.user.id,
                 reason=REASON.format(run_id=ctx.run_id))
        ctx.record("terminals", serial, "updated" if change == "updated_only" else change)

    def _sim(self, row: Row, ctx: ImportContext, index: Index, problems: Problems,
             location: Location, part: Part) -> None:
        if row["imei"]:
            problems.add("imei", _l("A SIM card has no IMEI: give its terminal a row of its own."))
        if not row["iccid"] and not row["serial"]:
            problems.add("iccid", _l("Enter the ICCID of this %(sku)s.", sku=part.sku))
        column = "iccid" if row["iccid"] else "serial"
        iccid = problems.check(column, normalize_iccid, row[column]) if row[column] else None
        if row["iccid"] and row["serial"] and iccid is not None:
            serial = problems.check("serial", normalize_iccid, row["serial"])
            if serial is not None and serial != iccid:
                problems.add("serial", _l("A SIM card's serial is its ICCID: leave it empty."))
        problems.raise_if_any()
        assert iccid is not None
        sim = index.sims.get(iccid)
        if sim is not None:
            self._check_place(problems, column, sim, location, part, index)
            problems.raise_if_any()
        if sim is None:
            sim = Sim(iccid=iccid, sku=part.sku, status="in_stock", location_id=location.id,
                      carrier="")
            db.session.add(sim)
            index.sims[iccid] = sim
            change = "created"
        else:
            change = self._place(ctx, sim, location, part, {})
        if change in ("created", "updated"):
            move("adjust", part.sku, 1, to_id=location.id, serial=iccid, user_id=ctx.user.id,
                 reason=REASON.format(run_id=ctx.run_id))
        ctx.record("sims", iccid, "updated" if change == "updated_only" else change)

    # --- a device the registry knows ------------------------------------------------------------

    def _check_place(self, problems: Problems, column: str, device: Terminal | Sim,
                     location: Location, part: Part, index: Index) -> None:
        """Refuse a device that is not in stock here or nowhere, or is another part."""
        name = _name(device)
        if device.sku and device.sku != part.sku:
            problems.add(column, _l("%(device)s is registered as part %(sku)s.", device=name,
                                    sku=device.sku))
        elif device.status == "installed":
            problems.add(column, _l("%(device)s is installed in vehicle %(plate)s.", device=name,
                                    plate=_plate(device, index)))
        elif device.status != "in_stock":
            where = index.codes.get(device.location_id) if device.location_id else None
            problems.add(column, _l("%(device)s is %(status)s (%(where)s).", device=name,
                                    status=label(device.status),
                                    where=where or _l("in no stock location")))
        elif device.location_id is not None and device.location_id != location.id:
            problems.add(column, _l("%(device)s is in stock at %(code)s: move it with a transfer.",
                                    device=name, code=index.codes.get(device.location_id, "?")))

    def _place(self, ctx: ImportContext, device: Terminal | Sim, location: Location, part: Part,
               extra: dict[str, Any]) -> str:
        """Put an in-stock device here: ``updated`` (booked in), ``updated_only`` (a detail
        filled in, already here) or ``unchanged``."""
        booked_here = device.location_id == location.id and device.sku == part.sku
        changed = ctx.update(device, {"location_id": location.id, "sku": part.sku, **extra})
        if booked_here:
            return "updated_only" if changed else "unchanged"
        return "updated"

    # --- the other way: what warehouses and vans hold, in the same columns ---------------------

    def export_rows(self, user: User) -> Iterable[Sequence[Any]]:
        """Counts of parts not tracked by serial, then each terminal and SIM card in stock, of
        warehouses and vans, by location."""
        counts = (select(Location.code, StockBalance.sku, StockBalance.on_hand)
                  .join(Location, Location.id == StockBalance.location_id)
                  .join(Part, Part.sku == StockBalance.sku)
                  .where(Location.kind.in_(STOCK_KINDS), StockBalance.on_hand > 0,
                         Part.serialized.is_(False))
                  .order_by(Location.code, StockBalance.sku))
        for code, sku, on_hand in db.session.execute(counts):
            yield [code, sku, on_hand, "", "", ""]
        terminals = (select(Location.code, Terminal.sku, Terminal.terminal_id, Terminal.imei)
                     .join(Location, Location.id == Terminal.location_id)
                     .where(Location.kind.in_(STOCK_KINDS), Terminal.status == "in_stock",
                            Terminal.sku.is_not(None))
                     .order_by(Location.code, Terminal.sku, Terminal.terminal_id))
        for code, item_sku, terminal_id, imei in db.session.execute(
                terminals.execution_options(yield_per=2000)):
            yield [code, item_sku, 1, terminal_id, imei or "", ""]
        sims = (select(Location.code, Sim.sku, Sim.iccid)
                .join(Location, Location.id == Sim.location_id)
                .where(Location.kind.in_(STOCK_KINDS), Sim.status == "in_stock",
                       Sim.sku.is_not(None))
                .order_by(Location.code, Sim.sku, Sim.iccid))
        for code, sim_sku, iccid in db.session.execute(sims.execution_options(yield_per=2000)):
            yield [code, sim_sku, 1, "", "", iccid]


def _name(device: Terminal | Sim) -> Any:
    if isinstance(device, Sim):
        return _l("SIM %(iccid)s", iccid=device.iccid)
    return _l("Terminal %(id)s", id=device.terminal_id)


def _plate(device: Terminal | Sim, index: Index) -> Any:
    vehicle = device.vehicle if isinstance(device, Terminal) else (
        device.terminal.vehicle if device.terminal is not None else None)
    if vehicle is None:
        return "?"
    if vehicle.customer.confidentiality == "secret" and not index.sees_secret:
        return _l("(not shown)")
    return vehicle.plate
