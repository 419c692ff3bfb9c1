"""Running one job: idempotent, with its state in the database.

``run_job`` is the function RQ calls (and the in-process runner too). It claims the row
(``queued``/stale ``running`` → ``running``), calls the handler registered for the job's kind,
stores the result and marks it ``done``; on an exception it marks ``failed`` with the reason
and re-raises, so RQ records the failure too. A job already ``done`` is not run again.

While a job runs, a heartbeat thread touches its row (``updated_at``) every quarter of
:func:`stale_after`, however long the job takes: a row whose heartbeat stopped for longer than
that belongs to a dead worker, and the relay sweep runs it again (within about a minute).

``run_jobs`` is RQ's entry point for a batch (the outbox hands RQ up to ``RQ_BATCH`` jobs at
once). Jobs of a kind registered ``batched`` (documents: the handler only reads and returns the
stored file's path) run together: one claim, one heartbeat, one ``prepare`` that loads what all
of them read in a few queries, and their results recorded in one transaction (each job's row
and audit entry written once). A job that fails is recorded ``failed`` alone — the others'
results stay — and is retried alone. A worker killed mid-batch leaves the batch ``running``
with a stopped heartbeat: the sweep runs it again (a document is rebuilt, never recorded twice).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
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
#: Kinds whose handler only reads the database and stores a file (see the module's note).
BATCHED: set[str] = set()
#: kind → ``prepare(jobs)``: loads what a batch of that kind reads, in a few queries, before
#: the handlers run (what it returns is kept alive until the batch ends).
PREPARE: dict[str, Callable[[list[Job]], object]] = {}


class RetryLater(Exception):
    """Raised by a handler whose work must wait (a remote service is down): the job goes back
    to ``queued`` and the sweep relays it again once ``delay`` has passed — an outage only
    delays it. Whatever the handler committed before raising stays."""

    def __init__(self, reason: str, delay: timedelta):
        super().__init__(reason)
        self.delay = delay


def register_handler(kind: str, fn: Callable[[Job], str | None], queue: str = "documents",
                     *, batched: bool = False,
                     prepare: Callable[[list[Job]], object] | None = None) -> None:
    """Make ``fn`` do the work of ``kind`` jobs, on ``queue`` (idempotent). ``batched``: ``fn``
    writes nothing to the database (it may read, and store files), so a batch of such jobs
    shares one claim and one commit; ``prepare`` loads what a batch of them reads."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r} for {kind!r} jobs")
    HANDLERS[kind] = fn
    QUEUE_OF[kind] = queue
    if batched:
        BATCHED.add(kind)
    else:
        BATCHED.discard(kind)
    if prepare is not None:
        PREPARE[kind] = prepare
    else:
        PREPARE.pop(kind, None)


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

    def __init__(self, job_id: int | Sequence[int], engine: Engine, interval: float) -> None:
        ids = [job_id] if isinstance(job_id, int) else list(job_id)
        self.job_id, self.engine, self.interval = job_id, engine, interval
        self.stopped = threading.Event()
        # Never waits for the job's own transaction (it may hold the row until it commits).
        self._unlocked = (select(Job.id).where(Job.id.in_(ids), Job.status == "running")
                          .with_for_update(skip_locked=True).scalar_subquery())
        self.thread = threading.Thread(target=self._beat, name=f"job-{ids[0]}-heartbeat",
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


def _claimable(job: Job | None) -> bool:
    if job is None or job.status == "done":
        return False
    return not (job.status == "running" and utcnow() - job.updated_at < stale_after())


def _mark_running(job: Job) -> None:
    job.status, job.attempts, job.error = "running", job.attempts + 1, None
    job.updated_at = utcnow()


def _lock(job_ids: list[int]) -> None:
    """SQLite has no row locks (``FOR UPDATE`` is ignored there): take its write lock first, so
    two workers never both read a job as free and both claim it (PostgreSQL locks the rows)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Job).where(Job.id.in_(job_ids)).values(id=Job.id)
                           .execution_options(synchronize_session=False))


def claim(job_id: int) -> Job | None:
    """Mark the job running unless it is done or another worker is on it right now."""
    _lock([job_id])
    job = db.session.scalar(select(Job).where(Job.id == job_id).with_for_update()
                            .execution_options(populate_existing=True))
    if not _claimable(job):
        db.session.rollback()
        return None
    assert job is not None
    _mark_running(job)
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
    """A batch of jobs (RQ entry point): the ``batched`` kinds together (see the module's
    note), the others each on its own; if any failed, raise at the end so RQ records the batch
    as failed too (each job's own row says which and why)."""
    failed: list[int] = []
    batched: set[int] = set()
    if BATCHED:
        try:
            batched = _run_batched(job_ids, failed)
        finally:
            db.session.remove()
    for job_id in job_ids:
        if job_id in batched:  # done above, or another worker is on it
            continue
        try:
            run_job(job_id)  # a job the batch did (or another worker does) is not claimed
        except Exception:
            failed.append(job_id)
        finally:
            db.session.remove()
    if failed:
        raise RuntimeError(f"jobs failed: {sorted(set(failed))}")


def _claim_batch(job_ids: list[int]) -> tuple[list[Job], set[int]]:
    """Claim the ``batched`` jobs among ``job_ids`` in one transaction (the rest are left);
    the claimed jobs, and the ids of all the ``batched`` ones."""
    _lock(job_ids)
    rows = db.session.scalars(select(Job).where(Job.id.in_(job_ids), Job.kind.in_(BATCHED))
                              .order_by(Job.id).with_for_update()
                              .execution_options(populate_existing=True)).all()
    claimed = [job for job in rows if _claimable(job)]
    for job in claimed:
        _mark_running(job)
    db.session.commit()
    if claimed:  # one query reloads what the commit expired (not one per job)
        db.session.scalars(select(Job).where(Job.id.in_([job.id for job in claimed]))).all()
    return claimed, {job.id for job in rows}


def _run_batched(job_ids: list[int], failed: list[int]) -> set[int]:
    """Run the ``batched`` jobs among ``job_ids`` together; the failed ones are added to
    ``failed``; returns the ids of the ``batched`` jobs (claimed here or by another worker)."""
    claimed, considered = _claim_batch(job_ids)
    if not claimed:
        return considered
    ids = [job.id for job in claimed]
    done: dict[int, str | None] = {}
    with Heartbeat(ids, db.engine, stale_after().total_seconds() / 4):
        kept = []  # what ``prepare`` loaded stays in the session until the batch ends
        for kind in dict.fromkeys(job.kind for job in claimed):
            if kind in PREPARE:
                try:
                    kept.append(PREPARE[kind]([job for job in claimed if job.kind == kind]))
                except Exception:  # each handler then reads on its own
                    log.exception("preparing a batch of %s jobs failed", kind)
                    db.session.rollback()
        for job_id in ids:
            job = db.session.get_one(Job, job_id)
            try:
                done[job_id] = HANDLERS[job.kind](job)
            except Exception as exc:
                db.session.rollback()
                _settle(done, job_id, exc)
                done = {}
                if not isinstance(exc, RetryLater):
                    failed.append(job_id)
        _settle(done)
        del kept
    return considered


def _settle(done: dict[int, str | None], failed_id: int | None = None,
            error: Exception | None = None) -> None:
    """Record a batch's results (and the one job that failed) in one transaction."""
    now = utcnow()
    for job_id, path in done.items():
        job = db.session.get_one(Job, job_id)
        job.status, job.progress, job.result_path = "done", 100, path
        job.updated_at = job.finished_at = now
    if failed_id is not None and error is not None:
        job = db.session.get_one(Job, failed_id)
        if isinstance(error, RetryLater):
            job.status, job.error = "queued", str(error)[:2000]
            job.updated_at = now + error.delay
            log.info("job %s (%s) waits %s: %s", failed_id, job.kind, error.delay, error)
        else:
            job.status, job.error = "failed", f"{type(error).__name__}: {error}"[:2000]
            job.updated_at = job.finished_at = now
            log.error("job %s (%s) failed", failed_id, job.kind, exc_info=error)
    db.session.commit()


def report_progress(job: Job, percent: int) -> None:
    """Bulk jobs tell the user how far they are (committed, so pages see it)."""
    job.progress = max(0, min(99, percent))
    job.updated_at = utcnow()
    db.session.commit()
