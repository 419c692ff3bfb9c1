"""The installed-base import's write path: registry rows as plain records, written in bulk.

The ORM's unit of work (an object, its events and its audit hook per row) cost most of an
import's time, so this kind keeps its batch's customers, vehicles, terminals, SIMs and
installations as plain records (:class:`Record`: the columns it reads or writes, and links to
the records it points at) and :class:`BulkWrites` writes them when the machinery flushes:

- **new records** with one bulk insert per table (``dispatch/bulk.py``: an executemany on
  SQLite, ``COPY`` with ids reserved from the sequence on PostgreSQL), parents first so that
  each child takes its parent's new id;
- **changed records** with one ``UPDATE … WHERE id = ?`` executemany per table and set of
  changed columns, only the columns whose value differs from what was loaded;
- **their audit rows** in one insert (``COPY`` on PostgreSQL), one per record: a creation with
  its values that say something (``created_snapshot``: those set, less the id and the creation
  clocks the audit row holds already), an update with the changed columns before and after, by
  the import's user at the batch's clock, each with the note of its row (``import #12 row 57``).

Device statuses go through the registry's own rules (``found_terminal``, ``found_sim`` in
``dispatch/registry/devices.py``), the very functions the single paths use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, update

from dispatch.audit.log import created_snapshot, current_note, plain, write_bulk_audit
from dispatch.bulk import insert_rows
from dispatch.extensions import db
from dispatch.registry.devices import found_sim, found_terminal
from dispatch.registry.models import Customer, Installation, Sim, Terminal, Vehicle
from dispatch.timeutil import utcnow


@dataclass(eq=False, slots=True, kw_only=True)
class Record:
    """A registry row: ``id`` once stored, the column values as loaded (``stored``, None for a
    new record), the note of its audit row, and whether a row changed it."""

    id: int | None = None
    stored: dict[str, Any] | None = None
    note: str | None = None
    touched: bool = False


@dataclass(eq=False, slots=True, kw_only=True)
class CustomerRecord(Record):
    name: str
    phone: str
    contact_name: str
    address: str
    credit_class: str
    confidentiality: str


@dataclass(eq=False, slots=True, kw_only=True)
class VehicleRecord(Record):
    plate: str
    description: str
    customer_id: int | None = None
    customer: CustomerRecord | None = None


@dataclass(eq=False, slots=True, kw_only=True)
class TerminalRecord(Record):
    terminal_id: str
    imei: str | None
    model: str
    purchase_date: date | None
    status: str
    location_id: int | None = None
    install_date: date | None = None
    warranty_end: date | None = None
    vehicle_id: int | None = None
    vehicle: VehicleRecord | None = None


@dataclass(eq=False, slots=True, kw_only=True)
class SimRecord(Record):
    iccid: str
    msisdn: str | None
    carrier: str
    status: str
    location_id: int | None = None
    terminal_ref: int | None = None
    terminal: TerminalRecord | None = None


@dataclass(eq=False, slots=True, kw_only=True)
class InstallationRecord(Record):
    device_kind: str
    installed_at: datetime | None
    vehicle_id: int | None = None
    terminal_ref: int | None = None
    sim_ref: int | None = None
    vehicle: VehicleRecord | None = None
    terminal: TerminalRecord | None = None
    sim: SimRecord | None = None


@dataclass(frozen=True)
class Spec:
    """A record class's table: its model, the columns the record holds (loaded, compared and
    written) and which of them are foreign keys taken from a linked record."""

    model: type
    columns: tuple[str, ...]
    #: Columns telling apart the new rows of one batch (their ids come back with them).
    key: tuple[str, ...]
    links: dict[str, str] = field(default_factory=dict)

    def defaults(self, now: datetime) -> dict[str, Any]:
        """Every other column's value for a new row: its scalar default, ``now`` for the
        callable ones (the registry's only callable default is ``utcnow``), else None."""
        values: dict[str, Any] = {}
        for column in self.model.__table__.columns:  # type: ignore[attr-defined]
            if column.primary_key or column.key in self.columns:
                continue
            default = column.default
            if default is None:
                values[column.key] = None
            else:
                values[column.key] = now if default.is_callable else default.arg
        return values


SPECS: dict[type[Record], Spec] = {
    CustomerRecord: Spec(Customer, ("name", "phone", "contact_name", "address", "credit_class",
                                    "confidentiality"), ("name", "phone")),
    VehicleRecord: Spec(Vehicle, ("plate", "description", "customer_id"), ("plate",),
                        {"customer_id": "customer"}),
    TerminalRecord: Spec(Terminal, ("terminal_id", "imei", "model", "purchase_date", "status",
                                    "location_id", "install_date", "warranty_end", "vehicle_id"),
                         ("terminal_id",), {"vehicle_id": "vehicle"}),
    SimRecord: Spec(Sim, ("iccid", "msisdn", "carrier", "status", "location_id", "terminal_ref"),
                    ("iccid",), {"terminal_ref": "terminal"}),
    InstallationRecord: Spec(Installation, ("device_kind", "installed_at", "vehicle_id",
                                            "terminal_ref", "sim_ref"),
                             ("device_kind", "terminal_ref", "sim_ref"),
                             {"vehicle_id": "vehicle", "terminal_ref": "terminal",
                              "sim_ref": "sim"}),
}
#: Parents before children: a child's foreign key is its parent's new id.
ORDER = (CustomerRecord, VehicleRecord, TerminalRecord, SimRecord, InstallationRecord)


def loaded(cls: type[Record], row: Any) -> Record:
    """A stored record from a row holding ``id`` and the class's columns."""
    values = {column: getattr(row, column) for column in SPECS[cls].columns}
    return cls(id=row.id, stored=dict(values), **values)


def _link(record: Record, spec: Spec) -> None:
    for column, name in spec.links.items():
        target = getattr(record, name)
        setattr(record, column, target.id if target is not None else None)


class BulkWrites:
    """A batch's pending writes (see the module's docstring)."""

    def __init__(self) -> None:
        self.new: dict[type[Record], list[Record]] = {cls: [] for cls in ORDER}
        self.changed: list[Record] = []

    def add(self, record: Record) -> None:
        """A new record, attributed to the current row."""
        record.note = current_note()
        self.new[type(record)].append(record)

    def update(self, record: Record, values: dict[str, Any]) -> bool:
        """Set the attributes whose value differs; True when any did (like ``ctx.update``)."""
        changed = False
        for name, value in values.items():
            current = getattr(record, name)
            if current is value or current == value:
                continue
            setattr(record, name, value)
            changed = True
        if changed:
            self.touch(record)
        return changed

    def touch(self, record: Record) -> None:
        """``record`` was changed by the current row (a new one keeps its creating row)."""
        if record.stored is None:
            return
        record.note = current_note()
        if not record.touched:
            record.touched = True
            self.changed.append(record)

    def flush(self) -> None:
        """Write everything pending (in the current transaction) with its audit rows."""
        connection = db.session.connection()
        audit: list[tuple[str, str, str, Any, Any, str | None]] = []
        now = utcnow()
        for cls in ORDER:
            records, spec = self.new[cls], SPECS[cls]
            if not records:
                continue
            table = spec.model.__table__  # type: ignore[attr-defined]
            defaults = spec.defaults(now)
            rows = []
            for record in records:
                _link(record, spec)
                rows.append({**defaults, **{column: getattr(record, column)
                                            for column in spec.columns}})
            new_ids = insert_rows(table, rows, ids=True, key=spec.key)
            for record, values, new_id in zip(records, rows, new_ids, strict=True):
                record.id = values["id"] = new_id
                record.stored = {column: values[column] for column in spec.columns}
                audit.append(("create", table.name, str(new_id), None,
                              created_snapshot(spec.model, values), record.note))
            records.clear()
        groups: dict[tuple[type[Record], tuple[str, ...]], list[dict[str, Any]]] = {}
        for record in self.changed:
            spec = SPECS[type(record)]
            _link(record, spec)
            record.touched = False
            assert record.stored is not None
            before = record.stored
            diff = {column: getattr(record, column) for column in spec.columns
                    if getattr(record, column) != before[column]}
            if not diff:
                continue
            groups.setdefault((type(record), tuple(diff)), []).append(
                {"_id": record.id, **{f"new_{column}": value for column, value in diff.items()}})
            audit.append(("update", spec.model.__tablename__, str(record.id),  # type: ignore[attr-defined]
                          {column: plain(before[column]) for column in diff},
                          {column: plain(value) for column, value in diff.items()}, record.note))
            before.update(diff)
        self.changed.clear()
        for (kind, columns), params in groups.items():
            table = SPECS[kind].model.__table__  # type: ignore[attr-defined]
            connection.execute(
                update(table).where(table.c.id == bindparam("_id"))
                .values({column: bindparam(f"new_{column}") for column in columns}), params)
        write_bulk_audit(audit, now)


def register_found_terminal(writes: BulkWrites, terminal: TerminalRecord,
                            vehicle: VehicleRecord, installed_on: date,
                            since: datetime) -> None:
    """:func:`dispatch.registry.devices.register_found_terminal` for records: the same rule
    (``found_terminal``), the terminal in ``vehicle`` and its installation row."""
    found_terminal(terminal, installed_on)
    terminal.vehicle = vehicle
    writes.touch(terminal)
    writes.add(InstallationRecord(device_kind="terminal", installed_at=since, vehicle=vehicle,
                                  terminal=terminal))


def register_found_sim(writes: BulkWrites, sim: SimRecord, terminal: TerminalRecord,
                       since: datetime) -> None:
    """:func:`dispatch.registry.devices.register_found_sim` for records."""
    found_sim(sim)
    sim.terminal = terminal
    writes.touch(sim)
    if terminal.vehicle is not None:
        writes.add(InstallationRecord(device_kind="sim", installed_at=since,
                                      vehicle=terminal.vehicle, sim=sim))
