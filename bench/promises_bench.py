"""Promises benchmarks (issue 22), each against a baseline measured in the same run:

- the customer link page (``GET /t/<token>``, an order en route with a live ETA) p50/p95,
  against the page-query ceiling of the load test (``bench/load_ceiling.py``: a bare indexed
  50-row page query on the same database, through Flask);
- messages to customers per second through the outbox and RQ (real Redis, the app's worker
  class, the ``log`` channel), against bare RQ jobs that do nothing (the same worker class).

Both apps are driven in-process (Flask test clients) on the same PostgreSQL database, a
throwaway one on ``--server`` (the ceiling reads PostgreSQL's types); without PostgreSQL the
link figure is skipped.

Run: ``.venv/bin/python bench/promises_bench.py [--repeat N] [--messages N] [--server URL]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROWS, bench_app, pct, print_table, private_redis, record, sample

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


@contextmanager
def throwaway_database(server: str) -> Iterator[str]:
    from sqlalchemy import text

    from bench.load_data import autocommit_engine

    name = f"dispatch_promises_bench_{uuid.uuid4().hex[:8]}"
    admin = autocommit_engine(f"{server.rstrip('/')}/postgres")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server.rstrip('/')}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def noop() -> None:
    """The bare RQ job of the baseline."""


def _orders(count: int):
    """``count`` orders en route with the technician's position reported (bulk, for speed)."""
    from dispatch.auth.services import create_user
    from dispatch.extensions import db
    from dispatch.registry.models import Customer, Vehicle
    from dispatch.technicians.models import Technician
    from dispatch.timeutil import utcnow
    from workorders.models import WorkOrder, WorkOrderEvent

    now = utcnow()
    user = create_user("bench-tech", "bench-password", ["technician"], name="张小明")
    technician = Technician(user=user, home_lat=30.2, home_lon=120.1, skills=["repair"],
                            last_lat=30.22, last_lon=120.12, last_seen_at=now)
    customer = Customer(name="杭州顺达物流有限公司", contact_name="王伟", phone="+8613800138000",
                        address="浙江省杭州市西湖区文三路100号")
    vehicle = Vehicle(plate="浙A12345", customer=customer)
    db.session.add_all([technician, customer, vehicle])
    db.session.flush()
    orders = []
    for index in range(count):
        order = WorkOrder(number=f"P-{index:05d}", kind="repair", status="en_route",
                          customer=customer, vehicle=vehicle, site_address=customer.address,
                          site_lat=30.27, site_lon=120.13, contact_name="王伟",
                          contact_phone="+8613800138000", product_model="GT06N",
                          owner_id=user.id, created_by_id=user.id, approved_by_id=user.id,
                          technician=technician, created_at=now - timedelta(hours=2),
                          approved_at=now - timedelta(hours=1), en_route_at=now,
                          window_start=now, window_end=now + timedelta(hours=2))
        order.events = [WorkOrderEvent(action=action, at=now, user_id=user.id, to_status=action)
                        for action in ("intake", "approve", "assign", "en_route")]
        orders.append(order)
    db.session.add_all(orders)
    db.session.commit()
    return orders


def bench_link(repeat: int, server: str) -> None:
    from bench.load_ceiling import create_ceiling_app
    from workorders.promises.links import tracking_url

    try:
        stack = throwaway_database(server)
        database_url = stack.__enter__()
    except Exception as exc:  # no PostgreSQL: the figure is skipped, the rest runs
        ROWS.append(("customer link page", f"skipped: no PostgreSQL at {server} "
                     f"({type(exc).__name__})", "—", "—", ""))
        return
    try:
        _measure_link(repeat, database_url, create_ceiling_app, tracking_url)
    finally:
        stack.__exit__(None, None, None)


def _measure_link(repeat: int, database_url: str, create_ceiling_app, tracking_url) -> None:
    with bench_app(database_url) as app:
        orders = _orders(200)
        path = tracking_url(orders[100]).split("://", 1)[1]
        path = path[path.index("/t/"):]
        from dispatch.extensions import db
        db.session.commit()
        app.config["DISPATCH_LINK_RATE_LIMIT"] = "1000000 per minute"
        client = app.test_client()
        assert client.get(path).status_code == 200
        os.environ["DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
        ceiling = create_ceiling_app().test_client()
        assert ceiling.get("/page").status_code == 200
        link_times = sample(lambda: client.get(path), repeat)
        page_times = sample(lambda: ceiling.get("/page"), repeat)
        record("customer link page p50", pct(link_times, 50), "ms", "page-query ceiling p50",
               pct(page_times, 50))
        record("customer link page p95", pct(link_times, 95), "ms", "page-query ceiling p95",
               pct(page_times, 95), "≤ 10×")


def bench_messages(count: int) -> None:
    from rq import SimpleWorker

    from dispatch.extensions import db
    from dispatch.jobs.queues import queue, redis_connection
    from dispatch.jobs.worker import AppWorker
    from dispatch.notify.delivery import queue_message

    with private_redis() as redis_url, bench_app() as app:
        app.config["REDIS_URL"] = redis_url
        connection = redis_connection()
        assert connection is not None
        bare = queue("default", connection)
        for _ in range(count):
            bare.enqueue("bench.promises_bench.noop")
        started = time.perf_counter()
        SimpleWorker([bare], connection=connection).work(burst=True)
        bare_rate = count / (time.perf_counter() - started)

        for index in range(count):
            queue_message(f"bench:{index}", "order_approved", preference="sms", email="",
                          phone="+8613800138000", language="zh_Hans",
                          params={"number": f"P-{index:05d}", "window": "明天 9:00–11:00",
                                  "link": "https://example.invalid/t/x"})
        db.session.commit()  # relayed to Redis after the commit
        started = time.perf_counter()
        AppWorker([queue("notify", connection)], connection=connection).work(burst=True)
        rate = count / (time.perf_counter() - started)
        from sqlalchemy import func, select

        from dispatch.notify.models import Message
        sent = db.session.scalar(select(func.count(Message.id)).where(Message.status == "sent"))
        assert sent == count, f"{sent} of {count} sent"
        record(f"messages sent through RQ ({count}, log channel)", rate, "msgs/s",
               "bare RQ jobs", bare_rate, "≥ 0.25×")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", SERVER),
                        help="PostgreSQL server URL (no database name)")
    args = parser.parse_args(argv)
    bench_link(args.repeat, args.server)
    bench_messages(args.messages)


if __name__ == "__main__":
    main()
    print_table("Promises")
