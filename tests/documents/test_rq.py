"""Documents through real Redis and real ``rq`` worker processes, with the fault drills of
issue 6: a worker killed mid-job (its figure line is one of issue 11's drills, beside
``tests/drills/``), Redis down during a completion, four workers issuing invoices concurrently
on PostgreSQL."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.jobs.models import Job
from dispatch.timeutil import utcnow
from tests.documents.conftest import complete_repair_with_swap, pdf_text
from tests.support.clock import local_date
from tests.support.figures import drill_figure
from tests.support.services import ROOT, start_worker, worker_env
from workorders.finance.invoices import Invoice
from workorders.models import WorkOrder

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def rq_app(app, redis_server):
    app.config["REDIS_URL"] = redis_server.url
    app.extensions.pop("dispatch_redis", None)
    return app


def _env(app, **extra):
    return worker_env(app.config["SQLALCHEMY_DATABASE_URI"], app.config["REDIS_URL"],
                      app.config["FILE_STORAGE"], **extra)


def _burst(app, **extra):
    process = start_worker(_env(app, **extra), "--burst")
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    assert "unhandled exception" not in output, output
    return output


#: The order's documents; its customer messages (issue 22) are jobs of the same order too.
DOCUMENTS = ("service_sheet", "invoice_pdf", "return_tag")


def _statuses(order_id, kinds=DOCUMENTS):
    db.session.expire_all()
    return {job.kind: job.status for job in db.session.scalars(
        select(Job).where(Job.order_id == order_id, Job.kind.in_(kinds)))}


def test_rq_worker_process_builds_the_documents(rq_app, world):
    order_id = complete_repair_with_swap(world)
    assert set(_statuses(order_id).values()) == {"queued"}
    _burst(rq_app)
    assert _statuses(order_id) == {"service_sheet": "done", "invoice_pdf": "done",
                                   "return_tag": "done"}
    docs = world.tech.get(f"/api/v1/workorders/{order_id}/documents").get_json()["items"]
    sheet = next(d for d in docs if d["kind"] == "service_sheet")
    text = pdf_text(world.tech.get(sheet["url"]).data)
    assert "杭州顺达物流有限公司" in text and "HZ00000002" in text


def test_worker_killed_mid_job_then_sweep_gives_each_document_once(rq_app, world, monkeypatch):
    order_id = complete_repair_with_swap(world)
    slow = start_worker(_env(rq_app), script=str(ROOT / "tests/support/slow_worker.py"))
    deadline = time.monotonic() + 120  # a loaded machine takes long to import the app
    while _statuses(order_id).get("service_sheet") != "running":
        if time.monotonic() > deadline or slow.poll() is not None:
            slow.kill()
            pytest.fail("the slow worker never started the sheet:\n" + slow.communicate()[0])
        time.sleep(0.1)
    # The documents of one completion go to RQ as one batch, claimed together (#23).
    claimed = sum(status == "running" for status in _statuses(order_id).values())
    os.kill(slow.pid, signal.SIGKILL)
    slow.communicate(timeout=10)
    assert _statuses(order_id)["service_sheet"] == "running"  # abandoned
    rq_app.config["DISPATCH_JOB_STALE_SECONDS"] = "1"
    monkeypatch.setattr(outbox, "QUEUED_GRACE", timedelta(0))  # the batch's other documents
    time.sleep(1.2)
    result = outbox.sweep()
    assert result["requeued_abandoned"] == claimed
    _burst(rq_app, DISPATCH_JOB_STALE_SECONDS="1")
    assert _statuses(order_id) == {"service_sheet": "done", "invoice_pdf": "done",
                                   "return_tag": "done"}
    jobs = db.session.scalars(select(Job).where(Job.order_id == order_id,
                                                Job.kind.in_(DOCUMENTS))).all()
    keys = [job.dedupe_key for job in jobs]
    stored = {job.result_path for job in jobs if job.status == "done" and job.result_path}
    files = list((Path(rq_app.config["FILE_STORAGE"]) / "documents").rglob("*.pdf"))
    lost = 3 - len(stored)
    doubled = (len(keys) - len(set(keys))) + max(0, len(files) - len(stored))
    drill_figure("worker-kill", attempts=sum(job.attempts for job in jobs), applied=len(stored),
                 lost=lost, doubled=doubled, killed_mid_job=1)
    assert len(keys) == len(set(keys)) == 3
    assert lost == 0 and doubled == 0, files


def test_redis_down_during_completion_documents_appear_when_back(rq_app, world, redis_server,
                                                                 monkeypatch):
    redis_server.stop()
    order_id = complete_repair_with_swap(world)  # succeeds with Redis down
    assert world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["status"] == "completed"
    assert set(_statuses(order_id).values()) == {"queued"}
    redis_server.start()
    monkeypatch.setattr(outbox, "QUEUED_GRACE", timedelta(0))
    monkeypatch.setattr(outbox, "PERIODIC", [])  # only this order's jobs in the sweep
    waiting = db.session.scalars(select(Job.kind).where(Job.order_id == order_id,
                                                        Job.status == "queued")).all()
    assert set(DOCUMENTS) <= set(waiting)
    assert outbox.sweep()["relayed"] == len(waiting)
    _burst(rq_app)
    assert _statuses(order_id) == {"service_sheet": "done", "invoice_pdf": "done",
                                   "return_tag": "done"}


@pytest.mark.postgres
def test_four_workers_issue_200_invoices_without_gaps_or_duplicates(rq_app, world, backend):
    if backend != "postgresql":
        pytest.skip("concurrency drill for PostgreSQL (run with --db=postgresql)")
    now = utcnow()
    manager = world.manager
    assert manager.token
    approver = db.session.scalar(select(WorkOrder.owner_id)) or world.technician.user_id
    rows = [WorkOrder(number=f"T-{i:05d}", kind="repair", status="completed", customer=world.customer,
                      vehicle=world.truck, site_address="杭州", contact_name="王伟",
                      contact_phone="+8613800138000", product_model="GT06N", owner_id=approver,
                      created_by_id=approver, approved_by_id=approver, technician=world.technician,
                      payment_method="none", amount_collected=Decimal("0.00"),
                      fee_total=Decimal("45.00"), created_at=now, completed_at=now)
            for i in range(200)]
    db.session.add_all(rows)
    db.session.commit()
    from workorders.documents.bulk import request_invoice_pack

    for _ in range(4):
        request_invoice_pack(local_date(now).strftime("%Y-%m"), approver)
    db.session.commit()
    workers = [start_worker(_env(rq_app), "--burst", "--queue", "bulk") for _ in range(4)]
    for process in workers:
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
    db.session.expire_all()
    invoices = db.session.scalars(select(Invoice)).all()
    seqs = sorted(invoice.seq for invoice in invoices)
    assert seqs == list(range(1, 201)), "gapless, no duplicates"
    assert len({invoice.order_id for invoice in invoices}) == 200
    runs = db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "invoice_pack"))
    print(f"\n4 workers: invoices=200, gaps=0, duplicates=0, runs={runs}")
