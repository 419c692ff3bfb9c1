"""Drill: Redis restarted (everything in it lost) while completions are in flight, with real RQ
workers (``flask --app dispatch worker``) building the documents.

Redis goes away while a worker is building a document (it finishes without Redis: RQ's worker
quits then, and ``flask --app dispatch worker`` must start it again) and while further
completions arrive. Completions must never fail because of Redis: the outbox rows commit with
the completion and an enqueue that fails leaves them ``queued``. Once Redis is back, the relay
sweep hands RQ what it lost and the workers build every document exactly once (one job row per
document, one attempt, one invoice per order).
"""

from __future__ import annotations

import signal
import threading
import time
from datetime import timedelta

import pytest
from redis import Redis
from rq import Worker
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.jobs.models import Job
from dispatch.jobs.queues import queue
from tests.drills.conftest import Submission, app_env, prepare_completions
from tests.support.figures import drill_figure
from tests.support.services import kill_group, start_worker
from workorders.finance.invoices import Invoice
from workorders.models import WorkOrder

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.redis]

ORDERS = 6
WORKERS = 2
#: Longer than the Redis client's own retries (under a second), so some enqueues really fail.
DOWN_S = 2.0
DOCUMENTS = {"service_sheet", "invoice_pdf", "return_tag"}


@pytest.fixture
def rq_workers(tmp_path):
    """``rq_workers(env, n)`` → n worker processes; all are stopped at the end."""
    started = []

    def make(env: dict[str, str], count: int) -> list:
        for _ in range(count):
            started.append(start_worker(env, "--sweep-interval", "0", new_session=True,
                                        log_path=tmp_path / f"worker-{len(started)}.log"))
        return started

    yield make
    for process in started:
        kill_group(process, signal.SIGTERM)


def _wait_for_workers(url: str, count: int, processes: list, timeout: float = 60) -> None:
    connection = Redis.from_url(url)
    try:
        deadline = time.monotonic() + timeout
        while len(Worker.all(connection=connection)) < count:
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                pytest.fail("the RQ workers did not start")
            time.sleep(0.1)
    finally:
        connection.close()


