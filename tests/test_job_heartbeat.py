"""Abandoned jobs (issue 18): a running job's row carries a heartbeat, so the relay sweep runs
a job whose worker was killed again within about a minute by default, and never one whose
worker is still at it, however long the job takes."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs import outbox, runner
from dispatch.jobs.models import Job
from dispatch.timeutil import utcnow


def _running_job(kind: str, silent_for: timedelta) -> Job:
    job = Job(kind=kind, dedupe_key=f"{kind}:{silent_for.total_seconds()}", queue="documents",
              status="running", attempts=1, updated_at=utcnow() - silent_for)
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_silent_for_45_seconds_is_run_again_by_the_next_sweep(app, monkeypatch):
    ran: list[int] = []
    monkeypatch.setitem(runner.HANDLERS, "heartbeat_test", lambda job: ran.append(job.id))
    monkeypatch.setitem(runner.QUEUE_OF, "heartbeat_test", "documents")
    monkeypatch.setattr(outbox, "PERIODIC", [])
    abandoned = _running_job("heartbeat_test", timedelta(seconds=45))
    alive = Job(kind="heartbeat_test", dedupe_key="alive", queue="documents", status="running",
                attempts=1, updated_at=utcnow() - timedelta(seconds=20))
    db.session.add(alive)
    db.session.commit()
    assert runner.stale_after() <= timedelta(seconds=45)
    assert outbox.sweep()["requeued_abandoned"] == 1
    outbox.drain()
    db.session.expire_all()
    assert ran == [abandoned.id]
    assert db.session.get(Job, abandoned.id).status == "done"
    assert db.session.get(Job, alive.id).status == "running"  # its worker is still at it


def test_a_running_job_beats_so_the_sweep_leaves_it_alone(app, monkeypatch):
    """A job running longer than the stale limit keeps its row fresh: the handler waits until
    it sees its own heartbeat (a later ``updated_at`` than its claim's) from another connection."""
    app.config["DISPATCH_JOB_STALE_SECONDS"] = "0.4"  # a beat every 0.1 s
    started, beat, finish = threading.Event(), threading.Event(), threading.Event()
    engine = db.engine

    def long_job(job: Job) -> None:
        claimed_at = job.updated_at
        started.set()
        for _ in range(300):
            with engine.connect() as connection:
                if connection.scalar(select(Job.updated_at).where(Job.id == job.id)) > claimed_at:
                    beat.set()
                    break
            finish.wait(0.05)
        finish.wait(30)

    monkeypatch.setitem(runner.HANDLERS, "heartbeat_test", long_job)
    monkeypatch.setitem(runner.QUEUE_OF, "heartbeat_test", "documents")
    monkeypatch.setattr(outbox, "PERIODIC", [])
    job = outbox.request_job("heartbeat_test", "heartbeat:long")
    db.session.commit()  # relayed to the in-process worker
    try:
        assert started.wait(30) and beat.wait(30), "the running job's row never got a heartbeat"
        db.session.expire_all()
        assert db.session.get(Job, job.id).status == "running"
    finally:
        finish.set()
        outbox.drain()
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "done"
