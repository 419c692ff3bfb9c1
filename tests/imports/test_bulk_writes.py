"""The installed base's bulk write path (``dispatch/registry/import_records.py``): what it writes
and audits is what the ORM and its flush hook write, in a batch or row by row alike."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from dispatch import bulk
from dispatch.audit.log import BULK_REDUNDANT, AuditLog, snapshot
from dispatch.errors import Conflict
from dispatch.extensions import db
from dispatch.imports import running
from dispatch.imports.models import ImportRun
from dispatch.registry.devices import found_terminal, register_found_terminal
from dispatch.registry.import_records import TerminalRecord
from dispatch.registry.importer import COLUMNS, InstalledBase
from dispatch.registry.models import Customer, Installation, Sim, Terminal, Vehicle
from dispatch.timeutil import utcnow
from tests.imports.conftest import (
    REGISTRY_TABLES,
    csv_bytes,
    natural_snapshot,
    row_of,
    run_of,
    sample,
    upload,
    wipe_registry,
)

MODELS = {model.__tablename__: model for model in (Customer, Vehicle, Terminal, Sim, Installation)}
#: Audit values that differ between two imports of the same rows (ids, clocks).
VOLATILE = {"id", "customer_id", "vehicle_id", "terminal_ref", "sim_ref", "created_at",
            "updated_at"}


def audits_after(marker: int) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(
        AuditLog.id > marker, AuditLog.entity.in_(REGISTRY_TABLES)).order_by(AuditLog.id)))


def last_audit() -> int:
    return db.session.scalar(select(func.max(AuditLog.id))) or 0


def test_each_bulk_created_record_is_audited_by_the_import_and_its_row(manager):
    rows = sample(6, seed=61)
    marker = last_audit()
    run = run_of(manager, upload(manager, csv_bytes(rows)))
    assert run["rejected"] == 0
    user_id = db.session.get_one(ImportRun, run["id"]).user_id
    audits = audits_after(marker)
    created = {(a.entity, a.entity_id): a for a in audits if a.action == "create"}
    assert len(created) == len(audits)  # nothing but creations, each once
    stored = 0
    for name, model in MODELS.items():
        for record in db.session.scalars(select(model)):
            audit = created[(name, str(record.id))]
            # The row's values that say something: the hook's snapshot of the object less
            # its empty columns, its id (the audit row's entity_id) and its creation clocks.
            whole = snapshot(record)
            assert audit.after == {key: value for key, value in whole.items()
                                   if value is not None and key not in BULK_REDUNDANT}, \
                (name, record.id)
            assert whole["id"] == record.id and str(record.id) == audit.entity_id
            if "created_at" in whole:
                assert record.created_at == audit.at
            assert audit.before is None and audit.user_id == user_id
            stored += 1
    assert stored == len(audits)
    plate = COLUMNS.index("plate")
    for number, row in enumerate(rows, start=2):
        vehicle = db.session.scalars(select(Vehicle).where(Vehicle.plate == row[plate])).one()
        note = f"import #{run['id']} row {number}"
        assert created[("vehicles", str(vehicle.id))].note == note
        terminal = vehicle.terminals[0]
        assert created[("terminals", str(terminal.id))].note == note
        assert created[("sims", str(terminal.sims[0].id))].note == note


def test_a_bulk_update_audits_the_changed_columns_before_and_after(manager):
    rows = sample(3, seed=62)
    run_of(manager, upload(manager, csv_bytes(rows)))
    marker = last_audit()
    changed = [list(row) for row in rows]
    name, phone = COLUMNS.index("customer_name"), COLUMNS.index("phone")
    for row in changed:  # every row of the first customer
        if (row[name], row[phone]) == (rows[0][name], rows[0][phone]):
            row[COLUMNS.index("contact_name")] = "赵敏"
    changed[2][COLUMNS.index("purchase_date")] = "2024-01-15"
    run = run_of(manager, upload(manager, csv_bytes(changed)))
    assert run["updated"]["customers"] == run["updated"]["terminals"] == 1
    audits = audits_after(marker)
    by_entity = {a.entity: a for a in audits}
    assert sorted(by_entity) == ["customers", "terminals"] and len(audits) == 2
    customer = by_entity["customers"]
    assert customer.action == "update" and customer.note == f"import #{run['id']} row 2"
    assert customer.before == {"contact_name": rows[0][COLUMNS.index("contact_name")]}
    assert customer.after == {"contact_name": "赵敏"}
    terminal = by_entity["terminals"]
    assert terminal.note == f"import #{run['id']} row 4"
    assert terminal.after == {"purchase_date": "2024-01-15"}
    stored = db.session.get_one(Terminal, int(terminal.entity_id))
    assert stored.purchase_date == date(2024, 1, 15)


def _second_file() -> tuple[list[list[str]], list[list[str]]]:
    """A first import, and a second file that changes some of its rows, adds others and holds
    row errors."""
    first = sample(12, seed=63)
    second = [list(row) for row in first[:8]]
    second[1][COLUMNS.index("vehicle_model")] = "冷藏车"
    second[4][COLUMNS.index("carrier")] = "中国广电"
    name, phone, address = (COLUMNS.index(c) for c in ("customer_name", "phone", "address"))
    for row in second:  # every row of one customer: its address changes once
        if (row[name], row[phone]) == (second[5][name], second[5][phone]):
            row[address] = "浙江省杭州市滨江区江南大道1号"
    second += [row_of() for _ in range(5)]
    second.insert(3, row_of(imei="860000000000018"))  # a bad check digit
    second.insert(7, list(first[9]))  # unchanged
    return first, second


def _outcome(manager, first, second) -> tuple:
    run_of(manager, upload(manager, csv_bytes(first)))
    marker = last_audit()
    run = run_of(manager, upload(manager, csv_bytes(second)))
    audits = sorted(
        (a.action, a.entity, a.note.rsplit(" ", 1)[-1] if a.note else None,
         sorted((k, str(v)) for k, v in (a.before or {}).items() if k not in VOLATILE),
         sorted((k, str(v)) for k, v in (a.after or {}).items() if k not in VOLATILE))
        for a in audits_after(marker))
    counts = {key: run[key] for key in ("created", "updated", "unchanged", "unchanged_records",
                                        "rejected", "errors")}
    return natural_snapshot(), audits, counts


def test_a_batch_and_the_same_rows_flushed_one_by_one_give_the_same_registry_and_audit(
        manager, monkeypatch):
    first, second = _second_file()
    in_batches = _outcome(manager, first, second)
    assert in_batches[2]["rejected"] == 1 and in_batches[1]
    wipe_registry()

    # The machinery's row-by-row path: the first flush of every batch is refused (as when
    # another user saves an identifier meanwhile), so each batch is replayed with a flush
    # after each row.
    real_flush = InstalledBase.flush
    refused: set[int] = set()
    flushes = []

    def refused_once(self, ctx):
        writes = ctx.cache["writes"]
        if id(ctx) not in refused:
            refused.add(id(ctx))
            raise IntegrityError("INSERT", {}, Exception("refused for the test"))
        flushes.append(1)
        real_flush(self, ctx)
        assert not any(writes.new.values()) and not writes.changed

    monkeypatch.setattr(InstalledBase, "flush", refused_once)
    monkeypatch.setattr(running, "BATCH_ROWS", 10_000)  # each file is one batch
    row_by_row = _outcome(manager, first, second)
    assert len(flushes) > len(first) + len(second)  # a flush after each row, and the last
    assert row_by_row == in_batches


def test_the_found_device_rule_is_the_registrys_for_records_and_objects(app):
    record = TerminalRecord(terminal_id="REC0001", imei=None, model="GT06N", purchase_date=None,
                            status="in_stock")
    found_terminal(record, date(2025, 6, 1))
    customer = Customer(name="规则客户", contact_name="x", phone="+8613900000001", address="x")
    vehicle = Vehicle(plate="浙A0R001", customer=customer)
    terminal = Terminal(terminal_id="OBJ0001", model="GT06N", status="in_stock")
    db.session.add_all([customer, vehicle, terminal])
    register_found_terminal(terminal, vehicle, date(2025, 6, 1), utcnow())
    assert (record.status, record.install_date, record.warranty_end) == (
        terminal.status, terminal.install_date, terminal.warranty_end)
    in_a_van = TerminalRecord(terminal_id="REC0002", imei=None, model="GT06N",
                              purchase_date=None, status="in_stock", location_id=1)
    with pytest.raises(Conflict):
        found_terminal(in_a_van, date(2025, 6, 1))
    installed = TerminalRecord(terminal_id="REC0003", imei=None, model="GT06N",
                               purchase_date=None, status="installed")
    with pytest.raises(Conflict):  # the moves table: installed cannot become installed
        found_terminal(installed, date(2025, 6, 1))
    db.session.rollback()


def test_an_import_keeps_the_statistics_of_the_tables_it_grows(manager, backend, monkeypatch):
    """PostgreSQL plans the batches' lookups from the tables' statistics: an import analyses
    the tables it grew (here after every batch), so they never keep those of an empty table."""
    monkeypatch.setattr(bulk, "STATISTICS_GROWTH", 1)
    run = run_of(manager, upload(manager, csv_bytes(sample(6, seed=71))))
    assert run["rejected"] == 0
    if backend != "postgresql":
        assert bulk.keep_statistics({}, {"terminals": 6}) == []  # SQLite needs none
        return
    estimates = {name: estimate for name, estimate in db.session.execute(text(
        "SELECT relname, reltuples FROM pg_class WHERE relname IN "
        "('customers', 'vehicles', 'terminals', 'sims')"))}
    assert len(estimates) == 4
    assert all(estimate >= 1 for estimate in estimates.values()), estimates


def test_statistics_are_taken_again_once_a_table_grew_by_half(app, backend):
    if backend != "postgresql":
        pytest.skip("statistics are kept on PostgreSQL only")
    state = {"terminals": [10_000, 0]}
    assert bulk.keep_statistics(state, {"terminals": 600, "sims": 0}) == []
    assert state == {"terminals": [10_000, 600]}
    assert bulk.keep_statistics(state, {"terminals": 4_400}) == ["terminals"]
    assert state == {"terminals": [15_000, 0]}