def _wait_for_a_running_job(order_ids: list[int], timeout: float = 30) -> int:
    """Wait until a worker is building one of these orders' documents; how many are running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = sum(job.status == "running" for job in _documents(order_ids))
        if running:
            return running
        time.sleep(0.02)
    pytest.fail("no worker started on the first order's documents")


def _settled(order_ids: list[int], url: str, timeout: float = 20) -> int:
    """Wait until the workers have taken everything Redis holds and nothing runs (twice in a
    row, 0.3 s apart); return how many documents are still queued in the database: what
    Redis lost or never got."""
    connection = Redis.from_url(url)
    try:
        deadline = time.monotonic() + timeout
        previous = None
        while time.monotonic() < deadline:
            jobs = _documents(order_ids)
            waiting = sum(len(queue(name, connection)) for name in ("documents", "default"))
            state = sorted((job.id, job.status) for job in jobs)
            if waiting == 0 and not any(job.status == "running" for job in jobs):
                if state == previous:
                    return sum(job.status == "queued" for job in jobs)
                previous = state
            else:
                previous = None
            time.sleep(0.3)
        pytest.fail("the workers never settled after the Redis restart")
    finally:
        connection.close()


def _documents(order_ids: list[int]) -> list[Job]:
    db.session.expire_all()
    jobs = list(db.session.scalars(select(Job).where(Job.order_id.in_(order_ids),
                                                     Job.kind.in_(DOCUMENTS))))
    db.session.rollback()
    return jobs


def test_redis_restart_during_completions_documents_once_each(
        postgresql_only, app, world, redis_server, servers, rq_workers, monkeypatch, tmp_path):
    env = app_env(app, redis_server.url)
    workers = rq_workers(env, WORKERS)
    server = servers(env)
    prepared = prepare_completions(world, ORDERS)
    order_ids = [order_id for order_id, _ in prepared]
    submissions = [Submission(f"/api/v1/workorders/{order_id}/complete", body)
                   for order_id, body in prepared]
    server.start()
    _wait_for_workers(redis_server.url, WORKERS, workers)
    token = world.tech.token
    windows: dict[int, tuple[float, float]] = {}

    def tablet(index: int, delay: float) -> None:
        time.sleep(delay)
        began = time.monotonic()
        submissions[index].send(server.url, token)  # one attempt: Redis must not make it fail
        windows[index] = (began, time.monotonic())

    # The first completion's documents go to the workers; as soon as one is being built, Redis
    # goes away for DOWN_S (the worker finishes it without Redis) while the other completions
    # arrive, 0.25 s apart.
    first = threading.Thread(target=tablet, args=(0, 0.0))
    first.start()
    first.join(timeout=30)
    busy_at_restart = _wait_for_a_running_job(order_ids[:1])
    clients = [first] + [threading.Thread(target=tablet, args=(i, (i - 1) * 0.25))
                         for i in range(1, ORDERS)]
    for client in clients[1:]:
        client.start()
    down_at = time.monotonic()
    redis_server.restart(down_for=DOWN_S)
    back_at = time.monotonic()
    for client in clients:
        client.join(timeout=30)

    logs = sorted(tmp_path.glob("worker-*.log"))
    dead = [log.read_text()[-3000:] for worker, log in zip(workers, logs, strict=True)
            if worker.poll() is not None]
    assert not dead, f"an RQ worker died with Redis:\n{dead[0] if dead else ''}"
    stranded = _settled(order_ids, redis_server.url)  # queued in the database, unknown to Redis
    app.config["REDIS_URL"] = redis_server.url
    app.extensions.pop("dispatch_redis", None)
    monkeypatch.setattr(outbox, "QUEUED_GRACE", timedelta(0))
    monkeypatch.setattr(outbox, "PERIODIC", [])
    relayed = outbox.sweep()["relayed"]  # the relay sweep a worker runs every 15 s
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        jobs = _documents(order_ids)
        if len(jobs) >= 3 * ORDERS and all(job.status in ("done", "failed") for job in jobs):
            break
        time.sleep(0.2)
    jobs = _documents(order_ids)

    completed = db.session.scalar(select(func.count()).select_from(WorkOrder).where(
        WorkOrder.id.in_(order_ids), WorkOrder.status == "completed"))
    per_document: dict[tuple[int | None, str], int] = {}
    for job in jobs:
        per_document[(job.order_id, job.kind)] = per_document.get((job.order_id, job.kind), 0) + 1
    invoices = db.session.scalar(select(func.count()).select_from(Invoice).where(
        Invoice.order_id.in_(order_ids)))
    done = [job for job in jobs if job.status == "done" and job.result_path]
    expected = {(order_id, kind) for order_id in order_ids for kind in DOCUMENTS}
    lost = len(expected - {(job.order_id, job.kind) for job in done})
    doubled = (sum(count - 1 for count in per_document.values())
               + sum(job.attempts - 1 for job in jobs if job.attempts > 1)
               + max(0, (invoices or 0) - ORDERS))
    during = sum(1 for began, ended in windows.values() if began < back_at and ended > down_at)
    drill_figure("redis-restart", attempts=sum(s.attempts for s in submissions),
                 applied=completed, lost=lost, doubled=doubled, documents=len(done),
                 completions_during_outage=during, jobs_running_at_restart=busy_at_restart,
                 stranded_by_restart=stranded, worker_restarts=sum(
                     log.read_text().count("starting it again") for log in logs),
                 relayed_by_sweep=relayed,
                 slowest_completion_s=round(max(end - began for began, end in windows.values()), 2))
    refused = [(s.status, s.errors, s.answer) for s in submissions if s.status != 200]
    assert not refused, f"completions failed around the Redis restart: {refused}"
    assert completed == ORDERS
    assert lost == 0 and doubled == 0, [(j.order_id, j.kind, j.status, j.attempts, j.error) for j in jobs]
    assert stranded > 0, "Redis lost nothing: the restart missed the completions"
