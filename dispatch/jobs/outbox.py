"""The transactional outbox and its relay.

``request_job`` adds a job row to the caller's transaction. When that transaction commits the
job is relayed: enqueued on RQ when ``REDIS_URL`` is set (an enqueue that fails — Redis down —
leaves the row ``queued`` for the sweep), otherwise run by an in-process worker thread. A
rolled-back transaction takes its job rows with it, so no job exists for a change that did not
happen.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dispatch import planner_stats
from dispatch.errors import Conflict, NotFound
from dispatch.extensions import db
from dispatch.jobs import queues
from dispatch.jobs.models import Job
from dispatch.jobs.runner import PERIODIC, QUEUE_OF, QUEUES, run_job, stale_after
from dispatch.timeutil import utcnow

log = logging.getLogger(__name__)
QUEUED_GRACE = timedelta(seconds=30)
#: Jobs committed together go to RQ together, up to this many per RQ job: RQ's own per-job
#: bookkeeping (a few dozen Redis calls) is paid once per batch instead of once per document.
RQ_BATCH = 20
_PENDING = "dispatch_jobs_to_relay"


def request_job(kind: str, dedupe_key: str, params: dict[str, Any] | None = None,
                order_id: int | None = None, user_id: int | None = None) -> Job:
    """The job for ``dedupe_key``, created in the current transaction if it does not exist."""
    existing = db.session.scalar(select(Job).where(Job.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    job = Job(kind=kind, dedupe_key=dedupe_key, queue=QUEUE_OF[kind], params=params or {},
              order_id=order_id, created_by_id=user_id)
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_PENDING, {})[job.id] = job.queue
    return job


def relay_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        relay(sorted(pending), pending)


def forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def relay(job_ids: list[int], queues_of: dict[int, str] | None = None) -> None:
    """Hand jobs to RQ, or to the in-process worker (no SQL here: called after commit)."""
    connection = queues.redis_connection()
    if connection is None:
        executor = _executor(current_app._get_current_object())  # type: ignore[attr-defined]
        for job_id in job_ids:
            executor.submit_job(job_id)
        return
    by_queue: dict[str, list[int]] = {}
    for job_id in job_ids:
        by_queue.setdefault((queues_of or {}).get(job_id, "documents"), []).append(job_id)
    for name, ids in by_queue.items():
        spec = QUEUES[name]
        for start in range(0, len(ids), RQ_BATCH):
            batch = ids[start:start + RQ_BATCH]
            try:
                queues.queue(name, connection).enqueue(
                    "dispatch.jobs.runner.run_jobs", batch,
                    job_id=f"jobs-{batch[0]}-{batch[-1]}-{len(batch)}",
                    result_ttl=spec.result_ttl, failure_ttl=spec.failure_ttl,
                    job_timeout=spec.timeout * len(batch))
            except RedisError as exc:
                log.warning("jobs %s stay queued, Redis refused them: %s", batch, exc)


def sweep() -> dict[str, int]:
    """Run the periodic checks, then re-relay jobs Redis never got (queued too long) and jobs
    whose worker died (running with a stale heartbeat). Safe any time: jobs are idempotent."""
    for periodic in PERIODIC:
        periodic()
    planner_stats.refresh_when_due()
    now = utcnow()
    stale_running = [job for job in db.session.scalars(select(Job).where(Job.status == "running"))
                     if now - job.updated_at > stale_after()]
    for job in stale_running:
        job.status, job.updated_at = "queued", now
    waiting = list(db.session.scalars(select(Job).where(
        Job.status == "queued", or_(Job.updated_at < now - QUEUED_GRACE,
                                    Job.id.in_([j.id for j in stale_running])))))
    db.session.commit()
    relay([job.id for job in waiting], {job.id: job.queue for job in waiting})
    return {"requeued_abandoned": len(stale_running), "relayed": len(waiting)}


def retry(job_id: int) -> Job:
    """Queue a failed job again (the user's retry button)."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(_l("No such document."))
    if job.status != "failed":
        raise Conflict(_l("Only a failed document can be retried."))
    job.status, job.error, job.progress, job.updated_at = "queued", None, 0, utcnow()
    db.session.info.setdefault(_PENDING, {})[job.id] = job.queue
    return job


class _InProcess:
    """Embedded mode: one background thread runs jobs in their own app context."""

    def __init__(self, app: Flask):
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-jobs")
        self.futures: list[Future] = []
        self.lock = threading.Lock()

    def submit_job(self, job_id: int) -> None:
        with self.lock:
            self.futures = [f for f in self.futures if not f.done()]
            self.futures.append(self.pool.submit(self._run, job_id))

    def _run(self, job_id: int) -> None:
        with self.app.app_context():
            try:
                run_job(job_id)
            except Exception:
                log.info("in-process job %s failed; see its row", job_id)
            finally:
                db.session.remove()

    def drain(self, timeout: float = 60) -> None:
        with self.lock:
            futures = list(self.futures)
        for future in futures:
            future.result(timeout=timeout)


def _executor(app: Flask) -> _InProcess:
    runner = app.extensions.get("dispatch_jobs")
    if runner is None:
        runner = app.extensions["dispatch_jobs"] = _InProcess(app)
    return runner


def drain(timeout: float = 60) -> None:
    """Wait until the in-process worker has finished what it was given (tests, CLI)."""
    _executor(current_app._get_current_object()).drain(timeout)  # type: ignore[attr-defined]
