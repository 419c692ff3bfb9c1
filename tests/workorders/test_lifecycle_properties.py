"""Property tests: random sequences of life-cycle calls by random roles.

Whatever the sequence, an order only moves along edges the state machine allows, a refused call
changes nothing, no device is ever in two vehicles, and a completed order's fee follows R1.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from stdnum import luhn

from dispatch.errors import DomainError
from dispatch.extensions import db
from dispatch.registry.models import Installation, Sim, Terminal
from tests.support.clock import local_date
from tests.world import signature_png
from workorders import assignment, closing, completion, intake, onsite
from workorders.access import get_order
from workorders.care import callbacks
from workorders.fees import quote
from workorders.lifecycle import ALLOWED_EDGES
from workorders.models import OrderPart, Swap, WorkOrder, WorkOrderEvent

ACTIONS = ["approve", "assign", "reassign", "en_route", "on_site", "swap_terminal", "swap_sim",
           "part", "complete", "callback", "close", "cancel"]
ROLES = ["agent", "manager", "dispatcher", "finance", "technician", "other_technician"]
SIGNATURE = signature_png()
HAPPY_PATH = [("approve", "manager"), ("assign", "dispatcher"), ("en_route", "technician"),
              ("on_site", "technician"), ("swap_terminal", "technician"), ("part", "technician"),
              ("swap_sim", "technician"), ("complete", "technician"), ("callback", "agent"),
              ("close", "agent")]


@st.composite
def call_sequences(draw):
    """The happy path with steps dropped at random and random calls by random roles mixed in,
    so sequences reach every state, not only the first ones."""
    steps = [step for step in HAPPY_PATH if draw(st.integers(0, 9)) > 0]
    noise = draw(st.lists(st.tuples(st.integers(0, len(steps)), st.sampled_from(ACTIONS),
                                    st.sampled_from(ROLES)), max_size=12))
    for position, action, role in sorted(noise, reverse=True):
        steps.insert(position, (action, role))
    return steps


def _perform(action, order, user, world):
    if action == "approve":
        assignment.approve(order, user)
    elif action == "assign":
        assignment.assign(order, world.technician.id, user)
    elif action == "reassign":
        assignment.assign(order, world.other_technician.id, user)
    elif action in ("en_route", "on_site"):
        onsite.report_status(order, user, action, None, None)
    elif action == "swap_terminal":
        spare = db.session.scalar(select(Terminal).where(Terminal.status == "in_stock"))
        installed = [t for t in order.vehicle.terminals if t.status == "installed"]
        onsite.add_swap(order, user, {"kind": "terminal",
                                      "old": installed[0].terminal_id if installed else None,
                                      "new": spare.terminal_id if spare else None})
    elif action == "swap_sim":
        spare = db.session.scalar(select(Sim).where(Sim.status == "in_stock"))
        onsite.add_swap(order, user, {"kind": "sim", "old": None,
                                      "new": spare.iccid if spare else None})
    elif action == "part":
        onsite.add_part(order, user, {"sku": "RELAY-5P", "qty": 1})
    elif action == "complete":
        total = onsite.current_quote(order).total
        completion.complete(order, user, {"resolution": "done",
                                      "payment_method": "cash" if total else "none",
                                      "amount_collected": str(total),
                                      "signature_png_base64": SIGNATURE})
    elif action == "callback":
        callbacks.record_callback({"workorder_id": order.id, "reached": True, "satisfaction": 5},
                                  user)
    elif action == "close":
        closing.close(order, user)
    elif action == "cancel":
        assignment.cancel(order, "客户取消", user)


def _iccid(serial: int) -> str:
    body = f"898601{serial:012d}"
    return body + luhn.calc_check_digit(body)


def _footprint(order_id):
    counts = tuple(db.session.scalar(select(func.count()).select_from(model).where(
        model.order_id == order_id)) for model in (WorkOrderEvent, Swap, OrderPart))
    order = db.session.get(WorkOrder, order_id)
    return (order.status, order.version, order.technician_id, counts)


def _devices_consistent():
    open_rows = db.session.scalars(select(Installation).where(Installation.removed_at.is_(None))).all()
    terminals = [row.terminal_ref for row in open_rows if row.device_kind == "terminal"]
    sims = [row.sim_ref for row in open_rows if row.device_kind == "sim"]
    assert len(terminals) == len(set(terminals)) and len(sims) == len(set(sims))
    for terminal in db.session.scalars(select(Terminal)):
        rows = [row for row in open_rows if row.terminal_ref == terminal.id]
        if terminal.status == "installed":
            assert len(rows) == 1 and rows[0].vehicle_id == terminal.vehicle_id
        else:
            assert not rows and terminal.vehicle_id is None


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=call_sequences())
def test_random_call_sequences_keep_the_invariants(world, make_user, steps):
    users = {role: getattr(world, "_user_" + role, None) for role in ROLES}
    if users["agent"] is None:
        for role in ("agent", "manager", "dispatcher", "finance"):
            setattr(world, "_user_" + role, make_user(role))
        world._user_technician = world.technician.user
        world._user_other_technician = world.other_technician.user
        users = {role: getattr(world, "_user_" + role) for role in ROLES}
    serial = len(db.session.scalars(select(Terminal.id)).all())
    db.session.add_all([Terminal(terminal_id=f"SPARE{serial:05d}", model="GT06N", sku="TERM-GT06N"),
                        Sim(iccid=_iccid(serial), sku="SIM-IOT")])
    order, _warnings = intake.create_order(
        {"kind": "repair", "customer_id": world.customer.id, "plate": "浙A12345",
         "product_model": "GT06N", "fault_description": "不上线", "purchase_date": "2020-01-01"},
        users["agent"])
    db.session.commit()
    order_id = order.id
    for action, role in steps:
        user = users[role]
        before = _footprint(order_id)
        try:
            current = get_order(order_id, user, for_update=True)
            _perform(action, current, user, world)
            db.session.commit()
        except DomainError:
            db.session.rollback()
            assert _footprint(order_id) == before, f"refused {action} by {role} changed the order"
            continue
        after = _footprint(order_id)
        if after[0] != before[0]:
            assert (before[0], after[0]) in ALLOWED_EDGES, (action, role, before[0], after[0])
        _devices_consistent()
    final = db.session.get(WorkOrder, order_id)
    event(f"final status {final.status}")
    if final.status in ("completed", "closed"):
        expected = quote(final, local_date(final.completed_at))
        parts_total = sum((p.unit_price * p.qty for p in final.parts), Decimal("0"))
        assert final.fee_total == expected.total
        assert final.fee_total == (Decimal("0.00") if expected.in_warranty else parts_total)
        assert final.amount_collected == final.fee_total
