"""The load test's data (issue 10): the synthetic city on PostgreSQL, generated once with
``flask --app dispatch synth`` and reused while the marker table ``bench_dataset`` says it
holds the same numbers and shape; the accounts and orders the measured requests need."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "synthetic-password"  # noqa: S105 - the synthetic technicians' password (synth.py)
DISPATCHER = "bench-dispatcher"
LIST_JOBS = 8            # open jobs of the technician whose job list is measured
COMPLETION_TECHNICIANS = 6
DATASET_SHAPE = 2        # bump when synth's output changes (2: orders in technicians' hands)


def autocommit_engine(url: str):
    from sqlalchemy import create_engine
    return create_engine(url, isolation_level="AUTOCOMMIT")


def ensure_dataset(server: str, orders: int, technicians: int, open_orders: int) -> tuple[str, str]:
    """The URL of a migrated database holding the synthetic city; generated when missing."""
    from sqlalchemy import text

    name = f"dispatch_bench_{orders // 1_000_000}m" if orders % 1_000_000 == 0 \
        else f"dispatch_bench_{orders // 1000}k"
    url = f"{server.rstrip('/')}/{name}"
    admin = autocommit_engine(f"{server.rstrip('/')}/postgres")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    wanted = {"orders": orders, "technicians": technicians, "open_orders": open_orders,
              "shape": DATASET_SHAPE}
    marker = _marker(url)
    if marker is not None and {k: marker.get(k) for k in wanted} == wanted:
        _migrate(url)
        return url, f"reused (synth took {marker['seconds']:,.0f} s)"
    if marker is not None or _has_orders(url):
        admin = autocommit_engine(f"{server.rstrip('/')}/postgres")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    _migrate(url)
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "dispatch", "synth",
                    "--orders", str(orders), "--technicians", str(technicians),
                    "--open", str(open_orders)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   env={**os.environ, "DISPATCH_ENV": "testing", "DATABASE_URL": url})
    seconds = time.perf_counter() - started
    engine = autocommit_engine(url)
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
        connection.execute(text("CREATE TABLE bench_dataset (orders integer, technicians integer, "
                                "open_orders integer, shape integer, seconds double precision)"))
        connection.execute(text("INSERT INTO bench_dataset VALUES (:orders, :technicians, "
                                ":open_orders, :shape, :seconds)"), {**wanted, "seconds": seconds})
    engine.dispose()
    return url, f"synth took {seconds:,.0f} s"


def _marker(url: str) -> dict | None:
    from sqlalchemy import text
    engine = autocommit_engine(url)
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT to_regclass('bench_dataset') IS NOT NULL")):
            return None
        row = connection.execute(text("SELECT * FROM bench_dataset")).mappings().first()
    engine.dispose()
    return dict(row) if row else None


def _has_orders(url: str) -> bool:
    from sqlalchemy import text
    engine = autocommit_engine(url)
    with engine.connect() as connection:
        found = connection.scalar(text("SELECT to_regclass('work_orders') IS NOT NULL")) and \
            connection.scalar(text("SELECT EXISTS (SELECT 1 FROM work_orders)"))
    engine.dispose()
    return bool(found)


def _migrate(url: str) -> None:
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "dispatch", "db", "upgrade"],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "DISPATCH_ENV": "testing", "DATABASE_URL": url})


@contextmanager
def _app(url: str):
    from dispatch import create_app
    from dispatch.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": url, "FILE_STORAGE": folder})
        with app.app_context():
            yield
            db.session.remove()
            db.engine.dispose()


def prepare(url: str) -> dict:
    """Idempotent: the dispatcher account, and the measured technician with ``LIST_JOBS`` open
    jobs (picked from the synthetic technicians, with a year of history each)."""
    from sqlalchemy import func, select, update

    from dispatch.auth.models import User
    from dispatch.auth.services import create_user
    from dispatch.extensions import db
    from dispatch.technicians.models import Technician
    from dispatch.timeutil import utcnow
    from workorders.models import WorkOrder

    with _app(url):
        if db.session.scalar(select(User).where(User.username == DISPATCHER)) is None:
            create_user(DISPATCHER, PASSWORD, ["dispatcher"])
        synthetic = db.session.execute(
            select(Technician.id, User.username).join(User, User.id == Technician.user_id)
            .where(User.username.like("synth-%")).order_by(Technician.id)
            .limit(1 + COMPLETION_TECHNICIANS)).all()
        listed = synthetic[0]
        have = db.session.scalar(select(func.count()).select_from(WorkOrder).where(
            WorkOrder.technician_id == listed.id,
            WorkOrder.status.in_(("assigned", "en_route", "on_site"))))
        if have < LIST_JOBS:
            ids = db.session.scalars(select(WorkOrder.id).where(
                WorkOrder.status == "approved", WorkOrder.technician_id.is_(None))
                .order_by(WorkOrder.id).limit(LIST_JOBS - have)).all()
            db.session.execute(update(WorkOrder).where(WorkOrder.id.in_(ids)).values(
                status="assigned", technician_id=listed.id, assigned_at=utcnow(),
                version=WorkOrder.version + 1).execution_options(synchronize_session=False))
        db.session.commit()
        admin = db.session.scalar(select(User.id).order_by(User.id))
        return {"list_technician": listed.username, "admin_id": admin,
                "completion": [(row.id, row.username) for row in synthetic[1:]]}


def prepare_completions(url: str, technicians: list[tuple[int, str]], count: int) -> list[int]:
    """``count`` repair orders on site, spread over ``technicians``: each completion request
    completes a different one. Made just before the completion run (they would show on the
    board's routes), and left-overs are cancelled after it."""
    from sqlalchemy import insert, select

    from dispatch.auth.models import User
    from dispatch.extensions import db
    from dispatch.timeutil import utcnow
    from workorders.models import WorkOrder

    with _app(url):
        owner = db.session.scalar(select(User.id).order_by(User.id))
        picked = db.session.execute(select(WorkOrder.customer_id, WorkOrder.vehicle_id)
                                    .order_by(WorkOrder.id).limit(count)).all()
        now, stamp = utcnow(), int(time.time())
        rows = [{"number": f"LB-{stamp}-{i:05d}", "kind": "repair", "status": "on_site",
                 "priority": "normal", "customer_id": c.customer_id, "vehicle_id": c.vehicle_id,
                 "site_address": "浙江省杭州市", "site_lat": 30.27, "site_lon": 120.16,
                 "contact_name": "联系人", "contact_phone": "+8613800138000",
                 "product_model": "GT06N", "fault_description": "load test", "owner_id": owner,
                 "created_by_id": owner, "approved_by_id": owner, "approved_at": now,
                 "technician_id": technicians[i % len(technicians)][0], "assigned_at": now,
                 "on_site_at": now, "created_at": now - timedelta(seconds=i), "resolution": "",
                 # a purchase date on record: a repair without one cannot be completed (R1, R2)
                 "purchase_date": (now - timedelta(days=30)).date(), "version": 1}
                for i, c in enumerate(picked)]
        ids = list(db.session.scalars(insert(WorkOrder).returning(WorkOrder.id), rows))
        db.session.commit()
        return ids


def cancel_leftovers(url: str, ids: list[int]) -> None:
    from sqlalchemy import update

    from dispatch.extensions import db
    from dispatch.timeutil import utcnow
    from workorders.models import WorkOrder

    with _app(url):
        db.session.execute(update(WorkOrder).where(WorkOrder.id.in_(ids),
                                                   WorkOrder.status == "on_site")
                           .values(status="cancelled", cancelled_at=utcnow(),
                                   cancel_reason="load test left-over")
                           .execution_options(synchronize_session=False))
        db.session.commit()


@contextmanager
def order_changes(url: str, every: float = 1.0):
    """While inside: one open order's priority changed and committed every ``every`` seconds,
    as a busy shop changes its orders; each change moves the board's version. The order is left
    as it was found."""
    import threading

    from sqlalchemy import select

    from dispatch.extensions import db
    from workorders.models import WorkOrder, unassigned_open

    stop, ready = threading.Event(), threading.Event()

    def change() -> None:
        with _app(url):
            order = db.session.scalar(select(WorkOrder).where(unassigned_open()).limit(1))
            original = order.priority
            ready.set()
            while not stop.wait(every):
                order.priority = "urgent" if order.priority == "normal" else "normal"
                db.session.commit()
            order.priority = original
            db.session.commit()

    writer = threading.Thread(target=change, daemon=True)
    writer.start()
    ready.wait(60)
    try:
        yield
    finally:
        stop.set()
        writer.join(60)


def page_anchors(url: str) -> list[int]:
    """Keyset anchors spread over the whole table, so pages are not all the newest one."""
    from sqlalchemy import text
    engine = autocommit_engine(url)
    with engine.connect() as connection:
        top = connection.scalar(text("SELECT max(id) FROM work_orders"))
        approved = connection.scalars(text(
            "SELECT id FROM work_orders WHERE status = 'closed' ORDER BY id DESC "
            "OFFSET 1000 LIMIT 1")).first()
        open_ids = connection.scalars(text(
            "SELECT id FROM work_orders WHERE status = 'approved' AND technician_id IS NULL "
            "ORDER BY id LIMIT 1")).all()
    engine.dispose()
    return [top, approved or top, *(open_ids or [top])]
