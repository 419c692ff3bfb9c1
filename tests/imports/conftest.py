"""Helpers for the import tests: files built in memory, uploads through the API, waiting for
the in-process worker, and snapshots of the registry."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dispatch.audit.log import AuditLog
from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.registry.import_sample import sample_rows
from dispatch.registry.importer import COLUMNS
from dispatch.registry.models import Customer, Installation, Sim, Terminal, Vehicle

REGISTRY = (Customer, Vehicle, Terminal, Sim, Installation)
REGISTRY_TABLES = ("customers", "vehicles", "terminals", "sims", "installations")


def csv_bytes(rows: Iterable[Sequence[Any]], header: Sequence[str] = COLUMNS,
              encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Iterable[Sequence[Any]], header: Sequence[str] = COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sample(count: int, seed: int = 1) -> list[list[str]]:
    return [list(row) for row in sample_rows(count, seed)]


_SPARE = iter(sample_rows(10_000, seed=99))


def row_of(**values: str) -> list[str]:
    """A valid row (the next of a sample no other helper uses: its own customer, vehicle and
    devices) with ``values`` replacing some cells."""
    base = dict(zip(COLUMNS, next(_SPARE), strict=True))
    base.update(values)
    return [base[column] for column in COLUMNS]


def upload(api, data: bytes, name: str = "base.csv", dry_run: bool = False, wait: bool = True,
           **form: str):
    response = api.client.post("/api/v1/imports", headers=api._headers(None), data={
        "file": (io.BytesIO(data), name), "dry_run": "1" if dry_run else "0", **form},
        content_type="multipart/form-data")
    if wait and response.status_code == 202:
        outbox.drain()
        db.session.expire_all()
    return response


def run_of(api, response) -> dict[str, Any]:
    assert response.status_code == 202, response.get_json()
    run = api.get(f"/api/v1/imports/{response.get_json()['id']}").get_json()
    assert run["status"] in ("done", "failed"), run
    return run


def apply_dry_run(api, dry: dict) -> dict:
    """Apply a finished dry run (``POST /api/v1/imports/{id}/apply``) and wait for it."""
    response = api.post(f"/api/v1/imports/{dry['id']}/apply")
    outbox.drain()
    db.session.expire_all()
    run = run_of(api, response)
    assert run["source_run_id"] == dry["id"] and run["dry_run"] is False
    return run


def registry_snapshot() -> dict[str, list[tuple]]:
    """Every registry row's columns, to compare before and after."""
    db.session.expire_all()
    snapshot = {}
    for model in REGISTRY:
        columns = [c for c in model.__table__.columns if c.name not in ("created_at", "updated_at")]
        snapshot[model.__tablename__] = sorted(
            tuple(str(v) for v in row) for row in db.session.execute(select(*columns)))
    return snapshot


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.entity.in_(REGISTRY_TABLES))) or 0


@pytest.fixture
def admin(api_as):
    return api_as("admin")


@pytest.fixture
def manager(api_as):
    return api_as("manager")


def natural_snapshot() -> dict[str, list[tuple]]:
    """The registry by natural keys (no ids): what two imports of the same rows must agree on."""
    db.session.expire_all()
    customers = sorted((c.name, c.phone, c.contact_name, c.address, c.credit_class,
                        c.confidentiality) for c in db.session.scalars(select(Customer)))
    vehicles = sorted((v.plate, v.description, v.customer.name, v.customer.phone)
                      for v in db.session.scalars(select(Vehicle)))
    terminals = sorted((t.terminal_id, t.imei, t.model, t.status, t.vehicle.plate if t.vehicle else None,
                        str(t.install_date), str(t.purchase_date), str(t.warranty_end))
                       for t in db.session.scalars(select(Terminal)))
    sims = sorted((s.iccid, s.msisdn, s.carrier, s.status,
                   s.terminal.terminal_id if s.terminal else None)
                  for s in db.session.scalars(select(Sim)))
    installations = sorted((i.device_kind, i.vehicle.plate,
                            i.terminal.terminal_id if i.terminal else i.sim.iccid,
                            i.installed_at.isoformat(), i.removed_at)
                           for i in db.session.scalars(select(Installation)))
    return {"customers": customers, "vehicles": vehicles, "terminals": terminals, "sims": sims,
            "installations": installations}


def wipe_registry() -> None:
    from sqlalchemy import delete

    for model in (Installation, Sim, Terminal, Vehicle, Customer):
        db.session.execute(delete(model))
    db.session.commit()
