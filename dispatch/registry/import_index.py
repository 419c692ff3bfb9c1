"""The installed-base import's batch lookup: every record a batch of rows may touch, found by
natural key with one query per key column before any row is applied, as plain records
(``dispatch/registry/import_records.py``) linked to their owners like the ORM's objects."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch import settings
from dispatch.extensions import db
from dispatch.imports.kinds import Row
from dispatch.registry.import_records import (
    SPECS,
    CustomerRecord,
    Record,
    SimRecord,
    TerminalRecord,
    VehicleRecord,
    loaded,
)
from dispatch.text import clean_text
from dispatch.validators import fold_identifier, key_or_folded, normalize_phone

#: Values asked for the same IN (…) list at most at once.
LOOKUP_CHUNK = 900


@lru_cache(maxsize=4096)
def phone(raw: str, region: str) -> str:
    return normalize_phone(raw, region)  # slow (libphonenumber); a customer's rows are together


def phone_key(raw: str) -> str:
    return key_or_folded(lambda text: phone(text, settings.phone_region()), raw)


def number_key(raw: str) -> str:
    """A phone number's last 11 digits: the same for every way of writing one number (with or
    without +86, spaces, a trunk 0), cheaply; two numbers sharing it merely share a batch."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", raw or "") if ch.isdigit())
    return digits[-11:]


@dataclass
class Index:
    """The batch's records by natural key (found in the database or created by its rows)."""

    customers: dict[tuple[str, str], CustomerRecord] = field(default_factory=dict)
    vehicles: dict[str, VehicleRecord] = field(default_factory=dict)
    terminals: dict[str, TerminalRecord] = field(default_factory=dict)
    imeis: dict[str, TerminalRecord] = field(default_factory=dict)
    sims: dict[str, SimRecord] = field(default_factory=dict)
    msisdns: dict[str, SimRecord] = field(default_factory=dict)
    sees_secret: bool = False
    #: Every stored record loaded, by class and id: one record per row, so ``is`` compares
    #: rows as it compares the ORM's objects.
    by_id: dict[type[Record], dict[int, Any]] = field(default_factory=dict)

    def load(self, cls: type[Record], key: str, values: set[Any], order: Any = None) -> list[Any]:
        """The stored records of ``cls`` whose column ``key`` is one of ``values`` (one query
        per :data:`LOOKUP_CHUNK` values), each row once whichever query found it."""
        table = SPECS[cls].model.__table__  # type: ignore[attr-defined]
        known = self.by_id.setdefault(cls, {})
        columns = [table.c.id, *(table.c[name] for name in SPECS[cls].columns)]
        found = []
        for part in _chunks(values - {""}):
            query = select(*columns).where(table.c[key].in_(part))
            if order is not None:
                query = query.order_by(order(table.c.id))
            for row in db.session.execute(query):
                record = known.get(row.id)
                if record is None:
                    record = known[row.id] = loaded(cls, row)
                found.append(record)
        return found

    def owners(self, cls: type[Record], ids: set[int | None]) -> dict[int, Any]:
        """The records of ``cls`` with these ids (those not loaded yet are)."""
        known = self.by_id.setdefault(cls, {})
        self.load(cls, "id", {i for i in ids if i is not None and i not in known})
        return known


def _chunks(values: set[Any]) -> Iterator[list[Any]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        yield ordered[start:start + LOOKUP_CHUNK]


def load_index(rows: Sequence[Row], sees_secret: bool) -> Index:
    """The batch's records by natural key, one query per key column (each its own unique index)
    and their owners (a SIM's terminal, a terminal's vehicle, a vehicle's customer) by id:
    plain lookups whose plan stays right even when the statistics lag behind a big import."""
    index = Index(sees_secret=sees_secret)
    phones, plates, terminal_ids, imeis, iccids, msisdns = (set() for _ in range(6))
    for row in rows:
        phones.add(phone_key(row["phone"]))
        plates.add(fold_identifier(row["plate"]))
        terminal_ids.add(fold_identifier(row["terminal_id"]))
        imeis.add(fold_identifier(row["imei"]))
        iccids.add(fold_identifier(row["iccid"]))
        msisdns.add(phone_key(row["msisdn"]) if row["msisdn"] else "")
    for customer in index.load(CustomerRecord, "phone", phones, order=lambda c: c.desc()):
        index.customers[(customer.name, customer.phone)] = customer  # lowest id wins
    for vehicle in index.load(VehicleRecord, "plate", plates):
        index.vehicles[vehicle.plate] = vehicle
    for column, values in (("terminal_id", terminal_ids), ("imei", imeis)):
        for terminal in index.load(TerminalRecord, column, values):
            index.terminals[terminal.terminal_id] = terminal
            if terminal.imei:
                index.imeis[terminal.imei] = terminal
    for column, values in (("iccid", iccids), ("msisdn", msisdns)):
        for sim in index.load(SimRecord, column, values):
            index.sims[sim.iccid] = sim
            if sim.msisdn:
                index.msisdns[sim.msisdn] = sim
    # The owners, children first (a SIM's terminal may bring a vehicle, its vehicle a customer).
    sims = list(index.by_id.get(SimRecord, {}).values())
    terminals = index.owners(TerminalRecord, {sim.terminal_ref for sim in sims})
    for sim in sims:
        sim.terminal = terminals.get(sim.terminal_ref)
    vehicles = index.owners(VehicleRecord, {t.vehicle_id for t in terminals.values()})
    for terminal in terminals.values():
        terminal.vehicle = vehicles.get(terminal.vehicle_id)
    customers = index.owners(CustomerRecord, {v.customer_id for v in vehicles.values()})
    for vehicle in vehicles.values():
        vehicle.customer = customers.get(vehicle.customer_id)
    return index


def clean_key(name: str) -> str:
    """A customer name as the key compares it (what ``clean_text`` stores)."""
    try:
        return clean_text(name, max_len=10_000)
    except ValueError:
        return name


def owner_of(vehicle: VehicleRecord | None) -> CustomerRecord | None:
    return vehicle.customer if vehicle is not None else None


def plate_of(vehicle: VehicleRecord | None, index: Index) -> Any:
    """A vehicle's plate for a message, unless its customer is secret and the user may not
    see it."""
    if vehicle is None:
        return "?"
    owner = owner_of(vehicle)
    if owner is not None and owner.confidentiality == "secret" and not index.sees_secret:
        return _l("(not shown)")
    return vehicle.plate
