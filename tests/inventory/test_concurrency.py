"""Twenty concurrent requests reserve the last three units: exactly three win (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dispatch.extensions import db
from inventory import locations
from inventory.models import StockMovement
from inventory.stock import balance
from tests.world import repair_request

pytestmark = pytest.mark.postgres


def test_twenty_concurrent_reservations_of_the_last_three_units(app, world, api_as, backend):
    if backend != "postgresql":
        pytest.skip("row-level concurrency is what is under test: run with --db=postgresql")
    keeper = api_as(world.keeper)
    assert keeper.post("/api/v1/stock/receipts", json={"sku": "RELAY-5P", "qty": 3}).status_code == 201
    orders = []
    for _ in range(20):
        order_id = world.agent.post("/api/v1/workorders",
                                    json=repair_request(world)).get_json()["id"]
        world.manager.post(f"/api/v1/workorders/{order_id}/approve")
        orders.append(order_id)
    db.session.remove()
    token = world.dispatcher.token
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def reserve(order_id: int) -> None:
        client = FlaskClient(app, app.response_class)  # no shared ``g``: its own context
        barrier.wait()
        response = client.post(f"/api/v1/workorders/{order_id}/reservations",
                               json={"sku": "RELAY-5P", "qty": 1, "location": "MAIN"},
                               headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=reserve, args=(order_id,)) for order_id in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 3 + [409] * 17
    main = locations.main_warehouse().id
    reserved_in_ledger = db.session.scalar(select(func.sum(StockMovement.qty)).where(
        StockMovement.kind == "reserve", StockMovement.from_location_id == main))
    assert balance(main, "RELAY-5P") == (3, 3) and reserved_in_ledger == 3
