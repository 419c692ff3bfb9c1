"""Running one job: idempotent, with its state in the database.

``run_job`` is the function RQ calls (and the in-process runner too). It claims the row
(``queued``/stale ``running`` → ``running``), calls the handler registered for the job's kind,
stores the result and marks it ``done``; on an exception it marks ``failed`` with the reason
and re-raises, so RQ records the failure too. A job already ``done`` is not run again.

While a job runs, a heartbeat thread touches its row (``updated_at``) every quarter of
:func:`stale_after`, however long the job takes: a row whose heartbeat stopped for longer than
that belongs to a dead worker, and the relay sweep runs it again (within about a minute).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from types import TracebackType

from flask import current_app
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.queues import QUEUES
from dispatch.timeutil import utcnow

log = logging.getLogger(__name__)

#: kind → handler(job) returning the stored file's relative path (or None). Filled by the
#: app factory (``dispatch.wiring.init_jobs``), never at import.
HANDLERS: dict[str, Callable[[Job], str | None]] = {}
#: kind → queue name.
QUEUE_OF: dict[str, str] = {}
#: Checks every relay sweep runs (scheduled work such as the monthly report).
PERIODIC: list[Callable[[], None]] = []


class RetryLater(Exception):
    """Raised by a handler whose work must wait (a remote service is down): the job goes back
    to ``queued`` and the sweep relays it again once ``delay`` has passed — an outage only
    delays it. Whatever the handler committed before raising stays."""

    def __init__(self, reason: str, delay: timedelta):
        super().__init__(reason)
        self.delay = delay


def register_handler(kind: str, fn: Callable[[Job], str | None], queue: str = "documents") -> None:
    """Make ``fn`` do the work of ``kind`` jobs, on ``queue`` (idempotent)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r} for {kind!r} jobs")
    HANDLERS[kind] = fn
    QUEUE_OF[kind] = queue


def register_periodic(check: Callable[[], None]) -> None:
    """Run ``check`` on every relay sweep (idempotent)."""
    if check not in PERIODIC:
        PERIODIC.append(check)


#: Seconds without a heartbeat after which a running job's worker is presumed dead (the
#: default of ``DISPATCH_JOB_STALE_SECONDS``): with the sweep every 15 s, a job abandoned by a
#: killed worker runs again 30–55 s later.
DEFAULT_STALE_SECONDS = 40.0


def stale_after() -> timedelta:
    """How long a running job's row may go without a heartbeat before its worker is presumed
    dead (``DISPATCH_JOB_STALE_SECONDS``)."""
    configured = current_app.config.get("DISPATCH_JOB_STALE_SECONDS")
    return timedelta(seconds=float(configured) if configured else DEFAULT_STALE_SECONDS)


class Heartbeat:
    """Touches job ``job_id``'s row from a thread of its own, on its own connection, every
    ``interval`` seconds while the job is ``running`` (a context manager around the work)."""

    def __init__(self, job_id: int, engine: Engine, interval: float) -> None:
        self.job_id, self.engine, self.interval = job_id, engine, interval
        self.stopped = threading.Event()
        # Never waits for the job's own transaction (it may hold the row until it commits).
        self._unlocked = (select(Job.id).where(Job.id == job_id, Job.status == "running")
                          .with_for_update(skip_locked=True).scalar_subquery())
        self.thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat",
                                       daemon=True)

    def _beat(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(Job).where(Job.id.in_(self._unlocked))
                                       .values(updated_at=utcnow()))
            except SQLAlchemyError as exc:  # the database away for a moment: beat again later
                log.warning("heartbeat of job %s missed: %s", self.job_id, exc)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.interval)  # a beat under way ends on its own


def claim(job_id: int) -> Job | None:
    """Mark the job running unless it is done or another worker is on it right now."""
    job = db.session.scalar(select(Job).where(Job.id == job_id).with_for_update())
    if job is None or job.status == "done":
        db.session.rollback()
        return None
    if job.status == "running" and utcnow() - job.updated_at < stale_after():
        db.session.rollback()
        return None
    job.status, job.attempts, job.error = "running", job.attempts + 1, None
    job.updated_at = utcnow()
    db.session.commit()
    return job


def run_job(job_id: int) -> str | None:
    """Do job ``job_id`` once (RQ entry point). Exceptions propagate after being recorded."""
    job = claim(job_id)
    if job is None:
        return None
    try:
        with Heartbeat(job_id, db.engine, stale_after().total_seconds() / 4):
            path = HANDLERS[job.kind](job)
    except RetryLater as later:
        db.session.rollback()
        waiting = db.session.get_one(Job, job_id)
        waiting.status, waiting.error = "queued", str(later)[:2000]
        waiting.updated_at = utcnow() + later.delay  # the sweep relays it after the delay
        db.session.commit()
        log.info("job %s (%s) waits %s: %s", job_id, waiting.kind, later.delay, later)
        return None
    except Exception as exc:
        db.session.rollback()
        failed = db.session.get_one(Job, job_id)
        failed.status, failed.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        failed.updated_at = failed.finished_at = utcnow()
        db.session.commit()
        log.exception("job %s (%s) failed", job_id, failed.kind)
        raise
    job.status, job.progress, job.result_path = "done", 100, path
    job.updated_at = job.finished_at = utcnow()
    db.session.commit()
    return path


def run_jobs(job_ids: list[int]) -> None:
    """A batch of jobs (RQ entry point): each runs on its own; if any failed, raise at the end
    so RQ records the batch as failed too (each job's own row says which and why)."""
    failed = []
    for job_id in job_ids:
        try:
            run_job(job_id)
        except Exception:
            failed.append(job_id)
        finally:
            db.session.remove()
    if failed:
        raise RuntimeError(f"jobs failed: {failed}")


def report_progress(job: Job, percent: int) -> None:
    """Bulk jobs tell the user how far they are (committed, so pages see it)."""
    job.progress = max(0, min(99, percent))
    job.updated_at = utcnow()
    db.session.commit()
