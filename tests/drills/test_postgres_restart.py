"""Drill: PostgreSQL restarted (``pg_ctl restart -m fast``) while writes are in flight.

The shared server is never touched: the drill runs on a private cluster (initdb in a temp dir,
its own port) with the app's schema migrated into it. Six tablets upload photos through
gunicorn (each an idempotent write: the photo row, its history event and the stored response
commit together), retrying the way the tablet queue does, while the cluster is restarted twice.
The same gunicorn must serve again once PostgreSQL is back (its pool drops the dead connections:
``pool_pre_ping``), every upload a client saw succeed must be in the database once, and every
retried upload applied once.

Which failures PostgreSQL's absence explains is decided by what happened, not by a time
allowance (a loaded machine stretches every time): an attempt may fail only when it was in flight
while PostgreSQL was away — sent before ``pg_ctl restart`` returned (it returns once the server
accepts connections) and answered after the restart began. An attempt sent after that gets a
fresh connection (the pool's pre-ping) and must succeed, however busy the machine is. How long
after PostgreSQL was back the last in-flight failure was seen is printed as a figure.
"""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from dispatch.extensions import db
from dispatch.web.idempotency import IdempotencyKey
from tests.conftest import _migrate
from tests.drills.conftest import Submission, app_env, prepare_completions
from tests.support.figures import drill_figure
from tests.support.services import PostgresCluster
from tests.world import signature_png
from workorders.models import WorkOrderEvent
from workorders.photos import OrderPhoto

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TABLETS = 6
UPLOADS = 12  # per tablet
RESTARTS = 2


def in_flight_during(outage: list[tuple[float, float]], sent: float, answered: float) -> bool:
    """Whether an attempt sent at ``sent`` and answered at ``answered`` overlapped an outage."""
    return any(sent <= end and answered >= begin for begin, end in outage)


@pytest.fixture
def private_postgres(backend: str):
    if backend != "postgresql":
        pytest.skip("fault drill for PostgreSQL (run with --db=postgresql)")
    cluster = PostgresCluster()
    try:
        cluster.start()
        admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE dispatch"))
        admin.dispose()
        _migrate(cluster.url("dispatch"))
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def database_url(private_postgres: PostgresCluster) -> str:
    """The ``app`` and ``world`` fixtures run on the private cluster in this module."""
    return private_postgres.url("dispatch")


def test_postgres_restart_with_writes_in_flight_recovers_without_losing_or_doubling(
        private_postgres, app, world, servers):
    server = servers(app_env(app))
    orders = [order_id for order_id, _ in prepare_completions(world, 2)]
    image = signature_png()
    tablets = [[Submission(f"/api/v1/workorders/{orders[t % 2]}/photos",
                           {"stage": "before" if u % 2 else "after", "image_base64": image})
                for u in range(UPLOADS)] for t in range(TABLETS)]
    server.start()
    master = server.pid
    token = world.tech.token
    stop = threading.Event()
    outage: list[tuple[float, float]] = []

    def tablet(queue: list[Submission]) -> None:
        for submission in queue:  # in order, each until it gets a final answer
            while not stop.is_set() and not submission.send(server.url, token):
                time.sleep(0.05)
            time.sleep(0.02)

    threads = [threading.Thread(target=tablet, args=(queue,)) for queue in tablets]
    for thread in threads:
        thread.start()
    try:
        for _ in range(RESTARTS):
            time.sleep(0.8)
            began = time.monotonic()
            private_postgres.restart()
            outage.append((began, time.monotonic()))
        deadline = time.monotonic() + 30
        for thread in threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)

    submissions = [submission for queue in tablets for submission in queue]
    with contextlib.suppress(OperationalError):  # the test's own session was cut too
        db.session.rollback()
    db.session.remove()
    photo_ids = set(db.session.scalars(select(OrderPhoto.id)))
    acknowledged = {s.key: s.answer["id"] for s in submissions if s.acknowledged and s.answer}
    lost = [key for key, photo_id in acknowledged.items() if photo_id not in photo_ids]
    doubled = len(photo_ids) - len(set(acknowledged.values()))
    events = db.session.scalar(select(func.count()).select_from(WorkOrderEvent)
                               .where(WorkOrderEvent.action == "photo"))
    keys = db.session.scalar(select(func.count()).select_from(IdempotencyKey)
                             .where(IdempotencyKey.endpoint.like("%/photos")))
    errors = sum(len(s.errors) for s in submissions)
    failures = [(sent, at, what) for s in submissions
                for sent, at, what in zip(s.error_sent, s.error_times, s.errors, strict=True)]
    first = outage[0][0]
    late = [f"{what} sent at {sent - first:+.2f} s, answered at {at - first:+.2f} s"
            for sent, at, what in failures if not in_flight_during(outage, sent, at)]
    after_back = [at - end for sent, at, _what in failures for _begin, end in outage
                  if sent <= end <= at]
    drill_figure("postgres-restart", attempts=sum(s.attempts for s in submissions),
                 applied=len(photo_ids), lost=len(lost), doubled=doubled,
                 errors_during_outage=errors - len(late), errors_after_recovery=len(late),
                 last_error_after_back_s=round(max(after_back, default=0.0), 2),
                 replayed=sum(s.replayed for s in submissions), restarts=RESTARTS,
                 gunicorn_restarts=server.starts - 1,
                 outage_s=round(sum(end - begin for begin, end in outage), 2))
    assert not lost and doubled == 0
    assert events == keys == len(photo_ids), "one history event and one stored key per photo"
    refused = [(s.status, s.answer) for s in submissions if s.status != 201]
    assert not refused, f"uploads not accepted after PostgreSQL came back: {refused[:3]}"
    assert len(photo_ids) == TABLETS * UPLOADS
    assert server.pid == master and server.alive(), "the same gunicorn serves after the restarts"
    windows = [(round(begin - first, 2), round(end - first, 2)) for begin, end in outage]
    assert not late, (
        f"attempts failed outside every outage {windows} (s from the first restart): "
        f"{late[:5]}; gunicorn's log:\n{server.log_tail()}")
    assert errors > 0, "no write was in flight during a restart: the drill proved nothing"
