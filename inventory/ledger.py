"""The movement ledger and its balance table, the only code that changes stock.

Every movement is one ledger row (audited) plus a conditional ``UPDATE`` of the balance row in
the same transaction.  A decrement only matches when enough is available
(``on_hand - reserved >= qty``); a row count of 0 means a concurrent request took it first and
the movement is refused with a :class:`~dispatch.errors.Conflict` (409).  On PostgreSQL the
``UPDATE`` waits for a concurrent writer of the same row and re-checks its condition; on SQLite
writers are serialised.  CHECK constraints on the balance table are the last line of defence.
"""

from __future__ import annotations

from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dispatch.errors import Conflict
from dispatch.extensions import db
from inventory.models import StockBalance, StockMovement


def _increase(location_id: int, sku: str, qty: int) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(StockBalance).values(location_id=location_id, sku=sku, on_hand=qty,
                                            reserved=0)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["location_id", "sku"],
        set_={"on_hand": StockBalance.on_hand + qty}))


def _conditional(location_id: int, sku: str, condition, values: dict) -> bool:
    result = db.session.execute(
        update(StockBalance)
        .where(StockBalance.location_id == location_id, StockBalance.sku == sku, condition)
        .values(**values).execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount == 1  # an UPDATE's result is a CursorResult


def _short(sku: str, qty: int) -> Conflict:
    return Conflict(_l("Not enough %(sku)s available (%(qty)s needed).", sku=sku, qty=qty),
                    fields={"qty": str(_l("Not enough available."))}, code="insufficient_stock")


def move(kind: str, sku: str, qty: int, *, from_id: int | None = None, to_id: int | None = None,
         serial: str | None = None, order_id: int | None = None, user_id: int | None = None,
         reason: str = "") -> StockMovement:
    """Record one movement and update the balances; refuse (409) what is not available.

    ``reserve``/``release`` act on ``from_id``'s reserved quantity; every other kind takes
    ``qty`` out of ``from_id`` (from what is available) and/or puts it into ``to_id``.
    """
    if kind == "reserve":
        ok = _conditional(from_id, sku,  # type: ignore[arg-type]
                          StockBalance.on_hand - StockBalance.reserved >= qty,
                          {"reserved": StockBalance.reserved + qty})
    elif kind == "release":
        ok = _conditional(from_id, sku, StockBalance.reserved >= qty,  # type: ignore[arg-type]
                          {"reserved": StockBalance.reserved - qty})
    else:
        ok = from_id is None or _conditional(
            from_id, sku, StockBalance.on_hand - StockBalance.reserved >= qty,
            {"on_hand": StockBalance.on_hand - qty})
        if ok and to_id is not None:
            _increase(to_id, sku, qty)
    if not ok:
        raise _short(sku, qty)
    movement = StockMovement(kind=kind, sku=sku, qty=qty, from_location_id=from_id,
                             to_location_id=to_id, serial=serial, work_order_id=order_id,
                             user_id=user_id, reason=reason[:300])
    db.session.add(movement)
    return movement
