"""The installed base as an import kind (SPEC §10): one row is one vehicle with its customer and
the terminal and SIM in it now.

Natural keys: a customer is its name and phone, a vehicle its plate, a terminal its terminal
ID, a SIM its ICCID. Values go through the registry's own validators (plates, IMEI and ICCID
check digits, phones in E.164). An empty cell leaves what is stored as it is: an import adds
and corrects, it never erases, and it never takes a device out of a vehicle (that is a work
order's job). Devices are registered as found installed (the registry's ``found_terminal``
and ``found_sim`` rules: an installation row, no work order, the warranty from the install
date). Secret customers exist only for managers (R18): for anyone else a row touching one is
refused, and the export leaves them out.

The rows of a batch are validated and applied to plain records (``import_index.py`` loads
them, ``import_records.py`` writes them in bulk with their audit rows when the machinery
flushes): the ORM's unit of work per row was most of an import's time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch import settings
from dispatch.auth.models import User
from dispatch.bulk import keep_statistics
from dispatch.extensions import db
from dispatch.imports.kinds import ImportContext, ImportKind, Problems, Row
from dispatch.imports.reading import read_date
from dispatch.labels import label
from dispatch.registry.import_index import (
    Index,
    clean_key,
    load_index,
    number_key,
    owner_of,
    phone,
    plate_of,
)
from dispatch.registry.import_records import (
    BulkWrites,
    CustomerRecord,
    SimRecord,
    TerminalRecord,
    VehicleRecord,
    register_found_sim,
    register_found_terminal,
)
from dispatch.registry.models import CONFIDENTIALITY, CREDIT_CLASSES, Customer, Sim, Terminal, Vehicle
from dispatch.registry.visibility import full_levels
from dispatch.text import choice, clean_text
from dispatch.timeutil import local_moment, utcnow
from dispatch.tracking import service as tracking
from dispatch.validators import (
    fold_identifier,
    normalize_iccid,
    normalize_imei,
    normalize_plate,
    normalize_terminal_id,
)

COLUMNS = ("customer_name", "contact_name", "phone", "address", "credit_class", "confidentiality",
           "plate", "vehicle_model", "terminal_id", "imei", "terminal_model", "iccid", "msisdn",
           "carrier", "installed_on", "purchase_date")
REQUIRED = ("customer_name", "phone", "plate")


@dataclass
class Clean:
    """A row's values, normalised; ``None`` or ``""`` where the cell is empty."""

    name: str
    phone: str
    contact_name: str
    address: str
    credit_class: str | None
    confidentiality: str | None
    plate: str
    vehicle_model: str
    terminal_id: str | None
    imei: str | None
    terminal_model: str
    iccid: str | None
    msisdn: str | None
    carrier: str
    installed_on: date | None
    purchase_date: date | None
    #: Cells the validators refuse but that may repeat what is stored (a plate from before
    #: the plate pattern changed, an IMEI from older data): column → (folded value, why).
    legacy: dict[str, tuple[str, str]] = field(default_factory=dict)


