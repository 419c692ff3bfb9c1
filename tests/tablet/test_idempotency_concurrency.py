"""Eight simultaneous copies of one submission (same request ID): one applies, all get its
answer (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dispatch.extensions import db
from tests.world import order_on_site
from workorders.models import OrderPart

pytestmark = pytest.mark.postgres


def test_simultaneous_copies_apply_once(app, world, backend):
    if backend != "postgresql":
        pytest.skip("concurrency is what is under test: run with --db=postgresql")
    order_id = order_on_site(world)
    db.session.remove()
    token, barrier, answers = world.tech.token, threading.Barrier(8), []

    def send() -> None:
        client = FlaskClient(app, app.response_class)
        barrier.wait()
        response = client.post(f"/api/v1/workorders/{order_id}/parts",
                               json={"sku": "HARNESS-12V", "qty": 1},
                               headers={"Authorization": f"Bearer {token}",
                                        "Idempotency-Key": "one-tap"})
        answers.append((response.status_code, response.get_json()["id"]))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(answers)) == 1 and answers[0][0] == 201
    assert db.session.scalar(select(func.count()).select_from(OrderPart).where(
        OrderPart.order_id == order_id)) == 1
