"""Migration 0009 (scale indexes) upgrades and downgrades on SQLite and PostgreSQL."""

import os
import uuid

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from dispatch import create_app
from dispatch.extensions import db
from tests.conftest import PG_SERVER

NEW = {("work_orders", "ix_work_orders_status_created"), ("work_orders", "ix_work_orders_created_id"),
       ("work_orders", "ix_work_orders_technician_jobs"), ("customers", "ix_customers_secret"),
       ("work_orders", "ix_work_orders_queue")}
OLD = {("work_orders", "ix_work_orders_technician_status"), ("work_orders", "ix_work_orders_created_at")}


def _indexes(engine) -> set[tuple[str, str]]:
    found = inspect(engine)
    return {(table, index["name"]) for table in ("work_orders", "customers")
            for index in found.get_indexes(table)}


def _round_trip(url: str) -> None:
    app = create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        assert _indexes(db.engine) >= NEW and not OLD & _indexes(db.engine)
        downgrade(revision="0008")
        assert _indexes(db.engine) >= OLD and not NEW & _indexes(db.engine)
        upgrade()
        assert _indexes(db.engine) >= NEW
        db.session.remove()
        db.engine.dispose()


def test_0009_upgrades_and_downgrades(backend, tmp_path):
    if backend == "sqlite":
        _round_trip(f"sqlite:///{tmp_path / 'migrate.sqlite3'}")
        return
    name = f"dispatch_migrate_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _round_trip(f"{PG_SERVER}/{name}")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
