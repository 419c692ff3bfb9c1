"""Completions by different technicians do not wait on each other (PostgreSQL): while one
completion's transaction is open at its commit (every write and before-commit hook done), the
other technician's completion runs to its answer. It used to queue on the board's version row.

Behavioural: the second request either answers, or is seen waiting on a lock (the test then
fails naming the lock); no timing is asserted."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

from dispatch.extensions import db
from tests.world import order_on_site, repair_request, signature_png

pytestmark = pytest.mark.postgres

BODY = {"resolution": "重新接线", "payment_method": "none", "amount_collected": "0"}
PATIENCE = 120.0  # seconds before the test gives up on a stuck thread (a failure, not a figure)


def _order_on_site_for_other(world) -> int:
    order_id = world.agent.post("/api/v1/workorders",
                                json=repair_request(world)).get_json()["id"]
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    assert world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign", json={
        "technician_id": world.other_technician.id}).status_code == 200
    for status in ("en_route", "on_site"):
        answer = world.other_tech.post(f"/api/v1/workorders/{order_id}/status",
                                       json={"status": status, "lat": 30.26, "lon": 120.12})
        assert answer.status_code == 200, answer.get_json()
    return order_id


def _lock_waits(engine: Any) -> list[dict[str, Any]]:
    """Backends of this database waiting on a lock, with what they wait for."""
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text(
            "SELECT a.pid, a.query, l.locktype, l.relation::regclass::text AS relation, l.mode "
            "FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted "
            "WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'"))]


def test_two_technicians_complete_while_the_others_transaction_is_open(app, world, backend):
    if backend != "postgresql":
        pytest.skip("row locks between transactions are under test: run with --db=postgresql")
    first, second = order_on_site(world), _order_on_site_for_other(world)
    tokens = {first: world.tech.token, second: world.other_tech.token}
    db.session.remove()
    holding = threading.Event()   # the first completion is at its commit, transaction open
    release = threading.Event()   # … and may commit now
    answers: dict[int, int] = {}
    holder: list[threading.Thread] = []

    def hold_at_commit(session: Session) -> None:
        if holder and threading.current_thread() is holder[0] and not holding.is_set():
            holding.set()
            release.wait(PATIENCE)

    def complete(order_id: int) -> None:
        client = FlaskClient(app, app.response_class)  # its own context and session
        answer = client.post(f"/api/v1/workorders/{order_id}/complete",
                             json={**BODY, "signature_png_base64": signature_png()},
                             headers={"Authorization": f"Bearer {tokens[order_id]}"})
        answers[order_id] = answer.status_code

    event.listen(Session, "before_commit", hold_at_commit)  # after every app hook
    watcher = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        holder.append(threading.Thread(target=complete, args=(first,)))
        holder[0].start()
        assert holding.wait(PATIENCE), "the first completion never reached its commit"
        other = threading.Thread(target=complete, args=(second,))
        other.start()
        waits: list[dict[str, Any]] = []
        while other.is_alive() and not waits:
            other.join(0.05)
            waits = _lock_waits(watcher)
        assert not waits, f"the second completion waits on the first's lock: {waits}"
        assert answers.get(second) == 200, answers
    finally:
        release.set()
        for thread in (*holder, *([other] if "other" in locals() else [])):
            thread.join(PATIENCE)
        event.remove(Session, "before_commit", hold_at_commit)
        watcher.dispose()
    assert answers == {first: 200, second: 200}
