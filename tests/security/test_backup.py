"""A backup restores into a fresh database with the same counts, money totals and files."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import create_engine, func, select, text

from dispatch import create_app, storage
from dispatch.extensions import db
from tests.conftest import PG_SERVER
from tests.documents.conftest import complete_repair_with_swap
from workorders.finance.invoices import Invoice
from workorders.models import WorkOrder

TABLES = ("customers", "vehicles", "terminals", "work_orders", "invoices", "audit_log", "jobs")


def _figures():
    counts = {table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
              for table in TABLES}
    money = (db.session.scalar(select(func.sum(Invoice.total))) or Decimal(0),
             db.session.scalar(select(func.sum(WorkOrder.amount_collected))) or Decimal(0))
    return counts, money


def test_backup_restores_into_a_fresh_database(app, world, runner, tmp_path, backend):
    from dispatch.jobs import outbox

    order_id = complete_repair_with_swap(world)
    outbox.drain()
    signature = db.session.get(WorkOrder, order_id).signature_path
    before = _figures()
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    archive = next((tmp_path / "backups").glob("*.tar.gz"))

    if backend == "sqlite":
        fresh_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        name = f"restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        fresh_url = f"{PG_SERVER}/{name}"
    fresh = create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "x",
                        "SQLALCHEMY_DATABASE_URI": fresh_url,
                        "FILE_STORAGE": str(tmp_path / "restored-files")})
    with fresh.app_context():
        restored = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert restored.exit_code == 0, restored.output
        assert _figures() == before
        assert storage.load(signature)[:8] == b"\x89PNG\r\n\x1a\n"
        db.session.rollback()
        again = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert again.exit_code != 0 and "--force" in again.output
        db.session.remove()
        db.engine.dispose()
    if backend != "sqlite":
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