class InstalledBase(ImportKind):
    name = "installed_base"
    title = _l("Installed base: customers, vehicles, terminals and SIMs")
    columns = COLUMNS
    required = REQUIRED
    permission = "import.run"
    records = ("customers", "vehicles", "terminals", "sims")

    def prepare(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        ctx.cache["index"] = load_index(rows, ctx.user.can("customer.view_secret"))
        ctx.cache["writes"] = BulkWrites()

    def flush(self, ctx: ImportContext) -> None:
        ctx.cache["writes"].flush()
        db.session.flush()

    def template_row(self) -> dict[str, str]:
        return {"customer_name": "杭州顺达物流有限公司", "contact_name": "王伟",
                "phone": "13800138000", "address": "浙江省杭州市西湖区文三路90号",
                "credit_class": "B", "confidentiality": "ordinary", "plate": "浙A12345",
                "vehicle_model": "重型货车", "terminal_id": "HZ20250001", "imei": "860000000000017",
                "terminal_model": "GT06N", "iccid": "89860000000000000019",
                "msisdn": "+8613900139000", "carrier": "中国移动", "installed_on": "2025-06-01",
                "purchase_date": "2025-05-20"}

    def keys(self, row: Row) -> Iterable[Hashable]:
        yield "customer", clean_key(row["customer_name"]), number_key(row["phone"])
        yield "plate", fold_identifier(row["plate"])
        for column in ("terminal_id", "imei", "iccid"):
            if row[column]:
                yield column, fold_identifier(row[column])
        if row["msisdn"]:
            yield "msisdn", number_key(row["msisdn"])

    # --- one row --------------------------------------------------------------------------

    def clean(self, row: Row, problems: Problems) -> Clean:
        region = settings.phone_region()
        legacy: dict[str, tuple[str, str]] = {}

        def lenient(column: str, fn: Any, *args: Any) -> str | None:
            """Validated, or kept aside (folded) to be accepted if it is what is stored."""
            if not row[column]:
                return None
            try:
                return fn(row[column], *args)
            except ValueError as exc:
                folded = fold_identifier(row[column])
                if not folded:
                    problems.add(column, str(exc))
                    return None
                legacy[column] = (folded, str(exc))
                return folded

        def optional(column: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
            return problems.check(column, fn, row[column], *args, **kwargs) if row[column] else None

        clean = Clean(
            name=problems.check("customer_name", clean_text, row["customer_name"], max_len=200,
                                required=True) or "",
            phone=problems.check("phone", phone, row["phone"], region) or "",
            contact_name=problems.check("contact_name", clean_text, row["contact_name"],
                                        max_len=100) or "",
            address=problems.check("address", clean_text, row["address"], max_len=300) or "",
            credit_class=optional("credit_class", choice, CREDIT_CLASSES),
            confidentiality=optional("confidentiality", choice, CONFIDENTIALITY),
            plate=lenient("plate", normalize_plate, settings.plate_pattern()) or "",
            vehicle_model=problems.check("vehicle_model", clean_text, row["vehicle_model"],
                                         max_len=100) or "",
            terminal_id=optional("terminal_id", normalize_terminal_id),
            imei=lenient("imei", normalize_imei),
            terminal_model=problems.check("terminal_model", clean_text, row["terminal_model"],
                                          max_len=60) or "",
            iccid=optional("iccid", normalize_iccid),
            msisdn=optional("msisdn", phone, region),
            carrier=problems.check("carrier", clean_text, row["carrier"], max_len=40) or "",
            installed_on=optional("installed_on", read_date),
            purchase_date=optional("purchase_date", read_date),
            legacy=legacy,
        )
        if not row["plate"]:
            problems.add("plate", _l("Enter the plate number."))
        device = ("imei", "terminal_model", "installed_on", "purchase_date", "iccid")
        if not row["terminal_id"] and any(row[column] for column in device):
            problems.add("terminal_id", _l("Enter the terminal ID: the row names a device."))
        if not row["iccid"] and (row["msisdn"] or row["carrier"]):
            problems.add("iccid", _l("Enter the SIM's ICCID."))
        return clean

    def apply_row(self, row: Row, ctx: ImportContext) -> None:
        problems = Problems(row)
        c = self.clean(row, problems)
        problems.raise_if_any()  # nothing is looked up with a broken key
        index: Index = ctx.cache["index"]
        customer = index.customers.get((c.name, c.phone))
        vehicle = index.vehicles.get(c.plate)
        terminal = index.terminals.get(c.terminal_id) if c.terminal_id else None
        sim = index.sims.get(c.iccid) if c.iccid else None
        stored = {"plate": vehicle.plate if vehicle else None,
                  "imei": terminal.imei if terminal else None}
        for column, (value, why) in c.legacy.items():
            if stored.get(column) != value:
                problems.add(column, why)
        self._check_secret(c, problems, index, customer, vehicle, terminal, sim)
        if customer is None:
            for column in ("contact_name", "address"):
                if not row[column]:
                    problems.add(column, _l("Required for a new customer."))
        if c.terminal_id:
            self._check_terminal(c, problems, index, vehicle, terminal)
        if c.iccid:
            self._check_sim(c, problems, index, terminal, sim)
        problems.raise_if_any()

        writes: BulkWrites = ctx.cache["writes"]
        customer = self._customer(c, customer, ctx, index, writes)
        vehicle = self._vehicle(c, vehicle, customer, ctx, index, writes)
        since = local_moment(c.installed_on) if c.installed_on else utcnow()
        if c.terminal_id:
            terminal = self._terminal(c, terminal, vehicle, since, ctx, index, writes)
            if c.iccid:
                self._sim(c, sim, terminal, since, ctx, index, writes)

    # --- checks (nothing written) -----------------------------------------------------------

    def _check_secret(self, c: Clean, problems: Problems, index: Index,
                      customer: CustomerRecord | None, vehicle: VehicleRecord | None,
                      terminal: TerminalRecord | None, sim: SimRecord | None) -> None:
        if index.sees_secret:
            return
        if c.confidentiality == "secret":
            problems.add("confidentiality", _l("Only a manager can mark a customer secret."))
        owners: tuple[tuple[str, CustomerRecord | None], ...] = (
            ("customer_name", customer),
            ("plate", vehicle.customer if vehicle else None),
            ("terminal_id", owner_of(terminal.vehicle if terminal else None)),
            ("iccid", owner_of(sim.terminal.vehicle if sim and sim.terminal else None)))
        for column, owner in owners:
            if owner is not None and owner.confidentiality == "secret":
                problems.add(column, _l("Only a manager can import rows of this customer."))

    def _check_terminal(self, c: Clean, problems: Problems, index: Index,
                        vehicle: VehicleRecord | None, terminal: TerminalRecord | None) -> None:
        if terminal is None:
            if not c.terminal_model:
                problems.add("terminal_model", _l("Required for a new terminal."))
        elif terminal.status == "installed":
            if terminal.vehicle is not vehicle:
                problems.add("terminal_id", _l(
                    "Terminal %(id)s is installed in vehicle %(plate)s.", id=terminal.terminal_id,
                    plate=plate_of(terminal.vehicle, index)))
        elif terminal.status != "in_stock" or terminal.location_id is not None:
            problems.add("terminal_id", _l(
                "Terminal %(id)s is %(status)s (%(where)s): only devices found in vehicles are "
                "imported.", id=terminal.terminal_id, status=label(terminal.status),
                where=_l("in a stock location") if terminal.location_id else _l("in no vehicle")))
        installs = terminal is None or terminal.status == "in_stock"
        if installs and c.installed_on is None:
            problems.add("installed_on", _l("Enter the day the terminal was installed."))
        if c.imei:
            other = index.imeis.get(c.imei)
            if other is not None and other is not terminal:
                problems.add("imei", _l("This IMEI belongs to terminal %(id)s.", id=other.terminal_id))

    def _check_sim(self, c: Clean, problems: Problems, index: Index,
                   terminal: TerminalRecord | None, sim: SimRecord | None) -> None:
        if sim is not None:
            if sim.status == "installed":
                if sim.terminal is not terminal or terminal is None:
                    problems.add("iccid", _l(
                        "SIM %(iccid)s is in terminal %(id)s (vehicle %(plate)s).", iccid=sim.iccid,
                        id=sim.terminal.terminal_id if sim.terminal else "?",
                        plate=plate_of(sim.terminal.vehicle if sim.terminal else None, index)))
            elif sim.status != "in_stock" or sim.location_id is not None:
                problems.add("iccid", _l(
                    "SIM %(iccid)s is %(status)s: only SIMs found in terminals are imported.",
                    iccid=sim.iccid, status=label(sim.status)))
        if c.msisdn:
            other = index.msisdns.get(c.msisdn)
            if other is not None and other is not sim:
                problems.add("msisdn", _l("This number belongs to SIM %(iccid)s.", iccid=other.iccid))

    # --- writes -------------------------------------------------------------------------

    def _customer(self, c: Clean, customer: CustomerRecord | None, ctx: ImportContext,
                  index: Index, writes: BulkWrites) -> CustomerRecord:
        key = (c.name, c.phone)
        if customer is None:
            customer = CustomerRecord(name=c.name, phone=c.phone, contact_name=c.contact_name,
                                      address=c.address, credit_class=c.credit_class or "B",
                                      confidentiality=c.confidentiality or "ordinary")
            writes.add(customer)
            index.customers[key] = customer
            ctx.record("customers", key, "created")
            return customer
        changes = {name: value for name, value in (
            ("contact_name", c.contact_name), ("address", c.address),
            ("credit_class", c.credit_class), ("confidentiality", c.confidentiality)) if value}
        changed = writes.update(customer, changes)
        ctx.record("customers", key, "updated" if changed else "unchanged")
        return customer

    def _vehicle(self, c: Clean, vehicle: VehicleRecord | None, customer: CustomerRecord,
                 ctx: ImportContext, index: Index, writes: BulkWrites) -> VehicleRecord:
        if vehicle is None:
            vehicle = VehicleRecord(plate=c.plate, description=c.vehicle_model, customer=customer)
            writes.add(vehicle)
            index.vehicles[c.plate] = vehicle
            ctx.record("vehicles", c.plate, "created")
            return vehicle
        changes: dict[str, Any] = {"customer": customer}
        if c.vehicle_model:
            changes["description"] = c.vehicle_model
        changed = writes.update(vehicle, changes)
        ctx.record("vehicles", c.plate, "updated" if changed else "unchanged")
        return vehicle

    def _terminal(self, c: Clean, terminal: TerminalRecord | None, vehicle: VehicleRecord,
                  since: Any, ctx: ImportContext, index: Index,
                  writes: BulkWrites) -> TerminalRecord:
        assert c.terminal_id is not None
        day = c.installed_on or since.date()
        if terminal is None:
            terminal = TerminalRecord(terminal_id=c.terminal_id, imei=c.imei or None,
                                      model=c.terminal_model, purchase_date=c.purchase_date,
                                      status="in_stock")
            writes.add(terminal)
            register_found_terminal(writes, terminal, vehicle, day, since)
            change = "created"
        else:
            changes = {name: value for name, value in (
                ("imei", c.imei), ("model", c.terminal_model),
                ("purchase_date", c.purchase_date)) if value}
            if terminal.status == "in_stock":
                writes.update(terminal, changes)
                register_found_terminal(writes, terminal, vehicle, day, since)
                change = "updated"
            else:
                if c.installed_on:
                    changes["install_date"] = c.installed_on
                change = "updated" if writes.update(terminal, changes) else "unchanged"
        index.terminals[c.terminal_id] = terminal
        if terminal.imei:
            index.imeis[terminal.imei] = terminal
        ctx.record("terminals", c.terminal_id, change)
        return terminal

    def _sim(self, c: Clean, sim: SimRecord | None, terminal: TerminalRecord, since: Any,
             ctx: ImportContext, index: Index, writes: BulkWrites) -> None:
        assert c.iccid is not None
        if sim is None:
            sim = SimRecord(iccid=c.iccid, msisdn=c.msisdn or None, carrier=c.carrier,
                            status="in_stock")
            writes.add(sim)
            register_found_sim(writes, sim, terminal, since)
            change = "created"
        else:
            changes = {name: value for name, value in (("msisdn", c.msisdn),
                                                       ("carrier", c.carrier)) if value}
            if sim.status == "in_stock":
                writes.update(sim, changes)
                register_found_sim(writes, sim, terminal, since)
                change = "updated"
            else:
                change = "updated" if writes.update(sim, changes) else "unchanged"
        index.sims[c.iccid] = sim
        if sim.msisdn:
            index.msisdns[sim.msisdn] = sim
        ctx.record("sims", c.iccid, change)

    # --- the other way: the registry in the same columns --------------------------------------

    def after_batch(self, ctx: ImportContext) -> None:
        """Terminals the batch put into vehicles are made known to the tracking platform; the
        tables the batch grew keep their statistics (the next batches' lookups use the
        indexes)."""
        keep_statistics(ctx.state.setdefault("statistics", {}), {
            table: sum(change == "created" for change in ctx.counts.get(table, {}).values())
            for table in self.records})
        fitted = sorted(str(key) for key, change in ctx.counts.get("terminals", {}).items()
                        if change != "unchanged")
        if fitted:
            digest = hashlib.sha1("\n".join(fitted).encode(), usedforsecurity=False).hexdigest()
            tracking.request_registration([(key, None) for key in fitted],
                                          f"import:{ctx.run_id}:{digest}", user_id=ctx.user.id)

    def export_rows(self, user: User) -> Iterable[Sequence[Any]]:
        """One row per vehicle and device in it (a vehicle without a terminal is one row with
        empty device cells); customers whose contact data ``user`` may not see are left out."""
        query = (
            select(Customer.name, Customer.contact_name, Customer.phone, Customer.address,
                   Customer.credit_class, Customer.confidentiality, Vehicle.plate,
                   Vehicle.description, Terminal.terminal_id, Terminal.imei, Terminal.model,
                   Sim.iccid, Sim.msisdn, Sim.carrier, Terminal.install_date,
                   Terminal.purchase_date)
            .join(Vehicle, Vehicle.customer_id == Customer.id)
            .outerjoin(Terminal, (Terminal.vehicle_id == Vehicle.id)
                       & (Terminal.status == "installed"))
            .outerjoin(Sim, (Sim.terminal_ref == Terminal.id) & (Sim.status == "installed"))
            .order_by(Customer.name, Customer.id, Vehicle.plate, Terminal.terminal_id, Sim.iccid))
        # R18: only the customers ``user`` sees in full (a masked phone could not come back in)
        query = query.where(Customer.confidentiality.in_(full_levels(user)))
        for record in db.session.execute(query.execution_options(yield_per=2000)):
            yield ["" if value is None else value for value in record]

    def sample_rows(self, count: int, seed: int = 1) -> Iterable[Sequence[Any]]:
        from dispatch.registry.import_sample import sample_rows

        return sample_rows(count, seed)
