"""Document benchmarks (issue 6), against baselines measured in the same run.

- service sheets per second through RQ (real Redis, the app's worker class, fonts preloaded)
  against raw reportlab building the same sheets with no database, queue or storage (warmed
  up; the faster of a pass before and one after the RQ run), by wall-clock and by CPU time
  (the worker runs in the bench's process; CPU time is what other load on a shared machine
  distorts least);
- the month-end run for 1,000 on-account invoices (issue numbers, then one PDF), with two
  workers already running (``flask --app dispatch worker``): from the request's commit to its
  job row saying ``done``.

Run: ``.venv/bin/python bench/documents_bench.py [--sheets N]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_app, print_table, private_redis, record

ROOT = Path(__file__).resolve().parent.parent


def _orders(count: int):
    """``count`` completed on-account repair orders with two parts each (bulk, for speed)."""
    from dispatch.auth.services import create_user
    from dispatch.extensions import db
    from dispatch.registry.models import Customer, Vehicle
    from dispatch.technicians.models import Technician
    from dispatch.timeutil import utcnow
    from inventory.models import Part
    from workorders.models import OrderPart, WorkOrder

    user = create_user("bench-tech", "bench-password", ["technician"], name="张师傅")
    technician = Technician(user=user, home_lat=30.2, home_lon=120.1, skills=["repair"])
    part = Part(sku="RELAY-5P", name="断油断电继电器", category="relay", price=Decimal("45.00"))
    customer = Customer(name="杭州顺达物流有限公司", contact_name="王伟", phone="+8613800138000",
                        address="浙江省杭州市西湖区文三路100号")
    vehicle = Vehicle(plate="浙A12345", customer=customer)
    db.session.add_all([technician, part, customer, vehicle])
    db.session.flush()
    now = utcnow()
    orders = []
    for index in range(count):
        order = WorkOrder(number=f"B-{index:05d}", kind="repair", status="completed",
                          customer=customer, vehicle=vehicle, site_address=customer.address,
                          contact_name="王伟", contact_phone="+8613800138000",
                          product_model="GT06N", fault_description="终端不上线", owner_id=user.id,
                          created_by_id=user.id, approved_by_id=user.id, technician=technician,
                          resolution="更换继电器", payment_method="none",
                          amount_collected=Decimal("0.00"), fee_total=Decimal("90.00"),
                          created_at=now, completed_at=now)
        order.parts = [OrderPart(sku="RELAY-5P", name=part.name, qty=2, unit_price=part.price)]
        orders.append(order)
    db.session.add_all(orders)
    db.session.commit()
    return [order.id for order in orders], user.id


def bench_sheets(count: int) -> None:
    from dispatch.extensions import db
    from dispatch.jobs.queues import queue, redis_connection
    from dispatch.jobs.worker import AppWorker
    from dispatch.pdf import preload
    from workorders.documents import pdfs
    from workorders.documents.jobs import request_sheet, sheet_data
    from workorders.models import WorkOrder

    with private_redis() as redis_url, bench_app() as app:
        app.config["REDIS_URL"] = redis_url
        ids, _user = _orders(count)
        preload()
        data = [sheet_data(db.session.get(WorkOrder, order_id)) for order_id in ids]
        db.session.remove()
        for item in data[:10]:  # warm-up, not measured (glyph caches and the like)
            pdfs.build(pdfs.service_sheet_flowables, item)

        raw_cpu: list[float] = []

        def raw_pass() -> float:
            started, cpu = time.perf_counter(), time.process_time()
            for item in data:
                pdfs.build(pdfs.service_sheet_flowables, item)
            raw_cpu.append(time.process_time() - cpu)
            return time.perf_counter() - started

        raw_s = raw_pass()
        for order_id in ids:
            request_sheet(db.session.get(WorkOrder, order_id), None)
        db.session.commit()  # relayed to Redis after the commit
        db.session.remove()
        connection = redis_connection()
        worker = AppWorker([queue("documents", connection)], connection=connection)
        started, cpu = time.perf_counter(), time.process_time()
        worker.work(burst=True)
        through_rq = count / (time.perf_counter() - started)
        rq_cpu = time.process_time() - cpu  # the worker runs in this process (SQLite too)
        raw_s = min(raw_s, raw_pass())  # the baseline: the faster of a pass before and after
        raw = count / raw_s
        record(f"service sheets through RQ ({count})", through_rq, "sheets/s", "raw reportlab",
               raw, "≥ 0.85×")
        # CPU time is what the load of a shared machine distorts least (Redis's own is left out).
        record(f"service sheets through RQ ({count}), by CPU time", count / rq_cpu, "sheets/s",
               "raw reportlab", count / min(raw_cpu), "≥ 0.85×")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux ``/proc``)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_month_end(count: int) -> None:
    from redis import Redis
    from rq import Worker

    from dispatch.extensions import db
    from dispatch.jobs.models import Job
    from workorders.documents.bulk import request_invoice_pack
    from workorders.finance.invoices import Invoice

    with private_redis() as redis_url, bench_app() as app:
        app.config["REDIS_URL"] = redis_url
        _ids, user_id = _orders(count)
        env = {"DISPATCH_ENV": "testing", "SECRET_KEY": "bench", "REDIS_URL": redis_url,
               "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "FILE_STORAGE": app.config["FILE_STORAGE"], "PATH": "/usr/bin:/bin"}
        workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "dispatch", "worker",
                                     "--sweep-interval", "0"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for _ in range(2)]
        try:
            connection = Redis.from_url(redis_url)
            while len(Worker.all(connection=connection)) < 2:  # both listening
                if any(worker.poll() is not None for worker in workers):
                    raise SystemExit("a worker exited before it was ready")
                time.sleep(0.1)
            ready = [_cpu_seconds(worker.pid) for worker in workers]
            job = request_invoice_pack(date.today().strftime("%Y-%m"), user_id)
            job_id = job.id
            started = time.perf_counter()
            db.session.commit()  # relayed to the workers
            while True:
                db.session.expire_all()
                status = db.session.get_one(Job, job_id).status
                db.session.rollback()
                if status in ("done", "failed"):
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            busiest = max(_cpu_seconds(worker.pid) - before
                          for worker, before in zip(workers, ready, strict=True))
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
        issued = db.session.query(Invoice).count()
        assert issued == count and status == "done", (issued, status)
        record(f"month-end run, {count:,} invoices, 2 workers", elapsed, "s", "target", 12.0,
               "≤ 12 s")
        # On a shared machine the wall time above includes waiting for a core; the busier
        # worker's CPU time during the run is about what it takes on a quiet one.
        record(f"month-end run, {count:,} invoices: CPU of the busier worker", busiest, "s",
               "target", 12.0, "(≤ 12 s wall)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sheets", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=1000)
    args = parser.parse_args(argv)
    bench_sheets(args.sheets)
    bench_month_end(args.invoices)


if __name__ == "__main__":
    main()
    print_table("Documents")
