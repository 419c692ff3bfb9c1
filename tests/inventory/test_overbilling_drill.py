"""The over-billing drill (issue 18, PostgreSQL, real concurrency): twenty orders share a van's
last three units — exactly three are billed and three consumed, and the balances equal the
ledger, whether the twenty race at recording or at completion."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import case, func, select

from dispatch.extensions import db
from inventory import locations
from inventory.models import StockMovement
from inventory.stock import balance
from tests.world import order_on_site, signature_png
from workorders.finance.invoices import Invoice
from workorders.models import OrderPart, WorkOrder

pytestmark = pytest.mark.postgres
SKU = "RELAY-5P"


def _race(app, token: str, calls: list[tuple[str, dict]]) -> list[int]:
    """POST every ``(path, body)`` at once, one thread each; the status codes."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []

    def call(path: str, body: dict) -> None:
        client = FlaskClient(app, app.response_class)  # no shared ``g``: its own context
        barrier.wait()
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=call, args=item) for item in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _twenty_orders_and_an_empty_van(world, api_as) -> list[int]:
    world.old_terminal.install_date = world.old_terminal.install_date.replace(year=2020)
    db.session.commit()
    keeper = api_as(world.keeper)
    van = f"VAN-{world.technician.id}"
    assert keeper.post("/api/v1/stock/transfers", json={
        "sku": SKU, "qty": 5, "from": van, "to": "MAIN"}).status_code == 201
    return [order_on_site(world) for _ in range(20)]


def _complete_body(fee: str = "45.00") -> dict:
    return {"resolution": "更换继电器", "payment_method": "cash" if fee != "0.00" else "none",
            "amount_collected": fee, "signature_png_base64": signature_png()}


def _assert_three_billed_three_consumed(world, van_id: int) -> None:
    db.session.expire_all()
    m = StockMovement
    billed = db.session.scalar(select(func.coalesce(func.sum(OrderPart.qty), 0))
                               .join(WorkOrder, WorkOrder.id == OrderPart.order_id)
                               .where(OrderPart.sku == SKU, WorkOrder.status == "completed"))
    consumed = db.session.scalar(select(func.sum(m.qty)).where(m.sku == SKU, m.kind == "consume"))
    invoices = db.session.scalar(select(func.count()).select_from(Invoice))
    assert (billed, consumed, invoices) == (3, 3, 3)
    signed = case((m.kind.in_(("reserve", "release")), 0), (m.to_location_id == van_id, m.qty),
                  else_=-m.qty)
    held = case((m.kind == "reserve", m.qty), (m.kind == "release", -m.qty), else_=0)
    ledger = db.session.execute(select(func.sum(signed), func.sum(held)).where(
        m.sku == SKU, (m.to_location_id == van_id) | (m.from_location_id == van_id))).one()
    assert balance(van_id, SKU) == (0, 0) == (ledger[0], ledger[1])


def _skip_unless_postgresql(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("row-level concurrency is what is under test: run with --db=postgresql")


def test_twenty_concurrent_completions_share_the_last_three_units(app, world, api_as, backend):
    _skip_unless_postgresql(backend)
    orders = _twenty_orders_and_an_empty_van(world, api_as)
    for order_id in orders:  # recorded on a manager's shortage approval: nothing to hold yet
        base = f"/api/v1/workorders/{order_id}"
        assert world.manager.post(f"{base}/shortage-approvals",
                                  json={"sku": SKU, "qty": 1}).status_code == 201
        assert world.tech.post(f"{base}/parts", json={"sku": SKU, "qty": 1}).status_code == 201
    keeper = api_as(world.keeper)
    van = locations.van_for(world.technician.id)
    assert keeper.post("/api/v1/stock/transfers", json={
        "sku": SKU, "qty": 3, "from": "MAIN", "to": van.code}).status_code == 201
    van_id = van.id
    db.session.remove()
    statuses = _race(app, world.tech.token,
                     [(f"/api/v1/workorders/{o}/complete", _complete_body()) for o in orders])
    assert sorted(statuses) == [200] * 3 + [409] * 17
    _assert_three_billed_three_consumed(world, van_id)


def test_twenty_concurrent_recordings_of_the_last_three_units(app, world, api_as, backend):
    _skip_unless_postgresql(backend)
    orders = _twenty_orders_and_an_empty_van(world, api_as)
    keeper = api_as(world.keeper)
    van = locations.van_for(world.technician.id)
    assert keeper.post("/api/v1/stock/transfers", json={
        "sku": SKU, "qty": 3, "from": "MAIN", "to": van.code}).status_code == 201
    van_id = van.id
    db.session.remove()
    statuses = _race(app, world.tech.token,
                     [(f"/api/v1/workorders/{o}/parts", {"sku": SKU, "qty": 1}) for o in orders])
    assert sorted(statuses) == [201] * 3 + [409] * 17
    for order_id in orders:  # the seventeen refused complete without the part, free
        fee = world.tech.get(f"/api/v1/workorders/{order_id}/fee").get_json()["fee"]
        assert world.tech.post(f"/api/v1/workorders/{order_id}/complete",
                               json=_complete_body(fee)).status_code == 200
    _assert_three_billed_three_consumed(world, van_id)
