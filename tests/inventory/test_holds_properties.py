"""Property test (SPEC §10): whatever the sequence of recording, correcting, removing,
completing and cancelling across several orders sharing one van, billed = consumed ≤ stocked,
every open order holds what it records, and nothing is ever negative."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, func, select

from dispatch.errors import DomainError
from dispatch.extensions import db
from inventory import locations
from inventory.ledger import move
from inventory.models import StockBalance, StockMovement
from inventory.orders import reserved_qty
from tests.world import signature_png
from workorders import assignment, completion, corrections, intake, onsite, order_parts
from workorders.lifecycle import FINISHED, OPEN
from workorders.models import OrderPart, WorkOrder

SKU = "RELAY-5P"
ORDERS = 3
SIGNATURE = signature_png()
OPS = ["record", "record", "correct", "remove", "complete", "cancel", "start", "restock",
       "approve_shortage"]
operations = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, ORDERS - 1),
                                st.integers(1, 4)), min_size=1, max_size=25)


def _new_order(world, users, planned: int, on_site: bool) -> int:
    order, _warnings = intake.create_order(
        {"kind": "repair", "customer_id": world.customer.id, "plate": "浙A12345",
         "product_model": "GT06N", "fault_description": "不上线", "purchase_date": "2020-01-01"},
        users["agent"])
    assignment.approve(order, users["manager"])
    if planned:
        order_parts.set_planned_parts(order, [{"sku": SKU, "qty": planned}], users["dispatcher"])
    assignment.assign(order, world.technician.id, users["dispatcher"])
    if on_site:
        for status in ("en_route", "on_site"):
            onsite.report_status(order, users["technician"], status, None, None)
    db.session.commit()
    return order.id


def _perform(op: str, order: WorkOrder, qty: int, world, users) -> None:
    tech = users["technician"]
    if op == "record":
        onsite.add_part(order, tech, {"sku": SKU, "qty": qty})
    elif op == "correct" and order.parts:
        corrections.correct_part(order, tech, order.parts[-1].id, qty)
    elif op == "remove" and order.parts:
        corrections.remove_part(order, tech, order.parts[0].id)
    elif op == "complete":
        total = onsite.current_quote(order).total
        completion.complete(order, tech, {"resolution": "换继电器",
                                          "payment_method": "cash" if total else "none",
                                          "amount_collected": str(total),
                                          "signature_png_base64": SIGNATURE})
    elif op == "cancel":
        assignment.cancel(order, "客户取消", users["manager"])
    elif op == "start":
        for status in ("en_route", "on_site"):
            if order.status != "on_site":
                onsite.report_status(order, tech, status, None, None)
    elif op == "restock":
        move("receive", SKU, qty, to_id=locations.van_for(world.technician.id).id)
    elif op == "approve_shortage":
        order_parts.approve_shortage(order, {"sku": SKU, "qty": 1}, users["manager"])


def _check_invariants() -> None:
    billed = db.session.scalar(select(func.coalesce(func.sum(OrderPart.qty), 0))
                               .join(WorkOrder, WorkOrder.id == OrderPart.order_id)
                               .where(OrderPart.sku == SKU, WorkOrder.status.in_(FINISHED)))
    m = StockMovement
    consumed = db.session.scalar(select(func.coalesce(func.sum(m.qty), 0)).where(
        m.sku == SKU, m.kind == "consume"))
    stocked = db.session.scalar(select(func.coalesce(func.sum(m.qty), 0)).where(
        m.sku == SKU, m.kind.in_(("receive", "adjust")), m.from_location_id.is_(None)))
    assert billed == consumed <= stocked
    for location_id, on_hand, reserved in db.session.execute(select(
            StockBalance.location_id, StockBalance.on_hand, StockBalance.reserved).where(
            StockBalance.sku == SKU)):
        assert 0 <= reserved <= on_hand
        signed = case((m.kind.in_(("reserve", "release")), 0),
                      (m.to_location_id == location_id, m.qty), else_=-m.qty)
        held = case((m.kind == "reserve", m.qty), (m.kind == "release", -m.qty), else_=0)
        ledger = db.session.execute(select(func.coalesce(func.sum(signed), 0),
                                           func.coalesce(func.sum(held), 0)).where(
            m.sku == SKU, (m.to_location_id == location_id) | (m.from_location_id == location_id)
        )).one()
        assert (on_hand, reserved) == (ledger[0], ledger[1])
    for order in db.session.scalars(select(WorkOrder).where(WorkOrder.status.in_(OPEN))):
        used = order_parts.used_qty(order, SKU)
        approved = order_parts.approved_qty(order, SKU)
        assert reserved_qty(order.id, SKU) >= used - approved, order.number
    for order in db.session.scalars(select(WorkOrder).where(WorkOrder.status == "cancelled")):
        assert reserved_qty(order.id, SKU) == 0


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations, planned=st.lists(st.integers(0, 2), min_size=ORDERS, max_size=ORDERS))
def test_billed_equals_consumed_and_holds_cover_what_open_orders_record(world, make_user, ops,
                                                                       planned):
    if not hasattr(world, "users"):
        world.users = {role: make_user(role) for role in ("agent", "manager", "dispatcher")}
        world.users["technician"] = world.technician.user
    users = world.users
    # the first order waits in the van's queue (it may be cancelled, or started later)
    order_ids = [_new_order(world, users, n, index > 0) for index, n in enumerate(planned)]
    for op, index, qty in ops:
        try:
            order = db.session.get(WorkOrder, order_ids[index], with_for_update=True)
            _perform(op, order, qty, world, users)
            db.session.commit()
            event(f"{op} done")
        except DomainError as exc:
            db.session.rollback()
            event(f"{op} refused: {exc.code}")
        _check_invariants()
