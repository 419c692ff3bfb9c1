"""The installed-base import's batch lookup: every record a batch of rows may touch, found by
natural key with one query per key column before any row is applied."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch import settings
from dispatch.extensions import db
from dispatch.imports.kinds import Row
from dispatch.registry.models import Customer, Sim, Terminal, Vehicle
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

    customers: dict[tuple[str, str], Customer] = field(default_factory=dict)
    vehicles: dict[str, Vehicle] = field(default_factory=dict)
    terminals: dict[str, Terminal] = field(default_factory=dict)
    imeis: dict[str, Terminal] = field(default_factory=dict)
    sims: dict[str, Sim] = field(default_factory=dict)
    msisdns: dict[str, Sim] = field(default_factory=dict)
    sees_secret: bool = False


def _chunks(values: set[str]) -> Iterator[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        yield ordered[start:start + LOOKUP_CHUNK]


def load_index(rows: Sequence[Row], sees_secret: bool) -> Index:
    """The batch's records by natural key, one query per key column (each its own unique index)
    and the owners by id: plain lookups whose plan stays right even when the statistics lag
    behind a big import."""
    index = Index(sees_secret=sees_secret)
    phones, plates, terminal_ids, imeis, iccids, msisdns = (set() for _ in range(6))
    for row in rows:
        phones.add(phone_key(row["phone"]))
        plates.add(fold_identifier(row["plate"]))
        terminal_ids.add(fold_identifier(row["terminal_id"]))
        imeis.add(fold_identifier(row["imei"]))
        iccids.add(fold_identifier(row["iccid"]))
        msisdns.add(phone_key(row["msisdn"]) if row["msisdn"] else "")
    for part in _chunks(phones - {""}):
        for customer in db.session.scalars(select(Customer).where(Customer.phone.in_(part))
                                           .order_by(Customer.id.desc())):
            index.customers[(customer.name, customer.phone)] = customer  # lowest id wins
    owner = selectinload(Vehicle.customer)
    for part in _chunks(plates - {""}):
        for vehicle in db.session.scalars(select(Vehicle).options(owner)
                                          .where(Vehicle.plate.in_(part))):
            index.vehicles[vehicle.plate] = vehicle
    device_owner = selectinload(Terminal.vehicle).selectinload(Vehicle.customer)
    for column, values in ((Terminal.terminal_id, terminal_ids), (Terminal.imei, imeis)):
        for part in _chunks(values - {""}):
            for terminal in db.session.scalars(select(Terminal).options(device_owner)
                                               .where(column.in_(part))):
                index.terminals[terminal.terminal_id] = terminal
                if terminal.imei:
                    index.imeis[terminal.imei] = terminal
    sim_owner = (selectinload(Sim.terminal).selectinload(Terminal.vehicle)
                 .selectinload(Vehicle.customer))
    for column, values in ((Sim.iccid, iccids), (Sim.msisdn, msisdns)):
        for part in _chunks(values - {""}):
            for sim in db.session.scalars(select(Sim).options(sim_owner)
                                          .where(column.in_(part))):
                index.sims[sim.iccid] = sim
                if sim.msisdn:
                    index.msisdns[sim.msisdn] = sim
    return index
