"""Synthetic data for benchmarks and load tests: a city's customers, vehicles, technicians
and work-order history, written with bulk inserts (``flask --app dispatch synth``). On
PostgreSQL the customers, vehicles and orders are streamed with ``COPY`` (psycopg 3), several
times faster than multi-row inserts at a million orders.

Rows are valid (plates, phones, statuses, money) but go around the services for speed: no
audit rows, fixed password hash. Never run it against a production database.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from dispatch.auth.models import User, UserRole
from dispatch.extensions import db
from dispatch.registry.models import Customer, Vehicle
from dispatch.technicians.models import Technician
from workorders.models import WorkOrder

CENTRE = (30.27, 120.16)
SPREAD = 0.25  # degrees around the centre: a city of ~50 km across
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
BATCH = 5000


ORDER_COLUMNS = (
    "id", "number", "kind", "status", "priority", "customer_id", "vehicle_id", "site_address",
    "site_lat", "site_lon", "contact_name", "contact_phone", "product_model", "fault_description",
    "owner_id", "created_by_id", "resolution", "created_at", "version", "approved_by_id",
    "approved_at", "technician_id", "assigned_at", "on_site_at", "completed_at", "payment_method",
    "amount_collected", "fee_total")


def _batches(rows: list[dict], table) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start:start + BATCH])


def _stream(rows: Iterable[dict], table, columns: tuple[str, ...],
            progress: Callable[[int], None] = lambda done: None) -> None:
    """Write ``rows`` (flat values only): ``COPY`` on PostgreSQL, else inserts of ``BATCH``."""
    if db.session.get_bind().dialect.name == "postgresql":
        raw = db.session.connection().connection.driver_connection  # psycopg 3, same transaction
        assert raw is not None  # an open connection has its driver's connection
        names = ", ".join(columns)
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table.__tablename__} ({names}) FROM STDIN") as copy:  # fixed names
            for done, row in enumerate(rows, 1):
                copy.write_row([row.get(column) for column in columns])
                if done % BATCH == 0:
                    progress(done)
        return
    batch: list[dict] = []
    for done, row in enumerate(rows, 1):
        batch.append({column: row.get(column) for column in columns})
        if len(batch) == BATCH:
            db.session.execute(insert(table), batch)
            batch = []
            progress(done)
    if batch:
        db.session.execute(insert(table), batch)


def generate(orders: int, technicians: int, open_orders: int, customers: int | None = None,
             seed: int = 7, progress: Callable[[str, int, int], None] | None = None,
             in_hand: int | None = None) -> dict[str, int]:
    """Add ``technicians`` technicians and ``orders`` orders, ``open_orders`` of them still
    open (new or approved, unassigned), ``in_hand`` (default: two per technician) assigned,
    en route or on site today; the rest completed or closed over the past year."""
    busy = min(orders - open_orders, technicians * 2 if in_hand is None else in_hand) \
        if technicians else 0
    rng = random.Random(seed)
    say = progress or (lambda what, done, total: None)
    base = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    password = generate_password_hash("synthetic-password", method="pbkdf2:sha256:1000")
    users = [{"id": base + i, "username": f"synth-{base + i}", "name": f"技术员{base + i}",
              "password_hash": password, "active": True, "created_at": datetime.now(UTC)}
             for i in range(technicians)]
    _batches(users, User)
    _batches([{"user_id": u["id"], "role": "technician"} for u in users], UserRole)
    _batches([{"user_id": u["id"], "home_lat": CENTRE[0] + rng.uniform(-SPREAD, SPREAD),
               "home_lon": CENTRE[1] + rng.uniform(-SPREAD, SPREAD),
               "skills": ["install", "repair", "removal", "inspection"],
               "work_start": datetime.min.time().replace(hour=0),
               "work_end": datetime.min.time().replace(hour=23, minute=59),
               "daily_capacity": 10, "active": True, "contractor": False, "phone": "",
               "created_at": datetime.now(UTC)} for u in users], Technician)
    say("technicians", technicians, technicians)
    tech_ids = list(db.session.scalars(select(Technician.id).where(Technician.user_id >= base)))

    customer_count = customers or max(1, orders // 5)
    first_customer = (db.session.scalar(select(func.max(Customer.id))) or 0) + 1
    stamp = datetime.now(UTC)
    customer_columns = ("id", "name", "contact_name", "phone", "address", "lat", "lon",
                        "confidentiality", "credit_class", "overseas", "notes", "created_at",
                        "updated_at")
    _stream(({"id": first_customer + i, "name": f"合成客户{first_customer + i}", "contact_name": "联系人",
              "phone": f"+86138{first_customer + i:08d}"[:14], "address": "浙江省杭州市",
              "lat": CENTRE[0] + rng.uniform(-SPREAD, SPREAD),
              "lon": CENTRE[1] + rng.uniform(-SPREAD, SPREAD), "confidentiality": "ordinary",
              "credit_class": "B", "overseas": False, "notes": "",
              "created_at": stamp, "updated_at": stamp}
             for i in range(customer_count)), Customer, customer_columns)
    first_vehicle = (db.session.scalar(select(func.max(Vehicle.id))) or 0) + 1
    _stream(({"id": first_vehicle + i, "plate": _plate(first_vehicle + i),
              "customer_id": first_customer + i, "description": "", "created_at": stamp}
             for i in range(customer_count)), Vehicle,
            ("id", "plate", "customer_id", "description", "created_at"))
    say("customers", customer_count, customer_count)

    owner = db.session.scalar(select(User.id).order_by(User.id)) or base
    first_order = (db.session.scalar(select(func.max(WorkOrder.id))) or 0) + 1
    rows = _orders(rng, orders, open_orders, busy, first_order, first_customer, first_vehicle,
                   customer_count, tech_ids, owner)
    _stream(rows, WorkOrder, ORDER_COLUMNS, lambda done: say("orders", done, orders))
    say("orders", orders, orders)
    _advance_sequences(("users", "technicians", "customers", "vehicles", "work_orders"))
    db.session.commit()
    return {"technicians": technicians, "customers": customer_count, "orders": orders,
            "in_hand": busy}


def _orders(rng: random.Random, orders: int, open_orders: int, busy: int, first_order: int,
            first_customer: int, first_vehicle: int, customer_count: int, tech_ids: list[int],
            owner: int) -> Iterator[dict]:
    """The orders, oldest history first; the last ``open_orders`` are open (new or approved),
    the ``busy`` before them in technicians' hands today."""
    now = datetime.now(UTC)
    for i in range(orders):
        oid = first_order + i
        customer = rng.randrange(customer_count)
        is_open = i >= orders - open_orders
        is_busy = not is_open and i >= orders - open_orders - busy
        created = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 365)) if not is_open \
            else now - timedelta(minutes=rng.randrange(1, 60 * 24 * 3))
        row = {
            "id": oid, "number": f"SY-{oid:08d}", "kind": rng.choice(("install", "repair", "repair")),
            "status": rng.choice(("new", "approved", "approved")) if is_open else
            rng.choice(("completed", "closed", "closed")),
            "priority": "urgent" if rng.random() < 0.1 else "normal",
            "customer_id": first_customer + customer, "vehicle_id": first_vehicle + customer,
            "site_address": "浙江省杭州市", "site_lat": CENTRE[0] + rng.uniform(-SPREAD, SPREAD),
            "site_lon": CENTRE[1] + rng.uniform(-SPREAD, SPREAD), "contact_name": "联系人",
            "contact_phone": "+8613800138000", "product_model": "GT06N", "fault_description": "",
            "owner_id": owner, "created_by_id": owner, "resolution": "", "created_at": created,
            "version": 1,
        }
        if row["status"] != "new":
            row.update(approved_by_id=owner, approved_at=created + timedelta(minutes=10))
        if is_busy:
            status = rng.choice(("assigned", "assigned", "en_route", "on_site"))
            row.update(status=status, technician_id=tech_ids[i % len(tech_ids)],
                       created_at=now - timedelta(hours=5, seconds=i % 3600),
                       assigned_at=now - timedelta(hours=4),
                       on_site_at=now - timedelta(minutes=30) if status == "on_site" else None,
                       resolution="")
        elif not is_open:
            on_site = created + timedelta(minutes=rng.randrange(30, 600))
            row.update(technician_id=rng.choice(tech_ids), assigned_at=created + timedelta(minutes=20),
                       on_site_at=on_site, completed_at=on_site + timedelta(minutes=rng.randrange(15, 120)),
                       payment_method="none", amount_collected=Decimal("0.00"),
                       fee_total=Decimal("0.00"), resolution="done")
        yield row


def _advance_sequences(tables: tuple[str, ...]) -> None:
    """Rows were inserted with explicit ids: move PostgreSQL's id sequences past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
            f"(SELECT coalesce(max(id), 1) FROM {table}))"))


def _plate(number: int) -> str:
    """浙 + office letter + letter + 4 digits: 5.76 million distinct plates."""
    office, letter = PLATE_CHARS[number % 24], PLATE_CHARS[number // 24 % 24]
    return f"浙{office}{letter}{number // 576 % 10000:04d}"
