"""Property test: whatever the sequence of movements, each balance equals the sum of the
ledger and nothing is ever negative or over-reserved."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, func, select

from dispatch.errors import Conflict
from dispatch.extensions import db
from inventory.ledger import move
from inventory.models import Location, Part, StockBalance, StockMovement

KINDS = ["receive", "transfer", "reserve", "release", "consume", "adjust_up", "adjust_down",
         "return_faulty", "send_to_vendor", "back_from_vendor"]
operations = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 2), st.integers(0, 2),
                                st.integers(1, 6)), max_size=40)


def _ledger(location_id: int, sku: str) -> tuple[int, int]:
    m = StockMovement
    on_hand = func.sum(case((m.kind.in_(("reserve", "release")), 0),
                            (m.to_location_id == location_id, m.qty), else_=-m.qty))
    reserved = func.sum(case((m.kind == "reserve", m.qty), (m.kind == "release", -m.qty),
                             else_=0))
    row = db.session.execute(select(func.coalesce(on_hand, 0), func.coalesce(reserved, 0)).where(
        m.sku == sku, (m.to_location_id == location_id) | (m.from_location_id == location_id)
    )).one()
    return int(row[0]), int(row[1])


def _apply(kind: str, a: int, b: int, qty: int, sku: str) -> None:
    if kind in ("receive", "return_faulty", "adjust_up"):
        move(kind.replace("_up", ""), sku, qty, to_id=a, reason="count")
    elif kind in ("transfer", "send_to_vendor", "back_from_vendor"):
        if a != b:
            move(kind, sku, qty, from_id=a, to_id=b)
    elif kind in ("reserve", "release"):
        move(kind, sku, qty, from_id=a)
    else:
        move(kind.replace("_down", ""), sku, qty, from_id=a, reason="count")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_balances_follow_the_ledger_and_never_go_negative(app, ops):
    db.session.rollback()
    sku = "P-PROP"
    if db.session.get(Part, 1) is None:
        db.session.add(Part(sku=sku, name="prop", category="other", price=1))
    places = [Location(code=f"L{i}", name="l", kind="warehouse") for i in range(3)]
    db.session.add_all(places)
    db.session.flush()
    ids = [p.id for p in places]
    for kind, a, b, qty in ops:
        try:
            with db.session.begin_nested():
                _apply(kind, ids[a], ids[b], qty, sku)
        except Conflict:
            pass
        for location_id in ids:
            row = db.session.execute(select(StockBalance.on_hand, StockBalance.reserved).where(
                StockBalance.location_id == location_id, StockBalance.sku == sku)).first()
            on_hand, reserved = row if row else (0, 0)
            assert (on_hand, reserved) == _ledger(location_id, sku)
            assert on_hand - reserved >= 0 and reserved >= 0
    db.session.rollback()
